/**
 * Activation functions as parameter-free layers (params `{}`; output shape = input shape). Their math comes from
 * the differentiable ops of `@cotangent/autodiff`.
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { noParams, type Layer, type NoParams } from './layer.js'

/** A parameter-free layer applying `f` (shape-preserving). */
export const elementwise = (f: (x: Value) => Value): Layer<NoParams> => ({
  init: (_key, inShape) => [inShape, noParams],
  apply: (_params, x) => f(x),
})

/** Logistic sigmoid layer. */
export const sigmoid: Layer<NoParams> = elementwise(A.sigmoid)
/** Hyperbolic tangent layer. */
export const tanh: Layer<NoParams> = elementwise(A.tanh)
/** ReLU layer (derivative 0 at 0). */
export const relu: Layer<NoParams> = elementwise(A.relu)
/** Leaky ReLU layer: `x` for x > 0, `slope·x` otherwise (default slope 0.01). */
export const leakyRelu = (slope = 0.01): Layer<NoParams> => elementwise((x) => A.leakyRelu(x, slope))
/** GELU layer (tanh approximation, as JAX's default). */
export const gelu: Layer<NoParams> = elementwise(A.gelu)
/** Softplus layer `log(1 + eˣ)`, stable for large |x|. */
export const softplus: Layer<NoParams> = elementwise(A.softplus)
/** Softmax over the last axis. */
export const softmax: Layer<NoParams> = elementwise((x) => A.softmax(x, -1))
/** Log-softmax over the last axis (stable for extreme logits). */
export const logSoftmax: Layer<NoParams> = elementwise((x) => A.logSoftmax(x, -1))
/** The identity layer. */
export const identity: Layer<NoParams> = elementwise((x) => x)
