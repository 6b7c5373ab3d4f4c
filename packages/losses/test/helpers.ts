// Shared helpers for the losses tests.
import { expect } from 'vitest'
import { toArray, type Value } from '@cotangent/autodiff'

/** Flat values of a value as a plain array. */
export const flat = (v: Value): number[] => Array.from(toArray(v))

/** Element-wise closeness with a relative/absolute tolerance. */
export const close = (
  got: Value | number | readonly number[],
  want: readonly number[] | number,
  tol = 1e-12,
): void => {
  const g =
    typeof got === 'number' ? [got] : Array.isArray(got) ? (got as readonly number[]) : flat(got as Value)
  const w = typeof want === 'number' ? [want] : want
  expect(g.length).toBe(w.length)
  g.forEach((x, i) => {
    expect(Math.abs(x - w[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!)))
  })
}

/** Naive log-softmax of each row of a row-major [rows, cols] array. */
export const naiveLogSoftmaxRows = (xs: readonly number[], cols: number): number[] =>
  Array.from({ length: xs.length / cols }, (_, r) => {
    const row = xs.slice(r * cols, (r + 1) * cols)
    const m = Math.max(...row)
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0))
    return row.map((v) => v - lse)
  }).flat()
