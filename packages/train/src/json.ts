/**
 * JSON with tensors and non-finite numbers, and atomic file writes.
 *
 * Encoding (`toJson`): a tensor becomes `{ "$type": "tensor", "dtype", "shape", "data" }` with `data` the flat
 * row-major values; a number that JSON cannot hold (NaN, ±Infinity, and −0 inside tensors) is written explicitly —
 * as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"` inside `data`, and as `{ "$type": "number", "value":
 * "NaN" }` elsewhere. Float32 values print exactly (every float32 is a float64), so a round trip is bit-exact.
 *
 * Writes are atomic: the text goes to `<path>.tmp-<pid>-<random>` in the same directory, then `rename`s over
 * `path`, so a reader sees the old file or the new one, never half of one.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
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
 * than tensors, bigints) is a TypeError naming its path.
 */
export const toJson = (value: unknown, path = '$'): Json => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $type: 'number', value: special(value)! }
  if (isTensor(value)) return tensorToJson(value) as unknown as Json
  if (Array.isArray(value)) return value.map((v: unknown, i) => toJson(v, `${path}[${i}]`))
  if (isPlainObject(value))
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toJson(v, `${path}.${k}`)]),
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

/** Writes `data` to `path` atomically (temp file in the same directory, then rename); creates the directory. */
export const writeFileAtomic = (path: string, data: string | Uint8Array): void => {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`
  try {
    writeFileSync(tmp, data)
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

/** Writes `value` as pretty JSON (through {@link toJson}: tensors and non-finite numbers survive) atomically. */
export const writeJsonAtomic = (path: string, value: unknown): void => {
  writeFileAtomic(path, `${JSON.stringify(toJson(value), null, 2)}\n`)
}
