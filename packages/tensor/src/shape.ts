/**
 * Shape arithmetic shared by every kernel: sizes, strides, axis normalisation and NumPy broadcasting.
 * @module
 */
import { ShapeError, showShape } from './errors.js'

/** Number of elements of a shape (1 for a scalar). */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1)

/** Row-major (C order) strides of a shape, in elements. */
export const stridesOf = (shape: readonly number[]): number[] =>
  shape.map((_, i) => shape.reduce((acc, d, j) => (j > i ? acc * d : acc), 1))

/** True when two shapes are equal. */
export const shapesEqual = (a: readonly number[], b: readonly number[]): boolean => {
  if (a === b) return true
  const n = a.length
  if (n !== b.length) return false
  // a counted loop, not `every`: this runs several times per op on the eager path
  // eslint-disable-next-line functional/no-let -- a loop index, local to this function
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The largest number of elements a tensor may hold: 2³¹ − 1. JavaScript engines cap typed arrays (and memory runs
 * out) well before a product of dimensions stops being exact, so creation checks this limit up front and names the
 * shape, instead of failing inside the engine with `Invalid typed array length`.
 */
export const MAX_SIZE = 2 ** 31 - 1

/**
 * Checks that `shape` is an array of non-negative integers whose product is at most {@link MAX_SIZE}; `op` names
 * the caller in the ShapeError, which names the offending dimension or the element count.
 */
export const checkShape = (op: string, shape: readonly number[]): void => {
  if (!Array.isArray(shape))
    throw new ShapeError(
      op,
      `shape must be an array of dimensions such as [2, 3], got ${typeof shape === 'object' ? 'a non-array object' : `${typeof shape} ${String(shape)}`}`,
    )
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
      throw new ShapeError(
        op,
        `invalid shape [${shape.map(String).join(',')}]: dimensions must be non-negative integers (dimension ${i} is ${typeof d === 'number' ? String(d) : typeof d})`,
      )
  })
  const n = sizeOf(shape)
  if (n > MAX_SIZE)
    throw new ShapeError(
      op,
      `shape ${showShape(shape)} has ${Number.isSafeInteger(n) ? String(n) : n.toExponential(3)} elements, more than the limit of ${MAX_SIZE} (2^31 - 1) elements per tensor; use a smaller shape`,
    )
}

/** Maps a possibly negative axis into `[0, ndim)`, or throws naming the operation and the shape. */
export const normalizeAxis = (op: string, axis: number, ndim: number, shape?: readonly number[]): number => {
  const a = axis < 0 ? axis + ndim : axis
  if (!Number.isInteger(axis) || a < 0 || a >= ndim)
    throw new ShapeError(
      op,
      `axis ${axis} is out of range for ${shape ? `shape ${showShape(shape)}` : `${ndim} dimensions`} (ndim ${ndim})`,
    )
  return a
}

/**
 * Normalises an `axis` argument (one axis, a list, or undefined = all axes) into a sorted list of distinct
 * non-negative axes.
 */
export const normalizeAxes = (
  op: string,
  axis: number | readonly number[] | undefined,
  shape: readonly number[],
): number[] => {
  const ndim = shape.length
  if (axis === undefined) return shape.map((_, i) => i)
  // one axis (the common case): nothing to sort or deduplicate
  if (typeof axis === 'number') return [normalizeAxis(op, axis, ndim, shape)]
  const out = axis.map((a) => normalizeAxis(op, a, ndim, shape))
  if (out.length < 2) return out
  if (new Set(out).size !== out.length) throw new ShapeError(op, `repeated axis in [${axis.join(',')}]`)
  return [...out].sort((x, y) => x - y)
}

/** The broadcast shape of two shapes (NumPy rules), or a ShapeError naming both. */
export const broadcastShapes = (op: string, a: readonly number[], b: readonly number[]): number[] => {
  if (shapesEqual(a, b)) return a.slice()
  // one side a scalar (a weak number, a 0-d tensor, a staged literal): the other side's shape
  if (b.length === 0) return a.slice()
  if (a.length === 0) return b.slice()
  const n = Math.max(a.length, b.length)
  // map over the longer shape: one entry per output dimension, without Array.from's array-like protocol
  return (a.length >= b.length ? a : b).map((_, i) => {
    const da = a[a.length - n + i] ?? 1
    const db = b[b.length - n + i] ?? 1
    if (da === db || db === 1) return da
    if (da === 1) return db
    throw new ShapeError(op, `cannot broadcast ${showShape(a)} with ${showShape(b)} (dimension ${i - n} is ${da} vs ${db})`)
  })
}

/**
 * Strides for reading an operand of shape `inShape` as if it had the (broadcast) shape `outShape`:
 * broadcast dimensions get stride 0. Assumes `inShape` broadcasts to `outShape`.
 */
export const broadcastStrides = (inShape: readonly number[], outShape: readonly number[]): number[] => {
  const off = outShape.length - inShape.length
  const st = stridesOf(inShape)
  return outShape.map((d, i) => (i < off || (inShape[i - off] === 1 && d !== 1) ? 0 : st[i - off]!))
}
