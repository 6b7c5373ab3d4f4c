/**
 * @cotangent/losses — differentiable losses over `Value`s (`mse`, `bce`, `bceWithLogits`,
 * `softmaxCrossEntropy`, `nll`), stable for extreme logits, and metrics on concrete values (`accuracy`,
 * `confusionMatrix`).
 * @packageDocumentation
 */
export { type Reduction, type ReductionOptions } from './reduce.js'
export { mse } from './regression.js'
export { bce, bceWithLogits, type BceOptions } from './binary.js'
export { softmaxCrossEntropy, nll, type Labels, type ClassOptions } from './categorical.js'
export { accuracy, confusionMatrix, type AccuracyOptions } from './metrics.js'
