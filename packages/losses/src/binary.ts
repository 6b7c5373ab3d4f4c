/**
 * Binary classification losses.
 * @module
 */
import { add, clip, log, mul, neg, softplus, sub, type Value } from '@cotangent/autodiff'
import { checkSameShape, reduce, type ReductionOptions } from './reduce.js'

/** Options of {@link bce}. */
export interface BceOptions extends ReductionOptions {
  /**
   * Probabilities are clamped to `[eps, 1 − eps]` before the logs (default `1e-7`, Keras' epsilon), so a
   * confidently wrong prediction costs at most `−log(eps) ≈ 16.1` and the gradient stays finite. Inside the
   * clamp the gradient is the exact one; outside it is 0.
   */
  readonly eps?: number
}

/**
 * Binary cross-entropy on probabilities: `−(y·log p + (1 − y)·log(1 − p))` with `p` clamped to `[eps, 1−eps]`.
 * Targets may be soft (any value in [0, 1]). Prefer {@link bceWithLogits} when you have logits.
 */
export const bce = (prob: Value, target: Value, options?: BceOptions): Value => {
  checkSameShape('bce', 'prob', prob, 'target', target)
  const eps = options?.eps ?? 1e-7
  if (!(eps >= 0 && eps < 0.5)) throw new RangeError(`bce: eps must be in [0, 0.5), got ${eps}`)
  const p = clip(prob, eps, 1 - eps)
  const l = neg(add(mul(target, log(p)), mul(sub(1, target), log(sub(1, p)))))
  return reduce('bce', l, options?.reduction)
}

/**
 * Binary cross-entropy on logits, `softplus(x) − x·y` (equal to `bce(sigmoid(x), y)` without its clamp): stable
 * for any logit — finite loss and gradient `sigmoid(x) − y` even at ±1e4.
 */
export const bceWithLogits = (logits: Value, target: Value, options?: ReductionOptions): Value => {
  checkSameShape('bceWithLogits', 'logits', logits, 'target', target)
  return reduce('bceWithLogits', sub(softplus(logits), mul(logits, target)), options?.reduction)
}
