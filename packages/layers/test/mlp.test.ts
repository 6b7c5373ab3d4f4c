import { describe, expect, it } from 'vitest'
import { key, tensor, oneHot } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { describeParams, init, mlp, paramCount, type MlpParams } from '../src/index.js'
import { close, flat, naiveAffine, randn } from './helpers.js'

describe('mlp', () => {
  it('shapes and parameter counts', () => {
    const [out, p] = mlp({ hiddenDims: [8, 8], activation: 'relu', outDim: 3 }).init(key(0), [4])
    expect(out).toEqual([3])
    expect(p.layers.map((l) => [l.W.shape, l.b.shape])).toEqual([
      [[4, 8], [8]],
      [[8, 8], [8]],
      [[8, 3], [3]],
    ])
    expect(paramCount(p)).toBe(4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3)
  })
  it('empty hiddenDims is a single linear layer', () => {
    const m = mlp({ hiddenDims: [], activation: 'tanh', outDim: 2 })
    const [out, p] = m.init(key(0), [5])
    expect(out).toEqual([2])
    expect(p.layers.length).toBe(1)
    const x = randn(1, [3, 5])
    close(m.apply(p, x), naiveAffine(flat(x), 3, flat(p.layers[0]!.W), 5, 2, flat(p.layers[0]!.b)))
  })
  it('apply = affine → tanh → affine (no activation after the output), against a naive loop', () => {
    const m = mlp({ hiddenDims: [6], activation: 'tanh', outDim: 2 })
    const [, p] = m.init(key(2), [3])
    const x = randn(3, [4, 3])
    const h = naiveAffine(flat(x), 4, flat(p.layers[0]!.W), 3, 6, flat(p.layers[0]!.b)).map(Math.tanh)
    close(m.apply(p, x), naiveAffine(h, 4, flat(p.layers[1]!.W), 6, 2, flat(p.layers[1]!.b)))
  })
  it('activation may be a function; every named activation runs', () => {
    const x = randn(3, [4, 3])
    const sq = mlp({ hiddenDims: [5], activation: (v) => A.mul(v, v), outDim: 1 })
    const [, p] = sq.init(key(2), [3])
    const h = naiveAffine(flat(x), 4, flat(p.layers[0]!.W), 3, 5, flat(p.layers[0]!.b)).map((v) => v * v)
    close(sq.apply(p, x), naiveAffine(h, 4, flat(p.layers[1]!.W), 5, 1, flat(p.layers[1]!.b)))
    const refs: Record<string, (v: number) => number> = {
      relu: (v) => Math.max(v, 0),
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      softplus: (v) => Math.log1p(Math.exp(v)),
      leakyRelu: (v) => (v > 0 ? v : 0.01 * v),
      identity: (v) => v,
      gelu: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    }
    for (const [name, f] of Object.entries(refs)) {
      const m = mlp({ hiddenDims: [5], activation: name as 'relu', outDim: 1 })
      const hh = naiveAffine(flat(x), 4, flat(p.layers[0]!.W), 3, 5, flat(p.layers[0]!.b)).map(f)
      close(m.apply(p, x), naiveAffine(hh, 4, flat(p.layers[1]!.W), 5, 1, flat(p.layers[1]!.b)), 1e-12)
    }
  })
  it('init / outInit are honoured', () => {
    const [, p] = mlp({
      hiddenDims: [2],
      activation: 'relu',
      outDim: 1,
      init: init.constant(1),
      outInit: init.zeros,
    }).init(key(0), [2])
    expect(flat(p.layers[0]!.W)).toEqual([1, 1, 1, 1])
    expect(flat(p.layers[1]!.W)).toEqual([0, 0])
  })
  it('errors', () => {
    expect(() => mlp({ hiddenDims: [], activation: 'swish' as 'relu', outDim: 1 })).toThrow(
      "mlp: unknown activation 'swish' (use one of relu, tanh, sigmoid, gelu, leakyRelu, softplus, identity, or a function)",
    )
    const m = mlp({ hiddenDims: [2], activation: 'relu', outDim: 1 })
    const [, p] = m.init(key(0), [2])
    expect(() => m.apply({ layers: p.layers.slice(0, 1) }, randn(0, [1, 2]))).toThrow(
      'mlp: got 1 layer parameter entries for 2 dense layers',
    )
  })
  it('describeParams lists every leaf with its path', () => {
    const [, p] = mlp({ hiddenDims: [16], activation: 'relu', outDim: 3 }).init(key(0), [4])
    expect(describeParams(p)).toBe(
      [
        'layers[0].W  [4,16]  64',
        'layers[0].b  [16]    16',
        'layers[1].W  [16,3]  48',
        'layers[1].b  [3]     3',
        'total: 131 parameters in 4 tensors',
      ].join('\n'),
    )
  })
  it('gradients w.r.t. params and input pass gradcheck (tanh: order 2)', () => {
    const m = mlp({ hiddenDims: [4], activation: 'tanh', outDim: 2 })
    const [, p] = m.init(key(1), [3])
    assertGrads((q: MlpParams, x: Value) => m.apply(q, x), [p, randn(5, [2, 3])], { order: 2 })
  })
  it('relu MLP passes gradcheck away from the kinks', () => {
    const m = mlp({ hiddenDims: [4], activation: 'relu', outDim: 2 })
    const [, p] = m.init(key(1), [3])
    const x = randn(4, [3, 3])
    const pre = naiveAffine(flat(x), 3, flat(p.layers[0]!.W), 3, 4, flat(p.layers[0]!.b))
    expect(Math.min(...pre.map(Math.abs))).toBeGreaterThan(0.1) // the check's steps do not cross a kink
    assertGrads((q: MlpParams, xx: Value) => m.apply(q, xx), [p, x], { order: 2 })
  })
})

describe('the zero-init fact', () => {
  // XOR with cross-entropy: a 2-layer ReLU MLP whose weights and biases are all zero.
  const m = mlp({ hiddenDims: [4], activation: 'relu', outDim: 2, init: init.zeros, biasInit: init.zeros })
  const [, p0] = m.init(key(0), [2])
  const x = tensor([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ])
  const y = oneHot([0, 1, 1, 0], 2)
  const ce = (q: MlpParams): Value =>
    A.neg(A.mean(A.sum(A.mul(A.logSoftmax(m.apply(q, x)), y), { axis: -1 })))

  it('all parameters are zero at init', () => {
    for (const l of p0.layers) expect([...flat(l.W), ...flat(l.b)].every((v) => v === 0)).toBe(true)
  })
  it('every gradient element is exactly 0 (balanced labels)', () => {
    const g = A.grad(ce)(p0)
    expect(A.item(ce(p0))).toBeCloseTo(Math.log(2), 14)
    for (const l of g.layers) for (const v of [...flat(l.W), ...flat(l.b)]) expect(v).toBe(0)
  })
  it('with a loss whose output gradient does not sum to 0, only the output bias moves', () => {
    const mseLoss = (q: MlpParams): Value => A.mean(A.square(A.sub(m.apply(q, x), y)))
    const g = A.grad(mseLoss)(p0)
    for (const v of [...flat(g.layers[0]!.W), ...flat(g.layers[0]!.b), ...flat(g.layers[1]!.W)])
      expect(v).toBe(0)
    // ∂/∂b₂ of mean((0 − y)²) over 4×2 entries = Σ_rows 2(0 − y)/8 = −0.5 per output unit.
    close(g.layers[1]!.b, [-0.5, -0.5])
  })
})
