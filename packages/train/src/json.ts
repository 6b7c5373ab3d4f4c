/**
 * JSON with tensors and non-finite numbers, and atomic file writes.
 *
 * Encoding (`toJson`): a tensor becomes `{ "$type": "tensor", "dtype", "shape", "data" }` with `data` the flat
 * row-major values; a number that JSON cannot hold (NaN, ±Infinity, and −0 inside tensors) is written explicitly —
 * as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"` inside `data`, and as `{ "$type": "number", "value":
 * "NaN" }` elsewhere. Float32 values print exactly (every float32 is a float64), so a round trip is bit-exact.
 *
 * Writes are atomic and durable: the text goes to `<path>.tmp-<pid>-<random>` in the same directory, is flushed to
 * the disk (`fsync`), then `rename`s over `path`, and the directory is flushed too, so a reader sees the old file or
 * the new one, never half of one, and a write reported as done survives a crash or power loss.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { isPlainObject } from '@cotangent/autodiff'
import { fromArray, isTensor, toArray, type DType, type Tensor } from '@cotangent/tensor'

/** A JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

/** The encoding of a tensor. */
export interface TensorJson {
  readonly $type: 'tensor'
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly data: readonly (number | SpecialNumber)[]
}

/** How non-finite numbers (and −0 inside tensors) are spelled. */
export type SpecialNumber = 'NaN' | 'Infinity' | '-Infinity' | '-0'

const special = (x: number): SpecialNumber | null =>
  Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : Object.is(x, -0) ? '-0' : null

/** Parses a special spelling back (`null` when `s` is not one). */
export const parseSpecial = (s: unknown): number | null =>
  s === 'NaN' ? Number.NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : s === '-0' ? -0 : null

/** Encodes a tensor. */
export const tensorToJson = (t: Tensor): TensorJson => ({
  $type: 'tensor',
  dtype: t.dtype,
  shape: [...t.shape],
  data: Array.from(toArray(t), (x) => special(x) ?? x),
})

/**
 * Encodes a value for `JSON.stringify`: tensors as {@link TensorJson}, non-finite numbers explicitly, arrays and
 * plain records recursively; `undefined` record fields are dropped. Anything else (functions, class instances other
 * than tensors, bigints) is a TypeError naming its path, and so is a circular value (`$.config.self is $ again`).
 */
export const toJson = (value: unknown, path = '$'): Json => encode(value, path, [])

const encode = (value: unknown, path: string, ancestors: readonly (readonly [unknown, string])[]): Json => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $type: 'number', value: special(value)! }
  if (isTensor(value)) return tensorToJson(value) as unknown as Json
  const seen = ancestors.find(([a]) => a === value)
  if (seen !== undefined)
    throw new TypeError(`toJson: cannot encode a circular value: ${path} is ${seen[1]} again (remove the back-reference, or save a copy without it)`)
  const inner = [...ancestors, [value, path] as const]
  if (Array.isArray(value)) return value.map((v: unknown, i) => encode(v, `${path}[${i}]`, inner))
  if (isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, encode(v, `${path}.${k}`, inner)]),
    )
  throw new TypeError(`toJson: cannot encode ${path} (${typeof value === 'object' ? 'a non-plain object' : typeof value}) as JSON`)
}

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** Decodes what {@link toJson} wrote, without validation (see `loadCheckpoint` for the validated path). */
export const fromJson = (json: unknown): unknown => {
  if (Array.isArray(json)) return json.map(fromJson)
  if (!isRecord(json)) return json
  if (json.$type === 'number') return parseSpecial(json.value) ?? Number.NaN
  if (json.$type === 'tensor') {
    const t = json as unknown as TensorJson
    return fromArray(
      t.data.map((x) => (typeof x === 'number' ? x : (parseSpecial(x) ?? Number.NaN))),
      t.shape,
      { dtype: t.dtype },
    )
  }
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fromJson(v)]))
}

/** Flushes a directory entry to the disk (so a rename in it is durable); a no-op where directories cannot be opened. */
const fsyncDir = (dir: string): void => {
  const fd = (() => {
    try {
      return openSync(dir, 'r')
    } catch {
      return null // e.g. Windows, where a directory cannot be opened for reading
    }
  })()
  if (fd === null) return
  try {
    fsyncSync(fd)
  } catch (err) {
    // some file systems refuse fsync on a directory (EINVAL/EISDIR/EPERM): the data itself was flushed
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
    if (!['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP', 'EBADF'].includes(code)) throw err
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes `data` to `path` atomically and durably: a temp file in the same directory, written in full and
 * `fsync`ed, renamed over `path`, then the directory `fsync`ed; creates the directory. On failure the temp file is
 * removed and the error (a Node `ErrnoException` with `code` and `path`) is thrown.
 */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void => {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  try {
    const fd = openSync(tmp, 'wx')
    try {
      const writeAll = (offset: number): void => {
        if (offset < bytes.length) writeAll(offset + writeSync(fd, bytes, offset, bytes.length - offset))
      }
      writeAll(0)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  fsyncDir(dir)
}

/** Writes `value` as pretty JSON (through {@link toJson}: tensors and non-finite numbers survive) atomically. */
export const writeJsonAtomic = (path: string, value: unknown): void => {
  writeFileAtomic(path, `${JSON.stringify(toJson(value), null, 2)}\n`)
}
