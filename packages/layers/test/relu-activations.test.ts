/**
 * The relu and leakyRelu layers (one primitive each): values against naive loops, the gradient of a relu MLP
 * against hand-written backprop with pre-activations exactly at the kink (subgradient 0 there), and gradient
 * checks of leaky relu MLPs (order 2) at random points away from the kink.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { key, tensor } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { arbAwayFromKinks, assertGrads } from '@cotangent/gradcheck'
import { leakyRelu, mlp, relu, type MlpParams } from '../src/index.js'
import { SEED, close, flat, naiveAffine, t } from './helpers.js'

describe('relu and leakyRelu layers', () => {
  it('apply element-wise max(x, 0) and x > 0 ? x : slope·x, keeping the shape', () => {
    const x = t([-2, -0.5, 0, 0.5, 3, -1e-9], [2, 3])
    const [shape] = relu.init(key(0), [2, 3])
    expect(shape).toEqual([2, 3])
    const r = relu.apply({}, x)
    expect(r.shape).toEqual([2, 3])
    expect(flat(r)).toEqual(flat(x).map((v) => (v > 0 ? v : 0)))
    expect(flat(leakyRelu(0.1).apply({}, x))).toEqual(flat(x).map((v) => (v > 0 ? v : v * 0.1)))
    expect(flat(leakyRelu().apply({}, x))).toEqual(flat(x).map((v) => (v > 0 ? v : v * 0.01)))
  })
})

describe('a relu MLP against hand-written backprop', () => {
  it('gradients equal the naive loop, with pre-activations exactly 0 (derivative 0 there)', () => {
    const m = mlp({ hiddenDims: [3], activation: 'relu', outDim: 2 })
    // W0 and b0 chosen so that some pre-activations are exactly 0, others either sign
    const p: MlpParams = {
      layers: [
        { W: t([1, -1, 0.5, 2, 1, -1], [2, 3]), b: t([0, 1, 0], [3]) },
        { W: t([0.5, -1, 2, 1, -0.5, 0.25], [3, 2]), b: t([0.1, -0.2], [2]) },
      ],
    }
    const x = t([0, 0, 1, -1, -2, 1, 0.5, 0.5], [4, 2])
    const w = t([1, 2, 3, 4, 5, 6, 7, 8], [4, 2])
    const g = A.grad((q: MlpParams) => A.sum(A.mul(m.apply(q, x), w)))(p)

    // forward and backward by hand
    const [W0, b0, W1] = [flat(p.layers[0]!.W), flat(p.layers[0]!.b), flat(p.layers[1]!.W)]
    const xs = flat(x)
    const h = naiveAffine(xs, 4, W0, 2, 3, b0)
    expect(h.filter((v) => v === 0).length).toBeGreaterThanOrEqual(3) // the kink is exercised
    const a = h.map((v) => (v > 0 ? v : 0))
    const dout = flat(w)
    const dW1 = Array.from({ length: 6 }, (_, k) => {
      const [i, j] = [Math.floor(k / 2), k % 2]
      let s = 0
      for (let n = 0; n < 4; n++) s += a[n * 3 + i]! * dout[n * 2 + j]!
      return s
    })
    const db1 = [0, 1].map((j) => [0, 1, 2, 3].reduce((s, n) => s + dout[n * 2 + j]!, 0))
    const dh = Array.from({ length: 12 }, (_, k) => {
      const [n, i] = [Math.floor(k / 3), k % 3]
      const da = dout[n * 2]! * W1[i * 2]! + dout[n * 2 + 1]! * W1[i * 2 + 1]!
      return h[k]! > 0 ? da : 0
    })
    const dW0 = Array.from({ length: 6 }, (_, k) => {
      const [i, j] = [Math.floor(k / 3), k % 3]
      let s = 0
      for (let n = 0; n < 4; n++) s += xs[n * 2 + i]! * dh[n * 3 + j]!
      return s
    })
    const db0 = [0, 1, 2].map((j) => [0, 1, 2, 3].reduce((s, n) => s + dh[n * 3 + j]!, 0))
    close(g.layers[0]!.W, dW0)
    close(g.layers[0]!.b, db0)
    close(g.layers[1]!.W, dW1)
    close(g.layers[1]!.b, db1)
  })
})

describe('leaky relu MLPs pass gradient checks (order 2) away from the kink', () => {
  it('input gradients at random points', () => {
    const m = mlp({ hiddenDims: [4], activation: (v) => A.leakyRelu(v, 0.2), outDim: 2 })
    const [, p] = m.init(key(2), [3])
    fc.assert(
      fc.property(arbAwayFromKinks([5]), (z) => {
        // the leaky relu applied directly to points away from 0, composed with the MLP's first layer
        assertGrads((v: Value) => A.leakyRelu(A.mul(v, 1.5), 0.2), [z], { order: 2 })
        assertGrads((v: Value) => A.relu(A.mul(v, 1.5)), [z], { order: 2 })
      }),
      { seed: SEED, numRuns: 20 },
    )
    const x = tensor([
      [0.3, -1.2, 2],
      [1.1, 0.4, -0.7],
    ])
    const pre = naiveAffine(flat(x), 2, flat(p.layers[0]!.W), 3, 4, flat(p.layers[0]!.b))
    expect(Math.min(...pre.map(Math.abs))).toBeGreaterThan(0.1) // the check's steps do not cross the kink
    assertGrads((q: MlpParams, xx: Value) => m.apply(q, xx), [p, x], { order: 2 })
  })
})
