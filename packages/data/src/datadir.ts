/**
 * Where data sets live: `--data-dir`, else `$COTANGENT_DATA`, else the user cache (`$XDG_CACHE_HOME/cotangent` or
 * `~/.cache/cotangent`), which `npm run fetch` fills. Every directory uses the same layout
 * (`rt-polarity/pos.txt`, `fashion-mnist/train-images-idx3-ubyte.gz`, …).
 * @module
 */
import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type { DatasetDef } from './datasets.js'
import { dataError, type DataError } from './errors.js'

/** The environment variable naming the data directory. */
export const DATA_ENV = 'COTANGENT_DATA'

/** The download cache: `$XDG_CACHE_HOME/cotangent`, or `~/.cache/cotangent`. */
export const defaultCacheDir = (env: NodeJS.ProcessEnv = process.env): string =>
  join(
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache'),
    'cotangent',
  )

/**
 * The data directory (absolute): the `--data-dir` flag if given, else `$COTANGENT_DATA`, else
 * {@link defaultCacheDir}. Empty strings count as unset.
 */
export const resolveDataDir = (flag?: string, env: NodeJS.ProcessEnv = process.env): string => {
  if (flag !== undefined && flag !== '') return resolve(flag)
  const fromEnv = env[DATA_ENV]
  return fromEnv !== undefined && fromEnv !== '' ? resolve(fromEnv) : defaultCacheDir(env)
}

/**
 * How to get a data set, for error hints: the fetch command (with `--data-dir` when `dataDir` is not where the
 * fetch would store it by default) or the other ways to point at a copy.
 */
export const fetchHint = (def: DatasetDef, dataDir?: string): string => {
  if (def.download.kind === 'vendored') return `${def.name} ships with @cotangent/data`
  if (def.download.kind === 'local') return 'check the path of the file'
  const flag = dataDir === undefined || resolve(dataDir) === resolveDataDir() ? '' : ` --data-dir ${dataDir}`
  return `download it with \`npm run fetch -- ${def.name}${flag}\`, or point --data-dir / ${DATA_ENV} at a directory holding ${def.dir}/`
}

/**
 * The absolute paths of `def`'s files in `dataDir`, or a `Left` naming the directory looked in, the first missing
 * file and how to get the data set.
 */
export const locateDataset = (
  def: DatasetDef,
  dataDir: string,
): E.Either<DataError, Readonly<Record<string, string>>> => {
  const dir = join(dataDir, def.dir)
  const missing = def.files.find((f) => {
    const p = join(dir, f.name)
    return !existsSync(p) || !statSync(p).isFile()
  })
  return missing === undefined
    ? E.right(Object.fromEntries(def.files.map((f) => [f.name, join(dir, f.name)])))
    : E.left(
        dataError(
          join(dir, missing.name),
          `${def.title}: ${missing.name} not found (looked in ${dir})`,
          fetchHint(def, dataDir),
        ),
      )
}
