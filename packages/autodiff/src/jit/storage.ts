/* eslint-disable functional/no-let -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * The one place jit crosses into tensor storage, through the public tensor API only: `toArray` (a copy) to read a
 * tensor, `fromArray` (a copy) to make one. Copies are avoided where immutability makes it safe: a tensor jit
 * created from a fresh array it never writes again remembers that array (a *shadow*, in a WeakMap keyed by the
 * tensor), so feeding a jitted function's output back into it (parameters, optimizer state) reads it without a
 * copy, and an input passed again (the same data batch) is copied once.
 * @module
 */
import * as T from '@cotangent/tensor'
import type { DType, Storage, Tensor } from '@cotangent/tensor'

const shadows = new WeakMap<Tensor, Storage>()

/** The values of `t` as a typed array that nobody writes (never write to it either). */
export const storageOf = (t: Tensor): Storage => {
  let s = shadows.get(t)
  if (s === undefined) {
    s = T.toArray(t)
    shadows.set(t, s)
  }
  return s
}

/**
 * A tensor of a fresh array that the caller gives up (it must never be written again): remembered as its shadow.
 * Pass a frozen `shape` to spare the tensor its copy of it.
 */
export const adopt = (data: Storage, shape: readonly number[], dtype: DType): Tensor => {
  const t = T.fromArray(data, shape, { dtype })
  shadows.set(t, data)
  return t
}

/** A tensor holding a copy of `data` (scratch that will be overwritten: no shadow). */
export const copyToTensor = (data: Storage, shape: readonly number[], dtype: DType): Tensor =>
  T.fromArray(data, shape, { dtype })

/** Zeroed storage of a dtype. */
export const allocate = (dtype: DType, n: number): Storage =>
  dtype === 'float64' ? new Float64Array(n) : dtype === 'float32' ? new Float32Array(n) : new Int32Array(n)
