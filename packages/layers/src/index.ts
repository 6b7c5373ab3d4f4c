/**
 * @cotangent/layers — stax-style layers: pairs of pure functions `init(key, inShape) → [outShape, params]` and
 * `apply(params, x, ctx?)` over plain parameter trees, plus initializers (the `init` namespace) and parameter
 * summaries.
 * @packageDocumentation
 */
export {
  type Ctx,
  type Layer,
  type NoParams,
  type AnyLayer,
  type ParamsOf,
  type InputOf,
  type ParamsOfAll,
  noParams,
  childCtx,
  serial,
  residual,
} from './layer.js'
export * as init from './init.js'
export type { Initializer } from './init.js'
export { linear, type LinearParams, type LinearOptions } from './linear.js'
export {
  elementwise,
  sigmoid,
  tanh,
  relu,
  leakyRelu,
  gelu,
  softplus,
  softmax,
  logSoftmax,
  identity,
} from './activations.js'
export { dropout } from './dropout.js'
export {
  mlp,
  activationFn,
  type ActivationName,
  type DenseParams,
  type MlpParams,
  type MlpOptions,
} from './mlp.js'
export {
  embeddingBag,
  bagOf,
  type Bag,
  type EmbeddingBagParams,
  type EmbeddingBagOptions,
} from './embedding.js'
export { paramCount, describeParams, paramLeaves, type ParamLeaf } from './params.js'
