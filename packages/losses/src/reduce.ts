/**
 * Shared pieces of the losses: reductions and shape checks.
 * @module
 */
import { mean, sum, toTensor, type Value } from '@cotangent/autodiff'
import { ShapeError, shapesEqual, showShape, toArray, type Tensor } from '@cotangent/tensor'

/** How per-element losses are combined: `'mean'` (default) or `'sum'` give a 0-d tensor; `'none'` keeps them. */
export type Reduction = 'mean' | 'sum' | 'none'

/** The common option of every loss. */
export interface ReductionOptions {
  /** Default `'mean'`. */
  readonly reduction?: Reduction
}

/** The reduction asked for (default `'mean'`), or the error naming the operation and the allowed values. */
export const checkReduction = (op: string, reduction: Reduction | undefined): Reduction => {
  const r = reduction ?? 'mean'
  if (r !== 'mean' && r !== 'sum' && r !== 'none')
    throw new Error(`${op}: unknown reduction '${String(reduction)}' (use 'mean', 'sum' or 'none')`)
  return r
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

/**
 * The concrete values behind `v` (its primal inside `grad`/`jvp`), or `null` when they cannot be read (a staged
 * value inside `makeGraph`/`jit`, a linear tangent): range checks of the losses run where values exist.
 */
export const valuesOf = (v: Value): ArrayLike<number> | null => {
  const t = concreteOf(v)
  return t === null ? null : toArray(t)
}

/** The concrete tensor behind `v` (its primal inside `grad`/`jvp`), or `null` when there is none (staged, linear). */
export const concreteOf = (v: Value): Tensor | null => {
  try {
    return toTensor(v)
  } catch {
    return null
  }
}

/** `[i,j,…]`: the multi-index of flat row-major position `flat` in `shape`. */
export const indexIn = (flat: number, shape: readonly number[]): string =>
  `[${shape
    .reduceRight<{ readonly idx: readonly number[]; readonly rest: number }>(
      ({ idx, rest }, d) => ({ idx: [d === 0 ? 0 : rest % d, ...idx], rest: d === 0 ? 0 : Math.floor(rest / d) }),
      { idx: [], rest: flat },
    )
    .idx.join(',')}]`

/**
 * Throws a RangeError naming the operation, the argument, the first offending value and its index unless every
 * value of `v` lies in [0, 1] (NaN passes: it propagates into the loss, where `fit` reports it as divergence).
 */
export const checkUnitInterval = (op: string, name: string, v: Value, fix: string): void => {
  const xs = valuesOf(v)
  if (xs === null) return
  // a typed array's findIndex: no copy, one pass
  const i = Array.prototype.findIndex.call(xs, (x: number) => x < 0 || x > 1)
  if (i >= 0)
    throw new RangeError(
      `${op}: ${name} must lie in [0, 1], got ${String(xs[i])} at index ${indexIn(i, v.shape)} of ${name} ${showShape(v.shape)}: ${fix}`,
    )
}
