import { describe, expect, it } from 'vitest'
import { fold, fromArray, key, ones } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { dropout, serial } from '../src/index.js'
import { flat, randn } from './helpers.js'

describe('dropout', () => {
  const x = randn(1, [4, 5])
  it('eval (no ctx or train: false) is the identity; params {}', () => {
    const d = dropout(0.5)
    const [out, p] = d.init(key(0), [5])
    expect(out).toEqual([5])
    expect(p).toEqual({})
    expect(flat(d.apply(p, x))).toEqual(flat(x))
    expect(flat(d.apply(p, x, { train: false, key: key(3) }))).toEqual(flat(x))
    expect(flat(d.apply(p, x, { train: false }))).toEqual(flat(x))
  })
  it('training without a key is a clear error', () => {
    expect(() => dropout(0.5).apply({}, x, { train: true })).toThrow(
      'dropout: training mode needs a random key; call apply with ctx = { train: true, key }',
    )
  })
  it('rate outside [0, 1) is rejected; rate 0 is the identity in training', () => {
    expect(() => dropout(1)).toThrow('dropout: rate must be in [0, 1), got 1')
    expect(() => dropout(-0.1)).toThrow('dropout: rate must be in [0, 1), got -0.1')
    expect(flat(dropout(0).apply({}, x, { train: true, key: key(0) }))).toEqual(flat(x))
  })
  it('train: kept fraction ≈ 1 − rate (within 6 SE), kept values scaled by 1/(1 − rate)', () => {
    for (const rate of [0.2, 0.5, 0.9]) {
      const y = flat(dropout(rate).apply({}, ones([100, 100]), { train: true, key: key(7) }))
      const kept = y.filter((v) => v !== 0)
      // one assertion on the worst kept value (an expect per element was ~30k matcher calls)
      const scale = 1 / (1 - rate)
      expect(Math.max(...kept.map((v) => Math.abs(v - scale)))).toBeLessThan(1e-14 * scale)
      const n = y.length
      const p = 1 - rate
      expect(Math.abs(kept.length / n - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / n))
    }
  })
  it('each element is either dropped or x/(1 − rate)', () => {
    const y = flat(dropout(0.25).apply({}, x, { train: true, key: key(2) }))
    y.forEach((v, i) => {
      if (v !== 0) expect(v).toBeCloseTo(flat(x)[i]! / 0.75, 14)
    })
  })
  it('same key → same mask, another key → another mask', () => {
    const d = dropout(0.5)
    const a = flat(d.apply({}, ones([50]), { train: true, key: key(11) }))
    const b = flat(d.apply({}, ones([50]), { train: true, key: key(11) }))
    const c = flat(d.apply({}, ones([50]), { train: true, key: key(12) }))
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
  })
  it('inside serial, each dropout gets its own key (fold(key, i))', () => {
    const model = serial(dropout(0.5), dropout(0.5))
    const [, p] = model.init(key(0), [50])
    const k = key(5)
    const got = flat(model.apply(p, ones([50]), { train: true, key: k }))
    const m0 = flat(dropout(0.5).apply({}, ones([50]), { train: true, key: fold(k, 0) }))
    const want = flat(dropout(0.5).apply({}, fromArray(m0, [50]), { train: true, key: fold(k, 1) }))
    expect(got).toEqual(want)
    const m1 = flat(dropout(0.5).apply({}, ones([50]), { train: true, key: fold(k, 1) }))
    expect(m0).not.toEqual(m1)
  })
  it('gradient is the scaled mask; gradcheck in train mode with a fixed key (order 2)', () => {
    const d = dropout(0.3)
    const ctx = { train: true, key: key(4) }
    const g = flat(A.grad((v: Value) => A.sum(d.apply({}, v, ctx)))(x))
    const y = flat(d.apply({}, ones(x.shape), ctx))
    expect(g).toEqual(y)
    assertGrads((v: Value) => d.apply({}, v, ctx), [x], { order: 2 })
  })
})
