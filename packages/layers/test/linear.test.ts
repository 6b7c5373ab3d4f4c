import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { key } from '@cotangent/tensor'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { init, linear, type LinearParams } from '../src/index.js'
import { SEED, close, flat, naiveAffine, randn } from './helpers.js'

describe('linear', () => {
  it('init: [[16], { W: [4,16], b: [16] }] for input [4]', () => {
    const [out, p] = linear(16).init(key(0), [4])
    expect(out).toEqual([16])
    expect(p.W.shape).toEqual([4, 16])
    expect(p.b?.shape).toEqual([16])
  })
  it('init keeps leading dims of the input shape; bias: false has no b', () => {
    const [out, p] = linear(3, { bias: false }).init(key(0), [7, 4])
    expect(out).toEqual([7, 3])
    expect(Object.keys(p)).toEqual(['W'])
  })
  it("default init is PyTorch's nn.Linear: W, b ~ U(−1/√in, 1/√in)", () => {
    const [, p] = linear(200).init(key(3), [25])
    const w = flat(p.W)
    const b = flat(p.b!)
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.2)
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.19)
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(0.2)
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0.15)
  })
  it('custom initializers and dtype', () => {
    const [, p] = linear(2, { init: init.constant(1), biasInit: init.zeros, dtype: 'float32' }).init(
      key(0),
      [3],
    )
    expect(flat(p.W)).toEqual([1, 1, 1, 1, 1, 1])
    expect(flat(p.b!)).toEqual([0, 0])
    expect(p.W.dtype).toBe('float32')
  })
  it('apply = x @ W + b (batched and unbatched), against a naive loop', () => {
    const layer = linear(3)
    const [, p] = layer.init(key(1), [4])
    const x = randn(2, [5, 4])
    const want = naiveAffine(flat(x), 5, flat(p.W), 4, 3, flat(p.b!))
    close(layer.apply(p, x), want)
    expect(layer.apply(p, x).shape).toEqual([5, 3])
    const x1 = randn(3, [4])
    close(layer.apply(p, x1), naiveAffine(flat(x1), 1, flat(p.W), 4, 3, flat(p.b!)))
    expect(layer.apply(p, x1).shape).toEqual([3])
    const [, q] = linear(3, { bias: false }).init(key(1), [4])
    close(linear(3, { bias: false }).apply(q, x), naiveAffine(flat(x), 5, flat(q.W), 4, 3))
  })
  it('property: random sizes match the naive loop', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(1000),
        (b, nIn, nOut, seed) => {
          const layer = linear(nOut)
          const [, p] = layer.init(key(seed), [nIn])
          const x = randn(seed + 1, [b, nIn])
          close(layer.apply(p, x), naiveAffine(flat(x), b, flat(p.W), nIn, nOut, flat(p.b!)))
        },
      ),
      { seed: SEED, numRuns: 50 },
    )
  })
  it('apply on [B, T, in] maps the last axis', () => {
    const layer = linear(2)
    const [, p] = layer.init(key(1), [3])
    const x = randn(4, [2, 5, 3])
    close(layer.apply(p, x), naiveAffine(flat(x), 10, flat(p.W), 3, 2, flat(p.b!)))
  })
  it('errors name the shapes', () => {
    const layer = linear(16)
    const [, p] = layer.init(key(0), [4])
    expect(() => layer.apply(p, randn(0, [3, 5]))).toThrow(
      'linear: input [3,5] does not fit weight W [4,16] (last input dim must be 4)',
    )
    expect(() => layer.init(key(0), [])).toThrow(
      'linear: input shape [] has no feature axis (expected [..., in])',
    )
    expect(() => linear(0)).toThrow('linear: nOut must be a positive integer, got 0')
    expect(() => layer.apply({ W: randn(0, [4]) }, randn(0, [4]))).toThrow(
      'linear: weight W must be a matrix [in, out], got [4]',
    )
  })
  it('gradients w.r.t. params and input pass gradcheck (order 2)', () => {
    const layer = linear(3)
    const [, p] = layer.init(key(1), [4])
    assertGrads((q: LinearParams, x: Value) => layer.apply(q, x), [p, randn(5, [2, 4])], { order: 2 })
  })
})
