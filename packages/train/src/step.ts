/**
 * One training step as a pure function, and evaluation over a dataset.
 * @module
 */
import { item, valueAndGrad, type Value } from '@cotangent/autodiff'
import { applyUpdates, type GradientTransformation, type Params } from '@cotangent/optim'
import type { Key } from '@cotangent/tensor'
import { checkFiniteData } from './data-check.js'
import { datasetSize, selectBatch, type Batch, type Dataset, type LossFn, type Metrics, type Model } from './model.js'

/** What one step returns: the new parameters and optimiser state, the batch loss and the batch metrics. */
export interface StepResult<P, S> {
  readonly params: P
  readonly optState: S
  /** The loss on the batch, *before* the update. */
  readonly loss: number
  /** The metrics on the batch's training-mode outputs, before the update. */
  readonly metrics: Readonly<Record<string, number>>
}

const computeMetrics = (metrics: Metrics, out: Value, batch: Batch<unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m(out, batch.y)]))

/**
 * Builds the pure step `(params, optState, batch, key?) → { params, optState, loss, metrics }`: a forward pass in
 * training mode (`ctx = { train: true, key }`), the gradient of the loss by reverse mode, one optimiser update.
 * Nothing is mutated; the same inputs give the same outputs.
 */
export const trainStep =
  <P extends Params, X, S>(model: Model<P, X>, loss: LossFn, optimizer: GradientTransformation<S>, metrics: Metrics = {}) =>
  (params: P, optState: S, batch: Batch<X>, key?: Key): StepResult<P, S> => {
    const ctx = key === undefined ? { train: true } : { train: true, key }
    const objective = (p: P): readonly [Value, Value] => {
      const out = model.apply(p, batch.x, ctx)
      return [loss(out, batch.y), out]
    }
    const [[l, out], grads] = valueAndGrad(objective, { hasAux: true })(params)
    const [updates, next] = optimizer.update(grads, optState, params)
    return { params: applyUpdates(params, updates), optState: next, loss: item(l), metrics: computeMetrics(metrics, out, batch) }
  }

/** Mean loss and metrics over a dataset. */
export interface Evaluation {
  readonly loss: number
  readonly metrics: Readonly<Record<string, number>>
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Examples per forward pass (default: all at once). */
  readonly batchSize?: number
  readonly metrics?: Metrics
}

/**
 * Evaluates a model in inference mode (`ctx = { train: false }`) over a dataset, in order, in batches: the loss and
 * each metric averaged over batches weighted by their size (so the result equals the full-batch mean for
 * mean-reduced losses). Tensor data holding NaN/±Infinity is a `NonFiniteDataError` naming the row and column.
 */
export const evaluate = <P, X>(model: Model<P, X>, params: P, loss: LossFn, data: Dataset<X>, options: EvaluateOptions = {}): Evaluation => {
  const n = datasetSize('evaluate', data)
  checkFiniteData('evaluate', 'data', data)
  const bs = options.batchSize ?? Math.max(n, 1)
  if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`evaluate: batchSize must be an integer ≥ 1, got ${String(bs)}`)
  const metrics = options.metrics ?? {}
  const names = Object.keys(metrics)
  const starts = Array.from({ length: Math.ceil(n / bs) }, (_, i) => i * bs)
  const totals = starts.reduce<{ readonly loss: number; readonly metrics: readonly number[] }>(
    (acc, start) => {
      const idx = Array.from({ length: Math.min(bs, n - start) }, (_, j) => start + j)
      const batch = selectBatch(data, idx)
      const out = model.apply(params, batch.x, { train: false })
      const w = idx.length
      return {
        loss: acc.loss + item(loss(out, batch.y)) * w,
        metrics: names.map((name, k) => acc.metrics[k]! + metrics[name]!(out, batch.y) * w),
      }
    },
    { loss: 0, metrics: names.map(() => 0) },
  )
  const div = n === 0 ? Number.NaN : n
  return { loss: totals.loss / div, metrics: Object.fromEntries(names.map((name, k) => [name, totals.metrics[k]! / div])) }
}
