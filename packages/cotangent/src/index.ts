/**
 * cotangent — the one import for users: `import * as ct from 'cotangent'`.
 *
 * - Tensor creation and the `Tensor` type come from `@cotangent/tensor`; its raw kernels are deliberately not
 *   re-exported, so the differentiable ops of `@cotangent/autodiff` are the one op namespace (`ct.add`, `ct.tanh`,
 *   `ct.matmul`, …), working on plain tensors and inside `ct.grad` alike.
 * - Transformations: `ct.grad`, `ct.valueAndGrad`, `ct.jvp`, `ct.vjp`, `ct.jacfwd`, `ct.jacrev`, `ct.hessian`, …
 * - `ct.random` (explicit keys), `ct.nn` (layers and `ct.nn.init` initializers), `ct.losses`, `ct.optim`,
 *   `ct.gradcheck` (numerical derivative checks).
 * @packageDocumentation
 */
export {
  Tensor,
  tensor,
  scalar,
  full,
  zeros,
  ones,
  arange,
  linspace,
  eye,
  fromArray,
  isTensor,
  toString,
  ShapeError,
  DTypeError,
  showShape,
  random,
  numThreads,
  setNumThreads,
  type DType,
  type FloatDType,
  type NestedArray,
  type CreateOptions,
  type Key,
} from '@cotangent/tensor'
export * from '@cotangent/autodiff'
/** Layers (stax-style `init`/`apply` pairs), activations, `mlp`, `embeddingBag` and the `init` initializers. */
export * as nn from '@cotangent/layers'
/** Losses and metrics. */
export * as losses from '@cotangent/losses'
/** Optax-shaped optimizers, combinators and schedules. */
export * as optim from '@cotangent/optim'
/** Numerical gradient checks and fast-check arbitraries. */
export * as gradcheck from '@cotangent/gradcheck'
