/**
 * Binary classification losses.
 * @module
 */
import { add, clip, log, mul, neg, softplus, sub, type Value } from '@cotangent/autodiff'
import { checkSameShape, checkUnitInterval, reduce, type ReductionOptions } from './reduce.js'

/** Options of {@link bce}. */
export interface BceOptions extends ReductionOptions {
  /**
   * Probabilities are clamped to `[eps, 1 − eps]` before the logs (default `1e-7`, Keras' epsilon), so a
   * confidently wrong prediction costs at most `−log(eps) ≈ 16.1` and the gradient stays finite. Inside the
   * clamp the gradient is the exact one; outside it is 0. `eps` must be in `(0, 0.5)` and large enough that
   * `1 − eps < 1` in the probabilities' dtype (≳ 1.2e-16 for float64, ≳ 6e-8 for float32).
   */
  readonly eps?: number
}

/**
 * Binary cross-entropy on probabilities: `−(y·log p + (1 − y)·log(1 − p))` with `p` clamped to `[eps, 1−eps]`.
 * Targets may be soft (any value in [0, 1]). Prefer {@link bceWithLogits} when you have logits.
 *
 * Probabilities or targets outside [0, 1] are a RangeError naming the value and its index (as PyTorch's `BCELoss`):
 * a logit passed as a probability would otherwise give a negative loss. The values checked are the concrete ones
 * (the primal inside `grad`); a staged value inside `makeGraph`/`jit` is not checked.
 */
export const bce = (prob: Value, target: Value, options?: BceOptions): Value => {
  checkSameShape('bce', 'prob', prob, 'target', target)
  const eps = options?.eps ?? 1e-7
  // In the probabilities' dtype, 1 − eps must stay below 1 (and eps above 0), or a perfect prediction would cost
  // 0·log(0) = NaN: eps ≳ 1.2e-16 in float64, ≳ 6e-8 in float32.
  const dtype = prob.dtype === 'float32' ? 'float32' : 'float64'
  const round = dtype === 'float32' ? Math.fround : (x: number): number => x
  if (!(eps > 0 && eps < 0.5 && round(1 - eps) < 1 && round(eps) > 0))
    throw new RangeError(`bce: eps must be in (0, 0.5) and large enough that 1 − eps < 1 in ${dtype}, got ${eps}`)
  checkUnitInterval('bce', 'prob', prob, 'bce takes probabilities; for logits use bceWithLogits, or apply sigmoid first')
  checkUnitInterval('bce', 'target', target, 'targets are probabilities of class 1 (0/1 labels, or soft labels in between)')
  const p = clip(prob, eps, 1 - eps)
  const l = neg(add(mul(target, log(p)), mul(sub(1, target), log(sub(1, p)))))
  return reduce('bce', l, options?.reduction)
}

/**
 * Binary cross-entropy on logits, `softplus(x) − x·y` (equal to `bce(sigmoid(x), y)` without its clamp): stable
 * for any logit — finite loss and gradient `sigmoid(x) − y` even at ±1e4. Targets outside [0, 1] are a RangeError
 * naming the value and its index.
 */
export const bceWithLogits = (logits: Value, target: Value, options?: ReductionOptions): Value => {
  checkSameShape('bceWithLogits', 'logits', logits, 'target', target)
  checkUnitInterval('bceWithLogits', 'target', target, 'targets are probabilities of class 1 (0/1 labels, or soft labels in between)')
  return reduce('bceWithLogits', sub(softplus(logits), mul(logits, target)), options?.reduction)
}
