/**
 * Multi-class losses: softmax cross-entropy and negative log-likelihood.
 * @module
 */
import { logSoftmax, mul, neg, sum, toTensor, transpose, where, type Value } from '@cotangent/autodiff'
import {
  DTypeError,
  ShapeError,
  normalizeAxis,
  oneHot,
  shapesEqual,
  showShape,
  toArray,
  type Tensor,
} from '@cotangent/tensor'
import { indexIn, reduce, valuesOf, type ReductionOptions } from './reduce.js'

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

/** The one-hot mask (a constant) of integer labels over `c` classes, after checking them. */
const labelMask = (op: string, what: string, x: Value, labels: Labels, c: number): Tensor => {
  const values: ArrayLike<number> = Array.isArray(labels) ? labels : toArray(toTensor(labels as Value))
  const shape = shapeOfLabels(labels)
  const batch = Array.from(values).findIndex((v) => !Number.isInteger(v) || v < 0 || v >= c)
  if (batch >= 0) {
    const v = values[batch]!
    if (!Number.isInteger(v))
      throw new DTypeError(
        op,
        `labels must be integers, got ${v} at flat position ${batch} of labels ${showShape(shape)}`,
      )
    throw new ShapeError(
      op,
      `label ${v} at flat position ${batch} of labels ${showShape(shape)} is outside [0, ${c}) for ${what} ${showShape(x.shape)}`,
    )
  }
  return oneHot(Array.isArray(labels) ? labels : toTensor(labels as Value), c)
}

/** Per-example `−Σ_c mask·logp` for integer labels (as a select, so a `−∞` log-probability elsewhere is harmless). */
const pickNegLogp = (logpLast: Value, mask: Tensor): Value => neg(sum(where(mask, logpLast, 0), { axis: -1 }))

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
 */
export const softmaxCrossEntropy = (logits: Value, labels: Labels, options?: ClassOptions): Value => {
  const op = 'softmaxCrossEntropy'
  if (logits.shape.length === 0)
    throw new ShapeError(op, `logits must have a class axis, got shape ${showShape(logits.shape)}`)
  const axis = normalizeAxis(op, options?.axis ?? -1, logits.shape.length, logits.shape)
  const c = logits.shape[axis]!
  const logp = logSoftmax(classesLast(logits, axis), -1)
  if (isIntegerLabels(op, 'logits', logits, labels, axis))
    return reduce(op, pickNegLogp(logp, labelMask(op, 'logits', logits, labels, c)), options?.reduction)
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
  const mask = labelMask(op, 'logProbs', logProbs, labels, logProbs.shape[axis]!)
  return reduce(op, pickNegLogp(classesLast(logProbs, axis), mask), options?.reduction)
}
