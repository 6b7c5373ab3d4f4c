/**
 * `npm start [-- --apps xor,iris --full --seed N --out runs]`: runs the apps in-process, prints one summary table
 * and writes `<out>/index.md`.
 */
import { join } from 'node:path'
import { decodeArgv } from '@cotangent/cli'
import { writeFileAtomic } from '@cotangent/train'
import * as E from 'fp-ts/lib/Either.js'
import { indexMarkdown, runAll, START, START_FLAGS, summaryTable, type AppName } from './start.js'

const decoded = await decodeArgv(START, START_FLAGS, process.argv.slice(2))
if (E.isLeft(decoded)) {
  if (decoded.left._tag === 'help')
    console.log(decoded.left.text.replace('[default: runs/<app>/<timestamp>/]', '[default: runs]'))
  else console.error(decoded.left.message)
  process.exitCode = decoded.left._tag === 'help' ? 0 : 2
} else {
  const c = decoded.right as {
    apps: readonly AppName[]
    full: boolean
    seed: number
    out: string
    quiet: boolean
  }
  const root = c.out === '' ? 'runs' : c.out
  const t0 = performance.now()
  const rows = await runAll(c.apps, {
    root,
    seed: c.seed,
    full: c.full,
    now: () => new Date(),
    onStart: (a) => {
      if (!c.quiet) process.stdout.write(`${a} …\n`)
    },
    onDone: (r) => {
      if (!c.quiet) process.stdout.write(`${r.app}: ${r.status} in ${r.seconds.toFixed(1)} s\n`)
    },
  })
  const index = join(root, 'index.md')
  writeFileAtomic(index, indexMarkdown(rows, root, new Date()))
  console.log(
    `\n${summaryTable(rows)}\n\nindex: ${index} (${((performance.now() - t0) / 1000).toFixed(1)} s in all)`,
  )
  if (rows.some((r) => r.status !== 'ok' && r.status !== 'skipped')) process.exitCode = 1
}
