/**
 * @cotangent/optim — optimisers as pairs of pure functions over parameter trees (Optax's shape, PyTorch's
 * arithmetic): `init(params) → state`, `update(grads, state, params?) → [updates, state]`, `applyUpdates`,
 * `applyGradients` (update and apply, fused), `chain`, learning-rate schedules.
 * @packageDocumentation
 */
export {
  type Params,
  type GradientTransformation,
  type Hyper,
  type HyperSpec,
  type StateOf,
  type StatesOf,
  applyUpdates,
  applyGradients,
  chain,
  identity,
  countLeaves,
} from './base.js'
export {
  type Schedule,
  type LearningRate,
  type ExponentialDecayOptions,
  type CosineDecayOptions,
  type WarmupOptions,
  valueAt,
  constantSchedule,
  exponentialDecay,
  cosineDecay,
  warmup,
} from './schedules.js'
export { type CountState, scale, scaleByLearningRate, addDecayedWeights, clipByGlobalNorm, globalNorm } from './transforms.js'
export {
  type MomentumState,
  type MomentumOptions,
  type AdamState,
  type AdamOptions,
  type AdamWOptions,
  type RmspropState,
  type RmspropOptions,
  type SgdOptions,
  sgd,
  momentum,
  adam,
  adamw,
  rmsprop,
} from './optimizers.js'
