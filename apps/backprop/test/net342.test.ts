import * as A from '@cotangent/autodiff'
import * as T from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import {
  autodiffGrads342,
  distance,
  generateData,
  initParams342,
  labelOf,
  loss342,
  manualGrads342,
  PARAM_NAMES_342,
  type Params342,
} from '../src/net342.js'
import { gradientDistances, plainStep } from '../src/train342.js'
import { numericGrad, relErr } from './helpers.js'

describe('data of the 3-4-2 homework', () => {
  it('labels points by the two rules, worked by hand', () => {
    // x2 > 0: |x0 + x1|; ‖x‖ = √3 ≈ 1.73
    expect(labelOf(1, 1, 1)).toEqual([1, 1])
    // x2 < 0: |x0 − x1| = 0; ‖x‖ = √1.5 ≈ 1.22
    expect(labelOf(0.5, 0.5, -1)).toEqual([0, 0])
    // x2 < 0: |1 − (−0.5)| = 1.5 > 1.33; ‖x‖ = √1.26 ≈ 1.12
    expect(labelOf(1, -0.5, -0.1)).toEqual([1, 0])
    // x2 > 0: |1 − 0.5| = 0.5; ‖x‖ = √(1 + 0.25 + 1.44) ≈ 1.64
    expect(labelOf(1, -0.5, 1.2)).toEqual([0, 1])
    // x2 = 0: both indicator terms vanish, so y0 = 0 whatever x0, x1
    expect(labelOf(3, 3, 0)).toEqual([0, 1])
  })

  it('generateData draws N(0,1)³ inputs from the key and labels every row', () => {
    const d = generateData(50, T.key(3))
    expect(d.X.shape).toEqual([50, 3])
    expect(d.Y.shape).toEqual([50, 2])
    const x = T.toArray(d.X)
    const y = T.toArray(d.Y)
    for (let i = 0; i < 50; i++) {
      const [a, b, c] = [x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!]
      const y0 = Math.abs(c > 0 ? a + b : c < 0 ? a - b : 0) > 1.33 ? 1 : 0
      const y1 = Math.sqrt(a * a + b * b + c * c) > 1.33 ? 1 : 0
      expect([y[2 * i], y[2 * i + 1]]).toEqual([y0, y1])
    }
    expect(T.toArray(generateData(50, T.key(3)).X)).toEqual(x)
    expect(T.toArray(generateData(50, T.key(4)).X)).not.toEqual(x)
    expect(() => generateData(0, T.key(0))).toThrow(/positive integer/)
  })

  it('initialises W1 3×4, B1 1×4, W2 4×2, B2 1×2 with N(0,1)·0.2', () => {
    const p = initParams342(T.key(0))
    expect([p.W1.shape, p.B1.shape, p.W2.shape, p.B2.shape]).toEqual([
      [3, 4],
      [1, 4],
      [4, 2],
      [1, 2],
    ])
    // The scale over many draws of the same initialiser: std 0.2.
    const draws = Array.from({ length: 400 }, (_, i) => initParams342(T.key(i)))
    const values = draws.flatMap((d) => PARAM_NAMES_342.flatMap((n) => Array.from(T.toArray(d[n]))))
    const mean = values.reduce((s, v) => s + v, 0) / values.length
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length)
    expect(Math.abs(mean)).toBeLessThan(0.01)
    expect(std).toBeGreaterThan(0.19)
    expect(std).toBeLessThan(0.21)
  })
})

describe('hand-written backward pass of the 3-4-2 net', () => {
  const data = generateData(20, T.key(11))
  const p = initParams342(T.key(12))

  it('equals grad of the same loss to 1e-12 (the four distances)', () => {
    const d = gradientDistances(p, data)
    for (const n of PARAM_NAMES_342) expect(d[n]).toBeLessThanOrEqual(1e-12)
  })

  it('equals central differences of the loss (independent of grad)', () => {
    const g = manualGrads342(p, data.X, data.Y)
    for (const n of PARAM_NAMES_342) {
      const f = (v: T.Tensor): number => A.item(loss342({ ...p, [n]: v }, data.X, data.Y))
      expect(relErr(g[n], numericGrad(f, p[n]))).toBeLessThan(1e-7)
    }
  })

  it('gives the gradients worked by hand for one point', () => {
    // One point x = [1, 0, 0], target [1, 0]. W1 picks x0 into unit 0 (z1 = [1, −1, 0, 0] + B1 with B1 = 0 → h = [1, 0, 0, 0]).
    const q: Params342 = {
      W1: T.tensor([
        [1, -1, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ]),
      B1: T.zeros([1, 4]),
      W2: T.tensor([
        [2, 0],
        [3, 0],
        [0, 0],
        [0, 0],
      ]),
      B2: T.zeros([1, 2]),
    }
    const X = T.tensor([[1, 0, 0]])
    const Y = T.tensor([[1, 0]])
    const g = manualGrads342(q, X, Y)
    // z2 = [2, 0], ŷ = [σ(2), 1/2]; dL/dŷ = [2(σ(2) − 1), 1]; dL/dz2 = dL/dŷ·ŷ(1 − ŷ).
    const s = 1 / (1 + Math.exp(-2))
    const dz = [2 * (s - 1) * s * (1 - s), 1 * 0.25]
    expect(T.toNested(g.B2)).toEqual([[expect.closeTo(dz[0]!, 15), expect.closeTo(dz[1]!, 15)]])
    // dL/dW2 = hᵀ·dL/dz2: only row 0 (h0 = 1).
    expect(T.toArray(g.W2)).toEqual(Float64Array.from([dz[0]!, dz[1]!, 0, 0, 0, 0, 0, 0]))
    // dL/dh = dL/dz2·W2ᵀ = [2·dz0, 3·dz0, 0, 0]; unit 1 has z1 = −1 < 0, so only unit 0 passes.
    expect(T.toNested(g.B1)).toEqual([[2 * dz[0]!, 0, 0, 0]])
    // dL/dW1 = xᵀ·dL/dz1: row 0 only (x0 = 1).
    expect(T.toArray(g.W1)).toEqual(Float64Array.from([2 * dz[0]!, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
    // and grad agrees on this case too
    const a = autodiffGrads342(q, X, Y)
    for (const n of PARAM_NAMES_342) expect(distance(a[n], g[n])).toBeLessThanOrEqual(1e-15)
  })

  it('one plain step with lr 0.01 lowers the loss', () => {
    const s = plainStep(p, data, 0.01)
    expect(s.lossAfter).toBeLessThan(s.lossBefore)
    // The decrease is ≈ lr·‖∇L‖² for a small step.
    const g = manualGrads342(p, data.X, data.Y)
    const sq = PARAM_NAMES_342.reduce((acc, n) => acc + T.item(T.sum(T.square(g[n]))), 0)
    expect((s.lossBefore - s.lossAfter) / (0.01 * sq)).toBeCloseTo(1, 1)
  })

  it('distance is the Euclidean distance (torch.dist) and rejects different shapes', () => {
    expect(distance(T.tensor([3, 0]), T.tensor([0, 4]))).toBe(5)
    expect(() => distance(T.zeros([2]), T.zeros([3]))).toThrow(/same shape/)
  })
})
