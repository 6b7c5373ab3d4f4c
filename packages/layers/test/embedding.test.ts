import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { key, tensor } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { bagOf, embeddingBag, init, linear, serial, type EmbeddingBagParams } from '../src/index.js'
import { SEED, close, flat, naiveAffine, randn } from './helpers.js'

/** Naive reference: loop over bags, sum (or average) the table rows. */
const naiveBags = (
  table: readonly number[],
  dim: number,
  lists: readonly (readonly number[])[],
  mode: 'mean' | 'sum',
): number[] =>
  lists.flatMap((l) => {
    const acc = new Array<number>(dim).fill(0)
    for (const id of l) for (let j = 0; j < dim; j++) acc[j]! += table[id * dim + j]!
    return mode === 'mean' && l.length > 0 ? acc.map((v) => v / l.length) : acc
  })

describe('bagOf', () => {
  it('packs lists into (indices, offsets)', () => {
    const b = bagOf([[1, 2], [], [3], [4, 4, 0]])
    expect(b.indices.dtype).toBe('int32')
    expect(b.offsets.dtype).toBe('int32')
    expect(flat(b.indices)).toEqual([1, 2, 3, 4, 4, 0])
    expect(flat(b.offsets)).toEqual([0, 2, 2, 3])
  })
  it('no lists → empty tensors', () => {
    const b = bagOf([])
    expect(b.indices.shape).toEqual([0])
    expect(b.offsets.shape).toEqual([0])
  })
  it('rejects non-integer or negative ids', () => {
    expect(() => bagOf([[1], [2.5]])).toThrow(
      'bagOf: token ids must be non-negative integers, got 2.5 at flat position 1',
    )
    expect(() => bagOf([[-1]])).toThrow(
      'bagOf: token ids must be non-negative integers, got -1 at flat position 0',
    )
  })
})

describe('embeddingBag', () => {
  const vocab = 7
  const dim = 3
  it('init: table [vocab, dim] ~ N(0, 1) by default, output shape [dim]', () => {
    const [out, p] = embeddingBag(vocab, dim).init(key(0), [])
    expect(out).toEqual([dim])
    expect(p.table.shape).toEqual([vocab, dim])
    const [, q] = embeddingBag(vocab, dim, { init: init.constant(2), dtype: 'float32' }).init(key(0), [])
    expect(flat(q.table)).toEqual(new Array<number>(vocab * dim).fill(2))
    expect(q.table.dtype).toBe('float32')
  })
  for (const mode of ['mean', 'sum'] as const) {
    it(`${mode}: equals a naive per-bag loop, empty bags give zeros`, () => {
      const layer = embeddingBag(vocab, dim, { mode })
      const [, p] = layer.init(key(1), [])
      const lists = [[0, 3, 3], [], [6], [1, 2, 4, 5], []]
      const y = layer.apply(p, bagOf(lists))
      expect(y.shape).toEqual([5, dim])
      close(y, naiveBags(flat(p.table), dim, lists, mode))
      expect(flat(y).slice(dim, 2 * dim)).toEqual([0, 0, 0])
    })
    it(`${mode}: property — random ragged lists match the naive loop`, () => {
      const layer = embeddingBag(vocab, dim, { mode })
      const [, p] = layer.init(key(2), [])
      const table = flat(p.table)
      fc.assert(
        fc.property(
          fc.array(fc.array(fc.integer({ min: 0, max: vocab - 1 }), { maxLength: 6 }), { maxLength: 6 }),
          (lists) => {
            const y = layer.apply(p, bagOf(lists))
            expect(y.shape).toEqual([lists.length, dim])
            close(y, naiveBags(table, dim, lists, mode))
          },
        ),
        { seed: SEED, numRuns: 60 },
      )
    })
  }
  it('mean is the default mode', () => {
    const [, p] = embeddingBag(vocab, dim).init(key(1), [])
    close(embeddingBag(vocab, dim).apply(p, bagOf([[1, 2]])), naiveBags(flat(p.table), dim, [[1, 2]], 'mean'))
  })
  it('accepts float tensors of integers as indices/offsets', () => {
    const [, p] = embeddingBag(vocab, dim, { mode: 'sum' }).init(key(1), [])
    const y = embeddingBag(vocab, dim, { mode: 'sum' }).apply(p, {
      indices: tensor([1, 2, 3]),
      offsets: tensor([0, 1]),
    })
    close(y, naiveBags(flat(p.table), dim, [[1], [2, 3]], 'sum'))
  })
  it('gradient w.r.t. the table: token counts (sum) or counts / bag size (mean)', () => {
    const lists = [[0, 3, 3], [], [6], [3, 5]]
    const bag = bagOf(lists)
    for (const mode of ['sum', 'mean'] as const) {
      const layer = embeddingBag(vocab, dim, { mode })
      const [, p] = layer.init(key(1), [])
      const g = A.grad((q: EmbeddingBagParams) => A.sum(layer.apply(q, bag)))(p)
      const want = new Array<number>(vocab * dim).fill(0)
      for (const l of lists)
        for (const id of l)
          for (let j = 0; j < dim; j++) want[id * dim + j]! += mode === 'sum' ? 1 : 1 / l.length
      close(g.table, want)
    }
  })
  it('gradcheck w.r.t. the table (order 2), both modes', () => {
    const bag = bagOf([[0, 3, 3], [], [6, 1]])
    for (const mode of ['sum', 'mean'] as const) {
      const layer = embeddingBag(vocab, dim, { mode })
      assertGrads(
        (q: EmbeddingBagParams) => A.tanh(layer.apply(q, bag)),
        [{ table: randn(3, [vocab, dim]) }],
        { order: 2 },
      )
    }
  })
  it('composes with a downstream function of the bag embedding', () => {
    const layer = embeddingBag(vocab, dim)
    const bag = bagOf([[1, 2], [3]])
    const w = randn(8, [dim])
    assertGrads(
      (q: EmbeddingBagParams, v: Value) => A.matmul(layer.apply(q, bag), v),
      [{ table: randn(3, [vocab, dim]) }, w],
    )
  })
  it('as the first layer of serial (input type Bag), trained end to end', () => {
    const model = serial(embeddingBag(vocab, dim, { mode: 'sum' }), linear(2))
    const [out, p] = model.init(key(4), [])
    expect(out).toEqual([2])
    const bag = bagOf([[1, 2], [], [5]])
    const y = model.apply(p, bag)
    const e = naiveBags(flat(p[0].table), dim, [[1, 2], [], [5]], 'sum')
    close(y, naiveAffine(e, 3, flat(p[1].W), dim, 2, flat(p[1].b!)))
    assertGrads((q: typeof p) => model.apply(q, bag), [p], { order: 2 })
  })
  it('errors', () => {
    const layer = embeddingBag(vocab, dim)
    const [, p] = layer.init(key(1), [])
    expect(() => layer.apply(p, bagOf([[1, 9]]))).toThrow(
      'embeddingBag: token id 9 at position 1 is outside [0, 7) for table [7,3]',
    )
    expect(() => layer.apply(p, { indices: tensor([1, 2]), offsets: tensor([1]) })).toThrow(
      'embeddingBag: offsets must start at 0, got 1',
    )
    expect(() => layer.apply(p, { indices: tensor([1, 2]), offsets: tensor([0, 2, 1]) })).toThrow(
      'embeddingBag: offsets must be non-decreasing and at most 2 (the length of indices [2]); offset 2 is 1',
    )
    expect(() => layer.apply(p, { indices: tensor([1, 2]), offsets: tensor([0, 3]) })).toThrow(
      'embeddingBag: offsets must be non-decreasing and at most 2 (the length of indices [2]); offset 1 is 3',
    )
    expect(() => layer.apply(p, { indices: tensor([[1, 2]]), offsets: tensor([0]) })).toThrow(
      'embeddingBag: indices must be 1-D, got shape [1,2]',
    )
    expect(() => layer.apply(p, { indices: tensor([1.5]), offsets: tensor([0]) })).toThrow(
      'embeddingBag: indices must hold integers, got 1.5 at position 0',
    )
    expect(() => layer.apply({ table: randn(0, [7]) }, bagOf([[1]]))).toThrow(
      'embeddingBag: table must be [vocabSize, dim], got [7]',
    )
    expect(() => embeddingBag(0, 3)).toThrow('embeddingBag: vocabSize must be a positive integer, got 0')
    expect(() => embeddingBag(3, 1.5)).toThrow('embeddingBag: dim must be a positive integer, got 1.5')
  })
})
