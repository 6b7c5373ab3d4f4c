/**
 * Shortcuts of the eager path: the shape rule of equal-shape operands while linearizing, the shared seed
 * cotangent of grad — checked against hand-computed derivatives, with broadcasting operands beside them.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const vals = (v: Value): number[] => Array.from(A.toArray(v))
const x = T.tensor([
  [1, -2, 3],
  [0.5, 4, -1],
])
const y = T.tensor([
  [2, 1, -1],
  [3, 0.25, 2],
])
const row = T.tensor([10, 20, 30])

describe('linearizing binary ops of equal and of broadcasting shapes', () => {
  it('tangent outputs have the broadcast shape and the product rule’s values', () => {
    const [out, f] = A.linearize((a: Value, b: Value) => A.mul(a, b), x, y)
    const t = f(T.ones([2, 3]), T.zeros([2, 3]))
    expect(out.shape).toEqual([2, 3])
    expect(t.shape).toEqual([2, 3])
    expect(vals(t)).toEqual(vals(y))
    const [, g] = A.linearize((a: Value, b: Value) => A.add(a, b), x, row)
    const u = g(T.zeros([2, 3]), T.ones([3]))
    expect(u.shape).toEqual([2, 3])
    expect(vals(u)).toEqual([1, 1, 1, 1, 1, 1])
  })

  it('cotangents come back in each operand’s own shape', () => {
    for (const op of [A.add, A.sub, A.mul, A.div] as const) {
      const [, pb] = A.vjp((a: Value, b: Value) => op(a, b), x, y)
      const [ga, gb] = pb(T.ones([2, 3]))
      expect([ga.shape, gb.shape]).toEqual([
        [2, 3],
        [2, 3],
      ])
      const [, pr] = A.vjp((a: Value, b: Value) => op(a, b), x, row)
      const [ha, hb] = pr(T.ones([2, 3]))
      expect([ha.shape, hb.shape]).toEqual([[2, 3], [3]])
    }
    // d(a·b)/db summed over rows: the column sums of a
    const [, pm] = A.vjp((a: Value, b: Value) => A.mul(a, b), x, row)
    expect(vals(pm(T.ones([2, 3]))[1])).toEqual([1.5, 2, 2])
    // d(a/b)/da = 1/b, element-wise for equal shapes
    const [, pd] = A.vjp((a: Value, b: Value) => A.div(a, b), x, y)
    expect(vals(pd(T.ones([2, 3]))[0])).toEqual(vals(y).map((v) => 1 / v))
  })
})

describe('grad’s seed cotangent', () => {
  it('is 1 in the output’s dtype, and calls do not disturb each other', () => {
    const f = (v: Value): Value => A.sum(A.mul(v, v))
    const g64 = A.grad(f)(x)
    const g32 = A.grad(f)(T.astype(x, 'float32'))
    expect(g32.dtype).toBe('float32')
    expect(vals(g32)).toEqual(vals(x).map((v) => 2 * v))
    expect(vals(A.grad(f)(x))).toEqual(vals(g64))
    const id = A.grad((v: Value) => v)(T.scalar(3))
    expect(vals(id)).toEqual([1])
    expect(A.grad((v: Value) => v)(T.scalar(3, { dtype: 'float32' })).dtype).toBe('float32')
    // a value derived from the seed is a new tensor; the seed itself stays 1
    expect(vals(A.grad((v: Value) => A.mul(v, 5))(T.scalar(2)))).toEqual([5])
    expect(vals(A.grad((v: Value) => v)(T.scalar(-1)))).toEqual([1])
  })
})
