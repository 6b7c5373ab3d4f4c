/**
 * The one place jit crosses into tensor storage, through `@cotangent/tensor/internal` (unstable, for Cotangent's
 * own packages): a tensor's array is read where it lies (the generated code never writes an input), and an output
 * is a fresh array the generated code filled during this call, handed to a tensor without a copy and never written
 * again. Scratch (reused by the next call) is copied whenever it becomes a tensor.
 * @module
 */
import { dataOf, wrap } from '@cotangent/tensor/internal'
import type { DType, Storage, Tensor } from '@cotangent/tensor'

/** The values of `t`, its own array (never write to it). */
export const storageOf = (t: Tensor): Storage => dataOf(t, 'jit')

/**
 * A tensor of a fresh array that the caller gives up (it must never be written again), without a copy.
 * Pass a frozen `shape` to spare the tensor its copy of it.
 */
export const adopt = (data: Storage, shape: readonly number[], dtype: DType): Tensor => wrap(data, shape, dtype)

/** A tensor holding a copy of `data` (scratch that will be overwritten). */
export const copyToTensor = (data: Storage, shape: readonly number[], dtype: DType): Tensor =>
  wrap(data.slice(), shape, dtype)

/** Zeroed storage of a dtype. */
export const allocate = (dtype: DType, n: number): Storage =>
  dtype === 'float64' ? new Float64Array(n) : dtype === 'float32' ? new Float32Array(n) : new Int32Array(n)

/** Bytes per element of a dtype. */
export const bytesPer = (dtype: DType): number => (dtype === 'float64' ? 8 : 4)

/** An array of `n` elements of `dtype` over `buffer` from `byteOffset` (a view: it shares the buffer). */
export const viewOf = (dtype: DType, buffer: ArrayBuffer, byteOffset: number, n: number): Storage =>
  dtype === 'float64'
    ? new Float64Array(buffer, byteOffset, n)
    : dtype === 'float32'
      ? new Float32Array(buffer, byteOffset, n)
      : new Int32Array(buffer, byteOffset, n)
