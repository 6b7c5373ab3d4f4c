/**
 * Data types. `float64` is the default everywhere; `float32` is optional storage for speed; `int32` holds indices
 * and labels (results of `argmax`, inputs of `take` and `oneHot`).
 *
 * Promotion for arithmetic: float64 if any operand is float64; float32 if any operand is float32 and none is
 * float64; int32 with int32 computes in float64 (arithmetic never returns int32). A plain JS number is weakly
 * typed: it adopts the dtype of the tensor it is combined with.
 * @module
 */

/** The element types a tensor can hold. */
export type DType = 'float64' | 'float32' | 'int32'

/** The typed array that backs a tensor of each dtype. */
export type Storage = Float64Array | Float32Array | Int32Array

/** The floating dtypes: what arithmetic returns. */
export type FloatDType = 'float64' | 'float32'

/** Allocates zeroed storage of `n` elements for `dtype`. */
export const allocate = (dtype: DType, n: number): Storage =>
  dtype === 'float64' ? new Float64Array(n) : dtype === 'float32' ? new Float32Array(n) : new Int32Array(n)

/** The floating dtype an arithmetic operation on these dtypes returns. */
export const promote = (a: DType, b: DType): FloatDType =>
  a === 'float64' || b === 'float64' ? 'float64' : a === 'float32' || b === 'float32' ? 'float32' : 'float64'

/** The floating dtype a unary arithmetic operation on `a` returns. */
export const floatOf = (a: DType): FloatDType => (a === 'float32' ? 'float32' : 'float64')

/** True for the dtypes this package knows. */
export const isDType = (s: unknown): s is DType => s === 'float64' || s === 'float32' || s === 'int32'
