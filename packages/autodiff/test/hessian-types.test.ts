/**
 * `hessian` over trees: the result type is the nested tree (JAX: the Hessian over a dict is a dict of dicts), a
 * tensor argument keeps a tensor, and argnums lists give tuples of tuples. The type assertions are checked by
 * `tsc` (the package typecheck includes test/); the values are checked against closed forms.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

// `+ 0` folds −0 into 0 (toEqual tells them apart)
const arr = (v: Value): number[] => Array.from(A.toArray(v), (x) => x + 0)

describe('hessian types and values over trees', () => {
  interface Params {
    readonly a: Tensor
    readonly b: Tensor
  }
  // f(a, b) = b·Σ aᵢ² + b³: ∂²f/∂a² = 2b·I, ∂²f/∂a∂b = 2a, ∂²f/∂b² = 6b
  const f = (p: Params): Value => A.add(A.mul(A.sum(A.square(p.a)), p.b), A.mul(A.square(p.b), p.b))
  const p: Params = { a: T.tensor([0.5, -2]), b: T.scalar(1.5) }

  it('a record argument gives a record of records (typed, and with the closed-form blocks)', () => {
    const H = A.hessian(f)(p)
    // outer keys: the first derivative's leaf; each entry is a whole Params-shaped tree
    expectTypeOf(H).toEqualTypeOf<{ a: Params; b: Params }>()
    expectTypeOf(H.a.b).toEqualTypeOf<Tensor>()
    expect(Object.keys(H).sort()).toEqual(['a', 'b'])
    expect(H.a.a.shape).toEqual([2, 2])
    expect(arr(H.a.a)).toEqual([3, 0, 0, 3])
    expect(H.a.b.shape).toEqual([2])
    expect(arr(H.a.b)).toEqual([1, -4])
    expect(H.b.a.shape).toEqual([2])
    expect(arr(H.b.a)).toEqual([1, -4])
    expect(H.b.b.shape).toEqual([])
    expect(arr(H.b.b)).toEqual([9])
  })

  it('a tensor argument gives a tensor, a Value argument a Value', () => {
    const g = (x: Tensor): Value => A.sum(A.mul(A.square(x), x))
    const Ht = A.hessian(g)(T.tensor([1, 2]))
    expectTypeOf(Ht).toEqualTypeOf<Tensor>()
    expect(arr(Ht)).toEqual([6, 0, 0, 12])
    const h = (x: Value): Value => A.sum(A.mul(A.square(x), x))
    expectTypeOf(A.hessian(h)(T.tensor([1, 2]))).toEqualTypeOf<Value>()
  })

  it('argnums selects the argument; a list gives a tuple of tuples', () => {
    // g(x, y) = x²·y³ (scalars): H = [[2y³, 6xy²], [6xy², 6x²y]]
    const g = (x: Tensor, y: Tensor): Value => A.mul(A.square(x), A.mul(A.square(y), y))
    const x = T.scalar(2)
    const y = T.scalar(3)
    const Hy = A.hessian(g, { argnums: 1 })(x, y)
    expectTypeOf(Hy).toEqualTypeOf<Tensor>()
    expect(A.item(Hy)).toBe(6 * 4 * 3)
    const H = A.hessian(g, { argnums: [0, 1] })(x, y)
    expectTypeOf(H).toEqualTypeOf<[[Tensor, Tensor], [Tensor, Tensor]]>()
    expect(H.map((row) => row.map((h) => A.item(h)))).toEqual([
      [2 * 27, 6 * 2 * 9],
      [6 * 2 * 9, 6 * 4 * 3],
    ])
  })

  it('nested records and arrays keep their structure at both levels', () => {
    interface Net {
      readonly layers: readonly [{ readonly w: Tensor }]
    }
    const g = (n: Net): Value => A.sum(A.mul(A.square(n.layers[0].w), n.layers[0].w))
    const H = A.hessian(g)({ layers: [{ w: T.tensor([1, -1]) }] })
    expectTypeOf(H).toEqualTypeOf<{ layers: [{ w: Net }] }>()
    expectTypeOf(H.layers[0].w.layers[0].w).toEqualTypeOf<Tensor>()
    expect(arr(H.layers[0].w.layers[0].w)).toEqual([6, 0, 0, -6])
  })
})
