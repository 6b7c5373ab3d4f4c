/**
 * The workloads (W1–W7) and their data. Data and initial weights are generated once, in float64, from fixed seeds
 * and written to one file per workload; every system (in this process, in a child process or in Python) trains on
 * exactly those numbers (float32 systems round them once). W7's data is a synthetic review CSV, written once to the
 * temp folder and reused while its generator and parameters are unchanged.
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rng } from './rng.js'

/** How a workload's value is read: higher is better (throughput) or lower is better (time, overhead). */
export type Direction = 'higher' | 'lower'

/** The optimizers of the training workloads, with the arithmetic every system must reproduce. */
export type OptimizerSpec =
  /** `p ← p − lr·g` */
  | { readonly kind: 'sgd'; readonly lr: number }
  /** PyTorch's `SGD(momentum=β)`: `v ← β·v + g; p ← p − lr·v` (v starts at 0) */
  | { readonly kind: 'momentum'; readonly lr: number; readonly beta: number }
  /** Adam: `m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; p ← p − (lr/(1−b1ᵗ))·m/(√v/√(1−b2ᵗ) + eps)` */
  | {
      readonly kind: 'adam'
      readonly lr: number
      readonly b1: number
      readonly b2: number
      readonly eps: number
    }

/** A ReLU MLP trained with mean softmax cross-entropy on integer labels over fixed batches, cycled in order. */
export interface MlpSpec {
  readonly kind: 'mlp'
  /** Layer widths, input first: `[784, 256, 10]` is 784 → 256 (ReLU) → 10. */
  readonly dims: readonly number[]
  readonly batch: number
  /** Distinct batches in the data (step `i` uses batch `i mod nBatches`). */
  readonly nBatches: number
  readonly steps: number
  readonly optimizer: OptimizerSpec
}

/** (forward + backward) / forward of an MLP's loss on its first batch, `reps` evaluations of each per round. */
export interface OverheadSpec {
  readonly kind: 'overhead'
  readonly mlp: MlpSpec
  readonly reps: number
}

/** `reps` products of two `n × n` matrices per round. */
export interface MatmulSpec {
  readonly kind: 'matmul'
  readonly n: number
  readonly reps: number
}

/**
 * A synthetic IMDB-size review CSV (header `review,sentiment,split`): `rows` reviews, half `train` and half `test`,
 * each split half `positive` and half `negative`, lengths log-normal around `meanWords` words, Zipf-distributed
 * filler words and a few class-dependent sentiment words (the learnable signal). See {@link writeReviewCsv}.
 */
export interface ReviewCsvSpec {
  readonly rows: number
  readonly meanWords: number
  readonly seed: number
}

/** One of the real apps, end to end through `runApp`. */
export interface AppSpec {
  readonly kind: 'app'
  readonly app: 'iris' | 'sentiment' | 'fashion-mnist'
  /** Config fields passed to `runApp` over the app's defaults (iris: none; the others: `epochs: 1`). */
  readonly config: Readonly<Record<string, unknown>>
  /**
   * W7: the sentiment app on a synthetic review CSV; {@link makeData} writes (or reuses) the file and passes it as
   * `--csv` with `--split-column split`. The timed part is then the app's first epoch (from its history), not the
   * whole `runApp`.
   */
  readonly reviews?: ReviewCsvSpec
}

/** What a workload computes. */
export type Spec = MlpSpec | OverheadSpec | MatmulSpec | AppSpec

/** A workload: its id (`W1`, `W4-1024`, …), what it runs, and how its value is read. */
export interface Workload {
  readonly id: string
  /** The group it belongs to (`W1` … `W7`): what `--workloads` selects. */
  readonly group: string
  readonly title: string
  readonly spec: Spec
  readonly unit: string
  readonly direction: Direction
  /** The dtypes it runs in (each system runs the ones it supports). */
  readonly dtypes: readonly ('float32' | 'float64')[]
}

const W1_MLP: MlpSpec = {
  kind: 'mlp',
  dims: [784, 256, 10],
  batch: 128,
  nBatches: 4,
  steps: 200,
  optimizer: { kind: 'sgd', lr: 0.05 },
}

/** The workloads at their full size (issue #10's table); {@link quickWorkloads} shrinks them for the smoke run. */
export const fullWorkloads = (): readonly Workload[] => [
  {
    id: 'W1',
    group: 'W1',
    title: 'W1 784→256→10 ReLU, SGD, batch 128, 200 steps',
    spec: W1_MLP,
    unit: 'samples/s',
    direction: 'higher',
    dtypes: ['float64', 'float32'],
  },
  {
    id: 'W2',
    group: 'W2',
    title: 'W2 512→512→512→2 ReLU, Adam, batch 64, 200 steps',
    spec: {
      kind: 'mlp',
      dims: [512, 512, 512, 2],
      batch: 64,
      nBatches: 4,
      steps: 200,
      optimizer: { kind: 'adam', lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 },
    },
    unit: 'samples/s',
    direction: 'higher',
    dtypes: ['float64', 'float32'],
  },
  {
    id: 'W3',
    group: 'W3',
    title: 'W3 4→16→3 ReLU, full batch 120, momentum, 2000 steps',
    spec: {
      kind: 'mlp',
      dims: [4, 16, 3],
      batch: 120,
      nBatches: 1,
      steps: 2000,
      optimizer: { kind: 'momentum', lr: 0.05, beta: 0.9 },
    },
    unit: 'ms',
    direction: 'lower',
    dtypes: ['float64', 'float32'],
  },
  ...[256, 1024].map((n): Workload => ({
    id: `W4-${String(n)}`,
    group: 'W4',
    title: `W4 matmul ${String(n)}×${String(n)} @ ${String(n)}×${String(n)}`,
    spec: { kind: 'matmul', n, reps: n >= 1024 ? 2 : 20 },
    unit: 'GFLOP/s',
    direction: 'higher',
    dtypes: ['float32', 'float64'],
  })),
  {
    id: 'W5',
    group: 'W5',
    title: "W5 (forward + backward) / forward on W1's loss",
    spec: { kind: 'overhead', mlp: W1_MLP, reps: 20 },
    unit: 'ratio',
    direction: 'lower',
    dtypes: ['float64', 'float32'],
  },
  ...(['iris', 'sentiment', 'fashion-mnist'] as const).map((app): Workload => ({
    id: `W6-${app}`,
    group: 'W6',
    title:
      app === 'iris'
        ? 'W6 the Iris app end to end (runApp, default flags)'
        : `W6 one epoch of the ${app} app (runApp, epochs 1)`,
    spec: { kind: 'app', app, config: app === 'iris' ? {} : { epochs: 1 } },
    unit: 's',
    direction: 'lower',
    // the dtype the app trains in (iris float64; sentiment and Fashion-MNIST float32 parameters)
    dtypes: [app === 'iris' ? 'float64' : 'float32'],
  })),
  imdbWorkload(W7_REVIEWS, 1, 'W7-imdb one epoch of the sentiment app on a synthetic IMDB-size review CSV'),
]

/** W7's CSV at full size: 50,000 reviews (25,000 train, 25,000 test) of about 230 words, as the IMDB set of Maas et al. */
export const W7_REVIEWS: ReviewCsvSpec = { rows: 50_000, meanWords: 230, seed: 7 }

/** The training reviews of a W7 run: the CSV's train half less the 10% the app carves out as dev. */
export const imdbTrainReviews = (r: ReviewCsvSpec): number => Math.floor(r.rows / 2) - Math.round(r.rows / 20)

const imdbWorkload = (reviews: ReviewCsvSpec, epochs: number, title: string): Workload => ({
  id: 'W7-imdb',
  group: 'W7',
  title: `${title} (${reviews.rows.toLocaleString('en-US')} rows with a split column, ~${String(reviews.meanWords)} words each; ${imdbTrainReviews(reviews).toLocaleString('en-US')} train reviews; runApp --csv, epochs ${String(epochs)}; value: seconds of the first epoch)`,
  spec: {
    kind: 'app',
    app: 'sentiment',
    config: {
      epochs,
      textColumn: 'review',
      labelColumn: 'sentiment',
      splitColumn: 'split',
      labels: { negative: 0, positive: 1 },
    },
    reviews,
  },
  unit: 's',
  direction: 'lower',
  dtypes: ['float32'],
})

/** The same workloads with tiny step counts, for the smoke run (`--quick`): it checks that losses fall, not speed. */
export const quickWorkloads = (): readonly Workload[] =>
  fullWorkloads().flatMap((w): Workload[] => {
    const s = w.spec
    switch (s.kind) {
      case 'mlp':
        return [
          {
            ...w,
            title: `${w.title} [quick: ${String(w.id === 'W3' ? 40 : 4)} steps]`,
            spec: { ...s, steps: w.id === 'W3' ? 40 : 4 },
          },
        ]
      case 'overhead':
        return [{ ...w, title: `${w.title} [quick: 1 evaluation]`, spec: { ...s, reps: 1 } }]
      case 'matmul':
        // one small product stands for both sizes
        return s.n === 256
          ? [{ ...w, id: 'W4-64', title: 'W4 matmul 64×64 (quick)', spec: { ...s, n: 64, reps: 1 } }]
          : []
      case 'app':
        // W7 shrinks to a 2,000-row CSV (same generator): two epochs of batches of 32 at lr 0.02 (900 reviews make
        // only four batches of the default 256, too few steps to learn at the default lr), so its loss must fall
        if (s.reviews !== undefined) {
          const q = imdbWorkload(
            { ...s.reviews, rows: 2000 },
            2,
            'W7-imdb the sentiment app on a small synthetic review CSV [quick: 2,000 rows, 2 epochs, batches of 32, lr 0.02]',
          )
          const qs = q.spec as AppSpec
          return [{ ...q, spec: { ...qs, config: { ...qs.config, batchSize: 32, lr: 0.02 } } }]
        }
        // the smoke run takes the Iris app through runApp on a tiny setting; the big apps are left to full runs
        return s.app === 'iris'
          ? [
              {
                ...w,
                title: 'W6 the Iris app through runApp [quick: 3 epochs, 1 config, 1 split]',
                spec: { ...s, config: { epochs: 3, splits: 1, lr: [0.1], hidden: [8] } },
              },
            ]
          : []
    }
  })

/** Named float64 arrays with their shapes: a workload's data, as every system receives it. */
export interface DataFile {
  readonly workload: string
  readonly spec: Spec
  readonly arrays: Readonly<
    Record<string, { readonly shape: readonly number[]; readonly data: Float64Array }>
  >
}

/** Fan-in uniform `U(−1/√in, 1/√in)`, PyTorch's `nn.Linear` default, for weights and biases. */
const mlpArrays = (spec: MlpSpec, seed: number): DataFile['arrays'] => {
  const r = rng(seed)
  const dims = spec.dims
  const nIn = dims[0]!
  const nOut = dims[dims.length - 1]!
  const out: Record<string, { shape: number[]; data: Float64Array }> = {}
  // A teacher: labels are the argmax of a random linear map of the inputs plus a little noise, so the problem is
  // learnable and the loss must fall.
  const teacher = Float64Array.from({ length: nIn * nOut }, () => r.normal() / Math.sqrt(nIn))
  for (let b = 0; b < spec.nBatches; b++) {
    const x = Float64Array.from({ length: spec.batch * nIn }, () => r.normal())
    const y = new Float64Array(spec.batch)
    for (let i = 0; i < spec.batch; i++) {
      let best = 0
      let bestScore = -Infinity
      for (let c = 0; c < nOut; c++) {
        let s = 0.1 * r.normal()
        for (let k = 0; k < nIn; k++) s += x[i * nIn + k]! * teacher[k * nOut + c]!
        if (s > bestScore) {
          bestScore = s
          best = c
        }
      }
      y[i] = best
    }
    out[`x${String(b)}`] = { shape: [spec.batch, nIn], data: x }
    out[`y${String(b)}`] = { shape: [spec.batch], data: y }
  }
  for (let l = 0; l + 1 < dims.length; l++) {
    const a = dims[l]!
    const c = dims[l + 1]!
    const bound = 1 / Math.sqrt(a)
    out[`W${String(l)}`] = {
      shape: [a, c],
      data: Float64Array.from({ length: a * c }, () => (2 * r.uniform() - 1) * bound),
    }
    out[`b${String(l)}`] = {
      shape: [c],
      data: Float64Array.from({ length: c }, () => (2 * r.uniform() - 1) * bound),
    }
  }
  return out
}

// W7's synthetic reviews. Bump when the generator changes: the version is part of the cached file's name.
const REVIEWS_VERSION = 2
const SYLLABLES =
  'ba be bi bo bu da de di do du fa fe fi fo ga ge gi go ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so ta te ti to va ve vi vo za ze zi zo'.split(
    ' ',
  )
// the most frequent tokens are real English function words and punctuation (a quote exercises RFC 4180 quoting)
const COMMON = [
  'the',
  ',',
  '.',
  'and',
  'a',
  'of',
  'to',
  'is',
  'it',
  'in',
  'i',
  'this',
  'that',
  '"',
  'was',
  'as',
  'with',
  'movie',
  'for',
  'film',
  'but',
  "it's",
  'on',
  'not',
  'you',
  'are',
  'his',
  'have',
  'he',
  'be',
  'one',
  '!',
  'all',
  'at',
  'by',
  'an',
  'they',
  'who',
  'so',
  'from',
  'like',
  'her',
  'or',
  'just',
  'about',
  'out',
  'if',
  '?',
  'has',
  'what',
]
const FILLER_WORDS = 40_000
const SENTIMENT_WORDS = 100

/** A pseudo-word made of two-letter syllables, one per base-60 digit of `n` (distinct `n`, distinct words). */
const pseudoWord = (n: number, prefix: string): string => {
  let w = ''
  for (let m = n; m > 0; m = Math.floor(m / SYLLABLES.length)) w = SYLLABLES[m % SYLLABLES.length]! + w
  return prefix + w
}

/** Cumulative Zipf weights `1/(r+1)^s` over `n` ranks, normalised to end at 1. */
const zipfCdf = (n: number, s: number): Float64Array => {
  const c = new Float64Array(n)
  let acc = 0
  for (let r = 0; r < n; r++) c[r] = acc += 1 / (r + 1) ** s
  for (let r = 0; r < n; r++) c[r]! /= acc
  return c
}

/** The first rank whose cumulative weight exceeds `u` (binary search). */
const draw = (cdf: Float64Array, u: number): number => {
  let lo = 0
  let hi = cdf.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cdf[mid]! > u) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** The file {@link writeReviewCsv} writes for `r` in `dir`: its name carries a hash of the parameters. */
export const reviewCsvPath = (r: ReviewCsvSpec, dir: string = tmpdir()): string => {
  const hash = createHash('sha256')
    .update(JSON.stringify({ v: REVIEWS_VERSION, rows: r.rows, meanWords: r.meanWords, seed: r.seed }))
    .digest('hex')
    .slice(0, 16)
  return join(dir, `cotangent-bench-reviews-${String(r.rows)}-${hash}.csv`)
}

/**
 * Writes the synthetic review CSV of `r` (deterministic: the same spec gives the same bytes) unless it is already
 * there, and returns its path ({@link reviewCsvPath}). Row `i` is `train` when `i mod 4 < 2`, else `test`, and
 * `positive` when `i` is odd, so both splits are exactly balanced. A review's length is log-normal (σ 0.75) with
 * mean `meanWords`, between 10 and 2,500 words; each word is, with probability 0.05, a sentiment word — from its own
 * class's 400 with a per-review probability between 0.6 and 0.9, else from the other class's — and otherwise a
 * filler word, Zipf-distributed (s 1.05) over 50 common English tokens and 40,000 pseudo-words; one review in four
 * has a `<br /><br />` break, as IMDB's do. The file is written in chunks to a temporary name and renamed, so
 * memory stays small and a cut-off run leaves no partial file under the final name.
 */
export const writeReviewCsv = (r: ReviewCsvSpec, dir: string = tmpdir()): string => {
  const path = reviewCsvPath(r, dir)
  if (existsSync(path)) return path
  const g = rng(r.seed)
  const filler = [...COMMON, ...Array.from({ length: FILLER_WORDS }, (_, i) => pseudoWord(i + 60, ''))]
  const sentiment = [0, 1].map((c) =>
    Array.from({ length: SENTIMENT_WORDS }, (_, i) => pseudoWord(i + 60, c === 1 ? 'xo' : 'qu')),
  )
  const fillerCdf = zipfCdf(filler.length, 1.05)
  const sentimentCdf = zipfCdf(SENTIMENT_WORDS, 1)
  const sigma = 0.75
  const mu = Math.log(r.meanWords) - (sigma * sigma) / 2
  const tmp = `${path}.${String(process.pid)}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, 'review,sentiment,split\n')
    let chunk: string[] = []
    for (let i = 0; i < r.rows; i++) {
      const label = i % 2
      const own = 0.6 + 0.3 * g.uniform()
      const n = Math.min(2500, Math.max(10, Math.round(Math.exp(mu + sigma * g.normal()))))
      const br = g.uniform() < 0.25 ? Math.floor(g.uniform() * n) : -1
      const words: string[] = []
      for (let j = 0; j < n; j++) {
        if (j === br) words.push('<br /><br />')
        if (g.uniform() < 0.06) {
          const c = g.uniform() < own ? label : 1 - label
          words.push(sentiment[c]![draw(sentimentCdf, g.uniform())]!)
        } else words.push(filler[draw(fillerCdf, g.uniform())]!)
      }
      const text = words.join(' ').replaceAll('"', '""')
      chunk.push(`"${text}",${label === 1 ? 'positive' : 'negative'},${i % 4 < 2 ? 'train' : 'test'}\n`)
      if (chunk.length === 500 || i === r.rows - 1) {
        writeSync(fd, chunk.join(''))
        chunk = []
      }
    }
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  return path
}

/** Generates a workload's data from `seed` (same seed → same numbers). */
export const makeData = (w: Workload, seed: number): DataFile => {
  const s = w.spec
  switch (s.kind) {
    case 'mlp':
      return { workload: w.id, spec: s, arrays: mlpArrays(s, seed) }
    case 'overhead':
      return { workload: w.id, spec: s, arrays: mlpArrays(s.mlp, seed) }
    case 'matmul': {
      const r = rng(seed)
      const n = s.n
      const m = (): Float64Array => Float64Array.from({ length: n * n }, () => 2 * r.uniform() - 1)
      return {
        workload: w.id,
        spec: s,
        arrays: { a: { shape: [n, n], data: m() }, b: { shape: [n, n], data: m() } },
      }
    }
    case 'app':
      // W7: the CSV is written here (in the harness's process, not the measured worker's) and passed as --csv
      return {
        workload: w.id,
        spec: s.reviews === undefined ? s : { ...s, config: { ...s.config, csv: writeReviewCsv(s.reviews) } },
        arrays: {},
      }
  }
}

/**
 * Writes a data file as `<dir>/<id>.json` (the spec and, per array, its shape and element offset) beside
 * `<dir>/<id>.f64` (every array's float64 values, little-endian, back to back). Returns the JSON's path.
 */
export const writeData = (dir: string, d: DataFile): string => {
  const names = Object.keys(d.arrays)
  const total = names.reduce((n, k) => n + d.arrays[k]!.data.length, 0)
  const all = new Float64Array(total)
  const index: Record<string, { shape: readonly number[]; offset: number; length: number }> = {}
  let offset = 0
  for (const k of names) {
    const a = d.arrays[k]!
    all.set(a.data, offset)
    index[k] = { shape: a.shape, offset, length: a.data.length }
    offset += a.data.length
  }
  const json = join(dir, `${d.workload}.json`)
  writeFileSync(join(dir, `${d.workload}.f64`), new Uint8Array(all.buffer))
  writeFileSync(
    json,
    JSON.stringify({ workload: d.workload, spec: d.spec, binary: `${d.workload}.f64`, arrays: index }),
  )
  return json
}

interface DataIndex {
  readonly workload: string
  readonly spec: Spec
  readonly binary: string
  readonly arrays: Readonly<
    Record<string, { readonly shape: readonly number[]; readonly offset: number; readonly length: number }>
  >
}

/** Reads a data file written by {@link writeData}. */
export const readData = (jsonPath: string): DataFile => {
  const index = JSON.parse(readFileSync(jsonPath, 'utf8')) as DataIndex
  const bytes = readFileSync(join(jsonPath, '..', index.binary))
  // copy into an aligned buffer (a Buffer may start at any byte offset of its pool)
  const all = new Float64Array(bytes.byteLength / 8)
  new Uint8Array(all.buffer).set(bytes)
  const arrays = Object.fromEntries(
    Object.entries(index.arrays).map(([k, a]) => [
      k,
      { shape: a.shape, data: all.slice(a.offset, a.offset + a.length) },
    ]),
  )
  return { workload: index.workload, spec: index.spec, arrays }
}

/** The array `name` of a data file (throws naming the workload and the array when it is missing). */
export const arrayOf = (
  d: DataFile,
  name: string,
): { readonly shape: readonly number[]; readonly data: Float64Array } => {
  const a = d.arrays[name]
  if (a === undefined)
    throw new Error(
      `bench: workload ${d.workload} has no array ${name} (has ${Object.keys(d.arrays).join(', ')})`,
    )
  return a
}
