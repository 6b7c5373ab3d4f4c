/**
 * Metrics on concrete values (plain numbers out; not differentiable).
 * @module
 */
import { toTensor, type Value } from '@cotangent/autodiff'
import { ShapeError, argmax, shapesEqual, showShape, toArray } from '@cotangent/tensor'
import type { Labels } from './categorical.js'
import { indexIn } from './reduce.js'

/**
 * Options of {@link accuracy}. `from` is required: the same numbers mean different predictions as logits (class 1
 * above 0) and as probabilities (class 1 above 0.5), and guessing silently reports a wrong accuracy.
 */
export interface AccuracyOptions {
  /**
   * What the predictions hold: `'logits'` (e.g. the input of `bceWithLogits` / `softmaxCrossEntropy`; a
   * single-column output predicts class 1 when `> 0`) or `'probabilities'` (the input of `bce`, or softmax
   * outputs; class 1 when `> 0.5`, and every value must lie in [0, 1]). Multi-column outputs take the argmax either
   * way.
   */
  readonly from: 'logits' | 'probabilities'
  /** An explicit decision threshold for single-column outputs (instead of 0 or 0.5). */
  readonly threshold?: number
}

const labelValues = (
  labels: Labels,
): { readonly shape: readonly number[]; readonly values: ArrayLike<number> } =>
  Array.isArray(labels)
    ? { shape: [labels.length], values: labels }
    : { shape: toTensor(labels as Value).shape, values: toArray(toTensor(labels as Value)) }

/**
 * The fraction of examples whose predicted class equals the label.
 * - Multi-column output `[..., C]` (C > 1): the prediction is the argmax along the last axis; labels have shape
 *   `[...]`.
 * - Single-column output `[B, 1]` or a 1-D `[B]`: binary; the prediction is `1` above the threshold (0 for
 *   logits, 0.5 for probabilities, see {@link AccuracyOptions}), else `0`; labels (0/1) have shape `[B]` (or `[B, 1]`).
 *
 * `options.from` must say whether the predictions are logits or probabilities (a TypeError otherwise);
 * probabilities outside [0, 1] are a RangeError naming the value (they are logits). Returns NaN for an empty batch
 * (0 of 0).
 */
export const accuracy = (predictions: Value, labels: Labels, options: AccuracyOptions): number => {
  const from = (options as Partial<AccuracyOptions> | undefined)?.from
  if (from !== 'logits' && from !== 'probabilities')
    throw new TypeError(
      `accuracy: options.from must be 'logits' or 'probabilities', got ${from === undefined ? 'none' : JSON.stringify(from)}: say what the predictions hold, e.g. accuracy(out, y, { from: 'logits' }) for the input of bceWithLogits or softmaxCrossEntropy`,
    )
  const threshold = options.threshold
  if (threshold !== undefined && !Number.isFinite(threshold))
    throw new RangeError(`accuracy: threshold must be a finite number, got ${String(threshold)}`)
  const x = toTensor(predictions)
  const { shape: ls, values: lv } = labelValues(labels)
  if (x.ndim === 0)
    throw new ShapeError('accuracy', `predictions must have at least one axis, got ${showShape(x.shape)}`)
  const binary = x.ndim === 1 || x.shape[x.ndim - 1] === 1
  const batch = x.ndim === 1 ? x.shape : x.shape.slice(0, -1)
  if (!shapesEqual(ls, batch) && !(binary && shapesEqual(ls, x.shape)))
    throw new ShapeError(
      'accuracy',
      `predictions ${showShape(x.shape)} and labels ${showShape(ls)} do not match (labels need shape ${showShape(batch)})`,
    )
  const xs = toArray(x)
  if (from === 'probabilities') {
    const bad = xs.findIndex((v) => v < 0 || v > 1)
    if (bad >= 0)
      throw new RangeError(
        `accuracy: predictions are declared { from: 'probabilities' }, but hold ${String(xs[bad])} at index ${indexIn(bad, x.shape)} of ${showShape(x.shape)}, outside [0, 1]: these look like logits, pass { from: 'logits' }`,
      )
  }
  const cut = threshold ?? (from === 'logits' ? 0 : 0.5)
  const pred: ArrayLike<number> = binary ? Array.from(xs, (v) => (v > cut ? 1 : 0)) : toArray(argmax(x, { axis: -1 }))
  const n = pred.length
  const correct = Array.from(pred).reduce((k, p, i) => (p === lv[i] ? k + 1 : k), 0)
  return correct / n
}

/**
 * The confusion matrix of integer class predictions against labels (both of the same shape, values in
 * `[0, numClasses)`): `m[t][p]` counts the examples of true class `t` predicted as `p` — rows are true classes,
 * columns predictions (scikit-learn's convention). For scores, take the argmax first.
 */
export const confusionMatrix = (predictions: Labels, labels: Labels, numClasses: number): number[][] => {
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new RangeError(`confusionMatrix: numClasses must be a positive integer, got ${numClasses}`)
  const p = labelValues(predictions)
  const t = labelValues(labels)
  if (!shapesEqual(p.shape, t.shape))
    throw new ShapeError(
      'confusionMatrix',
      `predictions ${showShape(p.shape)} and labels ${showShape(t.shape)} must have the same shape`,
    )
  const check = (what: string, vals: ArrayLike<number>): void => {
    const bad = Array.from(vals).findIndex((v) => !Number.isInteger(v) || v < 0 || v >= numClasses)
    if (bad >= 0)
      throw new RangeError(
        `confusionMatrix: ${what} ${vals[bad]} at flat position ${bad} is not a class in [0, ${numClasses})`,
      )
  }
  check('prediction', p.values)
  check('label', t.values)
  const pairs = Array.from(t.values, (tv, i) => tv * numClasses + p.values[i]!)
  const counts = pairs.reduce<ReadonlyMap<number, number>>(
    (m, k) => new Map(m).set(k, (m.get(k) ?? 0) + 1),
    new Map(),
  )
  return Array.from({ length: numClasses }, (_, r) =>
    Array.from({ length: numClasses }, (_, c) => counts.get(r * numClasses + c) ?? 0),
  )
}
