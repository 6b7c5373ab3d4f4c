/**
 * The compiled training step. References are the eager step (`{ jit: false }`: value-and-grad and `applyGradients`
 * op by op, another interpreter) and, for the history, `fit` run eagerly:
 * - `fit` with and without jit gives the same history on XOR and on the real Iris data (to 1e-12, float64), and the
 *   jitted run really ran compiled (the model's `apply` is called only while staging, not once per step);
 * - the modes: the whole step compiled (constant-rate momentum/SGD), gradient compiled with the update eager (Adam,
 *   a schedule), eager for a model that draws from its key (dropout), for a loss that reads integer labels, for
 *   batches that are not tensors, and after more than `maxSignatures` batch shapes; `{ jit: false }`;
 * - in every mode, each step equals the eager step to 1e-12 and the optimiser's step count is exact.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import { add, matmul, mean, mul, neg, sum, logSoftmax, tanh, toArray, treeMap, type Value } from '@cotangent/autodiff'
import { dropout, init, mlp, serial, linear } from '@cotangent/layers'
import { bceWithLogits, softmaxCrossEntropy, accuracy } from '@cotangent/losses'
import {
  adam,
  adamw,
  chain,
  clipByGlobalNorm,
  cosineDecay,
  exponentialDecay,
  momentum,
  rmsprop,
  sgd,
  warmup,
  type CountState,
  type GradientTransformation,
  type Params,
} from '@cotangent/optim'
import { loadIris } from '@cotangent/data'
import { initLin, linearModel } from './helpers.js'
import {
  fit,
  quietReporter,
  trainStep,
  type EpochRecord,
  type Model,
  type LossFn,
  type Batch,
} from '../src/index.js'

const TOL = 1e-12

const near = (what: string, got: number, want: number): void => {
  if (!(Math.abs(got - want) <= TOL * Math.max(1, Math.abs(want))))
    throw new Error(`${what}: ${got}, expected ${want}`)
}

/** Histories equal to 1e-12 in every number except wall time. */
const sameHistory = (got: readonly EpochRecord[], want: readonly EpochRecord[]): void => {
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => {
    const w = want[i]!
    expect(g.epoch).toBe(w.epoch)
    near(`epoch ${w.epoch} trainLoss`, g.trainLoss, w.trainLoss)
    if (w.devLoss !== null) near(`epoch ${w.epoch} devLoss`, g.devLoss!, w.devLoss)
    for (const [k, v] of Object.entries(w.trainMetrics))
      near(`epoch ${w.epoch} train.${k}`, g.trainMetrics[k]!, v)
    for (const [k, v] of Object.entries(w.devMetrics ?? {}))
      near(`epoch ${w.epoch} dev.${k}`, g.devMetrics![k]!, v)
  })
}

/** Tensor leaves equal to 1e-12 (number leaves are compared exactly elsewhere). */
const leavesClose = (what: string, got: unknown, want: unknown): void => {
  const g = Object.values(flat(got)).filter(T.isTensor)
  const w = Object.values(flat(want)).filter(T.isTensor)
  expect(g.length).toBe(w.length)
  g.forEach((t, i) => {
    const a = toArray(t)
    const b = toArray(w[i]!)
    for (let k = 0; k < b.length; k++) near(`${what} leaf ${i}[${k}]`, a[k]!, b[k]!)
  })
}
/** Leaves of a tree by path (a naive walk, independent of autodiff's trees). */
const flat = (x: unknown, path = ''): Record<string, unknown> => {
  if (T.isTensor(x) || typeof x === 'number') return { [path]: x }
  if (x === null || x === undefined) return {}
  if (Array.isArray(x))
    return Object.assign({}, ...x.map((v, i) => flat(v, `${path}[${i}]`))) as Record<string, unknown>
  return Object.assign(
    {},
    ...Object.keys(x)
      .sort()
      .map((k) => flat((x as Record<string, unknown>)[k], `${path}.${k}`)),
  ) as Record<string, unknown>
}

/** Deterministic numbers in [−1, 1) (an LCG), independent of the library's PRNG. */
const lcg = (seed: number, n: number): number[] => {
  let s = seed >>> 0
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  })
}

/** Noisy XOR: 200 points around the four corners of the unit square, label = xor of the corner. */
const xorData = (() => {
  const n = 200
  const noise = lcg(7, 2 * n)
  const corner = (i: number): [number, number] => [i % 2, Math.floor(i / 2) % 2]
  const xs = Array.from({ length: n }, (_, i) => {
    const [a, b] = corner(i)
    return [a + 0.15 * noise[2 * i]!, b + 0.15 * noise[2 * i + 1]!]
  })
  const ys = Array.from({ length: n }, (_, i) => {
    const [a, b] = corner(i)
    return [a ^ b]
  })
  return { x: T.tensor(xs), y: T.tensor(ys) }
})()

/** A model wrapper that counts calls of `apply` (to see whether steps ran compiled). */
const counting = <P>(m: Model<P>): { readonly model: Model<P>; readonly calls: () => number } => {
  const box = { n: 0 }
  return {
    model: {
      apply: (p, x, ctx) => {
        box.n++
        return m.apply(p, x, ctx)
      },
    },
    calls: () => box.n,
  }
}

describe('fit with and without jit gives the same history', () => {
  it('XOR: a 2→8→1 tanh MLP, momentum, shuffled mini-batches with a smaller last batch, dev set', () => {
    const net = mlp({ hiddenDims: [8], activation: 'tanh', outDim: 1, init: init.xavierUniform() })
    const [, params] = net.init(T.key(3), [2])
    const metrics = { accuracy: (o: Value, y: Tensor) => accuracy(o, y, { from: 'logits' }) }
    const run = (jit: boolean, model: Model<typeof params>) =>
      fit({
        model,
        params,
        loss: (o, y) => bceWithLogits(o, y),
        optimizer: momentum(0.2, 0.9),
        train: xorData,
        dev: { x: T.take(xorData.x, [0, 1, 2, 3]), y: T.take(xorData.y, [0, 1, 2, 3]) },
        epochs: 30,
        batchSize: 64, // 200 = 3·64 + 8: two batch signatures
        seed: 11,
        metrics,
        reporter: quietReporter,
        jit,
      })
    const eager = counting(net)
    const jitted = counting(net)
    const a = run(false, eager.model)
    const b = run(true, jitted.model)
    sameHistory(b.history, a.history)
    leavesClose('final params', b.params, a.params)
    expect(b.history[b.history.length - 1]!.trainMetrics['accuracy']).toBeGreaterThan(0.9)
    // eager: one forward per step (+ dev evaluation); jitted: only staging calls (a few per signature) + dev
    const steps = 30 * 4
    expect(eager.calls()).toBe(steps + 30)
    expect(jitted.calls()).toBeLessThan(30 + 10)
  })

  it('XOR with dropout: the keyed steps are compiled, with the masks eager steps draw: the same history', () => {
    const net = serial(linear(8), dropout(0.25), linear(1))
    const [, params] = net.init(T.key(5), [2])
    const run = (jit: boolean) =>
      fit({
        model: net,
        params,
        loss: (o, y) => bceWithLogits(o, y),
        optimizer: momentum(0.1, 0.9),
        train: xorData,
        epochs: 5,
        batchSize: 50,
        seed: 4,
        reporter: quietReporter,
        jit,
      }).history
    const a = run(false)
    const b = run(true)
    sameHistory(b, a)
  })

  const iris = (() => {
    const r = loadIris()
    if (E.isLeft(r)) throw new Error(r.left.message)
    return r.right
  })()
  const irisX = T.tensor(iris.x)
  const irisLabels = T.fromArray(iris.y, [iris.y.length], { dtype: 'int32' })
  const irisOneHot = T.fromArray(
    iris.y.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))),
    [iris.y.length, 3],
  )
  // a fixed split: every fifth example is dev
  const trainIdx = iris.y.map((_, i) => i).filter((i) => i % 5 !== 0)
  const devIdx = iris.y.map((_, i) => i).filter((i) => i % 5 === 0)
  const net = mlp({
    hiddenDims: [16],
    activation: 'relu',
    outDim: 3,
    init: init.xavierUniform(),
    biasInit: init.zeros,
  })
  const [, irisParams] = net.init(T.key(0), [4])
  const irisFit = (jit: boolean, y: Tensor, model: Model<typeof irisParams> = net) =>
    fit({
      model,
      params: irisParams,
      loss: (o, t) => softmaxCrossEntropy(o, t),
      optimizer: momentum(0.05, 0.9),
      train: { x: T.take(irisX, trainIdx), y: T.take(y, trainIdx) },
      dev: { x: T.take(irisX, devIdx), y: T.take(y, devIdx) },
      epochs: 25,
      batchSize: 16, // 120 = 7·16 + 8
      seed: 2,
      metrics: {
        accuracy: (o: Value, t: Tensor) =>
          accuracy(o, t.ndim === 2 ? T.argmax(t, { axis: -1 }) : t, { from: 'logits' }),
      },
      reporter: quietReporter,
      jit,
    })

  it('Iris (the real data set) with one-hot targets: the step is compiled', () => {
    const jitted = counting(net)
    const a = irisFit(false, irisOneHot)
    const b = irisFit(true, irisOneHot, jitted.model)
    sameHistory(b.history, a.history)
    leavesClose('final params', b.params, a.params)
    const h = b.history
    expect(h[h.length - 1]!.trainLoss).toBeLessThan(h[0]!.trainLoss)
    // dev evaluation: 25 epochs × 2 batches of the 30 dev rows; the rest are staging calls (2 signatures)
    expect(jitted.calls()).toBeLessThan(50 + 10)
  })

  it('Iris with integer labels (an operand of the fused softmaxCrossEntropy): compiled, same history', () => {
    const jitted = counting(net)
    const a = irisFit(false, irisLabels)
    const b = irisFit(true, irisLabels, jitted.model)
    sameHistory(b.history, a.history)
    // dev evaluation: 25 epochs × 2 batches of the 30 dev rows; the rest are staging calls (2 signatures)
    expect(jitted.calls()).toBeLessThan(50 + 10)
    // the integer-label history is the one-hot history too (the same loss, another target encoding)
    sameHistory(b.history, irisFit(false, irisOneHot).history)
  })
})

// ---------------------------------------------------------------------------------------------------------------

interface Lin {
  readonly W: Value
  readonly b: Value
}
const linModel: Model<Lin> = { apply: (p, x) => add(matmul(x, p.W), p.b) }
const lin0: Lin = {
  W: T.fromArray(
    lcg(5, 6).map((v) => 0.3 * v),
    [3, 2],
  ),
  b: T.fromArray([0.1, -0.1], [2]),
}
const X = T.fromArray(lcg(9, 24), [8, 3])
const Y = T.fromArray([0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0], [8, 2])
const xent: LossFn = (o, y) => neg(mean(sum(mul(y, logSoftmax(o)), { axis: -1 })))

/** Runs `steps` steps with a jitted and an eager trainStep side by side, checking every step; returns the jitted step. */
const sideBySide = <P extends Params, S>(
  model: Model<P>,
  params: P,
  loss: LossFn,
  opt: GradientTransformation<S>,
  batches: (s: number) => Batch,
  steps: number,
  withKey = false,
  maxSignatures?: number,
) => {
  const j = trainStep(
    model,
    loss,
    opt,
    { m: (o: Value) => T.item(T.sum(o as Tensor)) },
    maxSignatures === undefined ? {} : { maxSignatures },
  )
  const e = trainStep(model, loss, opt, { m: (o: Value) => T.item(T.sum(o as Tensor)) }, { jit: false })
  let first: ReturnType<typeof j> | undefined
  let pj = params
  let sj = opt.init(params)
  let pe = params
  let se = opt.init(params)
  for (let s = 0; s < steps; s++) {
    const k = withKey ? T.fold(T.key(1), s) : undefined
    const rj = j(pj, sj, batches(s), k)
    if (s === 0) first = rj
    const re = e(pe, se, batches(s), k)
    near(`step ${s} loss`, rj.loss, re.loss)
    near(`step ${s} metric`, rj.metrics['m']!, re.metrics['m']!)
    leavesClose(`step ${s} params`, rj.params, re.params)
    leavesClose(`step ${s} state`, rj.optState, re.optState)
    // step counts (plain numbers of the state) are exact
    const nj = Object.values(flat(rj.optState)).filter((v) => typeof v === 'number')
    const ne = Object.values(flat(re.optState)).filter((v) => typeof v === 'number')
    expect(nj).toEqual(ne)
    pj = rj.params
    sj = rj.optState
    pe = re.params
    se = re.optState
  }
  expect(e.jitInfo().mode).toBe('eager')
  // what the first step returned is still what it was (no buffer of a compiled step is reused by a later one)
  leavesClose(
    'first step params, after the run',
    first!.params,
    e(params, opt.init(params), batches(0), withKey ? T.fold(T.key(1), 0) : undefined).params,
  )
  return j
}

describe('what the compiled step holds, and when it runs eagerly', () => {
  const full = (): Batch => ({ x: X, y: Y })

  it('momentum with a constant rate: the whole step (gradient and update) is compiled', () => {
    const j = sideBySide(linModel, lin0, xent, momentum(0.3, 0.9), full, 12)
    expect(j.jitInfo()).toMatchObject({ mode: 'jit', reason: null, compiles: 1, jitSteps: 12, eagerSteps: 0 })
  })

  it('plain SGD with a key that the model ignores: compiled, the key never enters the signature', () => {
    const j = sideBySide(linModel, lin0, xent, sgd(0.5), full, 6, true)
    expect(j.jitInfo()).toMatchObject({ mode: 'jit', compiles: 1, jitSteps: 6 })
  })

  it('Adam (bias correction from the step count): the whole step is compiled, its per-step numbers are inputs', () => {
    const j = sideBySide(linModel, lin0, xent, adam(0.05), full, 8)
    expect(j.jitInfo()).toMatchObject({ mode: 'jit', reason: null, compiles: 1, jitSteps: 8 })
  })

  it('SGD with a learning-rate schedule: compiled once, the rate enters as an input', () => {
    const sched = exponentialDecay({ init: 0.5, decayRate: 0.5, transitionSteps: 3 })
    const j = sideBySide(linModel, lin0, xent, sgd(sched), full, 8)
    expect(j.jitInfo()).toMatchObject({ mode: 'jit', compiles: 1, jitSteps: 8 })
  })

  it('a schedule that jumps between two compiled steps changes the rate of the compiled program', () => {
    // the state starts at step 998: the third step is the first at the lower rate (the eager run checks each step)
    const late = (step: number): number => (step >= 1000 ? 0.01 : 0.3)
    const base = sgd(late)
    const from998: GradientTransformation<CountState> = { ...base, init: () => ({ count: 998 }) }
    const j = sideBySide(linModel, lin0, xent, from998, full, 4)
    expect(j.jitInfo()).toMatchObject({ mode: 'jit', compiles: 1, jitSteps: 4 })
  })

  it('AdamW, centred RMSprop with momentum and a clipped Adam chain with warm-up and cosine decay: all compiled', () => {
    const sched = warmup({ peak: 0.1, warmupSteps: 3, then: cosineDecay({ init: 0.1, decaySteps: 5 }) })
    const opts: readonly GradientTransformation<unknown>[] = [
      adamw(sched, { weightDecay: 0.1 }),
      rmsprop(sched, { centered: true, momentum: 0.5 }),
      chain(clipByGlobalNorm(0.5), adam(sched)),
    ]
    opts.forEach((opt) => {
      const j = sideBySide(linModel, lin0, xent, opt, full, 10)
      expect(j.jitInfo()).toMatchObject({ mode: 'jit', compiles: 1, jitSteps: 10 })
    })
  })

  it('a custom transformation that computes with its own count: gradient compiled, update eager', () => {
    // 1/(1+t) decay written in JavaScript on the count, without `hyper`: the program would bake the count in
    const decaying: GradientTransformation<CountState> = {
      init: () => ({ count: 0 }),
      update: (g, s) => [treeMap((x: Value) => mul(x, -0.5 / (1 + s.count)), g), { count: s.count + 1 }],
    }
    const j = sideBySide(linModel, lin0, xent, decaying, full, 6)
    expect(j.jitInfo().mode).toBe('jit-grad')
    expect(j.jitInfo().reason).toMatch(/numbers of its state/)
    expect(j.jitInfo().compiles).toBe(1)
  })

  it('dropout draws from the key: compiled once, each step draws the mask eager code draws from its key', () => {
    // every step is checked against the eager step given the same key: a mask baked into the program would differ
    const net = serial(linear(4), dropout(0.5), linear(2))
    const [, p] = net.init(T.key(4), [3])
    const j = sideBySide(net, p, xent, momentum(0.1), full, 5, true)
    expect(j.jitInfo()).toMatchObject({ mode: 'jit', compiles: 1, jitSteps: 5, eagerSteps: 0 })
  })

  it('a model that reads its key with a tensor kernel (concreteKey): eager, with a reason naming the staged draws', () => {
    const noisy = linearModel(0.1)
    const j = sideBySide(noisy, initLin(3, 2), xent, momentum(0.1), full, 3, true)
    expect(j.jitInfo().mode).toBe('eager')
    expect(j.jitInfo().reason).toMatch(/StagedValueError.*staged key, read as numbers by linearModel.*drawBernoulli/)
  })

  it('a loss that reads the values of its targets: eager for good, with the StagedValueError as the reason', () => {
    // class weights looked up from the labels in JS: fine eagerly, impossible on staged labels
    const labels = T.fromArray([1, 0, 0, 1, 1, 0, 0, 1], [8], { dtype: 'int32' })
    const weighted: LossFn = (o, y) => {
      const w = Array.from(toArray(y)).map((c) => (c === 1 ? 2 : 1))
      return mean(mul(T.fromArray(w, [8]), softmaxCrossEntropy(o, y, { reduction: 'none' })))
    }
    const j = sideBySide(linModel, lin0, weighted, momentum(0.1), () => ({ x: X, y: labels }), 4)
    expect(j.jitInfo().mode).toBe('eager')
    expect(j.jitInfo().reason).toMatch(/StagedValueError/)
    // integer labels through softmaxCrossEntropy itself are an operand: compiled
    const k = sideBySide(
      linModel,
      lin0,
      (o, y) => softmaxCrossEntropy(o, y),
      momentum(0.1),
      () => ({ x: X, y: labels }),
      4,
    )
    expect(k.jitInfo().mode).toBe('jit')
  })

  it('varying batch sizes recompile per shape, up to maxSignatures; one more and the step runs eagerly', () => {
    const sizes = [8, 5, 8, 5, 3, 8, 2, 8]
    const batch = (s: number): Batch => {
      const idx = Array.from({ length: sizes[s]! }, (_, i) => i)
      return { x: T.take(X, idx), y: T.take(Y, idx) }
    }
    const j = sideBySide(linModel, lin0, xent, momentum(0.1), batch, sizes.length, false, 3)
    // sizes 8, 5, 3 compiled (3 signatures); size 2 is a fourth: from then on eager
    expect(j.jitInfo().mode).toBe('eager')
    expect(j.jitInfo().compiles).toBe(4)
    expect(j.jitInfo().reason).toMatch(/maxSignatures 3/)
    expect(j.jitInfo().jitSteps).toBe(7)
    expect(j.jitInfo().eagerSteps).toBe(1)
  })

  it('a batch whose inputs are not tensors runs that step eagerly', () => {
    const arrModel: Model<Lin, readonly number[][]> = { apply: (p, x) => add(matmul(T.tensor(x), p.W), p.b) }
    const j = trainStep(arrModel, xent, sgd(0.1))
    const r = j(lin0, sgd(0.1).init(lin0), { x: [[1, 2, 3]], y: T.tensor([[1, 0]]) })
    expect(Number.isFinite(r.loss)).toBe(true)
    expect(j.jitInfo().eagerSteps).toBe(1)
  })

  it('{ jit: false } is eager and says so; before its first call a jitted step is pending', () => {
    const e = trainStep(linModel, xent, sgd(0.1), {}, { jit: false })
    expect(e.jitInfo().mode).toBe('eager')
    expect(e.jitInfo().reason).toBe('jit: false')
    expect(trainStep(linModel, xent, sgd(0.1)).jitInfo().mode).toBe('pending')
    expect(() => trainStep(linModel, xent, sgd(0.1), {}, { maxSignatures: 0 })).toThrow(RangeError)
  })

  it('a model with tanh hidden units and a bias-free head, float32: compiled and equal to eager in float32', () => {
    const W1 = T.fromArray(
      lcg(21, 12).map((v) => 0.5 * v),
      [3, 4],
      { dtype: 'float32' },
    )
    const W2 = T.fromArray(
      lcg(22, 8).map((v) => 0.5 * v),
      [4, 2],
      { dtype: 'float32' },
    )
    const m: Model<{ W1: Value; W2: Value }> = { apply: (p, x) => matmul(tanh(matmul(x, p.W1)), p.W2) }
    const x32 = T.astype(X, 'float32')
    const y32 = T.astype(Y, 'float32')
    const opt = momentum(0.2)
    const j = trainStep(m, xent, opt)
    const e = trainStep(m, xent, opt, {}, { jit: false })
    const p0 = { W1, W2 }
    const rj = j(p0, opt.init(p0), { x: x32, y: y32 })
    const re = e(p0, opt.init(p0), { x: x32, y: y32 })
    expect(Math.abs(rj.loss - re.loss)).toBeLessThan(1e-6)
    expect(j.jitInfo().mode).toBe('jit')
  })
})
