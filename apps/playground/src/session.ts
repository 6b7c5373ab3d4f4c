/**
 * A training run as pure data: the model (`ct.nn.mlp`), its parameters and optimiser state, the step count and the
 * loss history. {@link stepSession} returns a new session one mini-batch update later; nothing is mutated, so the
 * worker, the tests and a reloaded link all replay exactly the same run from the same configuration.
 *
 * Keys, from `key(seed)`: fold 0 the points, fold 1 the initial parameters, fold 2 the mini-batch order (folded again
 * with the epoch), fold 3 the train/test split.
 * @module
 */
import * as ct from 'cotangent'
import type { Config } from './config.js'
import { makeDataset, permutation, type Dataset } from './data.js'

/** The network's parameters: `{ layers: [{ W: [in, out], b: [out] }, …] }`. */
export type Params = ct.nn.MlpParams

/** One point of the loss curves: losses over the whole train and test sets after `step` updates. */
export interface HistoryPoint {
  readonly step: number
  readonly trainLoss: number
  readonly testLoss: number
}

/** A training run. */
export interface Session {
  readonly config: Config
  readonly data: Dataset
  readonly model: ct.nn.Layer<Params>
  readonly optimizer: ct.optim.GradientTransformation<unknown>
  readonly params: Params
  readonly optState: unknown
  /** Updates done so far. */
  readonly step: number
  readonly history: readonly HistoryPoint[]
  /** ∂(mini-batch loss)/∂params of the last update, at the parameters before it (null before the first). */
  readonly lastGrads: Params | null
  /** Mini-batch loss of the last update. */
  readonly lastBatchLoss: number | null
}

/** The weight and bias initialisers of a configuration (`undefined`: the library's PyTorch default). */
export const initializers = (
  c: Config,
): { readonly init?: ct.nn.Initializer; readonly biasInit?: ct.nn.Initializer } => {
  const I = ct.nn.init
  switch (c.init) {
    case 'xavierUniform':
      return { init: I.xavierUniform(), biasInit: I.zeros }
    case 'xavierNormal':
      return { init: I.xavierNormal(), biasInit: I.zeros }
    case 'heUniform':
      return { init: I.heUniform, biasInit: I.zeros }
    case 'heNormal':
      return { init: I.heNormal, biasInit: I.zeros }
    case 'torchLinear':
      return {}
    case 'zeros':
      return { init: I.zeros, biasInit: I.zeros }
    case 'constant':
      return { init: I.constant(c.initConstant), biasInit: I.constant(c.initConstant) }
  }
}

/** The model of a configuration: an MLP from the data's features to one logit per class. */
export const makeModel = (c: Config, classes: number): ct.nn.Layer<Params> =>
  ct.nn.mlp({ hiddenDims: c.hidden, activation: c.activation, outDim: classes, ...initializers(c) })

/**
 * The optimiser of a configuration. L2 weight decay is PyTorch's (coupled) `weight_decay`: `wd·p` is added to the
 * gradient before the optimiser sees it (`chain(addDecayedWeights(wd), …)`).
 */
export const makeOptimizer = (c: Config): ct.optim.GradientTransformation<unknown> => {
  const O = ct.optim
  const base: ct.optim.GradientTransformation<unknown> =
    c.optimizer === 'sgd' ? O.sgd(c.lr) : c.optimizer === 'momentum' ? O.momentum(c.lr, 0.9) : O.adam(c.lr)
  return c.weightDecay > 0 ? O.chain(O.addDecayedWeights(c.weightDecay), base) : base
}

/** Rows as a `[n, d]` tensor. */
export const matrix = (rows: readonly (readonly number[])[]): ct.Tensor =>
  ct.fromArray(rows.flat(), [rows.length, rows[0]?.length ?? 0])

/** Mean softmax cross-entropy of the model on labelled rows. */
export const lossOn = (
  model: ct.nn.Layer<Params>,
  params: Params,
  x: ct.Tensor,
  y: readonly number[],
): ct.Value => ct.losses.softmaxCrossEntropy(model.apply(params, x), y)

/** The fraction of rows whose largest logit is their label. */
export const accuracyOn = (
  model: ct.nn.Layer<Params>,
  params: Params,
  x: readonly (readonly number[])[],
  y: readonly number[],
): number => {
  if (y.length === 0) return 0
  const pred = ct.toArray(ct.argmax(model.apply(params, matrix(x)), { axis: -1 }))
  return y.reduce((n, label, i) => n + (pred[i] === label ? 1 : 0), 0) / y.length
}

/** Train and test losses and accuracies of the current parameters. */
export interface Metrics {
  readonly trainLoss: number
  readonly testLoss: number
  readonly trainAccuracy: number
  readonly testAccuracy: number
}

/** The metrics of a session's current parameters over the full train and test sets. */
export const metrics = (s: Session): Metrics => {
  const d = s.data
  const loss = (x: readonly (readonly number[])[], y: readonly number[]): number =>
    y.length === 0 ? NaN : ct.item(lossOn(s.model, s.params, matrix(x), y))
  return {
    trainLoss: loss(d.xTrain, d.yTrain),
    testLoss: loss(d.xTest, d.yTest),
    trainAccuracy: accuracyOn(s.model, s.params, d.xTrain, d.yTrain),
    testAccuracy: accuracyOn(s.model, s.params, d.xTest, d.yTest),
  }
}

const historyPoint = (s: Session): HistoryPoint => {
  const m = metrics(s)
  return { step: s.step, trainLoss: m.trainLoss, testLoss: m.testLoss }
}

/** A fresh run: the data, the initial parameters (key fold 1) and the optimiser state. */
export const createSession = (config: Config, irisCsv?: string): Session => {
  const data = makeDataset(config, irisCsv)
  const model = makeModel(config, data.classes.length)
  const [, params] = model.init(ct.random.fold(ct.random.key(config.seed), 1), [data.features.length])
  const optimizer = makeOptimizer(config)
  const s: Session = {
    config,
    data,
    model,
    optimizer,
    params,
    optState: optimizer.init(params),
    step: 0,
    history: [],
    lastGrads: null,
    lastBatchLoss: null,
  }
  return { ...s, history: [historyPoint(s)] }
}

/**
 * The training rows of update `step`: epoch `e = ⌊step / batchesPerEpoch⌋` shuffles the training set with key
 * `fold(fold(key(seed), 2), e)` and the update takes the next `batchSize` rows of that order (the last batch of an
 * epoch may be smaller; a batch size above the set's size means full-batch training).
 */
export const batchIndices = (config: Config, nTrain: number, step: number): number[] => {
  const b = Math.min(config.batchSize, nTrain)
  const perEpoch = Math.ceil(nTrain / b)
  const epoch = Math.floor(step / perEpoch)
  const k = step % perEpoch
  const order = permutation(ct.random.fold(ct.random.fold(ct.random.key(config.seed), 2), epoch), nTrain)
  return order.slice(k * b, Math.min(nTrain, (k + 1) * b))
}

/**
 * One mini-batch update: the gradient of the batch's mean cross-entropy at the current parameters, then the
 * optimiser. `recordEvery` controls how often the full-set losses are appended to the history (every update by
 * default; they cost a forward pass over both sets).
 */
export const stepSession = (s: Session, recordEvery = 1): Session => {
  const idx = batchIndices(s.config, s.data.yTrain.length, s.step)
  const x = matrix(idx.map((i) => s.data.xTrain[i]!))
  const y = idx.map((i) => s.data.yTrain[i]!)
  const [loss, grads] = ct.valueAndGrad((p: Params) => lossOn(s.model, p, x, y))(s.params)
  const [updates, optState] = s.optimizer.update(grads, s.optState, s.params)
  const next: Session = {
    ...s,
    params: ct.optim.applyUpdates(s.params, updates),
    optState,
    step: s.step + 1,
    lastGrads: grads,
    lastBatchLoss: ct.item(loss),
  }
  return next.step % recordEvery === 0 ? recordHistory(next) : next
}

/** The longest history kept; past it every other point is dropped (the curve keeps its shape). */
export const HISTORY_LIMIT = 1000

/** Appends the current full-set losses to the history (unless this step is already there), thinning it past the limit. */
export const recordHistory = (s: Session): Session => {
  const last = s.history[s.history.length - 1]
  if (last !== undefined && last.step === s.step) return s
  const h = [...s.history, historyPoint(s)]
  return {
    ...s,
    history: h.length > HISTORY_LIMIT ? h.filter((_, i) => i % 2 === 0 || i === h.length - 1) : h,
  }
}

/** `n` updates in a row. */
export const stepMany = (s: Session, n: number, recordEvery = 1): Session => {
  let cur = s
  for (let i = 0; i < n; i++) cur = stepSession(cur, recordEvery)
  return cur
}
