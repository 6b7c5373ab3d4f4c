/**
 * The sentiment classifier as pure functions: an embedding bag (mean of learned word and hashed-bigram vectors, as
 * fastText does) → dropout → MLP → two logits, trained with softmax cross-entropy and AdamW on mini-batches
 * (`@cotangent/train`'s `fit`), the best-dev-loss parameters kept, evaluation on any split, and prediction for new
 * sentences with the training vocabulary.
 */
import { argmax, concreteKey, div, mul, softmax, toArray } from '@cotangent/autodiff'
import { encodeText, textBatch, type EncodedCorpus, type Vocab } from '@cotangent/data'
import {
  dropout,
  embeddingBag,
  init,
  mlp,
  serial,
  type ActivationName,
  type Bag,
  type EmbeddingBagParams,
  type Layer,
  type MlpParams,
  type NoParams,
} from '@cotangent/layers'
import { accuracy, confusionMatrix, softmaxCrossEntropy } from '@cotangent/losses'
import { adamw, cosineDecay, type LearningRate } from '@cotangent/optim'
import { bernoulli, fromArray, key, toArray as tensorToArray, type Key, type Tensor } from '@cotangent/tensor'
import {
  evaluate,
  fit,
  quietReporter,
  type CustomDataset,
  type EpochRecord,
  type Reporter,
} from '@cotangent/train'

/** How a bag's vectors combine: their mean, their sum, or their sum divided by √(bag length). */
export type Pooling = 'mean' | 'sum' | 'sqrtn'

/** The network's shape: what a checkpoint needs besides its parameters to rebuild the model. */
export interface ModelConfig {
  /** Rows of the embedding table (vocabulary size + bigram buckets). */
  readonly numEmbeddings: number
  readonly embedDim: number
  readonly hiddenDims: readonly number[]
  readonly activation: ActivationName
  /** Dropout rate on the pooled embedding (before the MLP), in [0, 1). */
  readonly dropout: number
  /** Pooling of the bag (default `mean`; checkpoints written before it existed are `mean`). */
  readonly pooling?: Pooling
  /** Word dropout: the probability, in [0, 1), that a token is left out of its bag in a training step (default 0). */
  readonly wordDropout?: number
}

/** The parameters of {@link sentimentNet}: `[embedding bag, dropout (none), mlp]`. */
export type SentimentParams = readonly [EmbeddingBagParams, NoParams, MlpParams]

/**
 * Word dropout: every token of `bag` is kept with probability `1 − rate`, independently, by a Bernoulli draw from
 * `k` (the same key gives the same bag). Returns a new bag (kept tokens in order, offsets recomputed); a bag can
 * come out empty. `rate` 0 returns `bag` itself.
 */
export const dropTokens = (k: Key, bag: Bag, rate: number): Bag => {
  if (!(rate >= 0 && rate < 1))
    throw new RangeError(`dropTokens: rate must be in [0, 1), got ${String(rate)}`)
  if (rate === 0) return bag
  const ids = tensorToArray(bag.indices)
  const offs = tensorToArray(bag.offsets)
  const keep = tensorToArray(bernoulli(k, 1 - rate, [ids.length]))
  const outIds = new Int32Array(ids.length)
  const outOffs = new Int32Array(offs.length)
  // local arrays filled by a loop before they become tensors
  let n = 0
  for (let b = 0; b < offs.length; b++) {
    outOffs[b] = n
    const end = b + 1 < offs.length ? offs[b + 1]! : ids.length
    for (let j = offs[b]!; j < end; j++) if (keep[j] === 1) outIds[n++] = ids[j]!
  }
  return {
    indices: fromArray(outIds.subarray(0, n), [n], { dtype: 'int32' }),
    offsets: fromArray(outOffs, [offs.length], { dtype: 'int32' }),
  }
}

/** `√max(length, 1)` of every bag, `[B, 1]` float32 (the divisor of `sqrtn` pooling). */
const sqrtLengths = (bag: Bag): Tensor => {
  const offs = tensorToArray(bag.offsets)
  const n = bag.indices.shape[0] ?? 0
  return fromArray(
    Array.from(offs, (o, b) => Math.sqrt(Math.max((b + 1 < offs.length ? offs[b + 1]! : n) - o, 1))),
    [offs.length, 1],
    { dtype: 'float32' },
  )
}

/**
 * The bag encoder: in training mode, word dropout ({@link dropTokens} with `ctx.key`), then the embedding bag
 * pooled by `pooling`. With `sum` pooling the pooled vector is scaled by `1 / (1 − wordDropout)` in training, so
 * its expectation is the inference-time sum; `mean` and `sqrtn` pool over the tokens that were kept.
 */
export const bagEncoder = (c: ModelConfig): Layer<EmbeddingBagParams, Bag> => {
  const pooling = c.pooling ?? 'mean'
  const rate = c.wordDropout ?? 0
  const inner = embeddingBag(c.numEmbeddings, c.embedDim, {
    mode: pooling === 'mean' ? 'mean' : 'sum',
    dtype: 'float32',
    init: init.normal(0.1),
  })
  return {
    init: inner.init,
    apply: (params, bag, ctx) => {
      const train = ctx?.train === true && rate > 0
      if (train && ctx.key === undefined)
        throw new Error('bagEncoder: word dropout in training mode needs ctx.key')
      const b = train ? dropTokens(concreteKey('bagEncoder', ctx.key!), bag, rate) : bag
      const pooled = inner.apply(params, b)
      if (pooling === 'sqrtn') return div(pooled, sqrtLengths(b))
      return pooling === 'sum' && train ? mul(pooled, 1 / (1 - rate)) : pooled
    },
  }
}

/**
 * bag encoder (word dropout, embeddingBag(numEmbeddings, embedDim, pooling)) → dropout → mlp(hiddenDims,
 * activation, outDim 2), float32. The table starts at `N(0, 0.1²)` (small vectors keep the pooled vector near 0 at
 * the start), the dense layers at PyTorch's `nn.Linear` default.
 */
export const sentimentNet = (c: ModelConfig) =>
  serial(
    bagEncoder(c),
    dropout(c.dropout),
    mlp({ hiddenDims: c.hiddenDims, activation: c.activation, outDim: 2, dtype: 'float32' }),
  )

/** Fresh parameters of {@link sentimentNet} from `seed`. */
export const initParams = (c: ModelConfig, seed: number): SentimentParams =>
  sentimentNet(c).init(key(seed), [])[1]

/**
 * The documents `rows` of an encoded corpus as a `fit`/`evaluate` dataset of embedding-bag batches; `y` is the int32
 * labels, or with `labelSmoothing` ε > 0 the smoothed targets {@link smoothTargets} (float32 `[B, 2]`).
 */
export const bagDataset = (
  encoded: EncodedCorpus,
  rows: readonly number[],
  labelSmoothing = 0,
): CustomDataset<Bag> => ({
  size: rows.length,
  select: (indices) => {
    const b = textBatch(
      encoded,
      indices.map((i) => rows[i]!),
    )
    return { x: b.bag, y: labelSmoothing > 0 ? smoothTargets(b.labels, labelSmoothing) : b.labels }
  },
})

/** Optimisation settings of one training run. */
export interface TrainSettings {
  readonly epochs: number
  readonly batchSize: number
  readonly lr: number
  readonly weightDecay: number
  readonly seed: number
  /** Learning-rate schedule: constant, or cosine decay to 0 over all the run's steps (default constant). */
  readonly schedule?: 'constant' | 'cosine'
  /** Label smoothing ε of the training loss: targets `(1 − ε)·onehot + ε/2` (default 0; dev and test use ε 0). */
  readonly labelSmoothing?: number
}

/** The outcome of one training run. */
export interface TrainRun {
  readonly model: ModelConfig
  readonly settings: TrainSettings
  readonly history: readonly EpochRecord[]
  /** Epoch (from 1) with the lowest dev loss; its parameters are `bestParams`. */
  readonly bestEpoch: number
  readonly bestParams: SentimentParams
  /** The first epoch whose dev loss is above the minimum so far (overfitting begins), or null if it never rose. */
  readonly turnUpEpoch: number | null
  readonly best: { readonly devLoss: number; readonly devAccuracy: number }
}

const metrics = {
  // smoothed targets [B, 2] (training with label smoothing) name their class by their larger entry
  accuracy: (out: Parameters<typeof accuracy>[0], y: Tensor) =>
    accuracy(out, y.ndim === 2 ? argmax(y, { axis: -1 }) : y, { from: 'logits' }),
}

const loss = (out: Parameters<typeof softmaxCrossEntropy>[0], y: Tensor) => softmaxCrossEntropy(out, y)

/** Smoothed two-class targets `(1 − ε)·onehot(y) + ε/2`, float32 `[B, 2]`. */
export const smoothTargets = (y: Tensor, eps: number): Tensor => {
  const labels = tensorToArray(y)
  const t = new Float32Array(2 * labels.length)
  labels.forEach((l, i) => {
    t.set(l === 0 ? [1 - eps / 2, eps / 2] : [eps / 2, 1 - eps / 2], 2 * i)
  })
  return fromArray(t, [labels.length, 2], { dtype: 'float32' })
}

/** The learning rate of a run: `lr`, or a cosine decay from `lr` to 0 over `epochs × ⌈train / batch⌉` steps. */
export const learningRate = (s: TrainSettings, trainSize: number): LearningRate =>
  (s.schedule ?? 'constant') === 'cosine'
    ? cosineDecay({ init: s.lr, decaySteps: Math.max(1, s.epochs * Math.ceil(trainSize / s.batchSize)) })
    : s.lr

/** The first epoch whose dev loss exceeds the lowest dev loss of the epochs before it; null if none does. */
export const turnUpEpoch = (devLosses: readonly number[]): number | null => {
  const i = devLosses.findIndex((l, j) => j > 0 && l > Math.min(...devLosses.slice(0, j)))
  return i < 0 ? null : i + 1
}

/**
 * Trains one configuration on `train` rows with dev-loss monitoring (AdamW, shuffled mini-batches, init, dropout
 * and shuffles all from `settings.seed`), keeping the parameters of the epoch with the lowest dev loss.
 */
export const trainModel = (
  encoded: EncodedCorpus,
  rows: { readonly train: readonly number[]; readonly dev: readonly number[] },
  model: ModelConfig,
  settings: TrainSettings,
  reporter: Reporter = quietReporter,
): TrainRun => {
  const net = sentimentNet(model)
  const eps = settings.labelSmoothing ?? 0
  const r = fit({
    model: net,
    params: initParams(model, settings.seed),
    // smoothing enters through the training batches' targets; dev keeps integer labels (plain cross-entropy)
    loss,
    optimizer: adamw(learningRate(settings, rows.train.length), { weightDecay: settings.weightDecay }),
    train: bagDataset(encoded, rows.train, eps),
    dev: bagDataset(encoded, rows.dev),
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    seed: settings.seed,
    metrics,
    monitor: 'devLoss',
    reporter,
  })
  const best = r.history[r.bestEpoch - 1]
  return {
    model,
    settings,
    history: r.history,
    bestEpoch: r.bestEpoch,
    bestParams: r.bestParams,
    turnUpEpoch: turnUpEpoch(r.history.map((h) => h.devLoss ?? Number.NaN)),
    best: { devLoss: best?.devLoss ?? Number.NaN, devAccuracy: best?.devMetrics?.accuracy ?? Number.NaN },
  }
}

/** Loss, accuracy and confusion matrix (rows: true class, columns: predicted) on the documents `rows`. */
export interface SplitEvaluation {
  readonly loss: number
  readonly accuracy: number
  readonly confusion: number[][]
  readonly size: number
}

/** Evaluates `params` on the documents `rows` (inference mode: no dropout), in batches of 512. */
export const evaluateRows = (
  model: ModelConfig,
  params: SentimentParams,
  encoded: EncodedCorpus,
  rows: readonly number[],
): SplitEvaluation => {
  const net = sentimentNet(model)
  const data = bagDataset(encoded, rows)
  const e = evaluate(net, params, loss, data, { batchSize: 512, metrics })
  const preds = batches(rows.length, 512).flatMap((idx) => {
    const b = data.select(idx)
    return Array.from(toArray(argmax(net.apply(params, b.x), { axis: -1 })))
  })
  const labels = rows.map((d) => encoded.labels[d]!)
  return {
    loss: e.loss,
    accuracy: e.metrics.accuracy ?? Number.NaN,
    confusion: confusionMatrix(preds, labels, encoded.classes.length),
    size: rows.length,
  }
}

const batches = (n: number, size: number): number[][] =>
  Array.from({ length: Math.ceil(n / size) }, (_, b) =>
    Array.from({ length: Math.min(size, n - b * size) }, (_, i) => b * size + i),
  )

/** One prediction: the class, its probability, and every class's probability. */
export interface Prediction {
  readonly text: string
  readonly label: string
  readonly probability: number
  readonly probabilities: readonly number[]
}

/**
 * Classifies new sentences with a trained model: each text is tokenized and encoded exactly as in training (the
 * training vocabulary, the same bigram buckets), pooled and scored; the class with the highest softmax
 * probability wins.
 */
export const predictTexts = (
  model: ModelConfig,
  params: SentimentParams,
  vocab: Vocab,
  bigramBuckets: number,
  classes: readonly string[],
  texts: readonly string[],
): Prediction[] => {
  if (texts.length === 0) return []
  const ids = texts.map((t) => encodeText(vocab, t, { bigramBuckets }))
  const offsets = ids.reduce<number[]>((o, d, i) => [...o, i === 0 ? 0 : o[i - 1]! + ids[i - 1]!.length], [])
  const bag = {
    indices: fromArray(ids.flat(), [ids.reduce((s, d) => s + d.length, 0)], { dtype: 'int32' }),
    offsets: fromArray(offsets, [texts.length], { dtype: 'int32' }),
  }
  const probs = toArray(softmax(sentimentNet(model).apply(params, bag), -1))
  const k = classes.length
  return texts.map((text, i) => {
    const p = Array.from(probs.subarray(i * k, (i + 1) * k))
    const c = p.indexOf(Math.max(...p))
    return { text, label: classes[c]!, probability: p[c]!, probabilities: p }
  })
}
