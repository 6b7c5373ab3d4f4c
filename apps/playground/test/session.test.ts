import * as ct from 'cotangent'
import { describe, expect, test } from 'vitest'
import { DEFAULT_CONFIG, type Config } from '../src/config.js'
import {
  batchIndices,
  createSession,
  HISTORY_LIMIT,
  lossOn,
  matrix,
  metrics,
  recordHistory,
  stepMany,
} from '../src/session.js'

const cfg = (patch: Partial<Config>): Config => ({ ...DEFAULT_CONFIG, points: 40, ...patch })
const leaves = (p: ct.nn.MlpParams): number[][] =>
  p.layers.flatMap((l) => [Array.from(ct.toArray(l.W)), Array.from(ct.toArray(l.b))])

describe('session', () => {
  test('deterministic: the same configuration gives the same parameters after the same updates', () => {
    const a = stepMany(createSession(cfg({ optimizer: 'adam', batchSize: 7 })), 12)
    const b = stepMany(createSession(cfg({ optimizer: 'adam', batchSize: 7 })), 12)
    expect(leaves(b.params)).toEqual(leaves(a.params))
    expect(b.history).toEqual(a.history)
    const c = stepMany(createSession(cfg({ optimizer: 'adam', batchSize: 7, seed: 2 })), 12)
    expect(leaves(c.params)).not.toEqual(leaves(a.params))
  })

  test('batches: each epoch visits every training row once', () => {
    const c = cfg({ batchSize: 6 })
    const n = 20
    for (const epoch of [0, 1]) {
      const seen = [0, 1, 2, 3].flatMap((k) => batchIndices(c, n, epoch * 4 + k))
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
    }
    expect(batchIndices(c, n, 3)).toHaveLength(2)
    expect(batchIndices(c, n, 0)).not.toEqual(batchIndices(c, n, 4))
    expect(batchIndices(cfg({ batchSize: 500 }), n, 0)).toHaveLength(n)
  })

  test('the recorded gradient is the finite-difference slope of the mini-batch loss', () => {
    const c = cfg({ hidden: [3], batchSize: 8, optimizer: 'sgd', lr: 0.1 })
    const s0 = createSession(c)
    const s1 = stepMany(s0, 1)
    const idx = batchIndices(c, s0.data.yTrain.length, 0)
    const x = matrix(idx.map((i) => s0.data.xTrain[i]!))
    const y = idx.map((i) => s0.data.yTrain[i]!)
    const W = Array.from(ct.toArray(s0.params.layers[0]!.W))
    const at = (k: number, d: number): number => {
      const w = W.map((v, i) => (i === k ? v + d : v))
      const p = { layers: [{ ...s0.params.layers[0]!, W: ct.fromArray(w, [2, 3]) }, s0.params.layers[1]!] }
      return ct.item(lossOn(s0.model, p, x, y))
    }
    const g = Array.from(ct.toArray(s1.lastGrads!.layers[0]!.W))
    for (let k = 0; k < 6; k++) expect(g[k]).toBeCloseTo((at(k, 1e-6) - at(k, -1e-6)) / 2e-6, 7)
    // SGD: p1 = p0 − lr·g
    Array.from(ct.toArray(s1.params.layers[0]!.W)).forEach((v, k) => {
      expect(v).toBeCloseTo(W[k]! - 0.1 * g[k]!, 14)
    })
  })

  test('zero init never learns: hidden weights and gradients stay exactly 0, the boundary stays flat', () => {
    const s = stepMany(createSession(cfg({ init: 'zeros', hidden: [4], optimizer: 'adam', lr: 0.1 })), 30)
    expect(Array.from(ct.toArray(s.params.layers[0]!.W)).every((v) => v === 0)).toBe(true)
    expect(Array.from(ct.toArray(s.params.layers[1]!.W)).every((v) => v === 0)).toBe(true)
    expect(Array.from(ct.toArray(s.lastGrads!.layers[0]!.W)).every((v) => v === 0)).toBe(true)
    const logits = ct.toNested(s.model.apply(s.params, matrix(s.data.xTest))) as number[][]
    expect(new Set(logits.map((r) => r.join(','))).size).toBe(1)
  })

  test('weight decay is coupled L2 (PyTorch weight_decay): SGD moves p by −lr·(g + wd·p)', () => {
    const c = cfg({
      init: 'constant',
      initConstant: 0.5,
      hidden: [],
      optimizer: 'sgd',
      lr: 0.1,
      weightDecay: 0.2,
    })
    const s0 = createSession(c)
    const s1 = stepMany(s0, 1)
    const g = Array.from(ct.toArray(s1.lastGrads!.layers[0]!.W))
    Array.from(ct.toArray(s1.params.layers[0]!.W)).forEach((v, k) => {
      expect(v).toBeCloseTo(0.5 - 0.1 * (g[k]! + 0.2 * 0.5), 14)
    })
  })

  test('XOR trains to 100% test accuracy with the defaults (the browser test repeats this in Chromium)', () => {
    let s = createSession(DEFAULT_CONFIG)
    for (let i = 0; i < 50 && metrics(s).testAccuracy < 1; i++) s = stepMany(s, 20, Number.POSITIVE_INFINITY)
    expect(metrics(s).testAccuracy).toBe(1)
    expect(s.data.yTest.length).toBeGreaterThanOrEqual(50)
  })

  test('history is thinned past its limit, keeping the first and last points', () => {
    let s = createSession(cfg({}))
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) s = recordHistory({ ...s, step: s.step + 1 })
    expect(s.history.length).toBeLessThanOrEqual(HISTORY_LIMIT)
    expect(s.history[0]!.step).toBe(0)
    expect(s.history[s.history.length - 1]!.step).toBe(HISTORY_LIMIT + 5)
  })
})
