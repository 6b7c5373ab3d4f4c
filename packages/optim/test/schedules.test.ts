import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { grad, mul, sum, square, type Value } from '@cotangent/autodiff'
import {
  adam,
  applyUpdates,
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  momentum,
  sgd,
  valueAt,
  warmup,
  type Schedule,
  type GradientTransformation,
} from '../src/index.js'

const values = (s: Schedule, n: number): number[] => Array.from({ length: n }, (_, i) => s(i))

describe('schedules (hand-computed values)', () => {
  it('constantSchedule', () => {
    expect(values(constantSchedule(0.3), 3)).toEqual([0.3, 0.3, 0.3])
    expect(valueAt(0.2, 99)).toBe(0.2)
    expect(valueAt((s) => s * 2, 4)).toBe(8)
  })

  it('exponentialDecay: init · rate^(step/T), floored exponent with staircase', () => {
    const s = exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 2 })
    const got = values(s, 5)
    ;[1, Math.SQRT1_2, 0.5, 0.5 * Math.SQRT1_2, 0.25].forEach((w, i) => {
      expect(got[i]).toBeCloseTo(w, 15)
    })
    expect(values(exponentialDecay({ init: 2, decayRate: 0.1, transitionSteps: 2, staircase: true }), 5)).toEqual([
      2,
      2,
      2 * 0.1,
      2 * 0.1,
      2 * 0.1 * 0.1,
    ])
  })

  it('cosineDecay: init·((1−α)·½(1+cos(πt/T)) + α), constant after T', () => {
    const s = cosineDecay({ init: 0.4, decaySteps: 4 })
    expect(s(0)).toBe(0.4)
    expect(s(2)).toBeCloseTo(0.2, 15)
    expect(s(1)).toBeCloseTo(0.4 * 0.5 * (1 + Math.SQRT1_2), 15)
    expect(s(4)).toBeCloseTo(0, 15)
    expect(s(10)).toBeCloseTo(0, 15)
    const a = cosineDecay({ init: 1, decaySteps: 4, alpha: 0.1 })
    expect(a(4)).toBeCloseTo(0.1, 15)
    expect(a(2)).toBeCloseTo(0.9 * 0.5 + 0.1, 15)
  })

  it('warmup: linear ramp from init to peak, then the follow-up schedule on the steps since', () => {
    expect(values(warmup({ peak: 1, warmupSteps: 4 }), 6)).toEqual([0, 0.25, 0.5, 0.75, 1, 1])
    expect(values(warmup({ peak: 1, warmupSteps: 2, init: 0.5 }), 3)).toEqual([0.5, 0.75, 1])
    const then = warmup({ peak: 2, warmupSteps: 2, then: (k) => 2 - k * 0.5 })
    expect(values(then, 5)).toEqual([0, 1, 2, 1.5, 1])
  })

  it('reject bad options', () => {
    expect(() => exponentialDecay({ init: 1, decayRate: 0, transitionSteps: 1 })).toThrow(
      'exponentialDecay: decayRate must be a positive number, got 0',
    )
    expect(() => exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 1.5 })).toThrow(
      'exponentialDecay: transitionSteps must be a positive integer, got 1.5',
    )
    expect(() => cosineDecay({ init: 1, decaySteps: 0 })).toThrow('cosineDecay: decaySteps must be a positive integer, got 0')
    expect(() => cosineDecay({ init: 1, decaySteps: 3, alpha: 2 })).toThrow('cosineDecay: alpha must be in [0, 1], got 2')
    expect(() => warmup({ peak: Number.NaN, warmupSteps: 3 })).toThrow('warmup: peak must be a finite number, got NaN')
  })
})

describe('optimisers evaluate the schedule at their step count (0 for the first update)', () => {
  const f = (p: { w: Value }): Value => sum(mul(square(p.w), 0.5)) // ∇ = w
  const run3 = <S>(make: (lr: Schedule) => GradientTransformation<S>): number[] => {
    let p = { w: T.tensor([1]) }
    const opt = make((s) => [0.1, 0.2, 0.3][s]!)
    let st = opt.init(p)
    const out: number[] = []
    for (let i = 0; i < 3; i++) {
      const [u, s] = opt.update(grad(f)(p), st, p)
      p = applyUpdates(p, u)
      st = s
      out.push(T.item(p.w))
    }
    return out
  }

  it('sgd with a schedule: p ← p·(1 − lr_t) for f = ½p²', () => {
    const got = run3((lr) => sgd(lr))
    const want = [1 * 0.9, 1 * 0.9 * 0.8, 1 * 0.9 * 0.8 * 0.7]
    got.forEach((g, i) => {
      expect(g).toBeCloseTo(want[i]!, 15)
    })
  })

  it('momentum and adam accept schedules too', () => {
    let p = { w: T.tensor([1]) }
    const opt = momentum((s) => (s === 0 ? 0.5 : 0.25), 0.5)
    let st = opt.init(p)
    const out: number[] = []
    for (let i = 0; i < 2; i++) {
      const [u, s] = opt.update(grad(f)(p), st, p)
      p = applyUpdates(p, u)
      st = s
      out.push(T.item(p.w))
    }
    // v1 = 1, p1 = 1 − 0.5 = 0.5; v2 = 0.5·1 + 0.5 = 1, p2 = 0.5 − 0.25 = 0.25
    expect(out).toEqual([0.5, 0.25])
    const a = adam(() => 0)
    const [u] = a.update({ w: T.tensor([3]) }, a.init({ w: T.tensor([1]) }))
    expect(Math.abs(T.item((u as { w: T.Tensor }).w))).toBe(0)
  })
})
