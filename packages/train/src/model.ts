/**
 * The vocabulary of training: models, losses, metrics, batches and datasets. All plain data and pure functions.
 * @module
 */
import type { AnyKey, Value } from '@cotangent/autodiff'
import { ShapeError, showShape, take, type Tensor } from '@cotangent/tensor'

/**
 * The context of one forward pass: `train` switches dropout-like behaviour on; `key` feeds random layers (a `Key`,
 * or a `StagedKey` inside a compiled step; see `@cotangent/layers`' `Ctx`).
 */
export interface Ctx {
  readonly train: boolean
  readonly key?: AnyKey
}

/**
 * A model: anything with `apply(params, x, ctx?)` — every `@cotangent/layers` layer fits. `P` is the parameter tree,
 * `X` the input (a tensor unless you batch something else).
 */
export interface Model<P, X = Value> {
  readonly apply: (params: P, x: X, ctx?: Ctx) => Value
}

/** A loss: model output and target to a 0-d value (e.g. `bceWithLogits`, `softmaxCrossEntropy`). */
export type LossFn = (output: Value, target: Tensor) => Value

/** A metric: model output and target to a number (e.g. accuracy); averaged over batches weighted by batch size. */
export type Metric = (output: Value, target: Tensor) => number

/** Named metrics; their names become the keys of `trainMetrics`/`devMetrics` in the history. */
export type Metrics = Readonly<Record<string, Metric>>

/** One batch: inputs and targets. */
export interface Batch<X = Tensor> {
  readonly x: X
  readonly y: Tensor
}

/** A dataset of tensors, batched along axis 0 with `take`. */
export interface TensorDataset {
  readonly x: Tensor
  readonly y: Tensor
}

/**
 * A dataset with a custom batch selector, for inputs that are not one tensor (token lists, pairs…):
 * `select(indices)` returns the batch of those examples, in that order.
 */
export interface CustomDataset<X> {
  readonly size: number
  readonly select: (indices: readonly number[]) => Batch<X>
}

/** A dataset: tensors batched along axis 0, or a custom selector. */
export type Dataset<X = Tensor> = CustomDataset<X> | (Tensor extends X ? TensorDataset : never)

const isCustom = <X>(d: Dataset<X>): d is CustomDataset<X> => 'select' in d

/**
 * Number of examples; for a tensor dataset checks that `x` and `y` have the same number of rows. `name` (e.g.
 * `'train'`, `'dev'`) prefixes the fields in error messages: `fit: dev.x [16,2] and dev.y [32,1] …`.
 */
export const datasetSize = <X>(op: string, d: Dataset<X>, name?: string): number => {
  const field = (f: string): string => (name === undefined ? f : `${name}.${f}`)
  if (isCustom(d)) {
    if (!Number.isInteger(d.size) || d.size < 0)
      throw new RangeError(`${op}: ${field('size')} must be a non-negative integer, got ${String(d.size)}`)
    return d.size
  }
  if (d.x.ndim === 0 || d.y.ndim === 0 || d.x.shape[0] !== d.y.shape[0])
    throw new ShapeError(
      op,
      `${field('x')} ${showShape(d.x.shape)} and ${field('y')} ${showShape(d.y.shape)} must have the same number of rows (axis 0 is the example axis)`,
    )
  return d.x.shape[0]!
}

/** The batch of examples `indices` (in that order). */
export const selectBatch = <X>(d: Dataset<X>, indices: readonly number[]): Batch<X> =>
  isCustom(d) ? d.select(indices) : ({ x: take(d.x, indices), y: take(d.y, indices) } as Batch<X>)
