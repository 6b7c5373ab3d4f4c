/**
 * @cotangent/cli — the plumbing every app shares: flags decoded with io-ts codecs (cmd-ts underneath), the app
 * contract (`defineApp` → `main(argv)`, `runApp(app, partialConfig)`), atomic run folders, the Markdown report
 * writer, figures (curves, heat maps) and progress.
 * @packageDocumentation
 */
export {
  numberCodec,
  PositiveNumber,
  NonNegativeNumber,
  FiniteNumber,
  UnitInterval,
  PositiveInt,
  NonNegativeInt,
  Seed,
  NonEmptyString,
  enumCodec,
  commaList,
  PositiveNumberList,
  PositiveIntList,
  ACTIVATION_NAMES,
  Activation,
  ActivationList,
  failureMessage,
} from './codecs.js'
export {
  opt,
  switchFlag,
  kebab,
  decodeArgv,
  COMMON_FLAGS,
  type OptionFlag,
  type SwitchFlag,
  type FlagSpec,
  type Flags,
  type FlagValue,
  type CommonConfig,
  type ConfigOf,
  type FlagOutcome,
  type RawConfig,
} from './flags.js'
export {
  heading,
  paragraph,
  list,
  table,
  code,
  image,
  curvesFigure,
  specFigure,
  renderMarkdown,
  figuresOf,
  FIGURE_NAME,
  type Block,
  type Cell,
  type FigureContent,
} from './report.js'
export { renderVegaLite, heatmapSpec, type HeatmapOptions } from './plot.js'
export {
  progress,
  epochTicker,
  type Progress,
  type ProgressPayload,
  type ProgressMode,
  type ProgressOptions,
} from './progress.js'
export { writeRunFolder, unusableTarget, type RunFolderContents } from './runfolder.js'
export {
  defineApp,
  runApp,
  decodeConfig,
  defaultOut,
  type App,
  type AppDefinition,
  type AppEnv,
  type AppOutput,
  type RunIO,
  type RunOutcome,
} from './app.js'
export { FlagError } from './errors.js'
