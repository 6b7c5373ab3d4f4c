/**
 * Non-finite data checks: one reduction per field up front (a finite sum means no NaN/±Infinity), and a scan that
 * locates the first bad value (dataset, field, row, column) only when there is one.
 * @module
 */
import { isTensor, item, sum, toArray, type Tensor } from '@cotangent/tensor'
import { NonFiniteDataError } from './errors.js'
import type { Dataset } from './model.js'

/** The flat index of the first NaN/±Infinity of `t`, or −1. */
export const firstNonFinite = (t: Tensor): number => {
  if (t.dtype === 'int32') return -1
  return toArray(t).findIndex((v) => !Number.isFinite(v))
}

const locate = (op: string, dataset: string, field: 'x' | 'y', t: Tensor, rowOf: (r: number) => number): void => {
  // one reduction: a finite sum means no NaN/Infinity (unless finite values overflow it, which the scan settles)
  if (t.dtype === 'int32' || t.size === 0 || Number.isFinite(item(sum(t)))) return
  const i = firstNonFinite(t)
  if (i < 0) return
  const inner = t.shape.slice(1)
  const per = inner.reduce((a, d) => a * d, 1)
  const rest = i % per
  const column = inner.reduceRight<{ readonly idx: readonly number[]; readonly r: number }>(
    ({ idx, r }, d) => ({ idx: [r % d, ...idx], r: Math.floor(r / d) }),
    { idx: [], r: rest },
  ).idx
  throw new NonFiniteDataError({ dataset, field, row: rowOf(Math.floor(i / per)), column, value: toArray(t)[i]! }, op)
}

/** Checks a tensor dataset up front (a custom dataset is checked batch by batch, on divergence). */
export const checkFiniteData = <X>(op: string, dataset: string, d: Dataset<X>): void => {
  if ('select' in d) return
  locate(op, dataset, 'x', d.x, (r) => r)
  locate(op, dataset, 'y', d.y, (r) => r)
}

/** On divergence: a batch (of tensors) holding NaN/Infinity is the cause; name its row in the whole dataset. */
export const checkFiniteBatch = (
  op: string,
  dataset: string,
  batch: { readonly x: unknown; readonly y: Tensor },
  idx: readonly number[],
): void => {
  if (isTensor(batch.x)) locate(op, dataset, 'x', batch.x, (r) => idx[r] ?? r)
  if (isTensor(batch.y)) locate(op, dataset, 'y', batch.y, (r) => idx[r] ?? r)
}
