/**
 * The affine layer `x @ W + b`.
 * @module
 */
import { add, matmul, type Value } from '@cotangent/autodiff'
import { ShapeError, showShape, splitKey as split } from '@cotangent/tensor'
import { torchLinear, type Initializer } from './init.js'
import type { Layer } from './layer.js'

/**
 * Parameters of {@link linear}: `W` of shape `[in, out]` (JAX/Flax layout — PyTorch's `nn.Linear.weight` stores
 * the transpose, `[out, in]`) and, unless `bias: false`, `b` of shape `[out]`.
 */
export interface LinearParams {
  readonly W: Value
  readonly b?: Value
}

/** Options of {@link linear}. */
export interface LinearOptions {
  /** Weight initializer; default PyTorch's `nn.Linear`: `U(−1/√in, 1/√in)`. */
  readonly init?: Initializer
  /** Bias initializer; default `U(−1/√in, 1/√in)` as PyTorch. */
  readonly biasInit?: Initializer
  /** Whether to add a bias (default true). */
  readonly bias?: boolean
  /** Parameter dtype (default float64). */
  readonly dtype?: 'float64' | 'float32'
}

/**
 * `x @ W + b` over the last axis. `init(key, [..., in])` gives output shape `[..., nOut]`; `apply` accepts
 * `[B, in]`, an unbatched `[in]`, or any `[..., in]`.
 */
export const linear = (nOut: number, options?: LinearOptions): Layer<LinearParams> => {
  if (!Number.isInteger(nOut) || nOut < 1)
    throw new RangeError(`linear: nOut must be a positive integer, got ${nOut}`)
  const useBias = options?.bias ?? true
  const dtype = options?.dtype ?? 'float64'
  return {
    init: (key, inShape) => {
      if (inShape.length === 0)
        throw new ShapeError(
          'linear',
          `input shape ${showShape(inShape)} has no feature axis (expected [..., in])`,
        )
      const nIn = inShape[inShape.length - 1]!
      const [kW, kb] = split(key, 2)
      const W = (options?.init ?? torchLinear(nIn))(kW!, [nIn, nOut], dtype)
      const outShape = [...inShape.slice(0, -1), nOut]
      if (!useBias) return [outShape, { W }]
      const b = (options?.biasInit ?? torchLinear(nIn))(kb!, [nOut], dtype)
      return [outShape, { W, b }]
    },
    apply: (params, x) => {
      const W = params.W
      if (W.shape.length !== 2)
        throw new ShapeError('linear', `weight W must be a matrix [in, out], got ${showShape(W.shape)}`)
      if (x.shape.length === 0 || x.shape[x.shape.length - 1] !== W.shape[0])
        throw new ShapeError(
          'linear',
          `input ${showShape(x.shape)} does not fit weight W ${showShape(W.shape)} (last input dim must be ${W.shape[0]})`,
        )
      const y = matmul(x, W)
      return params.b === undefined ? y : add(y, params.b)
    },
  }
}
