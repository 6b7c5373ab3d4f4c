/**
 * The Iris classifier of the homework as pure functions: a seeded stratified 60/20/20 split, standardisation with
 * train-split statistics only, a linear → ReLU → linear network trained with softmax cross-entropy, Xavier-uniform
 * init and SGD with momentum on mini-batches (`@cotangent/train`'s `fit`), a learning-rate × width sweep, and the
 * test accuracy of the chosen setting over several seeded splits.
 */
import { argmax, toArray } from '@cotangent/autodiff'
import type { Iris } from '@cotangent/data'
import { stratifiedSplit } from '@cotangent/data'
import { init, mlp, type MlpParams } from '@cotangent/layers'
import { accuracy, confusionMatrix, softmaxCrossEntropy } from '@cotangent/losses'
import { momentum } from '@cotangent/optim'
import { fromArray, key, type Tensor } from '@cotangent/tensor'
import { fit, quietReporter, type EpochRecord, type Reporter, type TensorDataset } from '@cotangent/train'

/** Per-feature mean and (population) standard deviation. */
export interface Standardizer {
  readonly mean: readonly number[]
  readonly std: readonly number[]
}

/** Mean and population standard deviation of each column of `rows` (a constant column gets std 1). */
export const fitStandardizer = (rows: readonly (readonly number[])[]): Standardizer => {
  if (rows.length === 0) throw new RangeError('fitStandardizer: no rows')
  const d = rows[0]!.length
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length)
  const std = mean.map((m, j) => {
    const v = rows.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / rows.length
    return v > 0 ? Math.sqrt(v) : 1
  })
  return { mean, std }
}

/** (x − mean) / std, column by column. */
export const standardize = (rows: readonly (readonly number[])[], s: Standardizer): number[][] =>
  rows.map((r) => r.map((v, j) => (v - s.mean[j]!) / s.std[j]!))

/** One split, standardised with its train statistics, as tensors. */
export interface PreparedSplit {
  readonly train: TensorDataset
  readonly val: TensorDataset
  readonly test: TensorDataset
  readonly indices: {
    readonly train: readonly number[]
    readonly val: readonly number[]
    readonly test: readonly number[]
  }
  readonly standardizer: Standardizer
}

const dataset = (rows: readonly (readonly number[])[], labels: readonly number[]): TensorDataset => ({
  x: fromArray(rows.flat(), [rows.length, rows[0]?.length ?? 0]),
  y: fromArray(labels, [labels.length], { dtype: 'int32' }),
})

/** The seeded stratified 60/20/20 split of `iris`, standardised with train-split statistics only. */
export const prepareSplit = (
  iris: Iris,
  seed: number,
  fractions: readonly [number, number, number] = [0.6, 0.2, 0.2],
): PreparedSplit => {
  const [tr, va, te] = stratifiedSplit(iris.y, fractions, seed) as [number[], number[], number[]]
  const pick = (idx: readonly number[]): number[][] => idx.map((i) => [...iris.x[i]!])
  const labels = (idx: readonly number[]): number[] => idx.map((i) => iris.y[i]!)
  const s = fitStandardizer(pick(tr))
  return {
    train: dataset(standardize(pick(tr), s), labels(tr)),
    val: dataset(standardize(pick(va), s), labels(va)),
    test: dataset(standardize(pick(te), s), labels(te)),
    indices: { train: tr, val: va, test: te },
    standardizer: s,
  }
}

/** Training settings shared by every configuration. */
export interface TrainSettings {
  readonly epochs: number
  readonly batch: number
  readonly beta: number
  readonly seed: number
  /** Which epoch's parameters are kept: lowest validation loss (default) or highest validation accuracy. */
  readonly monitor?: 'devLoss' | 'devAccuracy'
}

/** One point of the sweep. */
export interface IrisConfig {
  readonly lr: number
  readonly hidden: number
}

/** The outcome of training one configuration on one split. */
export interface ConfigRun {
  readonly config: IrisConfig
  readonly history: readonly EpochRecord[]
  /** Highest validation accuracy and the first epoch that reached it (not necessarily the checkpoint). */
  readonly bestValAccuracy: number
  readonly bestEpoch: number
  /** The epoch whose parameters are kept (`bestParams`): by the settings' monitor, lowest validation loss by default. */
  readonly checkpointEpoch: number
  readonly finalTrainLoss: number
  readonly bestParams: MlpParams
  readonly finalParams: MlpParams
}

/** The network: linear → ReLU → linear (logits for softmax cross-entropy), Xavier-uniform weights, zero biases. */
export const irisNet = (hidden: number): ReturnType<typeof mlp> =>
  mlp({
    hiddenDims: [hidden],
    activation: 'relu',
    outDim: 3,
    init: init.xavierUniform(),
    biasInit: init.zeros,
  })

const metrics = {
  accuracy: (out: Parameters<typeof accuracy>[0], y: Tensor) => accuracy(out, y, { from: 'logits' }),
}

/**
 * Trains one configuration with SGD + momentum on shuffled mini-batches (init and shuffles from `settings.seed`),
 * keeping the parameters of the checkpoint epoch: lowest validation loss, or highest validation accuracy with
 * `settings.monitor: 'devAccuracy'`.
 */
export const trainConfig = (
  split: PreparedSplit,
  config: IrisConfig,
  settings: TrainSettings,
  reporter?: Reporter,
): ConfigRun => {
  const net = irisNet(config.hidden)
  const [, params] = net.init(key(settings.seed), [4])
  const r = fit({
    model: net,
    params,
    loss: (out, y) => softmaxCrossEntropy(out, y),
    optimizer: momentum(config.lr, settings.beta),
    train: split.train,
    dev: split.val,
    epochs: settings.epochs,
    batchSize: settings.batch,
    seed: settings.seed,
    metrics,
    monitor: settings.monitor ?? 'devLoss',
    reporter: reporter ?? quietReporter,
  })
  const accs = r.history.map((h) => h.devMetrics?.accuracy ?? 0)
  const bestAcc = Math.max(...accs)
  return {
    config,
    history: r.history,
    bestValAccuracy: bestAcc,
    bestEpoch: accs.indexOf(bestAcc) + 1,
    checkpointEpoch: r.bestEpoch,
    finalParams: r.params,
    finalTrainLoss: r.history[r.history.length - 1]!.trainLoss,
    bestParams: r.bestParams,
  }
}

/** Accuracy and confusion matrix (rows: true class, columns: predicted) of `params` on a dataset. */
export const evaluateOn = (
  hidden: number,
  params: MlpParams,
  data: TensorDataset,
): { readonly accuracy: number; readonly confusion: number[][] } => {
  const logits = irisNet(hidden).apply(params, data.x)
  const pred = Array.from(toArray(argmax(logits, { axis: -1 })))
  const labels = Array.from(toArray(data.y))
  return {
    accuracy: accuracy(logits, data.y, { from: 'logits' }),
    confusion: confusionMatrix(pred, labels, 3),
  }
}

/** The grid lr × hidden in row-major order (every lr with every width). */
export const grid = (lrs: readonly number[], widths: readonly number[]): readonly IrisConfig[] =>
  lrs.flatMap((lr) => widths.map((hidden) => ({ lr, hidden })))

/** The best run: highest best-validation accuracy; ties go to the lower validation loss at its checkpoint, then the earlier config. */
export const pickBest = (runs: readonly ConfigRun[]): ConfigRun =>
  runs.reduce((best, r) => {
    if (r.bestValAccuracy !== best.bestValAccuracy) return r.bestValAccuracy > best.bestValAccuracy ? r : best
    const vl = (x: ConfigRun): number => x.history[x.checkpointEpoch - 1]?.devLoss ?? Number.POSITIVE_INFINITY
    return vl(r) < vl(best) ? r : best
  })

/** Mean, sample standard deviation (n − 1; 0 for one value), min and max. */
export const summarize = (
  xs: readonly number[],
): { readonly mean: number; readonly std: number; readonly min: number; readonly max: number } => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1))
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) }
}

/** Test accuracy of one configuration over `splits` seeded splits (split seeds `seed`, `seed + 1`, …). */
export const acrossSplits = (
  iris: Iris,
  config: IrisConfig,
  settings: TrainSettings,
  splits: number,
  reporter?: Reporter,
): readonly {
  readonly splitSeed: number
  readonly testAccuracy: number
  /** The epoch whose parameters were tested (the run's checkpoint, by the settings' monitor). */
  readonly checkpointEpoch: number
}[] =>
  Array.from({ length: splits }, (_, i) => {
    const splitSeed = settings.seed + i
    const split = prepareSplit(iris, splitSeed)
    const run = trainConfig(split, config, { ...settings, seed: splitSeed }, reporter)
    return {
      splitSeed,
      testAccuracy: evaluateOn(config.hidden, run.bestParams, split.test).accuracy,
      checkpointEpoch: run.checkpointEpoch,
    }
  })

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`
const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length

/**
 * A sentence on how the learning rate and the width changed the outcome, from the numbers: for the smallest and
 * largest value of each factor, the best validation accuracy, its epoch and the final train loss averaged over the
 * other factor.
 */
export const describeEffects = (runs: readonly ConfigRun[]): string => {
  const lrs = [...new Set(runs.map((r) => r.config.lr))].sort((a, b) => a - b)
  const ws = [...new Set(runs.map((r) => r.config.hidden))].sort((a, b) => a - b)
  const at = (f: (r: ConfigRun) => boolean) => {
    const rs = runs.filter(f)
    return {
      acc: mean(rs.map((r) => r.bestValAccuracy)),
      epoch: mean(rs.map((r) => r.bestEpoch)),
      loss: mean(rs.map((r) => r.finalTrainLoss)),
    }
  }
  const part = (
    name: string,
    lo: number,
    hi: number,
    a: ReturnType<typeof at>,
    b: ReturnType<typeof at>,
  ): string => {
    const accText =
      Math.abs(b.acc - a.acc) < 1e-12
        ? `left the best validation accuracy at ${pct(a.acc)}`
        : `${b.acc > a.acc ? 'raised' : 'lowered'} the best validation accuracy from ${pct(a.acc)} to ${pct(b.acc)}`
    return (
      `raising ${name} from ${lo} to ${hi} ${accText}, ${b.loss < a.loss ? 'lowered' : 'raised'} the final train loss from ${a.loss.toFixed(3)} to ${b.loss.toFixed(3)} ` +
      `and moved the best epoch from ${a.epoch.toFixed(0)} to ${b.epoch.toFixed(0)}`
    )
  }
  const parts = [
    ...(lrs.length > 1
      ? [
          part(
            'the learning rate',
            lrs[0]!,
            lrs[lrs.length - 1]!,
            at((r) => r.config.lr === lrs[0]),
            at((r) => r.config.lr === lrs[lrs.length - 1]),
          ),
        ]
      : []),
    ...(ws.length > 1
      ? [
          part(
            'the width',
            ws[0]!,
            ws[ws.length - 1]!,
            at((r) => r.config.hidden === ws[0]),
            at((r) => r.config.hidden === ws[ws.length - 1]),
          ),
        ]
      : []),
  ]
  if (parts.length === 0) return 'Only one configuration was run, so there is nothing to compare.'
  const s = `Averaged over the other factor, ${parts.join('; ')}.`
  return s
}
