/**
 * The Fashion-MNIST classifier as pure functions: a seeded stratified train/validation split of the 60,000
 * training images (the 10,000 test images are only read at the end), pixels scaled to [0, 1], an MLP
 * 784 → hidden → 10 trained with softmax cross-entropy and Adam on mini-batches (`@cotangent/train`'s `fit`),
 * the best-validation-loss parameters kept, and accuracy plus confusion matrix on any image set.
 */
import { argmax, toArray } from '@cotangent/autodiff'
import { imageBatch, stratifiedSplit, type ImageSet } from '@cotangent/data'
import { mlp, type ActivationName, type MlpParams } from '@cotangent/layers'
import { accuracy, confusionMatrix, softmaxCrossEntropy } from '@cotangent/losses'
import { adam, cosineDecay } from '@cotangent/optim'
import { key, type Tensor } from '@cotangent/tensor'
import {
  evaluate,
  fit,
  quietReporter,
  type CustomDataset,
  type EpochRecord,
  type Reporter,
} from '@cotangent/train'

/** The network and its training. */
export interface FashionConfig {
  readonly hiddenDims: readonly number[]
  readonly activation: ActivationName
  readonly epochs: number
  readonly batchSize: number
  readonly lr: number
  /** `cosine`: the learning rate decays from `lr` to 0 over the run (cosine); `constant`: `lr` throughout. */
  readonly schedule: 'cosine' | 'constant'
  readonly seed: number
}

/** The learning rate (a number or a cosine schedule over every step of the run). */
export const learningRate = (c: FashionConfig, trainSize: number): number | ((step: number) => number) =>
  c.schedule === 'constant'
    ? c.lr
    : cosineDecay({ init: c.lr, decaySteps: Math.max(1, c.epochs * Math.ceil(trainSize / c.batchSize)) })

/** The MLP 784 → hiddenDims → 10 (float32 parameters, PyTorch's `nn.Linear` init). */
export const fashionNet = (c: Pick<FashionConfig, 'hiddenDims' | 'activation'>) =>
  mlp({ hiddenDims: c.hiddenDims, activation: c.activation, outDim: 10, dtype: 'float32' })

/** The images `rows` of `set` as a `fit`/`evaluate` dataset: `[B, 784]` float32 in [0, 1], int32 labels. */
export const imageDataset = (set: ImageSet, rows: readonly number[]): CustomDataset<Tensor> => ({
  size: rows.length,
  select: (indices) => {
    const b = imageBatch(
      set,
      indices.map((i) => rows[i]!),
    )
    return { x: b.x, y: b.labels }
  },
})

/**
 * Training and validation rows: a seeded stratified split of the training images (`valFraction` to validation),
 * optionally of a stratified subset of `limit` images first (for quick runs and tests).
 */
export const trainValRows = (
  train: ImageSet,
  valFraction: number,
  seed: number,
  limit?: number,
): { readonly train: number[]; readonly val: number[] } => {
  const labels = Array.from(train.labels)
  const pool =
    limit === undefined || limit >= train.count
      ? labels.map((_, i) => i)
      : stratifiedSplit(labels, [limit / train.count, 1 - limit / train.count], seed + 1)[0]!
  const [tr, va] = stratifiedSplit(
    pool.map((i) => labels[i]!),
    [1 - valFraction, valFraction],
    seed,
  )
  return { train: tr!.map((j) => pool[j]!), val: va!.map((j) => pool[j]!) }
}

/** One training run. */
export interface FashionRun {
  readonly history: readonly EpochRecord[]
  readonly bestEpoch: number
  readonly bestParams: MlpParams
}

const metrics = {
  accuracy: (out: Parameters<typeof accuracy>[0], y: Tensor) => accuracy(out, y, { from: 'logits' }),
}
const loss = (out: Parameters<typeof softmaxCrossEntropy>[0], y: Tensor) => softmaxCrossEntropy(out, y)

/** Trains with Adam (constant or cosine-decayed learning rate) on shuffled mini-batches, validating each epoch; keeps the lowest-validation-loss epoch. */
export const trainFashion = (
  set: ImageSet,
  rows: { readonly train: readonly number[]; readonly val: readonly number[] },
  c: FashionConfig,
  reporter: Reporter = quietReporter,
): FashionRun => {
  const net = fashionNet(c)
  const [, params] = net.init(key(c.seed), [set.height * set.width])
  const r = fit({
    model: net,
    params,
    loss,
    optimizer: adam(learningRate(c, rows.train.length)),
    train: imageDataset(set, rows.train),
    dev: imageDataset(set, rows.val),
    epochs: c.epochs,
    batchSize: c.batchSize,
    seed: c.seed,
    metrics,
    monitor: 'devLoss',
    reporter,
  })
  return { history: r.history, bestEpoch: r.bestEpoch, bestParams: r.bestParams }
}

/** Loss, accuracy and confusion matrix (rows: true class, columns: predicted) of `params` on images `rows`. */
export const evaluateImages = (
  c: Pick<FashionConfig, 'hiddenDims' | 'activation'>,
  params: MlpParams,
  set: ImageSet,
  rows: readonly number[],
): { readonly loss: number; readonly accuracy: number; readonly confusion: number[][] } => {
  const net = fashionNet(c)
  const data = imageDataset(set, rows)
  const e = evaluate(net, params, loss, data, { batchSize: 1000, metrics })
  const preds = Array.from({ length: Math.ceil(rows.length / 1000) }, (_, b) => {
    const idx = Array.from({ length: Math.min(1000, rows.length - b * 1000) }, (_, i) => b * 1000 + i)
    return Array.from(toArray(argmax(net.apply(params, data.select(idx).x), { axis: -1 })))
  }).flat()
  return {
    loss: e.loss,
    accuracy: e.metrics.accuracy ?? Number.NaN,
    confusion: confusionMatrix(
      preds,
      rows.map((r) => set.labels[r]!),
      10,
    ),
  }
}

/** The most frequent off-diagonal cells of a confusion matrix: `[true, predicted, count]`, largest first. */
export const topConfusions = (
  confusion: readonly (readonly number[])[],
  n: number,
): [number, number, number][] =>
  confusion
    .flatMap((row, i) => row.map((v, j): [number, number, number] => [i, j, v]))
    .filter(([i, j, v]) => i !== j && v > 0)
    .sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1])
    .slice(0, n)
