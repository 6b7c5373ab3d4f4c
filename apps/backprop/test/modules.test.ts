import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import {
  bceModule,
  identityModule,
  linearBackward,
  linearForward,
  mseModule,
  reluModule,
  sigmoidModule,
  twoLayerBackprop,
  type TwoLayerParams,
} from '../src/modules.js'
import { compareSetting, SETTINGS } from '../src/twolayer.js'
import { numericGrad, relErr } from './helpers.js'

const at = (t: Tensor, i: number, j: number): number => T.toArray(t)[i * t.shape[1]! + j]!

describe('hand-written modules', () => {
  it('linear forward and backward equal naive loops', () => {
    const [k1, k2, k3, k4] = T.splitKey(T.key(5), 4)
    const x = T.normal(k1!, [4, 3])
    const p = { W: T.normal(k2!, [3, 2]), b: T.normal(k3!, [2]) }
    const dz = T.normal(k4!, [4, 2])
    const z = linearForward(p, x)
    const { dx, dW, db } = linearBackward(p, x, dz)
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 2; j++) {
        let s = T.toArray(p.b)[j]!
        for (let k = 0; k < 3; k++) s += at(x, i, k) * at(p.W, k, j)
        expect(at(z, i, j)).toBeCloseTo(s, 14)
      }
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 2; j++) {
        let s = 0
        for (let i = 0; i < 4; i++) s += at(x, i, k) * at(dz, i, j)
        expect(at(dW, k, j)).toBeCloseTo(s, 14)
      }
    for (let i = 0; i < 4; i++)
      for (let k = 0; k < 3; k++) {
        let s = 0
        for (let j = 0; j < 2; j++) s += at(dz, i, j) * at(p.W, k, j)
        expect(at(dx, i, k)).toBeCloseTo(s, 14)
      }
    for (let j = 0; j < 2; j++) {
      let s = 0
      for (let i = 0; i < 4; i++) s += at(dz, i, j)
      expect(T.toArray(db)[j]).toBeCloseTo(s, 14)
    }
    expect(() => linearForward(p, T.zeros([4, 2]))).toThrow(/linearForward/)
  })

  it('activation backward passes equal central differences of Σ dy ⊙ f(x)', () => {
    const [kx, kd] = T.splitKey(T.key(6), 2)
    // away from relu's kink at 0
    const raw = T.normal(kx!, [5, 4])
    const x = T.where(T.less(T.abs(raw), 0.05), T.add(raw, 0.2), raw)
    const dy = T.normal(kd!, [5, 4])
    for (const m of [reluModule, sigmoidModule, identityModule]) {
      const y = m.forward(x)
      const num = numericGrad((v) => T.item(T.sum(T.mul(dy, m.forward(v)))), x)
      expect(relErr(m.backward(x, y, dy), num)).toBeLessThan(1e-8)
    }
  })

  it('relu and sigmoid forward: closed forms', () => {
    const x = T.tensor([-2, 0, 3])
    expect(T.toArray(reluModule.forward(x))).toEqual(Float64Array.from([0, 0, 3]))
    expect(T.toArray(sigmoidModule.forward(x))[2]).toBeCloseTo(1 / (1 + Math.exp(-3)), 15)
    // relu′(0) = 0, as PyTorch
    expect(T.toArray(reluModule.backward(x, reluModule.forward(x), T.ones([3])))).toEqual(
      Float64Array.from([0, 0, 1]),
    )
  })

  it('MSE: value and gradient worked by hand', () => {
    const { loss, dYHat } = mseModule.forward(T.tensor([[1, 2]]), T.tensor([[0, 0]]))
    expect(loss).toBe(2.5) // (1 + 4) / 2
    expect(T.toArray(dYHat)).toEqual(Float64Array.from([1, 2])) // 2(ŷ − y)/N
    expect(() => mseModule.forward(T.zeros([2, 1]), T.zeros([2]))).toThrow(/same shape/)
  })

  it('BCE: value and gradient worked by hand, and zero gradient outside the clamp', () => {
    const { loss, dYHat } = bceModule.forward(T.tensor([0.5, 0.8]), T.tensor([1, 0]))
    expect(loss).toBeCloseTo((Math.log(2) - Math.log(0.2)) / 2, 15)
    // (p − y)/(p(1 − p)N): (−0.5)/(0.25·2) = −1, 0.8/(0.16·2) = 2.5
    expect(T.toArray(dYHat)[0]).toBeCloseTo(-1, 14)
    expect(T.toArray(dYHat)[1]).toBeCloseTo(2.5, 14)
    const sat = bceModule.forward(T.tensor([1, 0]), T.tensor([0, 1]))
    expect(sat.loss).toBeCloseTo(-Math.log(1e-7), 6)
    expect(Array.from(T.toArray(sat.dYHat), Math.abs)).toEqual([0, 0])
  })

  it('loss modules: gradients equal central differences', () => {
    const [kp, ky] = T.splitKey(T.key(8), 2)
    const p = T.uniform(kp!, [4, 3], { low: 0.05, high: 0.95 })
    const y = T.less(T.uniform(ky!, [4, 3]), 0.5)
    for (const m of [mseModule, bceModule])
      expect(
        relErr(
          m.forward(p, y).dYHat,
          numericGrad((v) => m.forward(v, y).loss, p),
        ),
      ).toBeLessThan(1e-8)
  })
})

describe('two-layer net: hand-written backprop against autodiff', () => {
  const sizes = { batch: 10, inDim: 2, hidden: 20, outDim: 5 }

  it.each(SETTINGS)('$name: every parameter gradient equals grad to 1e-12, on a batch of 10', (s) => {
    const c = compareSetting(s, sizes, T.key(21))
    expect(c.manual.x.shape[0]).toBe(10)
    expect(c.manual.loss).toBeCloseTo(c.autodiffLoss, 13)
    for (const n of ['W1', 'b1', 'W2', 'b2'] as const) {
      expect(c.maxAbsDiff[n]).toBeLessThanOrEqual(1e-12)
      // the reported difference is the real one
      const d = T.item(T.max(T.abs(T.sub(c.manual.grads[n], c.autodiff[n]))))
      expect(c.maxAbsDiff[n]).toBe(d)
    }
  })

  it.each(SETTINGS)(
    '$name: the hand-written gradients equal central differences (independent of grad)',
    (s) => {
      const c = compareSetting(s, { batch: 6, inDim: 3, hidden: 7, outDim: 4 }, T.key(22))
      const mods = { relu: reluModule, sigmoid: sigmoidModule, identity: identityModule }
      const lossM = s.loss === 'mse' ? mseModule : bceModule
      const J = (p: TwoLayerParams): number =>
        twoLayerBackprop(p, mods[s.f], mods[s.g], lossM, c.manual.x, c.target).loss
      for (const n of ['W1', 'b1', 'W2', 'b2'] as const) {
        const num = numericGrad((v) => J({ ...c.params, [n]: v }), c.params[n])
        expect(relErr(c.manual.grads[n], num)).toBeLessThan(1e-7)
      }
    },
  )
})
