/**
 * float32 paths of the layers: dropout's 1/(1 − rate) scaling in float32 (each kept value is exactly the float32
 * product of x and the float32 scale; the dtype stays float32; the mean is kept), linear and mlp with float32
 * parameters against float64 loops within float32 rounding, and float32 gradients.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { dropout, linear, mlp, type ActivationName } from '../src/index.js'
import { flat, naiveAffine } from './helpers.js'

describe('dropout in float32', () => {
  const x = T.astype(T.normal(T.key(3), [60, 50]), 'float32')
  for (const rate of [0.1, 0.25, 0.5, 0.9])
    it(`rate ${String(rate)}: float32 out, kept values = fround(x · fround(1/(1 − rate))), the rest 0`, () => {
      const y = dropout(rate).apply({}, x, { train: true, key: T.key(8) })
      expect(y.dtype).toBe('float32')
      const scale = Math.fround(1 / (1 - rate))
      const xs = flat(x)
      const ys = flat(y)
      const wrong = ys.findIndex((v, i) => v !== 0 && v !== Math.fround(xs[i]! * scale))
      expect(wrong, `element ${String(wrong)}: ${String(ys[wrong])} for x = ${String(xs[wrong])}`).toBe(-1)
      const kept = ys.filter((v) => v !== 0).length / ys.length
      const p = 1 - rate
      expect(Math.abs(kept - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / ys.length))
    })

  it('the expected output equals the input: mean of dropout(ones) ≈ 1 within 6 standard errors', () => {
    for (const rate of [0.2, 0.5]) {
      const y = flat(
        dropout(rate).apply({}, T.ones([200, 100], { dtype: 'float32' }), { train: true, key: T.key(1) }),
      )
      const mean = y.reduce((s, v) => s + v, 0) / y.length
      // each element is 0 or 1/(1−p): variance p·(1/p − 1)… = rate/(1 − rate)
      expect(Math.abs(mean - 1)).toBeLessThan(6 * Math.sqrt(rate / (1 - rate) / y.length))
    }
  })

  it('its gradient is the float32 scaled mask', () => {
    const d = dropout(0.3)
    const ctx = { train: true, key: T.key(4) }
    const g = A.grad((v: Value) => A.sum(d.apply({}, v, ctx)))(x)
    expect(g.dtype).toBe('float32')
    const mask = flat(d.apply({}, T.ones(x.shape, { dtype: 'float32' }), ctx))
    expect(flat(g)).toEqual(mask)
    expect(new Set(mask)).toEqual(new Set([0, Math.fround(1 / 0.7)]))
  })
})

describe('linear and mlp with float32 parameters', () => {
  /** |got − want| ≤ (k + 2)·2⁻²³·Σ|terms| + tiny: float32 rounding of a k-term dot product and its inputs. */
  const closeF32 = (
    got: readonly number[],
    want: readonly number[],
    scale: readonly number[],
    k: number,
  ): void => {
    expect(got.length).toBe(want.length)
    got.forEach((g, i) => {
      expect(Math.abs(g - want[i]!), `element ${String(i)}`).toBeLessThanOrEqual(
        (k + 2) * 2 ** -23 * scale[i]! + 1e-30,
      )
    })
  }

  it('linear: float32 W, b and output; values of x @ W + b within float32 rounding', () => {
    const layer = linear(5, { dtype: 'float32' })
    const [outShape, p] = layer.init(T.key(2), [7])
    expect(outShape).toEqual([5])
    expect([p.W.dtype, p.b!.dtype]).toEqual(['float32', 'float32'])
    const x = T.astype(T.normal(T.key(5), [4, 7]), 'float32')
    const y = layer.apply(p, x)
    expect(y.dtype).toBe('float32')
    const want = naiveAffine(flat(x), 4, flat(p.W), 7, 5, flat(p.b!))
    const scale = naiveAffine(
      flat(x).map(Math.abs),
      4,
      flat(p.W).map(Math.abs),
      7,
      5,
      flat(p.b!).map(Math.abs),
    )
    closeF32(flat(y), want, scale, 7)
  })

  const acts: readonly [ActivationName, (v: number) => number][] = [
    ['relu', (v) => Math.max(v, 0)],
    ['tanh', Math.tanh],
    ['sigmoid', (v) => 1 / (1 + Math.exp(-v))],
    ['leakyRelu', (v) => (v > 0 ? v : 0.01 * v)],
    ['softplus', (v) => Math.log1p(Math.exp(v))],
    ['gelu', (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ['identity', (v) => v],
  ]
  for (const [name, act] of acts)
    it(`mlp(${name}) in float32: float32 output, equal to the float64 loop within 1e-5`, () => {
      const net = mlp({ hiddenDims: [6, 4], activation: name, outDim: 3, dtype: 'float32' })
      const [, p] = net.init(T.key(9), [5])
      const x = T.astype(T.normal(T.key(10), [3, 5]), 'float32')
      const y = net.apply(p, x)
      expect(y.dtype).toBe('float32')
      const widths = [5, 6, 4, 3]
      const want = p.layers.reduce<number[]>((h, l, i) => {
        const z = naiveAffine(h, 3, flat(l.W), widths[i]!, widths[i + 1]!, flat(l.b))
        return i === p.layers.length - 1 ? z : z.map(act)
      }, flat(x))
      flat(y).forEach((v, i) => {
        expect(Math.abs(v - want[i]!), `element ${String(i)}`).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(want[i]!)),
        )
      })
      // and its gradients are float32
      const g = A.grad((q: typeof p) => A.sum(net.apply(q, x)))(p)
      expect(g.layers.map((l) => [l.W.dtype, l.b.dtype])).toEqual(p.layers.map(() => ['float32', 'float32']))
    })

  it('a float32 model on float64 data keeps float32 gradients', () => {
    const layer = linear(2, { dtype: 'float32' })
    const [, p] = layer.init(T.key(0), [3])
    const x = T.tensor([
      [1, 2, 3],
      [-1, 0.5, 2],
    ])
    const g = A.grad((q: typeof p) => A.sum(layer.apply(q, x)))(p)
    expect([g.W.dtype, g.b!.dtype]).toEqual(['float32', 'float32'])
    // d/dW Σ(xW + b) = xᵀ·1: column sums of x repeated over the outputs
    expect(flat(g.W)).toEqual([0, 0, 2.5, 2.5, 5, 5])
    expect(flat(g.b!)).toEqual([2, 2])
  })
})
