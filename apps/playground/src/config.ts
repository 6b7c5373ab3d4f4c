/**
 * The playground's configuration: everything that determines a run (data set, model, optimiser, seed). It is plain
 * data, checked by an io-ts codec at both boundaries it crosses: the page URL (so a link reproduces a run) and the
 * worker messages.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { PathReporter } from 'io-ts/lib/PathReporter.js'

/** The data sets. */
export const DATASETS = ['xor', 'blobs', 'circle', 'spirals', 'checkerboard', 'iris'] as const
/** A data set name. */
export type DatasetName = (typeof DATASETS)[number]

/** Hidden activations (the names `ct.nn.mlp` knows). */
export const ACTIVATIONS = ['tanh', 'relu', 'sigmoid', 'leakyRelu', 'gelu', 'softplus', 'identity'] as const
/** An activation name. */
export type ActivationChoice = (typeof ACTIVATIONS)[number]

/** Optimisers. */
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const
/** An optimiser name. */
export type OptimizerChoice = (typeof OPTIMIZERS)[number]

/** Weight initialisers; `zeros` and `constant` are there to show that a symmetric start never learns. */
export const INITIALIZERS = [
  'xavierUniform',
  'xavierNormal',
  'heUniform',
  'heNormal',
  'torchLinear',
  'zeros',
  'constant',
] as const
/** An initialiser name. */
export type InitializerChoice = (typeof INITIALIZERS)[number]

/** Iris feature names, in the CSV's column order. */
export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const

const literalUnion = <A extends readonly [string, string, ...string[]]>(
  name: string,
  values: A,
): t.Type<A[number]> =>
  t.union(
    values.map((v) => t.literal(v)) as unknown as [
      t.LiteralC<A[number]>,
      t.LiteralC<A[number]>,
      ...t.LiteralC<A[number]>[],
    ],
    name,
  )

const bounded = (name: string, lo: number, hi: number, integer: boolean): t.Type<number> =>
  t.refinement(
    t.number,
    (x) => Number.isFinite(x) && x >= lo && x <= hi && (!integer || Number.isInteger(x)),
    `${name} (${integer ? 'an integer' : 'a number'} in [${String(lo)}, ${String(hi)}])`,
  )

/** The configuration codec (every field required; {@link DEFAULT_CONFIG} fills gaps when reading a URL). */
export const ConfigCodec = t.type(
  {
    dataset: literalUnion('dataset', DATASETS),
    /** Label noise of the toy sets: the jitter added to the points, 0 (none) … 1 (classes overlap). */
    noise: bounded('noise', 0, 1, false),
    /** Fraction of the points used for training; the rest are the test set. */
    trainRatio: bounded('trainRatio', 0.1, 0.9, false),
    /** Points of a toy data set (Iris always has its 150). */
    points: bounded('points', 20, 1000, true),
    /** Iris features fed to the model (indices into {@link IRIS_FEATURES}, 2 to 4 distinct); the first two are drawn. */
    irisFeatures: t.refinement(
      t.array(bounded('feature', 0, 3, true)),
      (fs) => fs.length >= 2 && new Set(fs).size === fs.length,
      'irisFeatures (2 to 4 distinct feature indices 0..3)',
    ),
    hidden: t.refinement(
      t.array(bounded('width', 1, 32, true)),
      (h) => h.length <= 6,
      'hidden (at most 6 layers)',
    ),
    activation: literalUnion('activation', ACTIVATIONS),
    lr: bounded('lr', 1e-6, 10, false),
    optimizer: literalUnion('optimizer', OPTIMIZERS),
    batchSize: bounded('batchSize', 1, 1000, true),
    weightDecay: bounded('weightDecay', 0, 1, false),
    init: literalUnion('init', INITIALIZERS),
    /** The value of every weight and bias under the `constant` initialiser. */
    initConstant: bounded('initConstant', -10, 10, false),
    seed: bounded('seed', 0, 2 ** 31 - 1, true),
  },
  'Config',
)

/** A playground configuration. */
export type Config = t.TypeOf<typeof ConfigCodec>

/** The page's starting point: XOR, two hidden layers of 8 tanh units (enough for the spirals too), Adam. */
export const DEFAULT_CONFIG: Config = {
  dataset: 'xor',
  noise: 0,
  trainRatio: 0.5,
  points: 200,
  irisFeatures: [2, 3],
  hidden: [8, 8],
  activation: 'tanh',
  lr: 0.03,
  optimizer: 'adam',
  batchSize: 10,
  weightDecay: 0,
  init: 'xavierUniform',
  initConstant: 0.5,
  seed: 1,
}

/** Checks an unknown value as a configuration; the error names every bad field. */
export const decodeConfig = (u: unknown): E.Either<string, Config> =>
  pipe(
    ConfigCodec.decode(u),
    E.mapLeft(() => PathReporter.report(ConfigCodec.decode(u)).join('; ')),
  )

const LIST_FIELDS = new Set<string>(['hidden', 'irisFeatures'])
const STRING_FIELDS = new Set<string>(['dataset', 'activation', 'optimizer', 'init'])

/**
 * The configuration as URL query parameters (`dataset=xor&hidden=4,4&lr=0.03&…`), every field written so that a
 * link keeps meaning the same run when the defaults change.
 */
export const configToQuery = (c: Config): string => {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(c) as [string, unknown][])
    p.set(k, Array.isArray(v) ? v.map(String).join(',') : String(v))
  return p.toString()
}

/**
 * Reads a configuration from URL query parameters. Missing fields take {@link DEFAULT_CONFIG}'s value; a present
 * but bad field is an error naming it (a link is never silently reinterpreted); unknown parameters are ignored.
 */
export const configFromQuery = (query: string): E.Either<string, Config> => {
  const p = new URLSearchParams(query.startsWith('?') || query.startsWith('#') ? query.slice(1) : query)
  const raw: Record<string, unknown> = { ...DEFAULT_CONFIG }
  for (const k of Object.keys(DEFAULT_CONFIG)) {
    const s = p.get(k)
    if (s === null) continue
    raw[k] = STRING_FIELDS.has(k)
      ? s
      : LIST_FIELDS.has(k)
        ? s.trim() === ''
          ? []
          : s.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)))
        : s.trim() === ''
          ? NaN
          : Number(s)
  }
  return decodeConfig(raw)
}
