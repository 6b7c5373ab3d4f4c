/**
 * Shared pieces of the losses: reductions and shape checks.
 * @module
 */
import { mean, sum, type Value } from '@cotangent/autodiff'
import { ShapeError, shapesEqual, showShape } from '@cotangent/tensor'

/** How per-element losses are combined: `'mean'` (default) or `'sum'` give a 0-d tensor; `'none'` keeps them. */
export type Reduction = 'mean' | 'sum' | 'none'

/** The common option of every loss. */
export interface ReductionOptions {
  /** Default `'mean'`. */
  readonly reduction?: Reduction
}

/** Applies a reduction to per-element losses (the mean of an empty tensor is NaN, as in NumPy and PyTorch). */
export const reduce = (op: string, losses: Value, reduction: Reduction | undefined): Value => {
  switch (reduction ?? 'mean') {
    case 'mean':
      return mean(losses)
    case 'sum':
      return sum(losses)
    case 'none':
      return losses
    default:
      throw new Error(`${op}: unknown reduction '${String(reduction)}' (use 'mean', 'sum' or 'none')`)
  }
}

/** Throws a ShapeError naming both shapes unless `a` and `b` have the same shape (losses do not broadcast). */
export const checkSameShape = (op: string, aName: string, a: Value, bName: string, b: Value): void => {
  if (!shapesEqual(a.shape, b.shape))
    throw new ShapeError(
      op,
      `${aName} ${showShape(a.shape)} and ${bName} ${showShape(b.shape)} must have the same shape`,
    )
}
