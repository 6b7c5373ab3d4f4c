/**
 * `npm run fetch -- <dataset> [--data-dir DIR] [--base-url URL] [--force]`: downloads a data set into the data
 * directory (`--data-dir`, else `$COTANGENT_DATA`, else `~/.cache/cotangent`), checking its sha256s. Prints what
 * went wrong and exits 1 on failure, 2 on a usage error.
 * @module
 */
import { parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { resolveDataDir } from './datadir.js'
import { DATASETS, findDataset } from './datasets.js'
import { formatDataError } from './errors.js'
import { fetchDataset } from './fetch.js'

const USAGE = `usage: npm run fetch -- <dataset> [--data-dir DIR] [--base-url URL] [--force]
datasets:
${DATASETS.map((d) => `  ${[d.name, ...d.aliases].join(', ').padEnd(24)} ${d.title}${d.download.kind === 'vendored' ? ' (ships with @cotangent/data)' : ''}`).join('\n')}`

const Args = t.type({
  values: t.partial({ 'data-dir': t.string, 'base-url': t.string, force: t.boolean, help: t.boolean }),
  positionals: t.array(t.string),
})

/** Runs the fetch command on `argv` (without `node script`); resolves to the exit code. */
export const main = async (argv: readonly string[]): Promise<number> => {
  const parsed = E.chain((raw: unknown) => Args.decode(raw))(
    E.tryCatch(
      () =>
        parseArgs({
          args: [...argv],
          allowPositionals: true,
          strict: true,
          options: {
            'data-dir': { type: 'string' },
            'base-url': { type: 'string' },
            force: { type: 'boolean' },
            help: { type: 'boolean', short: 'h' },
          },
        }),
      (err) => [{ value: argv, context: [], message: err instanceof Error ? err.message : String(err) }],
    ),
  )
  if (E.isLeft(parsed)) {
    process.stderr.write(
      `fetch: ${parsed.left.map((e) => e.message ?? 'bad arguments').join('; ')}\n${USAGE}\n`,
    )
    return 2
  }
  const { values, positionals } = parsed.right
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (positionals.length !== 1) {
    process.stderr.write(`fetch: name exactly one data set\n${USAGE}\n`)
    return 2
  }
  const name = positionals[0]!
  const def = findDataset(name)
  if (def === undefined) {
    process.stderr.write(`fetch: unknown data set ${JSON.stringify(name)}\n${USAGE}\n`)
    return 2
  }
  if (def.download.kind === 'vendored' || def.download.kind === 'local') {
    process.stdout.write(`${def.name} ships with @cotangent/data; nothing to download\n`)
    return 0
  }
  const result = await fetchDataset(def, {
    dataDir: resolveDataDir(values['data-dir']),
    ...(values['base-url'] === undefined ? {} : { baseUrl: values['base-url'] }),
    force: values.force === true,
    log: (m) => process.stderr.write(`${m}\n`),
  })
  if (E.isLeft(result)) {
    process.stderr.write(`fetch ${def.name} failed: ${formatDataError(result.left)}\n`)
    return 1
  }
  process.stdout.write(
    result.right.downloaded
      ? `${def.name}: downloaded and verified in ${result.right.dir}\n`
      : `${def.name}: already present and verified in ${result.right.dir}\n`,
  )
  return 0
}

// The one side effect of the command: its exit code.
process.exitCode = await main(process.argv.slice(2)) // eslint-disable-line functional/immutable-data
