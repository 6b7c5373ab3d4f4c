/**
 * Seeded mini-batch iterators: text documents as embedding-bag input (`{ indices, offsets }`, the `Bag` of
 * `@cotangent/layers`) and images as dense `[B, H·W]` matrices. A batch is built when it is asked for, so memory
 * is one batch plus the encoded corpus — never a vocabulary-sized dense matrix.
 * @module
 */
/* eslint-disable functional/no-let, functional/immutable-data --
   each batch's typed arrays are filled by loops before they become tensors; nothing mutable escapes. */
import { fold, fromArray, key, permutation, toArray, type Tensor } from '@cotangent/tensor'
import type { EncodedCorpus } from './vocab.js'

/** Options of the batch iterators. */
export interface BatchOptions {
  /** Documents (or images) per batch. */
  readonly batchSize: number
  /** Shuffle the rows each epoch (default true). */
  readonly shuffle?: boolean
  /** Seed of the shuffle (default 0). */
  readonly seed?: number
  /** The epoch number, folded into the seed so every epoch has its own order (default 0). */
  readonly epoch?: number
  /** Leave out a last, smaller batch (default false). */
  readonly dropLast?: boolean
}

/** A batch of documents: the embedding bag's input, the labels, and which documents they are. */
export interface TextBatch {
  /** `@cotangent/layers`' `Bag`: token ids (int32, 1-D) and each document's start in them (int32, `[B]`). */
  readonly bag: { readonly indices: Tensor; readonly offsets: Tensor }
  /** Class labels, int32 `[B]`. */
  readonly labels: Tensor
  /** Document indices of this batch, in order. */
  readonly rows: readonly number[]
}

const checkBatch = (op: string, options: BatchOptions): void => {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
    throw new RangeError(`${op}: batchSize must be a positive integer, got ${String(options.batchSize)}`)
}

/**
 * `rows` in batch order: shuffled by `permutation(fold(key(seed), epoch))` unless `shuffle` is false, cut into
 * batches of `batchSize` (the last one may be smaller, unless `dropLast`).
 */
export const batchRows = (rows: readonly number[], options: BatchOptions): number[][] => {
  checkBatch('batchRows', options)
  const order =
    options.shuffle === false
      ? [...rows]
      : Array.from(
          toArray(permutation(fold(key(options.seed ?? 0), options.epoch ?? 0), rows.length)),
          (j) => rows[j]!,
        )
  const n = options.dropLast === true ? order.length - (order.length % options.batchSize) : order.length
  return Array.from({ length: Math.ceil(n / options.batchSize) }, (_, b) =>
    order.slice(b * options.batchSize, Math.min(n, (b + 1) * options.batchSize)),
  )
}

/** The {@link TextBatch} of the documents `rows` of `corpus`. */
export const textBatch = (corpus: EncodedCorpus, rows: readonly number[]): TextBatch => {
  let total = 0
  for (const d of rows) {
    if (!Number.isInteger(d) || d < 0 || d >= corpus.size)
      throw new RangeError(`textBatch: document ${String(d)} is outside [0, ${String(corpus.size)})`)
    total += corpus.offsets[d + 1]! - corpus.offsets[d]!
  }
  const indices = new Int32Array(total)
  const offsets = new Int32Array(rows.length)
  const labels = new Int32Array(rows.length)
  let k = 0
  rows.forEach((d, i) => {
    offsets[i] = k
    labels[i] = corpus.labels[d]!
    const a = corpus.offsets[d]!
    const b = corpus.offsets[d + 1]!
    indices.set(corpus.ids.subarray(a, b), k)
    k += b - a
  })
  return {
    bag: {
      indices: fromArray(indices, [total], { dtype: 'int32' }),
      offsets: fromArray(offsets, [rows.length], { dtype: 'int32' }),
    },
    labels: fromArray(labels, [rows.length], { dtype: 'int32' }),
    rows,
  }
}

/**
 * Mini-batches of the documents `rows` of an encoded corpus, for one epoch (pass `epoch` for the next one's
 * order). Each batch's `bag` goes straight into `embeddingBag(corpus.numEmbeddings, dim).apply(params, bag)`.
 */
export function* textBatches(
  corpus: EncodedCorpus,
  rows: readonly number[],
  options: BatchOptions,
): Generator<TextBatch> {
  for (const b of batchRows(rows, options)) yield textBatch(corpus, b)
}

/** Images with labels: `count` images of `height × width` uint8 pixels, row-major. Treat as read-only. */
export interface ImageSet {
  readonly images: Uint8Array
  readonly labels: Uint8Array
  readonly count: number
  readonly height: number
  readonly width: number
}

/** A batch of images flattened to rows, scaled to [0, 1], with labels. */
export interface ImageBatch {
  /** `[B, height·width]`, pixel / 255. */
  readonly x: Tensor
  /** int32 `[B]`. */
  readonly labels: Tensor
  readonly rows: readonly number[]
}

/** The {@link ImageBatch} of images `rows` (dtype float32 unless `dtype` says float64). */
export const imageBatch = (
  set: ImageSet,
  rows: readonly number[],
  dtype: 'float32' | 'float64' = 'float32',
): ImageBatch => {
  const size = set.height * set.width
  const x = dtype === 'float32' ? new Float32Array(rows.length * size) : new Float64Array(rows.length * size)
  const labels = new Int32Array(rows.length)
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= set.count)
      throw new RangeError(`imageBatch: image ${String(r)} is outside [0, ${String(set.count)})`)
    labels[i] = set.labels[r]!
    const src = r * size
    const dst = i * size
    for (let p = 0; p < size; p++) x[dst + p] = set.images[src + p]! / 255
  })
  return {
    x: fromArray(x, [rows.length, size], { dtype }),
    labels: fromArray(labels, [rows.length], { dtype: 'int32' }),
    rows,
  }
}

/** Mini-batches of images `rows` of `set` for one epoch, as {@link textBatches}. */
export function* imageBatches(
  set: ImageSet,
  rows: readonly number[],
  options: BatchOptions & { readonly dtype?: 'float32' | 'float64' },
): Generator<ImageBatch> {
  for (const b of batchRows(rows, options)) yield imageBatch(set, b, options.dtype)
}
