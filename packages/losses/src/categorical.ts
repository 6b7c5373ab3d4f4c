/**
 * Multi-class losses: softmax cross-entropy and negative log-likelihood.
 * @module
 */
import { bind, logSoftmax, mul, neg, reshape, sum, take, toTensor, transpose, type Value } from '@cotangent/autodiff'
import {
  DTypeError,
  ShapeError,
  fromArray,
  normalizeAxis,
  shapesEqual,
  showShape,
  toArray,
  type Tensor,
} from '@cotangent/tensor'
import { xentP } from './fused.js'
import { checkReduction, concreteOf, indexIn, reduce, valuesOf, type ReductionOptions } from './reduce.js'

/** Class labels: an int32 tensor (or a float tensor of integers), or a plain array of integers. */
export type Labels = Value | readonly number[]

/** Options of {@link softmaxCrossEntropy} and {@link nll}. */
export interface ClassOptions extends ReductionOptions {
  /** The class axis of the logits (default −1, the last). */
  readonly axis?: number
}

const shapeOfLabels = (labels: Labels): readonly number[] =>
  Array.isArray(labels) ? [labels.length] : (labels as Value).shape

/** Moves `axis` of `x` to the end (a no-op when it is already last). */
const classesLast = (x: Value, axis: number): Value =>
  axis === x.shape.length - 1 ? x : transpose(x, [...x.shape.keys()].filter((i) => i !== axis).concat([axis]))

/**
 * Label tensors already checked, with 1 + their largest label: a tensor never changes, so once its labels are known
 * to be integers in `[0, bound)` they are valid for every class count `c ≥ bound`, and the same batch of labels is not
 * read again on every training step.
 */
const checkedBound = new WeakMap<Tensor, number>()

/**
 * Integer labels over `c` classes, checked (integers in `[0, c)`), as a tensor: the labels' own tensor when it is
 * one (int32, or float holding integers), an int32 tensor for a plain array. Staged labels (inside `makeGraph`/`jit`,
 * where values cannot be read) pass through unchecked; the kernel checks them when the program runs.
 */
const checkedLabels = (op: string, what: string, x: Value, labels: Labels, c: number): Value => {
  const shape = shapeOfLabels(labels)
  const known = Array.isArray(labels) ? null : concreteOf(labels as Value)
  if (known === null && !Array.isArray(labels)) return labels as Value
  if (known !== null && (checkedBound.get(known) ?? Infinity) <= c) return known
  const values: ArrayLike<number> = known === null ? (labels as readonly number[]) : toArray(known)
  // a typed array's findIndex: no copy, one pass
  const k = Array.prototype.findIndex.call(values, (v: number) => !Number.isInteger(v) || v < 0 || v >= c)
  if (k >= 0) {
    const v = values[k]!
    if (!Number.isInteger(v))
      throw new DTypeError(op, `labels must be integers, got ${v} at flat position ${k} of labels ${showShape(shape)}`)
    throw new ShapeError(
      op,
      `label ${v} at flat position ${k} of labels ${showShape(shape)} is outside [0, ${c}) for ${what} ${showShape(x.shape)}`,
    )
  }
  if (known === null) return fromArray(labels as readonly number[], shape, { dtype: 'int32' })
  checkedBound.set(known, 1 + Array.from(values).reduce((m, v) => Math.max(m, v), -1))
  return known
}

const isIntegerLabels = (op: string, what: string, x: Value, labels: Labels, axis: number): boolean => {
  const ls = shapeOfLabels(labels)
  const batch = x.shape.filter((_, i) => i !== axis)
  if (shapesEqual(ls, batch)) return true
  if (shapesEqual(ls, x.shape) && !Array.isArray(labels)) return false
  throw new ShapeError(
    op,
    `${what} ${showShape(x.shape)} and labels ${showShape(ls)} do not match (integer labels need shape ${showShape(batch)}; probability targets need ${showShape(x.shape)})`,
  )
}

/**
 * Cross-entropy of softmax(logits) along `axis` (default −1) against integer class `labels` (shape = the logits'
 * shape without the class axis, e.g. `[B]` for `[B, C]`) or probability / one-hot targets (a float tensor of the
 * logits' shape). Computed as `−Σ y·logSoftmax(x)`, stable for extreme logits: at ±1e4 the loss and its gradient
 * `softmax(x) − y` stay finite. Reduced over the examples by `reduction` (default mean).
 *
 * With integer labels the loss is one fused primitive (./fused.ts): one kernel pass forward, and `grad` runs one
 * fused backward `(softmax(x) − onehot(y))·ct` that never builds the one-hot mask; derivatives of every order and
 * mode (jvp, grad of grad, Hessians) stay exact. Staged, it is one `softmaxCrossEntropy` equation whose labels are an
 * operand, so a staged step can take the labels as an input.
 */
export const softmaxCrossEntropy = (logits: Value, labels: Labels, options?: ClassOptions): Value => {
  const op = 'softmaxCrossEntropy'
  if (logits.shape.length === 0)
    throw new ShapeError(op, `logits must have a class axis, got shape ${showShape(logits.shape)}`)
  const axis = normalizeAxis(op, options?.axis ?? -1, logits.shape.length, logits.shape)
  const c = logits.shape[axis]!
  if (isIntegerLabels(op, 'logits', logits, labels, axis)) {
    const reduction = checkReduction(op, options?.reduction)
    return bind(xentP, [logits, checkedLabels(op, 'logits', logits, labels, c)], { axis, reduction })
  }
  const logp = logSoftmax(classesLast(logits, axis), -1)
  const targets = labels as Value
  if (targets.dtype === 'int32')
    throw new DTypeError(
      op,
      `probability targets ${showShape(targets.shape)} must be float, got int32 (integer labels need shape without the class axis)`,
    )
  return reduce(op, neg(sum(mul(classesLast(targets, axis), logp), { axis: -1 })), options?.reduction)
}

/**
 * Log-probabilities are ≤ 0 (`logSoftmax` never returns more: its log-sum-exp is at least the maximum), so a positive
 * value means logits or probabilities were passed, and the loss would be silently wrong (negative, or unbounded).
 */
const checkLogProbs = (logProbs: Value): void => {
  const xs = valuesOf(logProbs)
  if (xs === null) return
  const i = Array.prototype.findIndex.call(xs, (x: number) => x > 0)
  if (i >= 0)
    throw new RangeError(
      `nll: logProbs must be log-probabilities (≤ 0), got ${String(xs[i])} at index ${indexIn(i, logProbs.shape)} of logProbs ${showShape(logProbs.shape)}: for logits use softmaxCrossEntropy, or pass logSoftmax(logits)`,
    )
}

/**
 * Negative log-likelihood: `−logProbs[…, label]` along the class `axis` (default −1) for integer `labels` (shape
 * = `logProbs`' shape without the class axis). Use on the output of `logSoftmax`; `nll(logSoftmax(x), y)` equals
 * `softmaxCrossEntropy(x, y)`. A `−∞` log-probability at a class that is not the label does no harm; a positive value
 * (logits or probabilities passed by mistake) is a RangeError naming it.
 */
export const nll = (logProbs: Value, labels: Labels, options?: ClassOptions): Value => {
  const op = 'nll'
  if (logProbs.shape.length === 0)
    throw new ShapeError(op, `logProbs must have a class axis, got shape ${showShape(logProbs.shape)}`)
  const axis = normalizeAxis(op, options?.axis ?? -1, logProbs.shape.length, logProbs.shape)
  const ls = shapeOfLabels(labels)
  const batch = logProbs.shape.filter((_, i) => i !== axis)
  if (!shapesEqual(ls, batch))
    throw new ShapeError(
      op,
      `logProbs ${showShape(logProbs.shape)} and labels ${showShape(ls)} do not match (labels need shape ${showShape(batch)})`,
    )
  checkLogProbs(logProbs)
  const c = logProbs.shape[axis]!
  const y = toArray(toTensor(checkedLabels(op, 'logProbs', logProbs, labels, c)))
  // −logProbs[…, label]: a gather of one entry per row from the flattened classes-last array (no one-hot mask)
  const flatIndex = Array.from(y, (v, r) => r * c + v)
  const picked = take(reshape(classesLast(logProbs, axis), [-1]), flatIndex)
  return reduce(op, neg(reshape(picked, batch)), options?.reduction)
}
