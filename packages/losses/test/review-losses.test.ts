import { describe, expect, it } from 'vitest'
import { tensor } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { bce } from '../src/index.js'
import { flat } from './helpers.js'

describe('review: bce never returns NaN for in-range probabilities', () => {
  // Perfect predictions (p = 1 with y = 1, p = 0 with y = 0) used to give NaN when 1 − eps rounded to 1 (eps = 0,
  // which the docs allowed, or eps below the dtype's resolution): (1 − y)·log(1 − p) = 0·(−∞).
  it('rejects an eps that the clamp cannot represent, naming the dtype', () => {
    const p = tensor([1, 0, 0.5])
    const y = tensor([1, 0, 1])
    expect(() => bce(p, y, { eps: 0 })).toThrow('bce: eps must be in (0, 0.5) and large enough that 1 − eps < 1 in float64, got 0')
    expect(() => bce(p, y, { eps: 1e-17 })).toThrow('bce: eps must be in (0, 0.5) and large enough that 1 − eps < 1 in float64, got 1e-17')
    const p32 = tensor([1, 0, 0.5], { dtype: 'float32' })
    const y32 = tensor([1, 0, 1], { dtype: 'float32' })
    expect(() => bce(p32, y32, { eps: 1e-8 })).toThrow('bce: eps must be in (0, 0.5) and large enough that 1 − eps < 1 in float32, got 1e-8')
  })

  it('the smallest accepted eps gives finite losses and gradients for perfect and perfectly wrong predictions', () => {
    for (const [eps, dtype] of [
      [1e-16, 'float64'],
      [1e-7, 'float32'],
    ] as const) {
      const p = tensor([1, 0, 1, 0], { dtype })
      const y = tensor([1, 0, 0, 1], { dtype })
      const l = flat(bce(p, y, { eps, reduction: 'none' }))
      expect(l.every(Number.isFinite)).toBe(true)
      expect(l[0]).toBeLessThan(1e-6)
      const g = flat(A.grad((q: Value) => bce(q, y, { eps }))(p))
      expect(g.every(Number.isFinite)).toBe(true)
    }
  })
})
