import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import { splitCorpus, splitCounts, stratifiedSplit } from '../src/index.js'

const arbLabels = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 300 })
const arbFractions = fc
  .array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 4 })
  .filter((w) => w.some((x) => x > 0))
  .map((w) => {
    const s = w.reduce((a, b) => a + b, 0)
    return w.map((x) => x / s)
  })

const countOf = (labels: readonly number[], idx: readonly number[], c: number): number =>
  idx.filter((i) => labels[i] === c).length

describe('splitCounts', () => {
  it('matches hand-computed largest-remainder counts', () => {
    expect(splitCounts(10, [0.8, 0.1, 0.1])).toEqual([8, 1, 1])
    expect(splitCounts(50, [0.8, 0.2])).toEqual([40, 10])
    // 7 · (0.5, 0.25, 0.25) = (3.5, 1.75, 1.75): floors 3, 1, 1; the two missing go to the .75 remainders.
    expect(splitCounts(7, [0.5, 0.25, 0.25])).toEqual([3, 2, 2])
    // 5 · (1/3, 1/3, 1/3): floors 1, 1, 1; ties go to the earlier parts.
    expect(splitCounts(5, [1 / 3, 1 / 3, 1 / 3])).toEqual([2, 2, 1])
    expect(splitCounts(0, [0.5, 0.5])).toEqual([0, 0])
    expect(splitCounts(3, [1, 0])).toEqual([3, 0])
  })
  it('sums to n and each count is within one of n·f', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), arbFractions, (n, fr) => {
        const c = splitCounts(n, fr)
        expect(c.reduce((a, b) => a + b, 0)).toBe(n)
        c.forEach((k, i) => {
          expect(Math.abs(k - n * fr[i]!)).toBeLessThan(1 + 1e-9)
        })
      }),
    )
  })
  it('rejects bad fractions', () => {
    expect(() => splitCounts(10, [0.5, 0.4])).toThrow(/sum to 1/)
    expect(() => splitCounts(10, [1.5, -0.5])).toThrow(/non-negative/)
    expect(() => splitCounts(10, [])).toThrow(/empty/)
  })
})

describe('stratifiedSplit', () => {
  it('partitions the indices: disjoint, complete', () => {
    fc.assert(
      fc.property(arbLabels, arbFractions, fc.integer(), (labels, fr, seed) => {
        const parts = stratifiedSplit(labels, fr, seed)
        expect(parts.length).toBe(fr.length)
        const all = parts.flat().sort((a, b) => a - b)
        expect(all).toEqual(labels.map((_, i) => i))
      }),
    )
  })
  it('splits every class by splitCounts of its own size', () => {
    fc.assert(
      fc.property(arbLabels, arbFractions, fc.integer(), (labels, fr, seed) => {
        const parts = stratifiedSplit(labels, fr, seed)
        for (const c of new Set(labels)) {
          const n = labels.filter((l) => l === c).length
          expect(parts.map((p) => countOf(labels, p, c))).toEqual(splitCounts(n, fr))
        }
      }),
    )
  })
  it('is deterministic in the seed and depends on it', () => {
    fc.assert(
      fc.property(arbLabels, arbFractions, fc.integer(), (labels, fr, seed) => {
        expect(stratifiedSplit(labels, fr, seed)).toEqual(stratifiedSplit(labels, fr, seed))
      }),
    )
    const labels = Array.from({ length: 200 }, (_, i) => i % 2)
    const a = stratifiedSplit(labels, [0.5, 0.5], 1)
    const b = stratifiedSplit(labels, [0.5, 0.5], 2)
    expect(a).not.toEqual(b)
  })
  it('shuffles within classes (not the first members of each class into the first part)', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : 1))
    const [train] = stratifiedSplit(labels, [0.5, 0.5], 0)
    // Under a uniform shuffle the first part holds about half of indices 0…249; taking a prefix would hold all.
    const low = train!.filter((i) => i < 250).length
    expect(low).toBeGreaterThan(90)
    expect(low).toBeLessThan(160)
  })
  it('rejects non-integer labels', () => {
    expect(() => stratifiedSplit([0, 1.5], [1], 0)).toThrow(/labels must be integers/)
  })
})

describe('splitCorpus', () => {
  it('without a split column: a stratified 80/10/10', () => {
    // 30 of class 0 and 70 of class 1 → train 24 + 56, dev 3 + 7, test 3 + 7.
    const labels = Array.from({ length: 100 }, (_, i) => (i % 10 < 3 ? 0 : 1))
    const s = splitCorpus({ labels }, 5)
    expect([s.train, s.dev, s.test].map((p) => [countOf(labels, p, 0), countOf(labels, p, 1)])).toEqual([
      [24, 56],
      [3, 7],
      [3, 7],
    ])
    expect(splitCorpus({ labels }, 5)).toEqual(s)
  })
  it('with a split column: keeps its dev rows and leaves out unassigned rows', () => {
    const s = splitCorpus({ labels: [0, 1, 0, 1, 0], split: Int8Array.from([0, 1, 2, -1, 0]) }, 0)
    expect(s).toEqual({ train: [0, 4], dev: [1], test: [2] })
  })
})
