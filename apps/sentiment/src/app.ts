/**
 * `sentiment`: an embedding-bag MLP sentiment classifier on movie reviews. Commands (each an app of
 * `@cotangent/cli` sharing the flag codecs; `main` dispatches on the first argument):
 *
 * - `train` (the default): one config, best-dev checkpoint, test accuracy; writes `model.json` + `vocab.json`.
 * - `explore-structures`, `explore-activations`, `explore-learning-rates`: the homework's sweeps, with plots.
 * - `predict --model DIR [sentence …]`: class and probability for each sentence (or each stdin line).
 */
import {
  Activation,
  ActivationList,
  curvesFigure,
  defineApp,
  enumCodec,
  heading,
  list,
  NonEmptyString,
  NonNegativeInt,
  NonNegativeNumber,
  opt,
  paragraph,
  PositiveInt,
  PositiveIntList,
  PositiveNumber,
  PositiveNumberList,
  table,
  UnitInterval,
  type AppEnv,
  type ConfigOf,
  type Block,
  type RunIO,
} from '@cotangent/cli'
import { vocabToJson } from '@cotangent/data'
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, toJson, type Reporter } from '@cotangent/train'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { describeSource, LabelMapping, loadSource, prepare, type Prepared } from './data.js'
import { predictMain } from './predict.js'
import {
  evaluateRows,
  trainModel,
  type ModelConfig,
  type SplitEvaluation,
  type TrainRun,
  type TrainSettings,
} from './sentiment.js'

/** Hidden widths: a comma-separated list of integers ≥ 1, or `none` for no hidden layer (a linear classifier). */
export const HiddenDims = new t.Type<readonly number[], readonly number[]>(
  "a comma-separated list of integers ≥ 1, or 'none'",
  (u): u is readonly number[] =>
    Array.isArray(u) && u.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 1),
  (u, c) => {
    if (u === 'none' || (Array.isArray(u) && u.length === 0)) return t.success([])
    const r = PositiveIntList.validate(u, c)
    return E.isRight(r)
      ? r
      : t.failure(u, c, `${r.left[0]?.message ?? 'bad list'}; or 'none' for no hidden layer`)
  },
  t.identity,
)

/** Several hidden-width lists separated by `;` (`none;512;512,512`). */
export const HiddenDimsList = new t.Type<readonly (readonly number[])[], readonly (readonly number[])[]>(
  "structures separated by ';', each a comma-separated list of widths or 'none' (none;512;512,512)",
  (u): u is readonly (readonly number[])[] =>
    Array.isArray(u) && u.length > 0 && u.every((x) => HiddenDims.is(x)),
  (u, c) => {
    const parts = typeof u === 'string' ? u.split(';').map((s) => s.trim()) : Array.isArray(u) ? u : null
    if (parts === null || parts.length === 0)
      return t.failure(u, c, "expected structures separated by ';' (none;512;512,512)")
    const decoded = parts.map((p: unknown) => HiddenDims.validate(p, c))
    const bad = decoded.findIndex(E.isLeft)
    if (bad >= 0)
      return t.failure(
        u,
        c,
        `structure ${String(bad + 1)} (${JSON.stringify(parts[bad])}) is not a list of widths or 'none'`,
      )
    return t.success(decoded.map((d) => (d as E.Right<readonly number[]>).right))
  },
  t.identity,
)

/** Flags every command shares: the data source and the text encoding. */
const dataFlags = {
  corpus: opt(enumCodec(['polarity']), 'polarity', 'the built-in corpus, used unless --csv is given'),
  csv: opt(NonEmptyString, '', 'a review CSV (or .csv.gz) with a header row, instead of --corpus'),
  textColumn: opt(NonEmptyString, 'review', 'the CSV column holding the text'),
  labelColumn: opt(NonEmptyString, 'sentiment', 'the CSV column holding the label'),
  splitColumn: opt(NonEmptyString, '', 'an optional CSV column train/dev/test (default: seeded 80/10/10)'),
  labels: opt(LabelMapping, { negative: 0, positive: 1 }, 'CSV label values to class indices'),
  dataDir: opt(NonEmptyString, '', 'the data directory (default $COTANGENT_DATA, else ~/.cache/cotangent)'),
  vocabSize: opt(PositiveInt, 20000, 'largest vocabulary, <unk> included'),
  minCount: opt(PositiveInt, 1, 'words seen fewer times in train are <unk>'),
  bigrams: opt(NonNegativeInt, 0, 'hashed word-bigram buckets, e.g. 32768 (0: unigrams only)'),
}

/** Flags of the model and the optimiser (the sweeps override one of them). */
const trainFlags = {
  embedDim: opt(PositiveInt, 32, 'embedding dimension'),
  hiddenDims: opt(HiddenDims, [], "hidden widths of the MLP after the embedding bag ('none': linear)"),
  activation: opt(Activation, 'relu', 'activation between MLP layers'),
  dropout: opt(UnitInterval, 0.5, 'dropout rate on the pooled embedding'),
  wordDropout: opt(UnitInterval, 0.15, 'probability that a token is left out of its bag in a training step'),
  pooling: opt(
    enumCodec(['mean', 'sum', 'sqrtn']),
    'mean',
    'how a bag pools its vectors (sqrtn: sum / √length)',
  ),
  epochs: opt(PositiveInt, 10, 'epochs per training run'),
  batchSize: opt(PositiveInt, 256, 'mini-batch size'),
  lr: opt(PositiveNumber, 0.004, 'AdamW learning rate'),
  schedule: opt(
    enumCodec(['constant', 'cosine']),
    'constant',
    'learning-rate schedule (cosine: decay to 0 over the run)',
  ),
  weightDecay: opt(NonNegativeNumber, 0.01, 'AdamW decoupled weight decay'),
  labelSmoothing: opt(UnitInterval, 0, 'label smoothing of the training loss'),
}

type Common = ConfigOf<typeof dataFlags & typeof trainFlags>

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`
const structure = (h: readonly number[]): string => (h.length === 0 ? 'none' : h.join(','))

const loadPrepared = async (c: Common): Promise<Prepared> => {
  const src = await loadSource(c)
  if (E.isLeft(src)) throw new Error(src.left)
  return prepare(src.right, c, c.seed)
}

const modelOf = (c: Common, p: Prepared, over: Partial<ModelConfig> = {}): ModelConfig => ({
  numEmbeddings: p.encoded.numEmbeddings,
  embedDim: c.embedDim,
  hiddenDims: c.hiddenDims,
  activation: c.activation,
  dropout: c.dropout,
  pooling: c.pooling,
  wordDropout: c.wordDropout,
  ...over,
})

const settingsOf = (c: Common, over: Partial<TrainSettings> = {}): TrainSettings => ({
  epochs: c.epochs,
  batchSize: c.batchSize,
  lr: c.lr,
  weightDecay: c.weightDecay,
  seed: c.seed,
  schedule: c.schedule,
  labelSmoothing: c.labelSmoothing,
  ...over,
})

const lossFigure = (name: string, title: string, run: TrainRun): Block =>
  curvesFigure(
    name,
    `train and dev loss per epoch, ${title}`,
    [
      { name: 'train', points: run.history.map((h) => ({ x: h.epoch, y: h.trainLoss })) },
      { name: 'dev', points: run.history.map((h) => ({ x: h.epoch, y: h.devLoss ?? Number.NaN })) },
    ],
    { title: `Loss per epoch, ${title}`, xLabel: 'epoch', yLabel: 'softmax cross-entropy' },
  )

const turnUp = (r: TrainRun): string =>
  r.turnUpEpoch === null
    ? `dev loss fell through all ${String(r.history.length)} epochs (no overfitting seen yet)`
    : `dev loss bottomed at epoch ${String(r.bestEpoch)} and turned up at epoch ${String(r.turnUpEpoch)} (overfitting from there)`

const confusionTable = (classes: readonly string[], e: SplitEvaluation): Block =>
  table(
    ['true \\ predicted', ...classes],
    e.confusion.map((row, i) => [classes[i]!, ...row]),
  )

const modelText = (m: ModelConfig): string =>
  ((m.wordDropout ?? 0) > 0 ? `word dropout ${String(m.wordDropout)} → ` : '') +
  `embeddingBag(${String(m.numEmbeddings)}, ${String(m.embedDim)}, ${m.pooling ?? 'mean'}) → dropout ${String(m.dropout)} → ` +
  `mlp(hidden ${structure(m.hiddenDims)}, ${m.activation}, out 2) → softmax cross-entropy`

const settingsText = (s: TrainSettings): string =>
  `AdamW (lr ${String(s.lr)}${(s.schedule ?? 'constant') === 'cosine' ? ' with cosine decay to 0' : ''}, weight decay ${String(s.weightDecay)}), mini-batches of ${String(s.batchSize)}, ` +
  ((s.labelSmoothing ?? 0) > 0 ? `label smoothing ${String(s.labelSmoothing)}, ` : '') +
  `${String(s.epochs)} epochs, seed ${String(s.seed)}; the parameters of the epoch with the lowest dev loss are kept.`

const epochSeconds = (r: TrainRun): number => r.history.reduce((s, h) => s + h.seconds, 0) / r.history.length

const dataText = (c: Common, p: Prepared): string =>
  `${describeSource(c, p)} Vocabulary from the training split only: ${String(p.vocab.size)} words (min count ${String(c.minCount)}, ` +
  `at most ${String(c.vocabSize)}, id 0 = <unk>)${p.bigramBuckets > 0 ? ` plus ${String(p.bigramBuckets)} hashed bigram buckets` : ', no bigrams'}.`

const checkpointText = (run: TrainRun, p: Prepared): string =>
  `${JSON.stringify(
    toJson({
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      savedAt: new Date().toISOString(),
      params: run.bestParams,
      optState: null,
      config: { model: run.model, bigramBuckets: p.bigramBuckets, classes: p.encoded.classes },
      history: run.history,
    }),
  )}\n`

/** Whether the model, training, vocabulary flags and the seed are at their defaults (the config the goal is for). */
const isDefaultConfig = (c: Common): boolean =>
  c.seed === 0 &&
  (['vocabSize', 'minCount', 'bigrams'] as const).every((k) => c[k] === dataFlags[k].default) &&
  (Object.keys(trainFlags) as (keyof typeof trainFlags)[]).every(
    (k) => JSON.stringify(c[k]) === JSON.stringify(trainFlags[k].default),
  )

/** `sentiment train`: one configuration, its best-dev checkpoint, and its test accuracy. */
export const app = defineApp({
  name: 'sentiment',
  description:
    'Trains the embedding-bag MLP sentiment classifier (polarity corpus or --csv), keeps the best-dev checkpoint and reports its test accuracy.',
  flags: { ...dataFlags, ...trainFlags },
  // A few epochs: at lr 0.008 dev loss bottoms at epoch 3 (explore-learning-rates, see the README).
  quick: { epochs: 3, lr: 0.008 },
  run: async (c, io) => {
    const p = await loadPrepared(c)
    const model = modelOf(c, p)
    const settings = settingsOf(c)
    const run = trainModel(
      p.encoded,
      p.splits,
      model,
      settings,
      io.reporter({ label: 'sentiment epochs', total: c.epochs }),
    )
    const test = evaluateRows(model, run.bestParams, p.encoded, p.splits.test)
    const classes = p.encoded.classes
    // The goal is set for the default config on the whole polarity corpus (10,662 snippets) with the default
    // seeded split — not for a sample, a user's CSV, or another config (e.g. npm start's quick setting).
    const checked = c.csv === '' && p.corpus.size === 10662 && isDefaultConfig(c)
    const missed =
      checked && test.accuracy < 0.77
        ? [`test accuracy ${pct(test.accuracy)} on polarity is below the goal of 77%`]
        : []
    const goal = !checked
      ? ''
      : missed.length === 0
        ? ' The goal (≥ 77%) is met.'
        : ' **Below the goal of 77%.**'
    const report: Block[] = [
      heading(1, 'Sentiment: embedding-bag MLP'),
      paragraph(dataText(c, p)),
      paragraph(`Model: ${modelText(model)}. ${settingsText(settings)}`),
      heading(2, 'Training'),
      table(
        ['epoch', 'train loss', 'train accuracy', 'dev loss', 'dev accuracy', 'seconds'],
        run.history.map((h) => [
          h.epoch,
          h.trainLoss.toFixed(4),
          pct(h.trainMetrics.accuracy ?? Number.NaN),
          (h.devLoss ?? Number.NaN).toFixed(4),
          pct(h.devMetrics?.accuracy ?? Number.NaN),
          h.seconds.toFixed(1),
        ]),
      ),
      lossFigure('loss', 'the default config', run),
      curvesFigure(
        'accuracy',
        'train and dev accuracy per epoch',
        [
          {
            name: 'train',
            points: run.history.map((h) => ({ x: h.epoch, y: h.trainMetrics.accuracy ?? Number.NaN })),
          },
          {
            name: 'dev',
            points: run.history.map((h) => ({ x: h.epoch, y: h.devMetrics?.accuracy ?? Number.NaN })),
          },
        ],
        { title: 'Accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy' },
      ),
      heading(2, 'Findings'),
      list([
        `${turnUp(run)}; the checkpoint is epoch ${String(run.bestEpoch)} (dev loss ${run.best.devLoss.toFixed(4)}, dev accuracy ${pct(run.best.devAccuracy)}).`,
        `Test accuracy of that checkpoint on the ${String(test.size)} held-out documents: **${pct(test.accuracy)}** (test loss ${test.loss.toFixed(4)}).${goal}`,
        `Mean epoch time ${epochSeconds(run).toFixed(1)} s (training pass plus dev evaluation).`,
      ]),
      paragraph('Test confusion matrix (rows: true class, columns: predicted):'),
      confusionTable(classes, test),
      paragraph(
        'The run folder holds the checkpoint (`model.json`, the best-dev parameters and the model config) and the training vocabulary (`vocab.json`): ' +
          '`npm run sentiment -- predict --model <this folder> "a sentence"` classifies new text with them.',
      ),
    ]
    return {
      headline: `sentiment: test accuracy ${pct(test.accuracy)} (best dev epoch ${String(run.bestEpoch)}, dev ${pct(run.best.devAccuracy)})`,
      report,
      history: {
        model,
        settings,
        vocabSize: p.vocab.size,
        splits: { train: p.splits.train.length, dev: p.splits.dev.length, test: p.splits.test.length },
        history: run.history,
        bestEpoch: run.bestEpoch,
        turnUpEpoch: run.turnUpEpoch,
        test,
      },
      files: {
        'model.json': checkpointText(run, p),
        'vocab.json': `${JSON.stringify(vocabToJson(p.vocab))}\n`,
      },
      missed,
      summary: [
        `vocabulary ${String(p.vocab.size)} words, ${String(p.encoded.numEmbeddings)} embedding rows`,
      ],
    }
  },
})

/** One point of a sweep: its label (for tables and file names) and what it overrides. */
interface SweepPoint {
  readonly label: string
  readonly slug: string
  readonly model?: Partial<ModelConfig>
  readonly settings?: Partial<TrainSettings>
}

const sweep = async (
  c: Common,
  io: RunIO,
  what: {
    readonly name: string
    readonly title: string
    readonly column: string
    readonly points: readonly SweepPoint[]
  },
): Promise<{
  readonly headline: string
  readonly report: Block[]
  readonly history: unknown
  readonly summary: string[]
}> => {
  const p = await loadPrepared(c)
  const reporter: Reporter = io.reporter({
    label: `${what.name} epochs`,
    total: c.epochs * what.points.length,
  })
  const runs = what.points.map((pt) =>
    trainModel(p.encoded, p.splits, modelOf(c, p, pt.model), settingsOf(c, pt.settings), reporter),
  )
  const bestI = runs.reduce(
    (b, r, i) =>
      r.best.devAccuracy > runs[b]!.best.devAccuracy ||
      (r.best.devAccuracy === runs[b]!.best.devAccuracy && r.best.devLoss < runs[b]!.best.devLoss)
        ? i
        : b,
    0,
  )
  const best = runs[bestI]!
  const bestPt = what.points[bestI]!
  const test = evaluateRows(best.model, best.bestParams, p.encoded, p.splits.test)
  const series = (f: (h: TrainRun['history'][number]) => number) =>
    runs.map((r, i) => ({
      name: what.points[i]!.label,
      points: r.history.map((h) => ({ x: h.epoch, y: f(h) })),
    }))
  const lowestLoss = runs.reduce((b, r, i) => (r.best.devLoss < runs[b]!.best.devLoss ? i : b), 0)
  const report: Block[] = [
    heading(1, `Sentiment: ${what.title}`),
    paragraph(dataText(c, p)),
    paragraph(
      `Every run: ${modelText(modelOf(c, p))}, except the ${what.column} as listed. ${settingsText(settingsOf(c))} ` +
        'Each config is ranked by the dev accuracy of its checkpoint (ties: lower dev loss); only the best one is evaluated on test.',
    ),
    heading(2, 'Results'),
    table(
      [
        what.column,
        'checkpoint epoch',
        'dev loss',
        'dev accuracy',
        'dev loss turned up at',
        'final train loss',
        's / epoch',
      ],
      runs.map((r, i) => [
        what.points[i]!.label,
        r.bestEpoch,
        r.best.devLoss.toFixed(4),
        pct(r.best.devAccuracy),
        r.turnUpEpoch === null ? '—' : r.turnUpEpoch,
        (r.history.at(-1)?.trainLoss ?? Number.NaN).toFixed(4),
        epochSeconds(r).toFixed(1),
      ]),
    ),
    heading(2, 'Findings'),
    list([
      `Best ${what.column}: **${bestPt.label}** — dev accuracy ${pct(best.best.devAccuracy)} at epoch ${String(best.bestEpoch)}; its test accuracy is **${pct(test.accuracy)}** on ${String(test.size)} documents.`,
      `Lowest dev loss: ${what.points[lowestLoss]!.label} (${runs[lowestLoss]!.best.devLoss.toFixed(4)}).`,
      ...runs.map((r, i) => `${what.points[i]!.label}: ${turnUp(r)}.`),
    ]),
    paragraph('Test confusion matrix of the best config (rows: true class, columns: predicted):'),
    confusionTable(p.encoded.classes, test),
    curvesFigure(
      'dev-loss',
      `dev loss per epoch, every ${what.column}`,
      series((h) => h.devLoss ?? Number.NaN),
      {
        title: `Dev loss per epoch by ${what.column}`,
        xLabel: 'epoch',
        yLabel: 'softmax cross-entropy',
      },
    ),
    curvesFigure(
      'dev-accuracy',
      `dev accuracy per epoch, every ${what.column}`,
      series((h) => h.devMetrics?.accuracy ?? Number.NaN),
      { title: `Dev accuracy per epoch by ${what.column}`, xLabel: 'epoch', yLabel: 'accuracy' },
    ),
    heading(2, 'Train and dev loss of each config'),
    ...runs.map((r, i) =>
      lossFigure(`loss-${what.points[i]!.slug}`, `${what.column} ${what.points[i]!.label}`, r),
    ),
  ]
  return {
    headline: `${what.name}: best ${what.column} ${bestPt.label}, dev ${pct(best.best.devAccuracy)}, test ${pct(test.accuracy)}`,
    report,
    history: {
      vocabSize: p.vocab.size,
      runs: runs.map((r, i) => ({
        label: what.points[i]!.label,
        model: r.model,
        settings: r.settings,
        bestEpoch: r.bestEpoch,
        turnUpEpoch: r.turnUpEpoch,
        best: r.best,
        history: r.history,
      })),
      best: { label: bestPt.label, test },
    },
    summary: runs.map(
      (r, i) =>
        `${what.points[i]!.label}: dev ${pct(r.best.devAccuracy)} (loss ${r.best.devLoss.toFixed(4)}) at epoch ${String(r.bestEpoch)}`,
    ),
  }
}

const { hiddenDims: _h, ...noHidden } = trainFlags
const { activation: _a, ...noActivation } = trainFlags
const { lr: _l, ...noLr } = trainFlags

/** `sentiment explore-structures`: depth of the MLP (default none, 512, 512-512, 512-512-512). */
export const exploreStructures = defineApp({
  name: 'sentiment-explore-structures',
  description: 'Trains one model per hidden structure and compares their train/dev loss and dev accuracy.',
  flags: {
    ...dataFlags,
    ...noHidden,
    structures: opt(
      HiddenDimsList,
      [[], [512], [512, 512], [512, 512, 512]],
      "hidden structures, ';'-separated",
    ),
  },
  quick: { epochs: 2 },
  run: (c, io) =>
    sweep({ ...c, hiddenDims: [] }, io, {
      name: 'explore-structures',
      title: 'hidden structures',
      column: 'hidden layers',
      points: c.structures.map((h) => ({
        label: structure(h),
        slug: h.length === 0 ? 'none' : h.join('-'),
        model: { hiddenDims: h },
      })),
    }),
})

/** `sentiment explore-activations`: activation of one hidden layer (default 512 wide). */
export const exploreActivations = defineApp({
  name: 'sentiment-explore-activations',
  description: 'Trains one model per activation (hidden [512] by default) and compares them.',
  flags: {
    ...dataFlags,
    ...noActivation,
    hiddenDims: opt(HiddenDims, [512], "hidden widths ('none': linear)"),
    activations: opt(
      ActivationList,
      ['sigmoid', 'tanh', 'relu', 'gelu', 'leakyRelu'],
      'activations to compare',
    ),
  },
  quick: { epochs: 2 },
  run: (c, io) =>
    sweep({ ...c, activation: 'relu' }, io, {
      name: 'explore-activations',
      title: `activations (hidden ${structure(c.hiddenDims)})`,
      column: 'activation',
      points: c.activations.map((a) => ({ label: a, slug: a, model: { activation: a } })),
    }),
})

/** `sentiment explore-learning-rates`: the AdamW learning rate. */
export const exploreLearningRates = defineApp({
  name: 'sentiment-explore-learning-rates',
  description: 'Trains one model per learning rate and compares them.',
  flags: {
    ...dataFlags,
    ...noLr,
    lrs: opt(PositiveNumberList, [0.0003, 0.001, 0.004, 0.016], 'AdamW learning rates to compare'),
  },
  quick: { epochs: 2 },
  run: (c, io) =>
    sweep({ ...c, lr: c.lrs[0]! }, io, {
      name: 'explore-learning-rates',
      title: 'learning rates',
      column: 'learning rate',
      points: c.lrs.map((lr) => ({ label: String(lr), slug: `lr${String(lr)}`, settings: { lr } })),
    }),
})

/** The commands of `sentiment`, by name. */
export const COMMANDS = {
  train: app,
  'explore-structures': exploreStructures,
  'explore-activations': exploreActivations,
  'explore-learning-rates': exploreLearningRates,
} as const

const usage = [
  'sentiment <command> [flags]',
  '',
  'commands:',
  '  train                    (default) one config: best-dev checkpoint, test accuracy, model.json + vocab.json',
  '  explore-structures       hidden structures none, 512, 512-512, 512-512-512',
  '  explore-activations      sigmoid, tanh, relu, gelu, leakyRelu on hidden [512]',
  '  explore-learning-rates   several AdamW learning rates',
  '  predict --model DIR [sentence …]   class and probability of each sentence (or of each stdin line)',
  '',
  "'sentiment <command> --help' lists a command's flags.",
].join('\n')

/**
 * The command line: `sentiment [command] [flags]` (no command, or flags first, means `train`). Resolves to the
 * exit code (0; 1 when a run fails; 2 for an unknown command or a bad flag).
 */
export const main = async (
  argv: readonly string[],
  env: Partial<AppEnv> & { readonly stdin?: () => Promise<string> } = {},
): Promise<number> => {
  const stdout = env.stdout ?? ((l: string) => process.stdout.write(`${l}\n`))
  const stderr = env.stderr ?? ((l: string) => process.stderr.write(`${l}\n`))
  const [first, ...rest] = argv
  if (first === undefined || first.startsWith('-')) {
    if (first === '--help' || first === '-h') {
      stdout(usage)
      return 0
    }
    return app.main(argv, env)
  }
  if (first === 'predict') return predictMain(rest, { ...env, stdout, stderr })
  if (Object.hasOwn(COMMANDS, first)) return COMMANDS[first as keyof typeof COMMANDS].main(rest, env)
  stderr(
    `sentiment: unknown command '${first}' (commands: ${[...Object.keys(COMMANDS), 'predict'].join(', ')}; see --help)`,
  )
  return 2
}
