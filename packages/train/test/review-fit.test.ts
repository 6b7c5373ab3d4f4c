import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { Value } from '@cotangent/autodiff'
import { dropout, linear, relu, serial } from '@cotangent/layers'
import { accuracy, softmaxCrossEntropy } from '@cotangent/losses'
import { adam, type AdamState } from '@cotangent/optim'
import { evaluate, fit, loadCheckpoint, saveCheckpoint } from '../src/index.js'
import { initLin, linearModel, logisticLoss, timeless, toyData } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'cotangent-review-fit-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const train = toyData(32, 1)
const dev = toyData(16, 2)
const base = { model: linearModel(), loss: logisticLoss, params: initLin(2, 1), train, batchSize: 8, seed: 0 }

describe('review: evaluate and fit reject bad sizes with messages naming the option', () => {
  it('evaluate rejects a batchSize that is not a positive integer (−1 used to return loss 0)', () => {
    const p = initLin(2, 1)
    for (const bs of [0, -1, 2.5, Number.NaN])
      expect(() => evaluate(linearModel(), p, logisticLoss, dev, { batchSize: bs })).toThrow(
        `evaluate: batchSize must be an integer ≥ 1, got ${String(bs)}`,
      )
  })

  it('an empty dev set is an error up front, not a DivergenceError after the first epoch', () => {
    const empty = { x: T.zeros([0, 2]), y: T.zeros([0, 1]) }
    expect(() => fit({ ...base, optimizer: adam(0.1), dev: empty, epochs: 2 })).toThrow('fit: the dev set is empty')
  })

  it('x/y row mismatches say which dataset (train or dev) is wrong', () => {
    const o = { ...base, optimizer: adam(0.1), epochs: 1 }
    expect(() => fit({ ...o, train: { x: train.x, y: dev.y } })).toThrow(
      'fit: train.x [32,2] and train.y [16,1] must have the same number of rows (axis 0 is the example axis)',
    )
    expect(() => fit({ ...o, dev: { x: dev.x, y: train.y } })).toThrow(
      'fit: dev.x [16,2] and dev.y [32,1] must have the same number of rows (axis 0 is the example axis)',
    )
  })

  it('a bad seed is reported as fit’s option', () => {
    expect(() => fit({ ...base, optimizer: adam(0.1), epochs: 1, seed: 1.5 })).toThrow('fit: seed must be an integer, got 1.5')
  })
})

describe('review: resuming a run from a checkpoint', () => {
  // A model with dropout, shuffled epochs and Adam with float32 parameters: every source of state a resume must restore.
  const model = serial(linear(8, { dtype: 'float32' }), relu, dropout(0.3), linear(2, { dtype: 'float32' }))
  const [, params0] = model.init(T.key(3), [4])
  const x = T.astype(T.normal(T.key(4), [40, 4]), 'float32')
  const xv = T.toArray(x)
  const y = T.fromArray(
    Array.from({ length: 40 }, (_, i) => (xv[4 * i]! - xv[4 * i + 2]! > 0 ? 1 : 0)),
    [40],
    { dtype: 'int32' },
  )
  const run = {
    model,
    loss: (o: Value, t: T.Tensor): Value => softmaxCrossEntropy(o, t),
    optimizer: adam(0.02),
    train: { x, y },
    dev: { x, y },
    batchSize: 16,
    seed: 11,
    metrics: { accuracy: (o: Value, t: T.Tensor) => accuracy(o, t, { from: 'logits' }) },
  }

  it('initialEpoch continues the epoch numbering, shuffles and dropout keys: bit-identical to an uninterrupted run', () => {
    const full = fit({ ...run, params: params0, epochs: 6 })
    const first = fit({ ...run, params: params0, epochs: 3 })
    const path = join(dir, 'resume.json')
    saveCheckpoint(path, { params: first.params, optState: first.optState, config: {}, history: first.history })
    const ck = loadCheckpoint(path, { like: params0 })
    if (E.isLeft(ck)) throw new Error(ck.left.message)
    const rest = fit({
      ...run,
      params: ck.right.params,
      optState: ck.right.optState as AdamState,
      epochs: 6,
      initialEpoch: 3,
    })
    expect(rest.history.map((h) => h.epoch)).toEqual([4, 5, 6])
    expect(timeless([...ck.right.history, ...rest.history])).toEqual(timeless(full.history))
    const bits = (p: typeof params0): string[] =>
      [p[0].W, p[0].b!, p[3].W, p[3].b!].map((t) => Array.from(T.toArray(t as T.Tensor)).join())
    expect(bits(rest.params)).toEqual(bits(full.params))
    expect((rest.params[0].W as T.Tensor).dtype).toBe('float32')
    expect(rest.optState.count).toBe(full.optState.count)
    // a budget (12 training epochs; ~0.5 s idle, several times that under load), not a timing assertion
  }, 60_000)

  it('rejects an initialEpoch outside [0, epochs]', () => {
    expect(() => fit({ ...run, params: params0, epochs: 3, initialEpoch: 4 })).toThrow(
      'fit: initialEpoch must be an integer in [0, epochs = 3], got 4',
    )
    expect(() => fit({ ...run, params: params0, epochs: 3, initialEpoch: -1 })).toThrow(
      'fit: initialEpoch must be an integer in [0, epochs = 3], got -1',
    )
    const none = fit({ ...run, params: params0, epochs: 3, initialEpoch: 3 })
    expect(none.history).toEqual([])
  })
})
