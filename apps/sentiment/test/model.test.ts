import { bagOf } from '@cotangent/layers'
import { fold, fromArray, key, toArray } from '@cotangent/tensor'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { CheckpointConfig } from '../src/predict.js'
import {
  bagEncoder,
  dropTokens,
  initParams,
  learningRate,
  smoothTargets,
  type ModelConfig,
} from '../src/sentiment.js'

const lists = (bag: ReturnType<typeof bagOf>): number[][] => {
  const ids = Array.from(toArray(bag.indices))
  const offs = Array.from(toArray(bag.offsets))
  return offs.map((o, b) => ids.slice(o, b + 1 < offs.length ? offs[b + 1] : ids.length))
}

/** Whether `sub` is `full` with some entries left out (order kept). */
const isSubsequence = (sub: readonly number[], full: readonly number[]): boolean => {
  let j = 0
  for (const x of full) if (j < sub.length && sub[j] === x) j++
  return j === sub.length
}

describe('dropTokens (word dropout)', () => {
  it('keeps each bag a subsequence of itself, is fixed by the key, and rate 0 is the identity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(50), { maxLength: 12 }), { minLength: 1, maxLength: 8 }),
        fc.nat(1000),
        fc.double({ min: 0.05, max: 0.9, noNaN: true }),
        (docs, seed, rate) => {
          const bag = bagOf(docs)
          const a = lists(dropTokens(key(seed), bag, rate))
          expect(a).toHaveLength(docs.length)
          a.forEach((kept, i) => {
            expect(isSubsequence(kept, docs[i]!)).toBe(true)
          })
          expect(lists(dropTokens(key(seed), bag, rate))).toEqual(a)
          expect(dropTokens(key(seed), bag, 0)).toBe(bag)
        },
      ),
      { seed: 11, numRuns: 100 },
    )
  })
  it('drops about `rate` of the tokens of a long bag, and other keys drop other tokens', () => {
    const doc = Array.from({ length: 20_000 }, (_, i) => i % 97)
    const bag = bagOf([doc])
    const kept = lists(dropTokens(key(3), bag, 0.25))[0]!
    // binomial(20000, 0.75): standard deviation 61 tokens
    expect(Math.abs(kept.length - 15_000)).toBeLessThan(400)
    expect(lists(dropTokens(fold(key(3), 1), bag, 0.25))[0]).not.toEqual(kept)
  })
  it('rejects a rate outside [0, 1)', () => {
    expect(() => dropTokens(key(0), bagOf([[1]]), 1)).toThrow(/rate must be in \[0, 1\), got 1/)
  })
})

const config = (over: Partial<ModelConfig>): ModelConfig => ({
  numEmbeddings: 7,
  embedDim: 3,
  hiddenDims: [],
  activation: 'relu',
  dropout: 0,
  ...over,
})

/** The pooled vectors by hand: per bag, the sum of its table rows divided by `div(length)`. */
const handPool = (table: Float32Array, dim: number, docs: number[][], div: (n: number) => number) =>
  docs.map((d) =>
    Array.from({ length: dim }, (_, j) => d.reduce((s, id) => s + table[id * dim + j]!, 0) / div(d.length)),
  )

describe('bagEncoder pooling', () => {
  const docs = [[1, 2, 2, 6], [3], [0, 5], [4, 4, 4, 4, 4, 1, 2, 3, 0]]
  const bag = bagOf(docs)
  for (const [pooling, div] of [
    ['mean', (n: number) => Math.max(n, 1)],
    ['sum', () => 1],
    ['sqrtn', (n: number) => Math.sqrt(Math.max(n, 1))],
  ] as const)
    it(`${pooling}: each bag's rows summed and divided as a hand loop does (inference mode)`, () => {
      const c = config({ pooling, wordDropout: 0.5 })
      const [params] = initParams(c, 4)
      const table = toArray(params.table as never) as Float32Array
      const got = Array.from(toArray(bagEncoder(c).apply(params, bag) as never))
      handPool(table, 3, docs, div)
        .flat()
        .forEach((v, i) => {
          expect(got[i]).toBeCloseTo(v, 5)
        })
    })
  it('training mode pools the tokens word dropout kept (sum pooling scaled by 1 / (1 − rate))', () => {
    const k = key(9)
    for (const [pooling, div] of [
      ['mean', (n: number) => Math.max(n, 1)],
      ['sum', () => 1 - 0.4],
      ['sqrtn', (n: number) => Math.sqrt(Math.max(n, 1))],
    ] as const) {
      const c = config({ pooling, wordDropout: 0.4 })
      const [params] = initParams(c, 4)
      const table = toArray(params.table as never) as Float32Array
      const kept = lists(dropTokens(k, bag, 0.4))
      expect(kept.flat().length).toBeLessThan(docs.flat().length)
      const got = Array.from(toArray(bagEncoder(c).apply(params, bag, { train: true, key: k }) as never))
      handPool(table, 3, kept, div)
        .flat()
        .forEach((v, i) => {
          expect(got[i], pooling).toBeCloseTo(v, 5)
        })
    }
  })
  it('word dropout in training mode without a key is an error naming the fix', () => {
    const c = config({ wordDropout: 0.2 })
    const [params] = initParams(c, 0)
    expect(() => bagEncoder(c).apply(params, bag, { train: true })).toThrow(/needs ctx.key/)
  })
})

describe('training settings', () => {
  it('smoothTargets: (1 − ε)·onehot + ε/2', () => {
    const t = smoothTargets(fromArray([0, 1, 1], [3], { dtype: 'int32' }), 0.2)
    expect(t.shape).toEqual([3, 2])
    expect(Array.from(toArray(t)).map((v) => Number(v.toFixed(6)))).toEqual([0.9, 0.1, 0.1, 0.9, 0.1, 0.9])
  })
  it('learningRate: constant, or cosine from lr to 0 over epochs × ⌈train / batch⌉ steps', () => {
    const s = { epochs: 2, batchSize: 10, lr: 0.5, weightDecay: 0, seed: 0 }
    expect(learningRate(s, 95)).toBe(0.5)
    const cos = learningRate({ ...s, schedule: 'cosine' }, 95) as (step: number) => number
    // 2 · ⌈95 / 10⌉ = 20 steps
    expect(cos(0)).toBeCloseTo(0.5, 12)
    expect(cos(10)).toBeCloseTo(0.25, 12)
    expect(cos(5)).toBeCloseTo(0.25 * (1 + Math.cos(Math.PI / 4)), 12)
    expect(cos(20)).toBeCloseTo(0, 12)
  })
})

describe('checkpoint config', () => {
  const base = {
    model: { numEmbeddings: 5, embedDim: 2, hiddenDims: [], activation: 'relu', dropout: 0.5 },
    bigramBuckets: 0,
    classes: ['negative', 'positive'],
  }
  it('reads checkpoints written before pooling and word dropout existed, and the new fields', () => {
    expect(E.isRight(CheckpointConfig.decode(base))).toBe(true)
    const r = CheckpointConfig.decode({
      ...base,
      model: { ...base.model, pooling: 'sqrtn', wordDropout: 0.1 },
    })
    expect(E.isRight(r) && r.right.model.pooling).toBe('sqrtn')
    expect(E.isRight(CheckpointConfig.decode({ ...base, model: { ...base.model, pooling: 'max' } }))).toBe(
      false,
    )
  })
})
