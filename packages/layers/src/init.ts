/**
 * Parameter initializers, PyTorch's formulas adapted to our `[in, out]` weight layout.
 *
 * An `Initializer` is `(key, shape, dtype?) → Tensor` (float64 unless `'float32'`). Fans follow
 * `torch.nn.init._calculate_fan_in_and_fan_out`, read for our layout: for a weight of shape `[in, out, ...rest]`,
 * `fanIn = in·rf` and `fanOut = out·rf` with the receptive field `rf = prod(rest)` (1 for a matrix); a 1-D shape
 * `[n]` has `fanIn = fanOut = n`; a scalar has fans 1. (PyTorch stores a linear weight as `[out, in]`, so its
 * `fan_in` is `shape[1]`; ours is `shape[0]`: the numbers agree for the same layer.)
 *
 * These are exported as the namespace `init` (`init.xavierUniform()`), so they do not clash with the
 * activation layers or the tensor creation functions of the same names.
 * @module
 */
import {
  full,
  normal as normalT,
  uniform as uniformT,
  zeros as zerosT,
  type Key,
  type Tensor,
} from '@cotangent/tensor'

/** Draws an initial parameter tensor of `shape` from `key`. */
export type Initializer = (key: Key, shape: readonly number[], dtype?: 'float64' | 'float32') => Tensor

const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1)

/** `[fanIn, fanOut]` of a weight shape in our `[in, out, ...receptive field]` layout (see the module doc). */
export const fans = (shape: readonly number[]): readonly [number, number] => {
  if (shape.length === 0) return [1, 1]
  if (shape.length === 1) return [shape[0]!, shape[0]!]
  const rf = sizeOf(shape.slice(2))
  return [shape[0]! * rf, shape[1]! * rf]
}

const checkScale = (name: string, what: string, v: number): void => {
  if (!Number.isFinite(v) || v < 0)
    throw new RangeError(`init.${name}: ${what} must be a finite number ≥ 0, got ${v}`)
}

/** All zeros. */
export const zeros: Initializer = (_key, shape, dtype) => zerosT(shape, { dtype: dtype ?? 'float64' })

/** Every element equal to `c`. */
export const constant =
  (c: number): Initializer =>
  (_key, shape, dtype) =>
    full(shape, c, { dtype: dtype ?? 'float64' })

/** Uniform on `[−a, a)` (`a ≥ 0`; `a = 0` gives zeros). */
export const uniform = (a: number): Initializer => {
  checkScale('uniform', 'the bound a', a)
  return (key, shape, dtype) =>
    a === 0 || sizeOf(shape) === 0
      ? zerosT(shape, { dtype: dtype ?? 'float64' })
      : uniformT(key, shape, { low: -a, high: a, dtype: dtype ?? 'float64' })
}

/** Normal with mean 0 and standard deviation `std` (`std ≥ 0`). */
export const normal = (std: number): Initializer => {
  checkScale('normal', 'std', std)
  return (key, shape, dtype) =>
    sizeOf(shape) === 0
      ? zerosT(shape, { dtype: dtype ?? 'float64' })
      : normalT(key, shape, { mean: 0, std, dtype: dtype ?? 'float64' })
}

/** Glorot/Xavier uniform: `U(−bound, bound)` with `bound = gain·√(6/(fanIn+fanOut))`. */
export const xavierUniform = (gain = 1): Initializer => {
  checkScale('xavierUniform', 'gain', gain)
  return (key, shape, dtype) => {
    const [fi, fo] = fans(shape)
    return uniform(fi + fo === 0 ? 0 : gain * Math.sqrt(6 / (fi + fo)))(key, shape, dtype)
  }
}

/** Glorot/Xavier normal: `N(0, std²)` with `std = gain·√(2/(fanIn+fanOut))`. */
export const xavierNormal = (gain = 1): Initializer => {
  checkScale('xavierNormal', 'gain', gain)
  return (key, shape, dtype) => {
    const [fi, fo] = fans(shape)
    return normal(fi + fo === 0 ? 0 : gain * Math.sqrt(2 / (fi + fo)))(key, shape, dtype)
  }
}

/**
 * He/Kaiming uniform for ReLU (PyTorch's `kaiming_uniform_(nonlinearity='relu')`, gain √2):
 * `U(−bound, bound)` with `bound = √(6/fanIn)`.
 */
export const heUniform: Initializer = (key, shape, dtype) => {
  const [fi] = fans(shape)
  return uniform(fi === 0 ? 0 : Math.sqrt(6 / fi))(key, shape, dtype)
}

/** He/Kaiming normal for ReLU (gain √2): `N(0, std²)` with `std = √2/√fanIn`. */
export const heNormal: Initializer = (key, shape, dtype) => {
  const [fi] = fans(shape)
  return normal(fi === 0 ? 0 : Math.sqrt(2 / fi))(key, shape, dtype)
}

/**
 * PyTorch's `nn.Linear` default for a weight `[in, out]` (and, given the weight's fan-in, its bias):
 * `U(−1/√fanIn, 1/√fanIn)`. `fanIn` defaults to the fan-in of the shape being drawn.
 */
export const torchLinear =
  (fanIn?: number): Initializer =>
  (key, shape, dtype) => {
    const fi = fanIn ?? fans(shape)[0]
    return uniform(fi === 0 ? 0 : 1 / Math.sqrt(fi))(key, shape, dtype)
  }
