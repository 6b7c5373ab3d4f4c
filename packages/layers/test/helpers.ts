// Shared helpers for the layers tests: naive reference loops and comparisons.
import { expect } from 'vitest'
import { toArray, type Value } from '@cotangent/autodiff'
import { fromArray, normal, key, type Tensor } from '@cotangent/tensor'

/** Fixed seed for every property test of this package. */
export const SEED = 20261121

/** Flat values of a value as a plain array. */
export const flat = (v: Value): number[] => Array.from(toArray(v))

/** Element-wise closeness with a relative/absolute tolerance. */
export const close = (got: Value | readonly number[], want: readonly number[], tol = 1e-12): void => {
  const g = Array.isArray(got) ? (got as readonly number[]) : flat(got as Value)
  expect(g.length).toBe(want.length)
  g.forEach((x, i) => {
    expect(Math.abs(x - want[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)))
  })
}

/** Naive `x @ W + b` on row-major arrays: x [n, k], W [k, m], b [m] (or none). */
export const naiveAffine = (
  x: readonly number[],
  n: number,
  W: readonly number[],
  k: number,
  m: number,
  b?: readonly number[],
): number[] => {
  const out: number[] = []
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b === undefined ? 0 : b[j]!
      for (let t = 0; t < k; t++) s += x[i * k + t]! * W[t * m + j]!
      out.push(s)
    }
  return out
}

/** A deterministic normal tensor for test inputs. */
export const randn = (seed: number, shape: readonly number[], std = 1): Tensor =>
  normal(key(seed), shape, { std })

/** A tensor from explicit values. */
export const t = (values: readonly number[], shape: readonly number[]): Tensor => fromArray(values, shape)
