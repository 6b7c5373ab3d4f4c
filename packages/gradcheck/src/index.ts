/**
 * @cotangent/gradcheck — numerical gradient checking for @cotangent/autodiff, in the manner of JAX's
 * `check_grads`: forward mode against central differences along a random direction, reverse mode by the
 * dot-product identity `⟨u, vjp(c)⟩ = ⟨jvp(u), c⟩`, second order by checking the derivative maps; plus fast-check
 * arbitraries for shapes, broadcastable shape pairs and tensors (positive, away from kinks, without ties).
 * @packageDocumentation
 */
export {
  numericalJvp,
  checkJvp,
  checkVjp,
  checkGrads,
  assertGrads,
  formatFailure,
  argumentNames,
  float64Defaults,
  float32Defaults,
  type Mode,
  type CheckOptions,
  type GradCheckFailure,
} from './check.js'
export {
  arbShape,
  arbBroadcastShapes,
  arbTensor,
  arbPositiveTensor,
  arbAwayFromKinks,
  arbDistinct,
  type ShapeOptions,
  type TensorOptions,
  type KinkOptions,
  type DistinctOptions,
} from './arbitraries.js'
