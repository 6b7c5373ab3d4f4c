/**
 * The conventions of piecewise ops exactly at their kinks, value and derivative (forward and reverse), stated once
 * and asserted explicitly — a finite-difference check cannot see them (it straddles the kink), and property tests
 * keep their inputs away from kinks on purpose. The conventions are PyTorch's and JAX's:
 * - `clip(x, lo, hi)`: value lo/hi at the bounds, derivative 1 on the closed interval [lo, hi], 0 outside;
 * - `relu'(0) = 0`, `leakyRelu'(0) = slope`, `abs'(0) = 0`, `sign' = floor' = round' = 0`;
 * - `maximum`/`minimum` at a tie give 1/2 to each argument; `max`/`min` reductions share the derivative equally
 *   among tied extrema; `argmax`/`argmin` pick the first of tied positions;
 * - `where(cond, a, b)` at the equality of a comparison follows the branch the comparison selects, and the
 *   derivative flows only into the selected branch.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const s = (x: number): T.Tensor => T.scalar(x)
const arr = (v: Value): number[] => Array.from(A.toArray(v), (x) => x + 0)

/** [value, forward derivative, reverse derivative] of a scalar function at x. */
const at = (f: (x: Value) => Value, x: number): [number, number, number] => {
  const [y, dy] = A.jvp(f, [s(x)], [s(1)])
  return [A.item(y), A.item(dy), A.item(A.grad(f)(s(x)))]
}

describe('clip at and around its bounds', () => {
  const lo = -0.5
  const hi = 2
  const f = (x: Value): Value => A.clip(x, lo, hi)
  it('value at the bounds is the bound; derivative 1 on the closed interval', () => {
    expect(at(f, lo)).toEqual([lo, 1, 1])
    expect(at(f, hi)).toEqual([hi, 1, 1])
    expect(at(f, 0.7)).toEqual([0.7, 1, 1])
  })
  it('outside the interval: clamped value, derivative 0', () => {
    expect(at(f, lo - 1e-9)).toEqual([lo, 0, 0])
    expect(at(f, hi + 1e-9)).toEqual([hi, 0, 0])
    expect(at(f, -100)).toEqual([lo, 0, 0])
    expect(at(f, 100)).toEqual([hi, 0, 0])
  })
  it('a degenerate interval lo = hi passes the derivative at the point only', () => {
    const g = (x: Value): Value => A.clip(x, 1, 1)
    expect(at(g, 1)).toEqual([1, 1, 1])
    expect(at(g, 1.5)).toEqual([1, 0, 0])
  })
  it('element-wise over a vector touching both bounds (reverse mode: one pullback)', () => {
    const x = T.tensor([lo - 1, lo, 0, hi, hi + 1])
    expect(arr(f(x))).toEqual([lo, lo, 0, hi, hi])
    expect(arr(A.grad((v: Value) => A.sum(f(v)))(x))).toEqual([0, 1, 1, 1, 0])
  })
})

describe('kinks of relu, leakyRelu, abs at 0', () => {
  it('relu(0) = 0 with derivative 0; derivative 1 above and 0 below', () => {
    expect(at(A.relu, 0)).toEqual([0, 0, 0])
    expect(at(A.relu, -0)).toEqual([0, 0, 0])
    expect(at(A.relu, 1e-300)).toEqual([1e-300, 1, 1])
    expect(at(A.relu, -1e-300)).toEqual([0, 0, 0])
  })
  it('relu keeps NaN (PyTorch) and its second derivative at 0 is 0', () => {
    expect(Number.isNaN(A.item(A.relu(s(Number.NaN))))).toBe(true)
    expect(A.item(A.grad(A.grad(A.relu))(s(0)))).toBe(0)
  })
  it("leakyRelu'(0) is the slope (the x ≤ 0 branch), for the default and explicit slopes", () => {
    expect(at((x) => A.leakyRelu(x), 0)).toEqual([0, 0.01, 0.01])
    expect(at((x) => A.leakyRelu(x, 0.2), 0)).toEqual([0, 0.2, 0.2])
    expect(at((x) => A.leakyRelu(x, 0.2), -3)).toEqual([-0.6000000000000001, 0.2, 0.2])
    expect(at((x) => A.leakyRelu(x, 0.2), 1e-300)).toEqual([1e-300, 1, 1])
  })
  it("abs'(0) = 0 (subgradient); ±1 on either side", () => {
    expect(at(A.abs, 0)).toEqual([0, 0, 0])
    expect(at(A.abs, -2)).toEqual([2, -1, -1])
    expect(at(A.abs, 2)).toEqual([2, 1, 1])
  })
  it('sign, floor and round have derivative 0 everywhere, including at their jumps', () => {
    for (const [f, x] of [
      [A.sign, 0],
      [A.sign, -1],
      [A.floor, 1],
      [A.floor, 1.5],
      [A.round, 0.5],
      [A.round, 2.2],
    ] as const) {
      const [, fwd, rev] = at(f, x)
      expect([fwd + 0, rev + 0]).toEqual([0, 0])
    }
  })
})

describe('ties of maximum/minimum and of max/min reductions', () => {
  it('maximum(a, b) and minimum(a, b) at a = b: value a, derivative 1/2 to each argument', () => {
    for (const op of [A.maximum, A.minimum]) {
      const [ga, gb] = A.grad((a: Value, b: Value) => op(a, b), { argnums: [0, 1] })(s(1.5), s(1.5))
      expect(A.item(op(s(1.5), s(1.5)))).toBe(1.5)
      expect([A.item(ga), A.item(gb)]).toEqual([0.5, 0.5])
      const [, t] = A.jvp((a: Value, b: Value) => op(a, b), [s(1.5), s(1.5)], [s(1), s(3)])
      expect(A.item(t)).toBe(2) // (1 + 3) / 2
    }
  })
  it('away from a tie the derivative goes entirely to the winner', () => {
    const [ga, gb] = A.grad((a: Value, b: Value) => A.maximum(a, b), { argnums: [0, 1] })(s(2), s(1))
    expect([A.item(ga), A.item(gb)]).toEqual([1, 0])
    const [ha, hb] = A.grad((a: Value, b: Value) => A.minimum(a, b), { argnums: [0, 1] })(s(2), s(1))
    expect([A.item(ha), A.item(hb)]).toEqual([0, 1])
  })
  it('relu written as maximum(x, 0) gets 1/2 at 0 (the tie convention), unlike relu itself', () => {
    expect(at((x) => A.maximum(x, 0), 0)).toEqual([0, 0.5, 0.5])
  })
  it('max/min over axes share the derivative equally among tied extrema', () => {
    const x = T.tensor([
      [3, 1, 3],
      [2, 2, 2],
    ])
    expect(arr(A.max(x, { axis: 1 }))).toEqual([3, 2])
    expect(arr(A.grad((v: Value) => A.sum(A.max(v, { axis: 1 })))(x))).toEqual([
      0.5,
      0,
      0.5,
      1 / 3,
      1 / 3,
      1 / 3,
    ])
    expect(arr(A.grad((v: Value) => A.sum(A.min(v, { axis: 1 })))(x))).toEqual([0, 1, 0, 1 / 3, 1 / 3, 1 / 3])
    // over all axes: the two 3s tie for the maximum
    expect(arr(A.grad((v: Value) => A.max(v))(x))).toEqual([0.5, 0, 0.5, 0, 0, 0])
    const [, t] = A.jvp(
      (v: Value) => A.max(v, { axis: 1 }),
      [x],
      [
        T.tensor([
          [1, 10, 5],
          [1, 2, 6],
        ]),
      ],
    )
    expect(arr(t)).toEqual([3, 3]) // (1 + 5)/2, (1 + 2 + 6)/3
  })
  it('argmax/argmin pick the first of tied positions', () => {
    const x = T.tensor([
      [3, 1, 3],
      [2, 2, 2],
    ])
    expect(arr(A.argmax(x, { axis: 1 }))).toEqual([0, 0])
    expect(arr(A.argmin(x, { axis: 1 }))).toEqual([1, 0])
    expect(arr(A.argmax(x))).toEqual([0])
    expect(arr(A.argmin(x, { axis: 0 }))).toEqual([1, 0, 1])
  })
})

describe('where at the equality of its comparison', () => {
  // f(x) = x² for x ≤ 1, 3x − 2 otherwise: continuous at 1 with one-sided derivatives 2 and 3
  const f = (x: Value): Value => A.where(A.lessEqual(x, 1), A.square(x), A.sub(A.mul(x, 3), 2))
  const g = (x: Value): Value => A.where(A.less(x, 1), A.square(x), A.sub(A.mul(x, 3), 2))
  it('lessEqual selects the first branch at equality, less the second; the derivative follows', () => {
    expect(at(f, 1)).toEqual([1, 2, 2])
    expect(at(g, 1)).toEqual([1, 3, 3])
  })
  it('equal(x, c) as a condition: only the selected branch receives the cotangent', () => {
    const h = (x: Value, y: Value): Value => A.where(A.equal(x, y), A.mul(x, 5), A.mul(y, 7))
    const [gx, gy] = A.grad(h, { argnums: [0, 1] })(s(2), s(2))
    expect([A.item(gx), A.item(gy)]).toEqual([5, 0])
    const [hx, hy] = A.grad(h, { argnums: [0, 1] })(s(2), s(2.5))
    expect([A.item(hx), A.item(hy)]).toEqual([0, 7])
  })
  it('the condition itself carries no derivative (comparisons are constants)', () => {
    for (const cmp of [A.equal, A.notEqual, A.less, A.greater, A.lessEqual, A.greaterEqual]) {
      const [, fwd, rev] = at((x) => cmp(x, 1), 1)
      expect([fwd + 0, rev + 0]).toEqual([0, 0])
    }
  })
  it('a broadcast condition routes per element; cotangents of broadcast branches are summed back', () => {
    const c = T.tensor([1, 0, 1])
    const [ga, gb] = A.grad((a: Value, b: Value) => A.sum(A.where(c, a, b)), { argnums: [0, 1] })(
      T.tensor([1, 2, 3]),
      s(9),
    )
    expect(arr(ga)).toEqual([1, 0, 1])
    expect(arr(gb)).toEqual([1])
  })
})
