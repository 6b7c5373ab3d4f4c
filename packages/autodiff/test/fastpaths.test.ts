/**
 * The shortcuts of reverse mode for summing away leading axes (a bias gradient `[B,n] → [n]`, a full sum): results
 * against explicit references, at first and second order; and structural tree comparison.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const vals = (v: unknown): number[] => Array.from(A.toArray(v as Value))

const x = T.fromArray([1, -2, 3, 0.5, 4, -1.5], [2, 3])

describe('summing away leading axes', () => {
  it('sumToShape [B,n] → [n] equals the column sums, and its pullback tiles the cotangent over rows', () => {
    const [out, pb] = A.vjp((v: Value) => A.sumToShape(v, [3]), x)
    expect(out.shape).toEqual([3])
    expect(vals(out)).toEqual([1.5, 2, 1.5])
    const [g] = pb(T.fromArray([10, 20, 30], [3]))
    expect(g.shape).toEqual([2, 3])
    expect(vals(g)).toEqual([10, 20, 30, 10, 20, 30])
  })

  it('sumToShape to [1,n] keeps the reshape path and agrees', () => {
    const [out, pb] = A.vjp((v: Value) => A.sumToShape(v, [1, 3]), x)
    expect(out.shape).toEqual([1, 3])
    expect(vals(out)).toEqual([1.5, 2, 1.5])
    expect(vals(pb(T.fromArray([1, 2, 3], [1, 3]))[0])).toEqual([1, 2, 3, 1, 2, 3])
  })

  it('the bias gradient of add([B,n], [n]) is the column sum of the cotangent', () => {
    const b = T.fromArray([0.1, 0.2, 0.3], [3])
    const w = T.fromArray([1, 2, 3, 4, 5, 6], [2, 3])
    const g = A.grad((bb: Value) => A.sum(A.mul(A.add(x, bb), w)))(b)
    expect(g.shape).toEqual([3])
    expect(vals(g)).toEqual([5, 7, 9])
  })

  it('sum over all axes and over the leading axis transpose to broadcasts of the cotangent', () => {
    expect(vals(A.grad((v: Value) => A.sum(v))(x))).toEqual([1, 1, 1, 1, 1, 1])
    const [, pb] = A.vjp((v: Value) => A.sum(v, { axis: 0 }), x)
    expect(vals(pb(T.fromArray([1, 2, 3], [3]))[0])).toEqual([1, 2, 3, 1, 2, 3])
    const [, pb2] = A.vjp((v: Value) => A.sum(v, { axis: 1 }), x)
    expect(vals(pb2(T.fromArray([1, 2], [2]))[0])).toEqual([1, 1, 1, 2, 2, 2])
  })

  it('second order through the shortcut: the Hessian of Σ_j (Σ_i x_ij²)² matches the formula', () => {
    const f = (v: Value): Value => A.sum(A.square(A.sumToShape(A.square(v), [3])))
    const h = A.hessian(f)(x)
    expect(h.shape).toEqual([2, 3, 2, 3])
    const xv = vals(x)
    const col = [0, 1, 2].map((j) => xv[j]! ** 2 + xv[3 + j]! ** 2)
    // ∂²/∂x_ij ∂x_kl = δ_jl (8 x_ij x_kj + 4 δ_ik s_j)
    const want: number[] = []
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 2; k++)
          for (let l = 0; l < 3; l++)
            want.push(j === l ? 8 * xv[i * 3 + j]! * xv[k * 3 + j]! + (i === k ? 4 * col[j]! : 0) : 0)
    vals(h).forEach((v, n) => {
      expect(v).toBeCloseTo(want[n]!, 9)
    })
  })
})

describe('treeDefEqual', () => {
  const def = (t: unknown): A.TreeDef => A.treeFlatten(t)[1]
  it('compares structures: keys, order of arrays, null versus undefined', () => {
    expect(A.treeDefEqual(def({ a: x, b: [x, null] }), def({ b: [x, null], a: x }))).toBe(true)
    expect(A.treeDefEqual(def({ a: x, b: [x, null] }), def({ a: x, b: [x, undefined] }))).toBe(false)
    expect(A.treeDefEqual(def([x, [x]]), def([[x], x]))).toBe(false)
    expect(A.treeDefEqual(def({ a: x }), def({ c: x }))).toBe(false)
    expect(A.treeDefEqual(def([x, x]), def([x, x, x]))).toBe(false)
  })
})

describe('treeUnflatten', () => {
  it('round-trips, and a wrong number of leaves is an error naming both counts', () => {
    const tree = { b: [x, null], a: { w: x, v: [x] } }
    const [leaves, def] = A.treeFlatten(tree)
    expect(A.treeUnflatten(def, leaves)).toEqual(tree)
    expect(() => A.treeUnflatten(def, leaves.slice(1))).toThrow('treeUnflatten: the structure holds 3 leaves, got 2')
    expect(() => A.treeUnflatten(def, [...leaves, x])).toThrow('treeUnflatten: the structure holds 3 leaves, got 4')
  })
})

describe('matmul shapes', () => {
  it('matrix products (and their gradients) keep NumPy shapes; mismatched inner dims are an error', () => {
    const w = T.fromArray([1, 2, 3, 4, 5, 6], [3, 2])
    const [out, pb] = A.vjp((a: Value, b: Value) => A.matmul(a, b), x, w)
    expect(out.shape).toEqual([2, 2])
    const [ga, gb] = pb(T.ones([2, 2]))
    expect(ga.shape).toEqual([2, 3])
    expect(gb.shape).toEqual([3, 2])
    expect(() => A.matmul(x, x)).toThrow('matmul: cannot multiply [2,3] by [2,3] (inner dims 3 ≠ 2)')
  })
})
