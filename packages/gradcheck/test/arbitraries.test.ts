import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as T from '@cotangent/tensor'
import {
  arbAwayFromKinks,
  arbBroadcastShapes,
  arbDistinct,
  arbPositiveTensor,
  arbShape,
  arbTensor,
} from '../src/index.js'

const SEED = 424242

const values = (t: T.Tensor): number[] => Array.from(T.toArray(t))

/** Naive NumPy broadcasting check, written independently of the tensor package. */
const broadcastsTogether = (a: readonly number[], b: readonly number[]): boolean => {
  const n = Math.max(a.length, b.length)
  for (let i = 1; i <= n; i++) {
    const x = a[a.length - i] ?? 1
    const y = b[b.length - i] ?? 1
    if (x !== y && x !== 1 && y !== 1) return false
  }
  return true
}

describe('arbShape', () => {
  it('respects rank and dimension bounds', () => {
    fc.assert(
      fc.property(arbShape({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 4 }), (s) => {
        expect(s.length).toBeGreaterThanOrEqual(1)
        expect(s.length).toBeLessThanOrEqual(3)
        s.forEach((d) => {
          expect(Number.isInteger(d) && d >= 2 && d <= 4).toBe(true)
        })
      }),
      { seed: SEED, numRuns: 200 },
    )
  })

  it('defaults to ≤ 4 dims of size 1…3, and reaches rank 0 and rank 4', () => {
    const seen = new Set<number>()
    fc.assert(
      fc.property(arbShape(), (s) => {
        seen.add(s.length)
        expect(s.length).toBeLessThanOrEqual(4)
        s.forEach((d) => {
          expect(d >= 1 && d <= 3).toBe(true)
        })
      }),
      { seed: SEED, numRuns: 300 },
    )
    expect(seen.has(0) && seen.has(4)).toBe(true)
  })

  it('rejects bad bounds', () => {
    expect(() => arbShape({ minRank: 3, maxRank: 2 })).toThrow(
      'arbShape: maxRank must be an integer ≥ 3, got 2',
    )
    expect(() => arbShape({ minDim: -1 })).toThrow('arbShape: minDim must be an integer ≥ 0, got -1')
  })
})

describe('arbBroadcastShapes', () => {
  it('produces pairs that broadcast together, including size-1 dims and dropped leading dims', () => {
    let sawOne = false
    let sawDifferentRank = false
    fc.assert(
      fc.property(arbBroadcastShapes(), ([a, b]) => {
        expect(broadcastsTogether(a, b)).toBe(true)
        expect(() => T.broadcastShapes('test', a, b)).not.toThrow()
        if (a.includes(1) || b.includes(1)) sawOne = true
        if (a.length !== b.length) sawDifferentRank = true
      }),
      { seed: SEED, numRuns: 300 },
    )
    expect(sawOne && sawDifferentRank).toBe(true)
  })
})

describe('tensor arbitraries', () => {
  it('arbTensor: the shape, dtype and value range asked for', () => {
    fc.assert(
      fc.property(
        arbShape().chain((s) =>
          fc.tuple(fc.constant(s), arbTensor(s, { min: -1, max: 2, dtype: 'float32' })),
        ),
        ([s, t]) => {
          expect(t.shape).toEqual(s)
          expect(t.dtype).toBe('float32')
          values(t).forEach((v) => {
            expect(v >= -1 && v <= 2).toBe(true)
          })
        },
      ),
      { seed: SEED, numRuns: 100 },
    )
  })

  it('arbPositiveTensor: values in [min, max] with min > 0', () => {
    fc.assert(
      fc.property(
        arbShape().chain((s) => arbPositiveTensor(s)),
        (t) => {
          expect(t.dtype).toBe('float64')
          values(t).forEach((v) => {
            expect(v >= 0.2 && v <= 3).toBe(true)
          })
        },
      ),
      { seed: SEED, numRuns: 100 },
    )
    expect(() => arbPositiveTensor([2], { min: 0 })).toThrow('arbPositiveTensor: min must be > 0, got 0')
  })

  it('arbAwayFromKinks: no value within the margin of a kink, all values in range', () => {
    const kinks = [-1, 0, 0.5]
    fc.assert(
      fc.property(
        arbShape().chain((s) => arbAwayFromKinks(s, { kinks, margin: 0.2, min: -2, max: 2 })),
        (t) => {
          values(t).forEach((v) => {
            expect(v >= -2 && v <= 2).toBe(true)
            kinks.forEach((k) => {
              expect(Math.abs(v - k)).toBeGreaterThanOrEqual(0.2)
            })
          })
        },
      ),
      { seed: SEED, numRuns: 200 },
    )
    // float32 rounding keeps the promise too
    fc.assert(
      fc.property(arbAwayFromKinks([3, 3], { margin: 0.1, dtype: 'float32' }), (t) => {
        values(t).forEach((v) => {
          expect(Math.abs(v)).toBeGreaterThanOrEqual(0.1)
        })
      }),
      { seed: SEED, numRuns: 100 },
    )
    expect(() => arbAwayFromKinks([2], { kinks: [0], margin: 2, min: -1, max: 1 })).toThrow(
      'arbAwayFromKinks: no value of [-1, 1] is at distance ≥ 2 from the kinks [0]',
    )
  })

  it('arbDistinct: pairwise gaps of at least the margin, in range', () => {
    fc.assert(
      fc.property(
        arbShape().chain((s) => arbDistinct(s, { margin: 0.05 })),
        (t) => {
          const v = values(t).sort((a, b) => a - b)
          v.forEach((x, i) => {
            expect(x >= -3 && x <= 3).toBe(true)
            if (i > 0) expect(x - v[i - 1]!).toBeGreaterThanOrEqual(0.05)
          })
        },
      ),
      { seed: SEED, numRuns: 200 },
    )
    fc.assert(
      fc.property(arbDistinct([4, 5], { margin: 0.25, min: -1, max: 4, dtype: 'float32' }), (t) => {
        const v = values(t).sort((a, b) => a - b)
        v.forEach((x, i) => {
          if (i > 0) expect(x - v[i - 1]!).toBeGreaterThanOrEqual(0.25)
        })
      }),
      { seed: SEED, numRuns: 100 },
    )
    expect(() => arbDistinct([10], { margin: 1, min: 0, max: 5 })).toThrow(
      'arbDistinct: 10 values with pairwise gaps ≥ 1 do not fit in [0, 5] (widen the range or lower the margin)',
    )
  })

  it('arbDistinct does not always produce sorted values', () => {
    const sorted = fc
      .sample(arbDistinct([5]), { seed: SEED, numRuns: 50 })
      .filter((t) => values(t).every((x, i, a) => i === 0 || x > a[i - 1]!))
    expect(sorted.length).toBeLessThan(50)
  })

  it('rejects bad shapes and ranges', () => {
    expect(() => arbTensor([2, -1])).toThrow(
      'arbTensor: shape must be a list of non-negative integers, got [2,-1]',
    )
    expect(() => arbTensor([2], { min: 2, max: 1 })).toThrow(
      'arbTensor: need finite min ≤ max, got min=2, max=1',
    )
    expect(() => arbDistinct([2], { margin: -1 })).toThrow('arbDistinct: margin must be ≥ 0, got -1')
    expect(() => arbAwayFromKinks([2], { margin: Number.NaN })).toThrow(
      'arbAwayFromKinks: margin must be ≥ 0, got NaN',
    )
  })
})
