/**
 * Fused softmax cross-entropy kernels for logits with integer class labels, one row at a time and without a
 * one-hot mask.
 *
 * The logits have any shape with a class axis `axis` of size C; every other position is one *row* (an example),
 * and `labels` (int32, or floats holding integers) has the logits' shape without the class axis. With
 * `p = softmax(x)` along the class axis and `y` the label of a row:
 *
 * - {@link softmaxCrossEntropyLoss}: per-row `logsumexp(x) − x[y]` (max-shifted, so finite at logits ±1e4), then
 *   the reduction (`'none'` keeps the rows, `'sum'`, `'mean'` over the rows).
 * - {@link softmaxCrossEntropyBackward}: the cotangent of the logits, `(p − onehot(y)) · s(ct)`, where `s(ct)` is
 *   `ct[row]` (`'none'`), `ct` (`'sum'`) or `ct / rows` (`'mean'`); written in one pass over each row, the label's
 *   entry corrected in place.
 * - {@link softmaxCrossEntropyTangent}: the directional derivative in direction `t` (same shape as the logits),
 *   `Σ_c p·t − t[y]` per row, reduced like the loss. It is the adjoint of the backward map (⟨bwd(c), t⟩ =
 *   ⟨c, tangent(t)⟩), which is what lets a differentiation system use the pair as a linear map and its transpose.
 *
 * Arithmetic runs in float64 whatever the storage dtype (rows are summed in float64, then rounded once); results
 * have the logits' float dtype (promoted with the cotangent's or tangent's dtype). A row whose maximum is not
 * finite is shifted by 0 instead, so ±∞ and NaN propagate as in the unfused `logSoftmax`.
 * @module
 */
import { allocate, floatOf, promote, type DType, type Storage } from '../dtype.js'
import { DTypeError, ShapeError, showShape } from '../errors.js'
import { normalizeAxis, shapesEqual, sizeOf } from '../shape.js'
import { Tensor, checkTensor, dataOf, wrap } from '../tensor.js'

/** How the per-row losses are combined: kept (`'none'`), summed, or averaged over the rows. */
export type CrossEntropyReduction = 'none' | 'sum' | 'mean'

/** Options of the fused cross-entropy kernels. */
export interface CrossEntropyOptions {
  /** The class axis (default −1, the last). */
  readonly axis?: number
  /** Default `'mean'`. */
  readonly reduction?: CrossEntropyReduction
}

interface Layout {
  readonly axis: number
  readonly outer: number
  readonly classes: number
  readonly inner: number
  readonly batch: readonly number[]
  readonly reduction: CrossEntropyReduction
}

const layoutOf = (op: string, x: Tensor, options: CrossEntropyOptions | undefined): Layout => {
  checkTensor(op, x)
  if (x.shape.length === 0) throw new ShapeError(op, `logits must have a class axis, got shape ${showShape(x.shape)}`)
  const reduction = options?.reduction ?? 'mean'
  if (reduction !== 'none' && reduction !== 'sum' && reduction !== 'mean')
    throw new Error(`${op}: unknown reduction '${String(reduction)}' (use 'mean', 'sum' or 'none')`)
  const axis = normalizeAxis(op, options?.axis ?? -1, x.shape.length, x.shape)
  const classes = x.shape[axis]!
  if (classes === 0) throw new ShapeError(op, `the class axis ${axis} of logits ${showShape(x.shape)} is empty`)
  return {
    axis,
    outer: sizeOf(x.shape.slice(0, axis)),
    classes,
    inner: sizeOf(x.shape.slice(axis + 1)),
    batch: x.shape.filter((_, i) => i !== axis),
    reduction,
  }
}

/** The labels as checked int32 class indices (one per row), or a typed error naming the first bad one. */
const labelsOf = (op: string, labels: Tensor, x: Tensor, l: Layout): Storage => {
  checkTensor(op, labels)
  if (!shapesEqual(labels.shape, l.batch))
    throw new ShapeError(
      op,
      `logits ${showShape(x.shape)} need labels of shape ${showShape(l.batch)} (the class axis ${l.axis} removed), got ${showShape(labels.shape)}`,
    )
  const y = dataOf(labels, op)
  const c = l.classes
  // int32 labels are integers already: one range test each
  if (y instanceof Int32Array) {
    let k = 0
    while (k < y.length && y[k]! >= 0 && y[k]! < c) k++
    if (k === y.length) return y
  }
  for (let k = 0; k < y.length; k++) {
    const v = y[k]!
    if (v >= 0 && v < c && Number.isInteger(v)) continue
    if (!Number.isInteger(v))
      throw new DTypeError(op, `labels must be integers, got ${v} at flat position ${k} of labels ${showShape(labels.shape)}`)
    throw new ShapeError(
      op,
      `label ${v} at flat position ${k} of labels ${showShape(labels.shape)} is outside [0, ${c}) for logits ${showShape(x.shape)}`,
    )
  }
  return y
}

/** The reduced output: the per-row values (`'none'`), or their sum or mean as a 0-d tensor. */
const reduceRows = (rows: Float64Array, l: Layout, dtype: DType): Tensor => {
  if (l.reduction === 'none') {
    const out = allocate(dtype, rows.length)
    out.set(rows)
    return wrap(out, l.batch, dtype)
  }
  let s = 0
  for (let r = 0; r < rows.length; r++) s += rows[r]!
  const out = allocate(dtype, 1)
  out[0] = l.reduction === 'mean' ? s / rows.length : s
  return wrap(out, [], dtype)
}

/** Largest entry of the row at `base` (stride `st`, `c` entries), or 0 when that is not finite (see module doc). */
const rowShift = (x: Storage, base: number, st: number, c: number): number => {
  let m = x[base]!
  for (let j = 1, i = base + st; j < c; j++, i += st) {
    const v = x[i]!
    if (v > m || v !== v) m = v
  }
  return m - m === 0 ? m : 0
}

/**
 * Per-row softmax cross-entropy `logsumexp(x) − x[label]` of `logits` along `axis` (default −1) against integer
 * `labels` (shape = the logits' shape without the class axis), reduced by `reduction` (default `'mean'`; `'none'`
 * keeps one loss per row). Two passes per row (maximum, then the shifted sum of exponentials); no one-hot mask.
 * Labels outside `[0, C)` or not integers are a ShapeError / DTypeError naming the first one.
 */
export const softmaxCrossEntropyLoss = (logits: Tensor, labels: Tensor, options?: CrossEntropyOptions): Tensor => {
  const op = 'softmaxCrossEntropyLoss'
  const l = layoutOf(op, logits, options)
  const y = labelsOf(op, labels, logits, l)
  const x = dataOf(logits, op)
  const { outer, classes: c, inner: st } = l
  const dtype = floatOf(logits.dtype)
  const keep = l.reduction === 'none'
  const rows = keep ? allocate(dtype, outer * st) : null
  let total = 0
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < st; k++) {
      const base = o * c * st + k
      const m = rowShift(x, base, st, c)
      let s = 0
      for (let j = 0, i = base; j < c; j++, i += st) s += Math.exp(x[i]! - m)
      const r = o * st + k
      const v = Math.log(s) + m - x[base + y[r]! * st]!
      if (rows === null) total += v
      else rows[r] = v
    }
  if (rows !== null) return wrap(rows, l.batch, dtype)
  const out = allocate(dtype, 1)
  out[0] = l.reduction === 'mean' ? total / (outer * st) : total
  return wrap(out, [], dtype)
}

/** The per-row scale of the backward map: `ct[row]`, `ct`, or `ct / rows`. */
const scalesOf = (op: string, ct: Tensor, l: Layout, rows: number): ((r: number) => number) => {
  checkTensor(op, ct)
  const want = l.reduction === 'none' ? l.batch : []
  if (!shapesEqual(ct.shape, want))
    throw new ShapeError(
      op,
      `the cotangent of a '${l.reduction}' cross-entropy must have shape ${showShape(want)}, got ${showShape(ct.shape)}`,
    )
  const g = dataOf(ct, op)
  if (l.reduction === 'none') return (r) => g[r]!
  const s = l.reduction === 'mean' ? g[0]! / rows : g[0]!
  return () => s
}

let scratch = new Float64Array(64)

/**
 * The cotangent of the logits of {@link softmaxCrossEntropyLoss} (same `labels` and options) for the output
 * cotangent `ct` (the loss's shape: the rows for `'none'`, 0-d otherwise): `(softmax(x) − onehot(label)) · s`
 * with `s = ct[row]`, `ct` or `ct / rows` for `'none'`, `'sum'` and `'mean'`. One exponential per entry, written
 * row by row; the one-hot term is a single subtraction at the label.
 */
export const softmaxCrossEntropyBackward = (
  logits: Tensor,
  labels: Tensor,
  ct: Tensor,
  options?: CrossEntropyOptions,
): Tensor => {
  const op = 'softmaxCrossEntropyBackward'
  const l = layoutOf(op, logits, options)
  const y = labelsOf(op, labels, logits, l)
  const { outer, classes: c, inner: st } = l
  const scale = scalesOf(op, ct, l, outer * st)
  const x = dataOf(logits, op)
  const dtype = promote(logits.dtype, ct.dtype)
  const out = allocate(dtype, x.length)
  if (scratch.length < c) scratch = new Float64Array(c)
  const e = scratch
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < st; k++) {
      const base = o * c * st + k
      const m = rowShift(x, base, st, c)
      let s = 0
      for (let j = 0, i = base; j < c; j++, i += st) {
        const v = Math.exp(x[i]! - m)
        e[j] = v
        s += v
      }
      const r = o * st + k
      const g = scale(r)
      const w = g / s
      const yr = y[r]!
      for (let j = 0, i = base; j < c; j++, i += st) out[i] = j === yr ? e[j]! * w - g : e[j]! * w
    }
  return wrap(out, logits.shape, dtype)
}

/**
 * The directional derivative of {@link softmaxCrossEntropyLoss} (same `labels` and options) at `logits` in
 * direction `t` (the logits' shape): per row `Σ_c softmax(x)·t − t[label]`, reduced like the loss. Linear in `t`,
 * and the adjoint of {@link softmaxCrossEntropyBackward}.
 */
export const softmaxCrossEntropyTangent = (
  logits: Tensor,
  labels: Tensor,
  t: Tensor,
  options?: CrossEntropyOptions,
): Tensor => {
  const op = 'softmaxCrossEntropyTangent'
  const l = layoutOf(op, logits, options)
  const y = labelsOf(op, labels, logits, l)
  checkTensor(op, t)
  if (!shapesEqual(t.shape, logits.shape))
    throw new ShapeError(op, `the tangent must have the logits' shape ${showShape(logits.shape)}, got ${showShape(t.shape)}`)
  const x = dataOf(logits, op)
  const d = dataOf(t, op)
  const { outer, classes: c, inner: st } = l
  const rows = new Float64Array(outer * st)
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < st; k++) {
      const base = o * c * st + k
      const m = rowShift(x, base, st, c)
      let s = 0
      let w = 0
      for (let j = 0, i = base; j < c; j++, i += st) {
        const v = Math.exp(x[i]! - m)
        s += v
        w += v * d[i]!
      }
      const r = o * st + k
      rows[r] = w / s - d[base + y[r]! * st]!
    }
  return reduceRows(rows, l, promote(logits.dtype, t.dtype))
}
