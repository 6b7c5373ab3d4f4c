/**
 * @cotangent/tensor — the immutable n-d array and its kernels. Nothing here knows about differentiation.
 * @packageDocumentation
 */
export type { DType, FloatDType, Storage } from './dtype.js'
export { promote } from './dtype.js'
export { ShapeError, DTypeError, NotATensorError, TracedValueError, showShape } from './errors.js'
export { sizeOf, stridesOf, shapesEqual, broadcastShapes, normalizeAxis, normalizeAxes } from './shape.js'
export {
  Tensor,
  type CreateOptions,
  type NestedArray,
  tensor,
  scalar,
  full,
  zeros,
  ones,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
  fromArray,
  toArray,
  toNested,
  item,
  isTensor,
} from './tensor.js'
/** How many threads large matrix products may use (Node.js; always 1 in browsers), like `torch.set_num_threads`. */
export { numThreads, setNumThreads } from './kernels/wasm/threads.js'
/** Instrumentation (benchmarks, profilers): counts the tensors kernels create; see its doc comment. */
export { setTensorObserver as unstable_setTensorObserver } from './tensor.js'
export type { TensorLike, UnaryOp, BinaryOp } from './kernels/elementwise.js'
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  atan2,
  equal,
  notEqual,
  less,
  greater,
  lessEqual,
  greaterEqual,
  neg,
  abs,
  sign,
  exp,
  log,
  log1p,
  expm1,
  sqrt,
  sin,
  cos,
  tanh,
  sigmoid,
  relu,
  reluGrad,
  leakyRelu,
  leakyReluGrad,
  square,
  reciprocal,
  softplus,
  floor,
  ceil,
  round,
  isNaN,
  isFinite,
  where,
  astype,
  clip,
} from './kernels/elementwise.js'
export * from './kernels/reduce.js'
export { matmul, dot, outer, matmulTransposed, type TransposeOptions } from './kernels/linalg.js'
export * from './kernels/manip.js'
export {
  type FusedOutput,
  type SgdStepArgs,
  type MomentumStepArgs,
  type MomentumStepResult,
  type AdamStepArgs,
  type AdamStepResult,
  type RmspropStepArgs,
  type RmspropStepResult,
  sgdStep,
  momentumStep,
  adamStep,
  rmspropStep,
} from './kernels/optim.js'
export * from './kernels/softmax.js'
export {
  type Key,
  key,
  split as splitKey,
  fold,
  uniform,
  normal,
  bernoulli,
  randint,
  permutation,
  shuffle,
  isKey,
} from './random.js'
/** The random functions under their JAX-style names (`random.split(key, n)`), next to the top-level aliases. */
export * as random from './random.js'
export { toString, type FormatOptions } from './format.js'
