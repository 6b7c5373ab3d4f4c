/**
 * Regression tests from an adversarial review of the transformations: dtypes of cotangents, the scalar-output
 * requirement of grad, and error messages.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const w32 = T.tensor([[0.1, 0.2], [0.3, -0.4]], { dtype: 'float32' })
const x64 = T.tensor([[1, 2], [3, 4], [5, 6]])

describe('cotangents have the dtype of their primal (float32 parameters, float64 data)', () => {
  it('grad of a float32 parameter mixed with float64 data is float32', () => {
    const g = A.grad((w: Value) => A.sum(A.tanh(A.matmul(x64, w))))(w32)
    expect(g.dtype).toBe('float32')
    const gd = A.grad((w: Value) => A.sum(A.div(T.ones([2, 2]), w)))(w32)
    expect(gd.dtype).toBe('float32')
  })
  it('every leaf of a parameter tree keeps its dtype', () => {
    const b64 = T.zeros([2])
    const g = A.grad((p: { w: Value; b: Value }) => A.sum(A.add(A.matmul(x64, p.w), p.b)))({ w: w32, b: b64 })
    expect(g.w.dtype).toBe('float32')
    expect(g.b.dtype).toBe('float64')
    expect(Array.from(A.toArray(g.w))).toEqual([9, 9, 12, 12])
  })
  it('vjp with a float64 cotangent, jacrev and hessian of float32 inputs are float32', () => {
    expect(A.vjp((w: Value) => A.tanh(w), w32)[1](T.ones([2, 2]))[0].dtype).toBe('float32')
    expect(A.jacrev((w: Value) => A.matmul(x64, w))(w32).dtype).toBe('float32')
    expect(A.hessian((w: Value) => A.sum(A.square(A.matmul(x64, w))))(w32).dtype).toBe('float32')
  })
})

describe('grad requires the output itself to be a 0-d tensor', () => {
  it('a one-element list holding a scalar is rejected, naming the structure', () => {
    const x = T.tensor([1, 2])
    expect(() => A.grad((v: Value) => [A.sum(v)] as unknown as Value)(x)).toThrow(/grad: .*scalar.*\[\*\]/)
    expect(() => A.valueAndGrad((v: Value) => ({ loss: A.sum(v) }) as unknown as Value)(x)).toThrow(
      /valueAndGrad: .*scalar.*\{loss: \*\}/,
    )
  })
})

describe('integer indices that are traced values (int32 labels inside a differentiated tree)', () => {
  const x = T.tensor([[0.3, -0.7, 1.2], [0.1, 0.2, 0.3]])
  const labels = T.tensor([2, 0], { dtype: 'int32' })
  const f = (b: { x: Value; y: Value }): Value => A.sum(A.take(b.x, b.y, 1))
  it('take reads the concrete indices under jvp (the value was silently 0)', () => {
    const [out, t] = A.jvp(f, [{ x, y: labels }], [{ x: T.ones([2, 3]), y: T.zeros([2]) }])
    expect(A.item(out)).toBeCloseTo(1.2 + 0.3 + 0.3 + 0.1, 12)
    expect(A.item(t)).toBe(4)
  })
  it('take and scatterAdd work under grad over the whole tree', () => {
    const g = A.grad(f)({ x, y: labels })
    expect(A.toNested(g.x)).toEqual([[1, 0, 1], [1, 0, 1]])
    const h = A.grad((b: { u: Value; y: Value }) => A.sum(A.square(A.scatterAdd(T.zeros([3]), b.y, b.u))))({
      u: T.tensor([1, 2]),
      y: T.tensor([1, 1], { dtype: 'int32' }),
    })
    expect(A.toNested(h.u)).toEqual([6, 6])
  })
})

describe('error messages', () => {
  it('vjp: a misshapen cotangent is compared with the output, not a "primal"', () => {
    expect(() => A.vjp((a: Value) => a, T.tensor([1, 2, 3]))[1](T.ones([2]))).toThrow(
      /vjp: cotangent 0 has shape \[2\] but output leaf 0 has shape \[3\]/,
    )
  })
  it('valueAndGrad with hasAux names the op and what the function returned', () => {
    const f = (a: Value): readonly [Value, Value] => A.sum(a) as unknown as readonly [Value, Value]
    expect(() => A.valueAndGrad(f, { hasAux: true })(T.tensor([1, 2]))).toThrow(
      /valueAndGrad: with hasAux .*pair \[output, aux\], got a single value/,
    )
  })
  it('pad with a negative width names pad and the widths (it failed inside embedSlice)', () => {
    expect(() => A.pad(T.tensor([1, 2, 3]), [[-1, 0]])).toThrow(/pad: pad widths must be non-negative integers/)
  })
})

describe('custom rules must return values of the right shapes', () => {
  const x = T.tensor([0.3, -0.7, 1.2])
  it('customJvp: a tangent whose shape differs from the output is an error naming both shapes', () => {
    const bad = A.customJvp(
      (v: Value) => A.mul(v, 1),
      ([v], [t]) => [A.mul(v, 1), A.slice(t, [{ start: 0, stop: 1 }])],
    )
    expect(() => A.jvp(bad, [x], [x])).toThrow(/customJvp: .*tangent of shape \[1\].*output of shape \[3\]/)
  })
  it('customVjp: a cotangent whose shape differs from its argument is an error naming both shapes', () => {
    const bad = A.customVjp(
      (a: Value, b: Value) => A.mul(a, b),
      (a: Value, b: Value) => [A.mul(a, b), [a, b]] as const,
      ([a, b]: readonly [Value, Value], ct: Value) => [A.mul(ct, b), A.mul(ct, a)],
      'badMul',
    )
    const b = T.tensor([[1, 2, 3], [1, 2, 3]])
    expect(() => A.vjp(bad, x, b)[1](T.ones([2, 3]))).toThrow(
      /customVjp: bwd of 'badMul' returned a cotangent of shape \[2,3\] for argument 0 of shape \[3\]/,
    )
  })
})
