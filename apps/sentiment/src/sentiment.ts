/**
 * The sentiment classifier as pure functions: an embedding bag (mean of learned word and hashed-bigram vectors, as
 * fastText does) → dropout → MLP → two logits, trained with softmax cross-entropy and AdamW on mini-batches
 * (`@cotangent/train`'s `fit`), the best-dev-loss parameters kept, evaluation on any split, and prediction for new
 * sentences with the training vocabulary.
 */
import { argmax, softmax, toArray } from '@cotangent/autodiff'
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
  type MlpParams,
  type NoParams,
} from '@cotangent/layers'
import { accuracy, confusionMatrix, softmaxCrossEntropy } from '@cotangent/losses'
import { adamw } from '@cotangent/optim'
import { fromArray, key, type Tensor } from '@cotangent/tensor'
import {
  evaluate,
  fit,
  quietReporter,
  type CustomDataset,
  type EpochRecord,
  type Reporter,
} from '@cotangent/train'

/** The network's shape: what a checkpoint needs besides its parameters to rebuild the model. */
export interface ModelConfig {
  /** Rows of the embedding table (vocabulary size + bigram buckets). */
  readonly numEmbeddings: number
  readonly embedDim: number
  readonly hiddenDims: readonly number[]
  readonly activation: ActivationName
  /** Dropout rate on the pooled embedding (before the MLP), in [0, 1). */
  readonly dropout: number
}

/** The parameters of {@link sentimentNet}: `[embedding bag, dropout (none), mlp]`. */
export type SentimentParams = readonly [EmbeddingBagParams, NoParams, MlpParams]

/**
 * embeddingBag(numEmbeddings, embedDim, mean) → dropout → mlp(hiddenDims, activation, outDim 2), float32. The
 * table starts at `N(0, 0.1²)` (small vectors keep the pooled mean near 0 at the start), the dense layers at
 * PyTorch's `nn.Linear` default.
 */
export const sentimentNet = (c: ModelConfig) =>
  serial(
    embeddingBag(c.numEmbeddings, c.embedDim, { mode: 'mean', dtype: 'float32', init: init.normal(0.1) }),
    dropout(c.dropout),
    mlp({ hiddenDims: c.hiddenDims, activation: c.activation, outDim: 2, dtype: 'float32' }),
  )

/** Fresh parameters of {@link sentimentNet} from `seed`. */
export const initParams = (c: ModelConfig, seed: number): SentimentParams =>
  sentimentNet(c).init(key(seed), [])[1]

/** The documents `rows` of an encoded corpus as a `fit`/`evaluate` dataset of embedding-bag batches. */
export const bagDataset = (encoded: EncodedCorpus, rows: readonly number[]): CustomDataset<Bag> => ({
  size: rows.length,
  select: (indices) => {
    const b = textBatch(
      encoded,
      indices.map((i) => rows[i]!),
    )
    return { x: b.bag, y: b.labels }
  },
})

/** Optimisation settings of one training run. */
export interface TrainSettings {
  readonly epochs: number
  readonly batchSize: number
  readonly lr: number
  readonly weightDecay: number
  readonly seed: number
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
  accuracy: (out: Parameters<typeof accuracy>[0], y: Tensor) => accuracy(out, y, { from: 'logits' }),
}

const loss = (out: Parameters<typeof softmaxCrossEntropy>[0], y: Tensor) => softmaxCrossEntropy(out, y)

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
  const r = fit({
    model: net,
    params: initParams(model, settings.seed),
    loss,
    optimizer: adamw(settings.lr, { weightDecay: settings.weightDecay }),
    train: bagDataset(encoded, rows.train),
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
