/**
 * `npm run bench` — Cotangent against TF.js (cpu, wasm), jax-js (jit, wasm), a plain TypeScript loop and, when
 * /usr/bin/python3 can import them, PyTorch and NumPy, on workloads W1–W6. `--help` lists the flags.
 */
import { join, relative } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { writeJsonAtomic } from '@cotangent/train'
import { decodeFlags, HELP } from './flags.js'
import { BenchCheckError, ROOT, runHarness, type ResultRow } from './harness.js'
import { loadavg, tmpdir } from 'node:os'

const decoded = decodeFlags(process.argv.slice(2))
if (E.isLeft(decoded)) {
  if (decoded.left === 'help') {
    process.stdout.write(`${HELP}\n`)
    process.exit(0)
  }
  process.stderr.write(`bench: ${decoded.left}\n(see npm run bench -- --help)\n`)
  process.exit(2)
}
const f = decoded.right
const log = (l: string): void => {
  process.stdout.write(`${l}\n`)
}
if (f.scale !== 1)
  log(`NOTE: --scale ${String(f.scale)}: W1–W3 run that fraction of their steps, W4–W5 of their repetitions`)
// the smoke run leaves nothing in the tree
const out =
  f.out ?? (f.quick ? join(tmpdir(), 'cotangent-bench-quick.json') : join(ROOT, 'bench', 'results.json'))
const started = new Date().toISOString()
const write = (rows: readonly ResultRow[], complete: boolean): void => {
  writeJsonAtomic(out, {
    date: started,
    loadavg: loadavg(),
    quick: f.quick,
    complete,
    argv: process.argv.slice(2),
    rows,
  })
}
try {
  const rows = await runHarness({
    ...f.harness,
    log,
    onRows: (r) => {
      write(r, false)
    },
  })
  write(rows, true)
  log(`results: ${relative(process.cwd(), out) || out}`)
} catch (e) {
  if (e instanceof BenchCheckError) {
    process.stderr.write(`bench: CHECK FAILED: ${e.message}\n`)
    process.exit(1)
  }
  throw e
}
// children and wasm runtimes may keep handles open
process.exit(0)
