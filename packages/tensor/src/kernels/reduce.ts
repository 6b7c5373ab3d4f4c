/**
 * Reductions over axes (NumPy semantics): `sum`, `mean`, `prod`, `max`, `min`, `argmax`, `argmin`, and
 * `sumToShape`, the inverse of broadcasting used by autodiff.
 *
 * Every reduction runs on one driver: dimensions of size 1 are dropped and neighbouring dimensions that are both
 * kept or both reduced are merged, so the common cases collapse to one or two dimensions (reducing everything is a
 * single loop; reducing the last axis of a row-major array is one tight loop per output element; reducing the
 * leading axis accumulates whole contiguous rows). The input is then read once, in memory order, with an odometer
 * over the outer dimensions and a tight loop over the innermost one; nothing is allocated per element.
 * Accumulation happens in float64 whatever the storage dtype.
 * @module
 */
import { allocate, floatOf, type DType, type Storage } from '../dtype.js'
import { ShapeError, showShape } from '../errors.js'
import { normalizeAxes, normalizeAxis, shapesEqual } from '../shape.js'
import { checkTensor, dataOf, wrap, type Tensor } from '../tensor.js'

/** Options of the axis reductions. */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); all axes when omitted. */
  readonly axis?: number | readonly number[]
  /** Keep the reduced axes as dimensions of size 1 (default false). */
  readonly keepdims?: boolean
}

/** Options of `argmax`/`argmin`. */
export interface ArgOptions {
  /** The axis to search along; when omitted the result indexes the flattened array. */
  readonly axis?: number
  /** Keep the reduced axis (or all axes, without `axis`) as size-1 dimensions (default false). */
  readonly keepdims?: boolean
}

const SUM = 0
const PROD = 1
const MAX = 2
const MIN = 3
type Kind = typeof SUM | typeof PROD | typeof MAX | typeof MIN

const identity = (kind: Kind): number =>
  kind === SUM ? 0 : kind === PROD ? 1 : kind === MAX ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY

/** Reduces the contiguous segment `a[i0 .. i0+n)` (n ≥ 1). */
const segment = (kind: Kind, a: Storage, i0: number, n: number): number => {
  const end = i0 + n
  let i = i0
  if (kind === SUM) {
    // four independent accumulators: shorter dependency chain, and slightly better rounding
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    for (const end4 = i0 + (n - (n % 4)); i < end4; i += 4) {
      s0 += a[i]!
      s1 += a[i + 1]!
      s2 += a[i + 2]!
      s3 += a[i + 3]!
    }
    for (; i < end; i++) s0 += a[i]!
    return s0 + s1 + (s2 + s3)
  }
  if (kind === PROD) {
    let p = 1
    for (; i < end; i++) p *= a[i]!
    return p
  }
  let m = a[i]!
  if (kind === MAX) {
    for (i++; i < end; i++) {
      const x = a[i]!
      if (x > m || x !== x) m = x // once m is NaN, neither test holds for a number: NaN sticks
    }
  } else {
    for (i++; i < end; i++) {
      const x = a[i]!
      if (x < m || x !== x) m = x
    }
  }
  return m
}

/** `out[o0 + j] = out[o0 + j] ⊕ a[i0 + j]` for `j < n`. */
const accumulate = (kind: Kind, out: Float64Array, o0: number, a: Storage, i0: number, n: number): void => {
  const d = i0 - o0
  const end = o0 + n
  if (kind === SUM) for (let j = o0; j < end; j++) out[j]! += a[j + d]!
  else if (kind === PROD) for (let j = o0; j < end; j++) out[j]! *= a[j + d]!
  else if (kind === MAX)
    for (let j = o0; j < end; j++) {
      const x = a[j + d]!
      if (x > out[j]! || x !== x) out[j] = x
    }
  else
    for (let j = o0; j < end; j++) {
      const x = a[j + d]!
      if (x < out[j]! || x !== x) out[j] = x
    }
}

/** Accumulates `rows` consecutive rows of length `n` starting at `a[i0]` into `out[o0 .. o0+n)`. */
const accumulateRows = (
  kind: Kind,
  out: Float64Array,
  o0: number,
  a: Storage,
  i0: number,
  rows: number,
  n: number,
): void => {
  let r = 0
  if (kind === SUM)
    // four rows per pass: a quarter of the loads and stores of `out`
    for (; r + 3 < rows; r += 4) {
      const p = i0 + r * n - o0
      const end = o0 + n
      for (let j = o0; j < end; j++) {
        const q = p + j
        out[j]! += a[q]! + a[q + n]! + (a[q + 2 * n]! + a[q + 3 * n]!)
      }
    }
  for (; r < rows; r++) accumulate(kind, out, o0, a, i0 + r * n, n)
}

const combine = (kind: Kind, acc: number, x: number): number =>
  kind === SUM
    ? acc + x
    : kind === PROD
      ? acc * x
      : acc !== acc || x !== x
        ? NaN
        : kind === MAX
          ? acc > x
            ? acc
            : x
          : acc < x
            ? acc
            : x

/**
 * Reduces `data` (of `shape`) over the dimensions flagged in `reduced`, into a fresh Float64Array holding the
 * kept dimensions in order. `outSize` is the product of the kept dimensions.
 */
const reduceCore = (
  kind: Kind,
  data: Storage,
  shape: readonly number[],
  reduced: readonly boolean[],
  outSize: number,
): Float64Array => {
  const out = new Float64Array(outSize)
  const init = identity(kind)
  if (init !== 0) out.fill(init)
  if (data.length === 0 || outSize === 0) return out
  if (shape.length === 2 && shape[0]! > 1 && shape[1]! > 1 && reduced[0] !== reduced[1]) {
    // a matrix reduced over one axis (bias gradients, per-row max/sum): what the general driver below does for
    // these collapsed dims, without building its bookkeeping arrays
    const rows = shape[0]!
    const cols = shape[1]!
    if (reduced[1]) for (let r = 0; r < rows; r++) out[r] = combine(kind, init, segment(kind, data, r * cols, cols))
    else accumulateRows(kind, out, 0, data, 0, rows, cols)
    return out
  }
  // collapse: drop size-1 dims, merge neighbours of the same kind
  const dims: number[] = []
  const red: boolean[] = []
  for (let i = 0; i < shape.length; i++) {
    const n = shape[i]!
    if (n === 1) continue
    const r = reduced[i]!
    const last = dims.length - 1
    if (last >= 0 && red[last] === r) dims[last]! *= n
    else {
      dims.push(n)
      red.push(r)
    }
  }
  if (dims.length === 0) {
    out[0] = combine(kind, out[0]!, data[0]!)
    return out
  }
  const nd = dims.length
  // output strides of the collapsed dims (0 for reduced ones)
  const ost = new Array<number>(nd).fill(0)
  for (let i = nd - 1, acc = 1; i >= 0; i--)
    if (!red[i]) {
      ost[i] = acc
      acc *= dims[i]!
    }
  const inner = dims[nd - 1]!
  const innerReduced = red[nd - 1]!
  // one block per odometer step: a reduced inner segment, or (kept inner dim) all the rows of the reduced dim
  // just outside it, which are accumulated several at a time
  const rows = innerReduced || nd < 2 ? 1 : dims[nd - 2]!
  const top = innerReduced || nd < 2 ? nd - 2 : nd - 3
  const block = inner * rows
  const total = data.length
  const idx = new Array<number>(nd).fill(0)
  let oo = 0
  for (let io = 0; io < total; io += block) {
    if (innerReduced) out[oo] = combine(kind, out[oo]!, segment(kind, data, io, inner))
    else accumulateRows(kind, out, oo, data, io, rows, inner)
    for (let d = top; d >= 0; d--) {
      idx[d]!++
      oo += ost[d]!
      if (idx[d]! < dims[d]!) break
      oo -= ost[d]! * dims[d]!
      idx[d] = 0
    }
  }
  return out
}

/** Moves accumulated float64 values into storage of `dtype` (no copy for float64). */
const store = (acc: Float64Array, dtype: DType): Storage => {
  if (dtype === 'float64') return acc
  const out = allocate(dtype, acc.length)
  out.set(acc)
  return out
}

const reduceAxes = (
  op: string,
  kind: Kind,
  a: Tensor,
  options: ReduceOptions | undefined,
  dtype: DType,
  isMean: boolean,
): Tensor => {
  const shape = a.shape
  const axes = normalizeAxes(op, options?.axis, shape)
  const reduced = new Array<boolean>(shape.length).fill(false)
  for (const ax of axes) reduced[ax] = true
  const keepdims = options?.keepdims ?? false
  const outShape: number[] = []
  let outSize = 1
  let count = 1
  for (let i = 0; i < shape.length; i++) {
    if (reduced[i]) {
      count *= shape[i]!
      if (keepdims) outShape.push(1)
    } else {
      outShape.push(shape[i]!)
      outSize *= shape[i]!
    }
  }
  if ((kind === MAX || kind === MIN) && count === 0 && outSize > 0)
    throw new ShapeError(
      op,
      `cannot reduce an empty axis of shape ${showShape(shape)} (axis ${axes.length === 1 ? String(axes[0]) : `[${axes.join(',')}]`}); ${op} has no identity`,
    )
  const acc = reduceCore(kind, dataOf(a), shape, reduced, outSize)
  if (isMean) for (let i = 0; i < outSize; i++) acc[i] = acc[i]! / count
  return wrap(store(acc, dtype), outShape, dtype)
}

/**
 * Sum over `axis` (all axes by default). The result is floating: int32 input sums to float64. The sum of an
 * empty axis is 0.
 */
export const sum = (a: Tensor, options?: ReduceOptions): Tensor =>
  reduceAxes('sum', SUM, checkTensor('sum', a), options, floatOf(a.dtype), false)

/** Arithmetic mean over `axis` (all axes by default); floating result. The mean of an empty axis is NaN. */
export const mean = (a: Tensor, options?: ReduceOptions): Tensor =>
  reduceAxes('mean', SUM, checkTensor('mean', a), options, floatOf(a.dtype), true)

/** Product over `axis` (all axes by default); floating result. The product of an empty axis is 1. */
export const prod = (a: Tensor, options?: ReduceOptions): Tensor =>
  reduceAxes('prod', PROD, checkTensor('prod', a), options, floatOf(a.dtype), false)

/**
 * Maximum over `axis` (all axes by default); keeps the dtype. NaN propagates. Reducing an empty axis throws a
 * ShapeError (there is no identity).
 */
export const max = (a: Tensor, options?: ReduceOptions): Tensor =>
  reduceAxes('max', MAX, checkTensor('max', a), options, a.dtype, false)

/**
 * Minimum over `axis` (all axes by default); keeps the dtype. NaN propagates. Reducing an empty axis throws a
 * ShapeError.
 */
export const min = (a: Tensor, options?: ReduceOptions): Tensor =>
  reduceAxes('min', MIN, checkTensor('min', a), options, a.dtype, false)

/** Position (0 ≤ k < n) of the first maximum of `a[i0 + k·stride]`; the first NaN wins outright. */
const scanMax = (a: Storage, i0: number, n: number, stride: number): number => {
  let best = a[i0]!
  if (best !== best) return 0
  let bk = 0
  for (let k = 1, i = i0 + stride; k < n; k++, i += stride) {
    const x = a[i]!
    if (x > best) {
      best = x
      bk = k
    } else if (x !== x) return k
  }
  return bk
}

/** Position of the first minimum of `a[i0 + k·stride]`; the first NaN wins outright. */
const scanMin = (a: Storage, i0: number, n: number, stride: number): number => {
  let best = a[i0]!
  if (best !== best) return 0
  let bk = 0
  for (let k = 1, i = i0 + stride; k < n; k++, i += stride) {
    const x = a[i]!
    if (x < best) {
      best = x
      bk = k
    } else if (x !== x) return k
  }
  return bk
}

/**
 * Index of the largest (`isMax`) or smallest element along `axis`. A NaN beats everything and the first NaN is
 * final, as in NumPy; ties keep the first occurrence.
 */
const argReduce = (op: string, isMax: boolean, a: Tensor, options: ArgOptions | undefined): Tensor => {
  const data = dataOf(a, op)
  const shape = a.shape
  const keepdims = options?.keepdims ?? false
  if (options?.axis === undefined) {
    if (a.size === 0)
      throw new ShapeError(op, `cannot take ${op} of an empty tensor of shape ${showShape(shape)}`)
    const out = new Int32Array(1)
    out[0] = isMax ? scanMax(data, 0, data.length, 1) : scanMin(data, 0, data.length, 1)
    return wrap(out, keepdims ? shape.map(() => 1) : [], 'int32')
  }
  const ax = normalizeAxis(op, options.axis, shape.length, shape)
  const n = shape[ax]!
  let outer = 1
  for (let i = 0; i < ax; i++) outer *= shape[i]!
  let inner = 1
  for (let i = ax + 1; i < shape.length; i++) inner *= shape[i]!
  const outShape = keepdims ? shape.map((d, i) => (i === ax ? 1 : d)) : shape.filter((_, i) => i !== ax)
  const outSize = outer * inner
  if (n === 0 && outSize > 0)
    throw new ShapeError(
      op,
      `cannot take ${op} along empty axis ${options.axis} of shape ${showShape(shape)}`,
    )
  const out = new Int32Array(outSize)
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++)
      out[o * inner + j] = isMax
        ? scanMax(data, o * n * inner + j, n, inner)
        : scanMin(data, o * n * inner + j, n, inner)
  return wrap(out, outShape, 'int32')
}

/**
 * Index of the maximum along `axis` (int32). Without `axis`, the index into the flattened array. Ties pick the
 * first occurrence; a NaN counts as the maximum (the first NaN wins). Empty input throws a ShapeError.
 */
export const argmax = (a: Tensor, options?: ArgOptions): Tensor => argReduce('argmax', true, a, options)

/** Index of the minimum along `axis` (int32); same conventions as {@link argmax}. */
export const argmin = (a: Tensor, options?: ArgOptions): Tensor => argReduce('argmin', false, a, options)

/**
 * The inverse of broadcasting: sums `a` down to `shape`, where `shape` must broadcast to `a.shape` (leading axes
 * that broadcasting would add are summed away, and so are axes where `shape` has 1 and `a` does not). Returns `a`
 * itself when the shapes already agree and `a` is floating; otherwise the result is floating (as {@link sum}).
 * Autodiff uses it to transpose broadcasting.
 */
export const sumToShape = (a: Tensor, shape: readonly number[]): Tensor => {
  const from = checkTensor('sumToShape', a).shape
  const off = from.length - shape.length
  let ok = off >= 0
  for (let i = 0; ok && i < shape.length; i++) ok = shape[i] === from[i + off] || shape[i] === 1
  if (!ok)
    throw new ShapeError(
      'sumToShape',
      `cannot sum ${showShape(from)} down to ${showShape(shape)} (${showShape(shape)} does not broadcast to ${showShape(from)})`,
    )
  const dtype = floatOf(a.dtype)
  if (shapesEqual(from, shape) && dtype === a.dtype) return a
  const reduced = from.map((d, i) => i < off || (shape[i - off] === 1 && d !== 1))
  let outSize = 1
  for (const d of shape) outSize *= d
  return wrap(store(reduceCore(SUM, dataOf(a), from, reduced, outSize), dtype), shape, dtype)
}
