import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { grad, mul, type AnyKey, type Value } from '@cotangent/autodiff'
import { momentum, scale, sgd } from '@cotangent/optim'
import { DivergenceError, evaluate, fit, trainStep, type Ctx, type CustomDataset, type EpochRecord } from '../src/index.js'
import { binaryAccuracy, initLin, linearModel, logisticLoss, mseLoss, timeless, toyData } from './helpers.js'

const train = toyData(64, 1)
const dev = toyData(32, 2)

describe('trainStep', () => {
  it('is one SGD step on the hand-derived gradient of the MSE, and pure', () => {
    const x = T.tensor([
      [1, 2],
      [3, -1],
      [0.5, 0.5],
    ])
    const y = T.tensor([[1], [0], [2]])
    const p0 = { W: T.tensor([[0.1], [-0.2]]), b: T.tensor([0.3]) }
    const step = trainStep(linearModel(), mseLoss, sgd(0.1), { first: (out) => T.item(T.slice(out as T.Tensor, [{ start: 0, stop: 1 }])) })
    const r = step(p0, { count: 0 }, { x, y })
    // by hand: out = xW + b, r = out − y, L = mean r², dL/dW = (2/3)·xᵀr, dL/db = (2/3)·Σr
    const X = [
      [1, 2],
      [3, -1],
      [0.5, 0.5],
    ]
    const out = X.map((row) => row[0]! * 0.1 + row[1]! * -0.2 + 0.3)
    const res = out.map((o, i) => o - [1, 0, 2][i]!)
    const gW = [0, 1].map((j) => (2 / 3) * X.reduce((s, row, i) => s + row[j]! * res[i]!, 0))
    const gb = (2 / 3) * res.reduce((s, v) => s + v, 0)
    expect(r.loss).toBeCloseTo(res.reduce((s, v) => s + v * v, 0) / 3, 14)
    const W = T.toArray(r.params.W as T.Tensor)
    expect(W[0]).toBeCloseTo(0.1 - 0.1 * gW[0]!, 14)
    expect(W[1]).toBeCloseTo(-0.2 - 0.1 * gW[1]!, 14)
    expect(T.item(r.params.b as T.Tensor)).toBeCloseTo(0.3 - 0.1 * gb, 14)
    expect(r.optState).toEqual({ count: 1 })
    expect(r.metrics.first).toBeCloseTo(out[0]!, 14)
    // pure: same inputs, same outputs; the inputs are unchanged
    const r2 = step(p0, { count: 0 }, { x, y })
    expect(T.toArray(r2.params.W as T.Tensor)).toEqual(T.toArray(r.params.W as T.Tensor))
    expect(Array.from(T.toArray(p0.W))).toEqual([0.1, -0.2])
  })
})

describe('evaluate', () => {
  it('batched evaluation equals the full-batch mean (weighted by batch size)', () => {
    const p = initLin(2, 1, 3)
    const full = evaluate(linearModel(), p, logisticLoss, dev, { metrics: { accuracy: binaryAccuracy } })
    const batched = evaluate(linearModel(), p, logisticLoss, dev, { batchSize: 5, metrics: { accuracy: binaryAccuracy } })
    expect(batched.loss).toBeCloseTo(full.loss, 13)
    expect(batched.metrics.accuracy).toBeCloseTo(full.metrics.accuracy!, 13)
    // reference: the loss by hand on all rows
    const o = T.toArray(linearModel().apply(p, dev.x) as T.Tensor)
    const yv = T.toArray(dev.y)
    const ref = Array.from(o).reduce((s, z, i) => s + Math.log1p(Math.exp(z)) - z * yv[i]!, 0) / o.length
    expect(full.loss).toBeCloseTo(ref, 13)
  })
})

const base = {
  model: linearModel(0.05),
  loss: logisticLoss,
  train,
  dev,
  batchSize: 16,
  metrics: { accuracy: binaryAccuracy },
}

describe('fit', () => {
  it('decreases the loss on a separable toy problem and reaches high accuracy', () => {
    const r = fit({ ...base, params: initLin(2, 1), optimizer: momentum(0.5), epochs: 15, seed: 1 })
    expect(r.history).toHaveLength(15)
    const first = r.history[0]!
    const last = r.history[14]!
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.6)
    expect(last.devLoss!).toBeLessThan(first.devLoss!)
    expect(last.devMetrics!.accuracy).toBeGreaterThanOrEqual(0.9)
    expect(r.stoppedEarly).toBe(false)
    expect(r.monitor).toBe('devLoss')
    const best = Math.min(...r.history.map((h) => h.devLoss!))
    expect(r.bestValue).toBe(best)
    expect(r.history[r.bestEpoch - 1]!.devLoss).toBe(best)
    for (const h of r.history) {
      expect(h.seconds).toBeGreaterThanOrEqual(0)
      expect(h.samplesPerSecond).toBeGreaterThan(0)
      expect(Object.keys(h.trainMetrics)).toEqual(['accuracy'])
    }
  })

  it('gives bit-identical histories for the same seed, and different ones for another seed', () => {
    const run = (seed: number) => fit({ ...base, params: initLin(2, 1), optimizer: momentum(0.3), epochs: 4, seed })
    const a = run(7)
    const b = run(7)
    const c = run(8)
    expect(timeless(a.history)).toEqual(timeless(b.history))
    expect(T.toArray(a.params.W as T.Tensor)).toEqual(T.toArray(b.params.W as T.Tensor))
    expect(a.history.map((h) => h.trainLoss)).not.toEqual(c.history.map((h) => h.trainLoss))
  })

  it('visits every example once per epoch in a seeded order (custom dataset selector)', () => {
    const seen: number[][] = []
    const data: CustomDataset<T.Tensor> = {
      size: 10,
      select: (idx) => {
        seen.push([...idx])
        return { x: T.take(train.x, idx), y: T.take(train.y, idx) }
      },
    }
    const r = fit({ model: linearModel(), loss: logisticLoss, params: initLin(2, 1), optimizer: sgd(0.1), train: data, epochs: 2, batchSize: 4, seed: 3 })
    expect(seen.map((s) => s.length)).toEqual([4, 4, 2, 4, 4, 2])
    const epoch1 = seen.slice(0, 3).flat()
    const epoch2 = seen.slice(3).flat()
    expect([...epoch1].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect([...epoch2].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(epoch1).not.toEqual(epoch2)
    // the same run on the equivalent tensor dataset is bit-identical
    const sub = { x: T.take(train.x, T.arange(10, undefined, 1, { dtype: 'int32' })), y: T.take(train.y, T.arange(10, undefined, 1, { dtype: 'int32' })) }
    const r2 = fit({ model: linearModel(), loss: logisticLoss, params: initLin(2, 1), optimizer: sgd(0.1), train: sub, epochs: 2, batchSize: 4, seed: 3 })
    expect(timeless(r2.history)).toEqual(timeless(r.history))
    // without shuffling the order is 0..n-1
    seen.length = 0
    fit({ model: linearModel(), loss: logisticLoss, params: initLin(2, 1), optimizer: sgd(0.1), train: data, epochs: 1, batchSize: 4, seed: 3, shuffle: false })
    expect(seen.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('hands the model the documented keys: step s of epoch e gets fold(splitKey(splitKey(key(seed), epochs)[e−1], 2)[1], s)', () => {
    const keys: (AnyKey | undefined)[] = []
    const inner = linearModel()
    const model = {
      apply: (p: Parameters<typeof inner.apply>[0], x: Value, ctx?: Ctx) => {
        if (ctx?.train === true) keys.push(ctx.key)
        return inner.apply(p, x)
      },
    }
    // eager steps: the model records its calls (a side effect), which a compiled step would make only while staging
    fit({ model, loss: logisticLoss, params: initLin(2, 1), optimizer: sgd(0.1), train, epochs: 2, batchSize: 32, seed: 5, jit: false })
    const want = T.splitKey(T.key(5), 2).flatMap((ek) => {
      const stepRoot = T.splitKey(ek, 2)[1]!
      return [0, 1].map((s) => T.fold(stepRoot, s))
    })
    expect(keys).toEqual(want)
    expect(new Set(keys.map((k) => (k as T.Key).words.join(','))).size).toBe(4)
  })

  it('stops early after `patience` epochs without improvement and keeps the best parameters', () => {
    // gradient *ascent* (updates +0.05·g; a negative lr is an error): the dev loss gets worse every epoch, so epoch 1
    // stays the best
    const r = fit({ ...base, params: initLin(2, 1), optimizer: scale(0.05), epochs: 20, seed: 1, earlyStopping: { patience: 2 } })
    expect(r.stoppedEarly).toBe(true)
    expect(r.history).toHaveLength(3)
    expect(r.bestEpoch).toBe(1)
    const one = fit({ ...base, params: initLin(2, 1), optimizer: scale(0.05), epochs: 1, seed: 1 })
    expect(T.toArray(r.bestParams.W as T.Tensor)).toEqual(T.toArray(one.params.W as T.Tensor))
    expect(T.toArray(r.params.W as T.Tensor)).not.toEqual(T.toArray(one.params.W as T.Tensor))
    // monitoring a metric (maximised): lr 0 never improves after epoch 1
    const flat = fit({ ...base, params: initLin(2, 1), optimizer: sgd(0), epochs: 10, seed: 1, earlyStopping: { patience: 3, monitor: 'devAccuracy' } })
    expect(flat.history).toHaveLength(4)
    expect(flat.bestEpoch).toBe(1)
    expect(flat.monitor).toBe('devAccuracy')
    // no early stop when the last epoch is the one that exhausts patience
    const exact = fit({ ...base, params: initLin(2, 1), optimizer: sgd(0), epochs: 3, seed: 1, earlyStopping: { patience: 2 } })
    expect(exact.stoppedEarly).toBe(false)
  })

  it('throws a DivergenceError naming the epoch and step when the loss becomes NaN', () => {
    // finite data; the loss turns NaN on the third example (target 7), as an overflow inside a model would
    const xs = T.tensor([[1, 0], [0, 1], [2, 1], [1, 1]])
    const ys = T.tensor([[1], [0], [7], [0]])
    const nanAt7 = (o: Value, t: T.Tensor): Value => mul(mseLoss(o, t), T.item(t) === 7 ? Number.NaN : 1)
    const call = (): unknown =>
      fit({ model: linearModel(), loss: nanAt7, params: initLin(2, 1), optimizer: sgd(0.1), train: { x: xs, y: ys }, epochs: 2, batchSize: 1, seed: 0, shuffle: false })
    expect(call).toThrow(
      'fit: the training loss became NaN at epoch 1, step 3: training diverged. Try a lower learning rate (or clip gradients with clipByGlobalNorm).',
    )
    try {
      call()
    } catch (e) {
      expect(e).toBeInstanceOf(DivergenceError)
      expect((e as DivergenceError).epoch).toBe(1)
      expect((e as DivergenceError).step).toBe(3)
    }
  })

  it('an absurd learning rate diverges with a DivergenceError (and the reporter is aborted)', () => {
    const aborted: unknown[] = []
    const call = (): unknown =>
      fit({
        model: linearModel(),
        loss: mseLoss,
        params: initLin(2, 1),
        optimizer: sgd(1e6),
        train: { x: train.x, y: T.mul(train.y, 3) },
        epochs: 50,
        batchSize: 16,
        seed: 0,
        reporter: { abort: (e) => aborted.push(e) },
      })
    expect(call).toThrow(/^fit: the training loss became (NaN|Infinity) at epoch \d+, step \d+: training diverged\. Try a lower learning rate/)
    expect(aborted).toHaveLength(1)
    expect(aborted[0]).toBeInstanceOf(DivergenceError)
  })

  it('reports start, steps, epochs and end in order', () => {
    const events: string[] = []
    fit({
      ...base,
      params: initLin(2, 1),
      optimizer: sgd(0.1),
      epochs: 2,
      seed: 1,
      reporter: {
        start: (i) => events.push(`start ${i.epochs}x${i.stepsPerEpoch} n=${i.trainSize} dev=${i.devSize}`),
        step: (s) => events.push(`step ${s.epoch}.${s.step} ${s.samples}`),
        epoch: (r: EpochRecord) => events.push(`epoch ${r.epoch}`),
        end: (s) => events.push(`end ${s.epochsRun} best ${s.bestEpoch}`),
      },
    })
    expect(events[0]).toBe('start 2x4 n=64 dev=32')
    expect(events.slice(1, 6)).toEqual(['step 1.1 16', 'step 1.2 32', 'step 1.3 48', 'step 1.4 64', 'epoch 1'])
    expect(events.length).toBe(12)
    expect(events[11]).toMatch(/^end 2 best [12]$/)
  })

  it('rejects bad options with clear messages', () => {
    const o = { ...base, params: initLin(2, 1), optimizer: sgd(0.1), epochs: 1, seed: 1 }
    expect(() => fit({ ...o, epochs: 1.5 })).toThrow('fit: epochs must be an integer ≥ 0, got 1.5')
    expect(() => fit({ ...o, batchSize: 0 })).toThrow('fit: batchSize must be an integer ≥ 1, got 0')
    const { dev: _dev, ...noDev } = o
    expect(() => fit({ ...noDev, monitor: 'devLoss' })).toThrow("fit: monitor 'devLoss' needs a dev set (pass options.dev)")
    expect(() => fit({ ...o, earlyStopping: { patience: 1, monitor: 'dev.f1' } })).toThrow(
      "fit: monitor 'dev.f1' names no metric 'f1' (metrics: accuracy)",
    )
    expect(() => fit({ ...o, earlyStopping: { patience: 0 } })).toThrow('fit: earlyStopping.patience must be an integer ≥ 1, got 0')
    expect(() => fit({ ...o, train: { x: train.x, y: dev.y } })).toThrow(
      'fit: train.x [64,2] and train.y [32,1] must have the same number of rows (axis 0 is the example axis)',
    )
    expect(() => fit({ ...o, train: { size: 0, select: () => ({ x: train.x, y: train.y }) } })).toThrow('fit: the training set is empty')
    const r0 = fit({ ...o, epochs: 0 })
    expect(r0.history).toEqual([])
    expect(r0.bestEpoch).toBe(0)
    expect(r0.bestParams).toBe(o.params)
  })

  it('resumes from a given optimiser state', () => {
    const p = initLin(2, 1)
    const g = grad((q: typeof p): Value => logisticLoss(linearModel().apply(q, train.x), train.y))(p)
    expect(g.W.shape).toEqual([2, 1])
    const r = fit({ model: linearModel(), loss: logisticLoss, train, params: p, optimizer: momentum(0.1), optState: { count: 5, velocity: g }, epochs: 1, seed: 1, batchSize: 64 })
    expect(r.optState.count).toBe(6)
    // one full-batch step from velocity g: v = 0.9·g + g', p = p − 0.1·v (g' is the gradient at p, which equals g)
    const W = T.toArray(r.params.W as T.Tensor)
    const gW = T.toArray(g.W as T.Tensor)
    const W0 = T.toArray(p.W as T.Tensor)
    W.forEach((w, i) => {
      expect(w).toBeCloseTo(W0[i]! - 0.1 * 1.9 * gW[i]!, 14)
    })
  })
})
