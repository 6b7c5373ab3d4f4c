/**
 * Bags of embeddings over ragged token lists (PyTorch's `nn.EmbeddingBag`).
 * @module
 */
import { div, scatterAdd, take, type Value } from '@cotangent/autodiff'
import { DTypeError, ShapeError, fromArray, showShape, toArray, zeros, type Tensor } from '@cotangent/tensor'
import { normal, type Initializer } from './init.js'
import type { Layer } from './layer.js'

/**
 * A batch of ragged token lists in PyTorch's `(input, offsets)` convention: `indices` holds every bag's token ids
 * one after the other (int32, 1-D); `offsets[i]` is where bag `i` starts in `indices` (int32, 1-D, starting at 0,
 * non-decreasing). Bag `i` runs to `offsets[i+1]` (the last one to the end). Build one with {@link bagOf}.
 */
export interface Bag {
  readonly indices: Tensor
  readonly offsets: Tensor
}

/** Start offsets of consecutive runs of the given lengths: `[2, 0, 1]` → `[0, 2, 2]`. */
const exclusiveCumsum = (lengths: readonly number[]): Int32Array => {
  const out = new Int32Array(lengths.length)
  // A local typed array filled by a loop (the kernel exception): linear time, no per-element allocation.
  // eslint-disable-next-line functional/no-let
  for (let i = 1; i < lengths.length; i++) out[i] = out[i - 1]! + lengths[i - 1]! // eslint-disable-line functional/immutable-data
  return out
}

/** Packs token lists into a {@link Bag}: `bagOf([[1, 2], [], [3]])` → indices `[1,2,3]`, offsets `[0,2,2]`. */
export const bagOf = (lists: readonly (readonly number[])[]): Bag => {
  const flat = lists.flat()
  const bad = flat.findIndex((t) => !Number.isInteger(t) || t < 0 || t > 2147483647)
  if (bad >= 0)
    throw new RangeError(
      `bagOf: token ids must be non-negative integers, got ${flat[bad]} at flat position ${bad}`,
    )
  const starts = exclusiveCumsum(lists.map((l) => l.length))
  return {
    indices: fromArray(flat, [flat.length], { dtype: 'int32' }),
    offsets: fromArray(starts, [lists.length], { dtype: 'int32' }),
  }
}

/** Parameters of {@link embeddingBag}: the embedding table `[vocabSize, dim]`. */
export interface EmbeddingBagParams {
  readonly table: Value
}

/** Options of {@link embeddingBag}. */
export interface EmbeddingBagOptions {
  /** How a bag's embeddings combine: `'mean'` (default, as PyTorch) or `'sum'`. */
  readonly mode?: 'mean' | 'sum'
  /** Table initializer; default `N(0, 1)` as PyTorch. */
  readonly init?: Initializer
  /** Table dtype (default float64). */
  readonly dtype?: 'float64' | 'float32'
}

const readIntegers = (what: string, t: Tensor): Float64Array | Int32Array | Float32Array => {
  if (t.ndim !== 1)
    throw new ShapeError('embeddingBag', `${what} must be 1-D, got shape ${showShape(t.shape)}`)
  const v = toArray(t)
  const bad = v.findIndex((x) => !Number.isInteger(x))
  if (bad >= 0)
    throw new DTypeError('embeddingBag', `${what} must hold integers, got ${v[bad]} at position ${bad}`)
  return v
}

/**
 * Sums or averages the table rows of each bag: `apply(params, bag)` has shape `[B, dim]` for `B` bags.
 * Differentiable in the table through `take` (gather) and `scatterAdd` (segment sum). An empty bag gives zeros
 * (mean mode divides by `max(count, 1)`). `init`'s input shape is ignored (the input is ragged); the output
 * shape is `[dim]`.
 */
export const embeddingBag = (
  vocabSize: number,
  dim: number,
  options?: EmbeddingBagOptions,
): Layer<EmbeddingBagParams, Bag> => {
  if (!Number.isInteger(vocabSize) || vocabSize < 1)
    throw new RangeError(`embeddingBag: vocabSize must be a positive integer, got ${vocabSize}`)
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`embeddingBag: dim must be a positive integer, got ${dim}`)
  const mode = options?.mode ?? 'mean'
  const dtype = options?.dtype ?? 'float64'
  return {
    init: (key) => [[dim], { table: (options?.init ?? normal(1))(key, [vocabSize, dim], dtype) }],
    apply: (params, bag) => {
      const table = params.table
      if (table.shape.length !== 2)
        throw new ShapeError('embeddingBag', `table must be [vocabSize, dim], got ${showShape(table.shape)}`)
      const vocab = table.shape[0]!
      const ids = readIntegers('indices', bag.indices)
      const offs = readIntegers('offsets', bag.offsets)
      const n = ids.length
      const nBags = offs.length
      const badId = ids.findIndex((t) => t < 0 || t >= vocab)
      if (badId >= 0)
        throw new ShapeError(
          'embeddingBag',
          `token id ${ids[badId]} at position ${badId} is outside [0, ${vocab}) for table ${showShape(table.shape)}`,
        )
      if (nBags > 0 && offs[0] !== 0)
        throw new ShapeError(
          'embeddingBag',
          `offsets must start at 0, got ${offs[0]} (offsets ${showShape(bag.offsets.shape)})`,
        )
      const badOff = offs.findIndex((o, i) => o > n || (i > 0 && o < offs[i - 1]!))
      if (badOff >= 0)
        throw new ShapeError(
          'embeddingBag',
          `offsets must be non-decreasing and at most ${n} (the length of indices ${showShape(bag.indices.shape)}); offset ${badOff} is ${offs[badOff]}`,
        )
      const ends = Array.from({ length: nBags }, (_, i) => (i + 1 < nBags ? offs[i + 1]! : n))
      const counts = ends.map((e, i) => e - offs[i]!)
      const segment = counts.flatMap((c, i) => Array.from({ length: c }, () => i))
      if (segment.length !== n)
        throw new ShapeError(
          'embeddingBag',
          `offsets ${showShape(bag.offsets.shape)} cover ${segment.length} of ${n} indices`,
        )
      const rows = take(table, bag.indices, 0)
      const summed = scatterAdd(zeros([nBags, table.shape[1]!], { dtype: table.dtype }), segment, rows, 0)
      if (mode === 'sum') return summed
      const denom = fromArray(
        counts.map((c) => Math.max(c, 1)),
        [nBags, 1],
        { dtype: table.dtype === 'float32' ? 'float32' : 'float64' },
      )
      return div(summed, denom)
    },
  }
}
