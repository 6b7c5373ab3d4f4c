/**
 * Regression losses.
 * @module
 */
import { square, sub, type Value } from '@cotangent/autodiff'
import { checkSameShape, reduce, type ReductionOptions } from './reduce.js'

/**
 * Mean squared error `(pred − target)²`, reduced by `reduction` (default `'mean'` over every element, as PyTorch's
 * `MSELoss`). `pred` and `target` must have the same shape (no broadcasting: a `[B,1]` vs `[B]` mix-up is an
 * error, not a silent `[B,B]`).
 */
export const mse = (pred: Value, target: Value, options?: ReductionOptions): Value => {
  checkSameShape('mse', 'pred', pred, 'target', target)
  return reduce('mse', square(sub(pred, target)), options?.reduction)
}
