/**
 * Reading and writing files at the boundary: read errors become {@link DataError}s; writes are atomic.
 * @module
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { dataError, type DataError } from './errors.js'

/** The first io-ts failure message of a decode, or a generic one. */
export const firstMessage = (errors: t.Errors): string =>
  errors.find((e) => e.message !== undefined)?.message ?? 'invalid value'

const errnoCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined

/** Turns a Node file-system error on `file` into a {@link DataError} with a hint. */
export const ioError = (file: string, err: unknown, hint: string): DataError => {
  const code = errnoCode(err)
  if (code === 'ENOENT') return dataError(file, 'file not found', hint)
  if (code === 'EISDIR') return dataError(file, 'is a directory, expected a file', hint)
  if (code === 'EACCES' || code === 'EPERM')
    return dataError(file, 'permission denied', 'check the file permissions')
  return dataError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`, hint)
}

/** Reads a whole (small) file; a missing, unreadable or empty file is a `Left`. */
export const readFileE = (file: string, hint: string): E.Either<DataError, Buffer> =>
  pipe(
    E.tryCatch(
      () => readFileSync(file),
      (err) => ioError(file, err, hint),
    ),
    E.chain((buf) => (buf.length === 0 ? E.left(dataError(file, 'file is empty', hint)) : E.right(buf))),
  )

/**
 * Writes `data` to `path` atomically: a temporary file next to it, fsync, then rename over `path`. On any failure
 * the temporary file is removed and `path` is untouched. Creates missing parent directories.
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void => {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${String(process.pid)}-${randomBytes(6).toString('hex')}`
  try {
    const fd = openSync(tmp, 'w')
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      writeAll(fd, bytes, 0)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

const writeAll = (fd: number, bytes: Uint8Array, from: number): void => {
  if (from >= bytes.length) return
  const n = writeSync(fd, bytes, from, bytes.length - from)
  writeAll(fd, bytes, from + n)
}
