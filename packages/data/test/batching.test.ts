import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import { toArray, key } from '@cotangent/tensor'
import { bagOf, embeddingBag } from '@cotangent/layers'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import {
  batchRows,
  buildVocab,
  corpusBuilder,
  encodeCorpus,
  encodeText,
  imageBatch,
  imageBatches,
  textBatch,
  textBatches,
  type ImageSet,
} from '../src/index.js'

const texts = ['good film', 'bad bad film', '', 'a fine , fine film', 'bad']
const labels = [1, 0, 1, 1, 0]
const corpus = (() => {
  const b = corpusBuilder()
  texts.forEach((t, i) => {
    b.add(t, labels[i]!)
  })
  return b.finish('test', ['neg', 'pos'])
})()
const vocab = buildVocab(corpus)
const enc = encodeCorpus(corpus, vocab, { bigramBuckets: 5 })

describe('batchRows', () => {
  it('without shuffling cuts the rows in order', () => {
    expect(batchRows([5, 6, 7, 8, 9], { batchSize: 2, shuffle: false })).toEqual([[5, 6], [7, 8], [9]])
    expect(batchRows([5, 6, 7, 8, 9], { batchSize: 2, shuffle: false, dropLast: true })).toEqual([
      [5, 6],
      [7, 8],
    ])
  })
  it('visits every row once per epoch, deterministically per (seed, epoch)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(1000), { maxLength: 80 }),
        fc.integer({ min: 1, max: 9 }),
        fc.nat(),
        fc.nat(50),
        (rows, batchSize, seed, epoch) => {
          const b = batchRows(rows, { batchSize, seed, epoch })
          expect(b.flat().sort((x, y) => x - y)).toEqual([...rows].sort((x, y) => x - y))
          expect(b.slice(0, -1).every((x) => x.length === batchSize)).toBe(true)
          expect(batchRows(rows, { batchSize, seed, epoch })).toEqual(b)
        },
      ),
    )
    const rows = Array.from({ length: 100 }, (_, i) => i)
    expect(batchRows(rows, { batchSize: 100, seed: 1, epoch: 0 })).not.toEqual(
      batchRows(rows, { batchSize: 100, seed: 1, epoch: 1 }),
    )
  })
  it('rejects a bad batch size', () => {
    expect(() => batchRows([1], { batchSize: 0 })).toThrow(/batchSize/)
  })
})

describe('textBatch', () => {
  it('equals bagOf of the documents’ encoded token lists', () => {
    const rows = [3, 2, 0]
    const batch = textBatch(enc, rows)
    const ref = bagOf(rows.map((d) => encodeText(vocab, texts[d]!, { bigramBuckets: 5 })))
    expect(Array.from(toArray(batch.bag.indices))).toEqual(Array.from(toArray(ref.indices)))
    expect(Array.from(toArray(batch.bag.offsets))).toEqual(Array.from(toArray(ref.offsets)))
    expect(batch.bag.indices.dtype).toBe('int32')
    expect(Array.from(toArray(batch.labels))).toEqual([1, 1, 1])
  })
  it('feeds embeddingBag: each row is the mean of its documents’ table rows', () => {
    const layer = embeddingBag(enc.numEmbeddings, 3)
    const [, params] = layer.init(key(0), [])
    const table = toArray(params.table as never) as Float64Array
    const batch = textBatch(enc, [1, 2])
    const out = toArray(layer.apply(params, batch.bag) as never)
    const ids = encodeText(vocab, texts[1]!, { bigramBuckets: 5 })
    for (let j = 0; j < 3; j++) {
      const mean = ids.reduce((s, id) => s + table[id * 3 + j]!, 0) / ids.length
      expect(out[j]).toBeCloseTo(mean, 12)
      expect(out[3 + j]).toBe(0) // the empty document
    }
  })
  it('passes checkGrads: the table gradient through a batch of real encoded documents', () => {
    const layer = embeddingBag(enc.numEmbeddings, 2, { mode: 'mean' })
    const [, params] = layer.init(key(1), [])
    const batch = textBatch(enc, [3, 1, 2, 0])
    assertGrads((table: Value) => layer.apply({ table }, batch.bag), [params.table], { order: 2 })
  })
  it('textBatches covers the rows in batches', () => {
    const all = [...textBatches(enc, [0, 1, 2, 3, 4], { batchSize: 2, seed: 7 })]
    expect(all.map((b) => b.rows.length)).toEqual([2, 2, 1])
    expect(all.flatMap((b) => b.rows).sort()).toEqual([0, 1, 2, 3, 4])
  })
  it('rejects a row outside the corpus', () => {
    expect(() => textBatch(enc, [5])).toThrow(/outside \[0, 5\)/)
  })
})

describe('imageBatch', () => {
  const set: ImageSet = {
    images: Uint8Array.from([0, 255, 51, 102, 10, 20, 30, 40, 255, 255, 0, 0]),
    labels: Uint8Array.from([3, 1, 4]),
    count: 3,
    height: 2,
    width: 2,
  }
  it('flattens, scales to [0, 1] and gathers labels', () => {
    const b = imageBatch(set, [2, 0])
    expect(b.x.shape).toEqual([2, 4])
    expect(b.x.dtype).toBe('float32')
    expect(Array.from(toArray(b.x))).toEqual(
      [255, 255, 0, 0, 0, 255, 51, 102].map((p) => Math.fround(p / 255)),
    )
    expect(Array.from(toArray(b.labels))).toEqual([4, 3])
    expect(imageBatch(set, [1], 'float64').x.dtype).toBe('float64')
  })
  it('imageBatches covers the rows', () => {
    const all = [...imageBatches(set, [0, 1, 2], { batchSize: 2, shuffle: false })]
    expect(all.map((b) => b.rows)).toEqual([[0, 1], [2]])
  })
})
