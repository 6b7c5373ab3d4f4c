/**
 * @cotangent/train — the training loop and everything around it: a pure `trainStep`, `fit` over seeded shuffled
 * epochs with history, best-parameter tracking, early stopping and divergence detection; reporters (progress bar,
 * plain lines, quiet); headless plots (vega → SVG → PNG); versioned JSON checkpoints decoded with io-ts.
 * @packageDocumentation
 */
export type {
  Ctx,
  Model,
  LossFn,
  Metric,
  Metrics,
  Batch,
  TensorDataset,
  CustomDataset,
  Dataset,
} from './model.js'
export { datasetSize, selectBatch } from './model.js'
export {
  trainStep,
  evaluate,
  type StepResult,
  type TrainStep,
  type TrainStepOptions,
  type StepMode,
  type StepJitInfo,
  type Evaluation,
  type EvaluateOptions,
} from './step.js'
export type { EpochRecord, FitInfo, StepInfo, FitSummary, Reporter } from './history.js'
export {
  DivergenceError,
  NonFiniteDataError,
  type DivergencePhase,
  type DivergedRun,
  type DataLocation,
} from './errors.js'
export { fit, type FitOptions, type FitResult, type Monitor, type EarlyStopping } from './fit.js'
export {
  lineReporter,
  progressReporter,
  quietReporter,
  defaultReporter,
  autoReporter,
  formatEpoch,
  formatSummary,
  formatNumber,
  formatSeconds,
  type LineReporterOptions,
  type ProgressReporterOptions,
  type DefaultReporterOptions,
  type AutoReporterOptions,
} from './reporters.js'
export {
  plotCurves,
  renderVegaLite,
  writePlot,
  curvesSpec,
  historySeries,
  type Series,
  type PlotOptions,
  type Plot,
} from './plot.js'
export {
  toJson,
  fromJson,
  tensorToJson,
  writeJsonAtomic,
  writeFileAtomic,
  type Json,
  type TensorJson,
  type SpecialNumber,
} from './json.js'
export {
  saveCheckpoint,
  loadCheckpoint,
  treeMismatches,
  contextPath,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  EpochRecordCodec,
  JsonNumber,
  Tree,
  type Checkpoint,
  type CheckpointContents,
  type CheckpointError,
  type LoadOptions,
  type LoadedParams,
  type LoadedConfig,
  type LoadedOptState,
} from './checkpoint.js'
