/**
 * The IDX format of MNIST and Fashion-MNIST (optionally gzipped): a magic number `0x0000TTDD` (T the element type, D
 * the number of dimensions), D big-endian int32 sizes, then the elements, big-endian, row-major.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import { dataError, type DataError } from './errors.js'
import { ioError } from './files.js'

const gunzipAsync = promisify(gunzip)

/** Element types of IDX files, by their type byte. */
export const IDX_TYPES = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
} as const

/** An IDX element type. */
export type IdxType = (typeof IDX_TYPES)[keyof typeof IDX_TYPES]

const SIZES: Readonly<Record<IdxType, number>> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  float32: 4,
  float64: 8,
}

/** The typed array for each IDX element type. */
export interface IdxArrays {
  readonly uint8: Uint8Array
  readonly int8: Int8Array
  readonly int16: Int16Array
  readonly int32: Int32Array
  readonly float32: Float32Array
  readonly float64: Float64Array
}

/** A decoded IDX file: row-major elements in native byte order and the shape. Treat `data` as read-only. */
export interface Idx<T extends IdxType = IdxType> {
  readonly type: T
  readonly shape: readonly number[]
  readonly data: IdxArrays[T]
}

/** What the caller expects, checked after decoding (e.g. `{ type: 'uint8', ndim: 3 }` for images). */
export interface IdxExpect<T extends IdxType> {
  readonly type: T
  readonly ndim?: number
}

const HINT = 'the file should be an IDX file as distributed with MNIST / Fashion-MNIST; download it again'
const hex = (x: number): string => `0x${x.toString(16).padStart(8, '0')}`

const toNative = (type: IdxType, bytes: Uint8Array, count: number): IdxArrays[IdxType] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const read = (make: (i: number) => number, out: { [i: number]: number }): void => {
    // A local typed array filled by a loop: one pass, no per-element allocation.
    // eslint-disable-next-line functional/no-let
    for (let i = 0; i < count; i++) out[i] = make(i) // eslint-disable-line functional/immutable-data
  }
  switch (type) {
    case 'uint8':
      return bytes.slice(0, count)
    case 'int8':
      return new Int8Array(bytes.slice(0, count).buffer)
    case 'int16': {
      const out = new Int16Array(count)
      read((i) => view.getInt16(2 * i), out)
      return out
    }
    case 'int32': {
      const out = new Int32Array(count)
      read((i) => view.getInt32(4 * i), out)
      return out
    }
    case 'float32': {
      const out = new Float32Array(count)
      read((i) => view.getFloat32(4 * i), out)
      return out
    }
    case 'float64': {
      const out = new Float64Array(count)
      read((i) => view.getFloat64(8 * i), out)
      return out
    }
  }
}

/**
 * Decodes the bytes of an IDX file (already gunzipped) named `file`: checks the magic number, the element type,
 * the dimensions and that the length is exactly header + elements.
 */
export const decodeIdx = <T extends IdxType>(
  file: string,
  bytes: Uint8Array,
  expect: IdxExpect<T>,
): E.Either<DataError, Idx<T>> => {
  if (bytes.length < 4)
    return E.left(
      dataError(file, `truncated IDX file: ${String(bytes.length)} bytes, not even a magic number`, HINT),
    )
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getUint32(0)
  const typeByte = bytes[2]!
  const ndim = bytes[3]!
  const type = (IDX_TYPES as Readonly<Record<number, IdxType>>)[typeByte]
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || ndim === 0)
    return E.left(
      dataError(
        file,
        `bad IDX magic number ${hex(magic)}: expected 0x0000TTDD with a known type TT (08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64) and DD ≥ 1 dimensions`,
        HINT,
      ),
    )
  if (type !== expect.type)
    return E.left(
      dataError(file, `IDX element type is ${type} (magic ${hex(magic)}), expected ${expect.type}`, HINT),
    )
  if (expect.ndim !== undefined && ndim !== expect.ndim)
    return E.left(
      dataError(
        file,
        `IDX file has ${String(ndim)} dimensions (magic ${hex(magic)}), expected ${String(expect.ndim)}`,
        HINT,
      ),
    )
  const header = 4 + 4 * ndim
  if (bytes.length < header)
    return E.left(
      dataError(
        file,
        `truncated IDX header: ${String(bytes.length)} bytes, the ${String(ndim)} sizes need ${String(header)}`,
        HINT,
      ),
    )
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d))
  const count = shape.reduce((a, b) => a * b, 1)
  const expected = header + count * SIZES[type]
  if (bytes.length !== expected)
    return E.left(
      dataError(
        file,
        `${bytes.length < expected ? 'truncated' : 'over-long'} IDX file: shape [${shape.join(', ')}] of ${type} needs ${String(expected)} bytes, got ${String(bytes.length)}`,
        HINT,
      ),
    )
  return E.right({
    type: expect.type,
    shape,
    data: toNative(type, bytes.subarray(header), count) as IdxArrays[T],
  })
}

/** True when `bytes` start with the gzip magic `1f 8b`. */
export const isGzip = (bytes: Uint8Array): boolean => bytes[0] === 0x1f && bytes[1] === 0x8b

/**
 * Reads an IDX file, gunzipping it first when it is gzip data (by its magic bytes, whatever the name). A missing
 * file, a broken gzip stream, a bad magic number, unexpected dimensions or a wrong length is a `Left`.
 */
export const readIdx = async <T extends IdxType>(
  file: string,
  expect: IdxExpect<T>,
  hint = HINT,
): Promise<E.Either<DataError, Idx<T>>> => {
  const raw = await readFile(file).then(
    (b) => E.right(b),
    (err: unknown) => E.left(ioError(file, err, hint)),
  )
  if (E.isLeft(raw)) return raw
  if (raw.right.length === 0) return E.left(dataError(file, 'file is empty', hint))
  const bytes = isGzip(raw.right)
    ? await gunzipAsync(raw.right).then(
        (b) => E.right(b),
        (err: unknown) =>
          E.left(
            dataError(file, `broken gzip data (${err instanceof Error ? err.message : String(err)})`, hint),
          ),
      )
    : E.right(raw.right)
  return E.isLeft(bytes) ? bytes : decodeIdx(file, bytes.right, expect)
}
