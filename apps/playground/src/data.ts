/**
 * The playground's data: seeded 2-D toy sets (XOR, two Gaussian blobs, circle, two spirals, checkerboard) and Iris,
 * split into train and test sets per class. Every random draw comes from the library's counter-based generator
 * (`ct.random`) with a key derived from the seed, so the same configuration gives the same points in Node and in
 * any browser.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as ct from 'cotangent'
import { IRIS_FEATURES, type Config, type DatasetName } from './config.js'

/** A labelled data set split into train and test points. */
export interface Dataset {
  readonly name: DatasetName
  /** Feature rows fed to the model (2 for the toy sets, 2–4 for Iris). */
  readonly xTrain: readonly (readonly number[])[]
  readonly yTrain: readonly number[]
  readonly xTest: readonly (readonly number[])[]
  readonly yTest: readonly number[]
  /** Class names; labels are indices into it. */
  readonly classes: readonly string[]
  /** Feature names, one per column of the rows. */
  readonly features: readonly string[]
  /** The drawn square `[lo, hi]²` of the first two features (the decision-boundary view). */
  readonly domain: readonly [number, number]
}

/** Points with labels, before the split. */
export interface Labelled {
  readonly x: readonly (readonly number[])[]
  readonly y: readonly number[]
}

const draws = (k: ct.Key, n: number, kind: 'uniform' | 'normal'): Float64Array =>
  ct.toArray(kind === 'uniform' ? ct.random.uniform(k, [n]) : ct.random.normal(k, [n])) as Float64Array

/** A seeded permutation of 0..n−1 (the order of `n` uniform draws). */
export const permutation = (k: ct.Key, n: number): number[] => {
  const u = draws(k, Math.max(n, 1), 'uniform')
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a]! - u[b]! || a - b)
}

/** Jitter of a toy set at a noise level in [0, 1]: the standard deviation added to each coordinate. */
const jitter = (base: number, noise: number): number => base + 0.25 * noise

/**
 * The raw points of a toy set, `n` of them with classes alternating 0, 1, 0, 1, … (so the classes are balanced
 * exactly; the split shuffles them). Labels are fixed before the jitter, so noise makes the classes overlap.
 */
export const toyPoints = (
  name: Exclude<DatasetName, 'iris'>,
  n: number,
  noise: number,
  k: ct.Key,
): Labelled => {
  const [ka, kb, kc, kd, ke] = ct.random.split(k, 5) as [ct.Key, ct.Key, ct.Key, ct.Key, ct.Key]
  const u1 = draws(ka, n, 'uniform')
  const u3 = draws(ke, n, 'uniform')
  const u2 = draws(kb, n, 'uniform')
  const g1 = draws(kc, n, 'normal')
  const g2 = draws(kd, n, 'normal')
  const y = Array.from({ length: n }, (_, i) => i % 2)
  const point = (i: number): [number, number] => {
    const c = y[i]!
    switch (name) {
      case 'xor': {
        // the four corners of the unit square; class 1 at (0,1) and (1,0)
        const corner = i % 4
        const [cx, cy] = [
          [0, 0],
          [0, 1],
          [1, 1],
          [1, 0],
        ][corner]! as [number, number]
        const s = jitter(0.08, noise)
        return [cx + s * g1[i]!, cy + s * g2[i]!]
      }
      case 'blobs': {
        const m = c === 0 ? -0.5 : 0.5
        const s = jitter(0.2, 1.2 * noise)
        return [m + s * g1[i]!, m + s * g2[i]!]
      }
      case 'circle': {
        // class 0 inside radius 0.5, class 1 in the ring 0.7–1.0
        const r = c === 0 ? 0.5 * Math.sqrt(u1[i]!) : 0.7 + 0.3 * u1[i]!
        const a = 2 * Math.PI * u2[i]!
        const s = jitter(0, 0.6 * noise)
        return [r * Math.cos(a) + s * g1[i]!, r * Math.sin(a) + s * g2[i]!]
      }
      case 'spirals': {
        // two interleaved arms of 1.75 turns, the second rotated by π
        const tt = u1[i]!
        const r = 0.1 + 1.1 * tt
        const a = 3.5 * Math.PI * tt + c * Math.PI
        const s = jitter(0.02, 0.4 * noise)
        return [r * Math.cos(a) + s * g1[i]!, r * Math.sin(a) + s * g2[i]!]
      }
      case 'checkerboard': {
        // 4×4 cells over [−1, 1]²; a point of class c sits in a uniformly chosen cell of colour c
        const cell = Math.min(7, Math.floor(u1[i]! * 8))
        const row = Math.floor(cell / 2)
        const col = 2 * (cell % 2) + ((row + c) % 2)
        const s = jitter(0, 0.4 * noise)
        const inCell = (v: number): number => 0.05 + 0.4 * v
        return [-1 + 0.5 * col + inCell(u2[i]!) + s * g1[i]!, -1 + 0.5 * row + inCell(u3[i]!) + s * g2[i]!]
      }
    }
  }
  return { x: Array.from({ length: n }, (_, i) => point(i)), y }
}

/** One Iris flower: four measurements (cm) and the species index. */
export interface IrisData {
  readonly rows: readonly (readonly number[])[]
  readonly labels: readonly number[]
  readonly classes: readonly string[]
}

/**
 * Parses the vendored Iris CSV (`sepal_length,sepal_width,petal_length,petal_width,species` with a header). The
 * error names the line and the field. Pure, so the browser can use it on the text Vite inlines.
 */
export const parseIrisCsv = (text: string): E.Either<string, IrisData> => {
  const lines = text.split(/\r?\n/)
  const header = (lines[0] ?? '').trim()
  const want = [...IRIS_FEATURES, 'species'].join(',')
  if (header !== want) return E.left(`iris.csv line 1: expected the header '${want}', found '${header}'`)
  const rows: number[][] = []
  const names: string[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    const cells = line.split(',')
    if (cells.length !== 5)
      return E.left(`iris.csv line ${String(i + 1)}: expected 5 fields, found ${String(cells.length)}`)
    const nums = cells.slice(0, 4).map(Number)
    const bad = nums.findIndex((v) => !Number.isFinite(v))
    if (bad >= 0)
      return E.left(
        `iris.csv line ${String(i + 1)}: ${IRIS_FEATURES[bad]!} is '${cells[bad]!}', not a number`,
      )
    rows.push(nums)
    names.push(cells[4]!.trim())
  }
  const classes = [...new Set(names)]
  return E.right({ rows, labels: names.map((s) => classes.indexOf(s)), classes })
}

/** Splits each class by a seeded permutation: `round(ratio · count)` points of every class go to training. */
export const stratifiedSplit = (
  data: Labelled,
  ratio: number,
  k: ct.Key,
): { readonly train: Labelled; readonly test: Labelled } => {
  const classes = [...new Set(data.y)].sort((a, b) => a - b)
  const trainIdx: number[] = []
  const testIdx: number[] = []
  classes.forEach((c) => {
    const members = data.y.flatMap((y, i) => (y === c ? [i] : []))
    const order = permutation(ct.random.fold(k, c), members.length)
    const nTrain = Math.round(ratio * members.length)
    order.forEach((j, r) => (r < nTrain ? trainIdx : testIdx).push(members[j]!))
  })
  // interleave the classes in a seeded order, so a mini-batch is not one class
  const mix = (idx: readonly number[], salt: number): number[] =>
    permutation(ct.random.fold(k, 1000 + salt), idx.length).map((j) => idx[j]!)
  const pick = (idx: readonly number[]): Labelled => ({
    x: idx.map((i) => data.x[i]!),
    y: idx.map((i) => data.y[i]!),
  })
  return { train: pick(mix(trainIdx, 0)), test: pick(mix(testIdx, 1)) }
}

/** Column means and population standard deviations (a constant column gets 1). */
export const columnStats = (
  rows: readonly (readonly number[])[],
): { readonly mean: readonly number[]; readonly std: readonly number[] } => {
  const d = rows[0]?.length ?? 0
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length)
  const std = mean.map((m, j) => {
    const v = rows.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / rows.length
    return v > 0 ? Math.sqrt(v) : 1
  })
  return { mean, std }
}

const TOY_CLASSES: Readonly<Record<Exclude<DatasetName, 'iris'>, readonly string[]>> = {
  xor: ['x1 = x2', 'x1 ≠ x2'],
  blobs: ['lower blob', 'upper blob'],
  circle: ['inside', 'ring'],
  spirals: ['arm 0', 'arm 1'],
  checkerboard: ['dark', 'light'],
}

/**
 * The data set of a configuration. Keys: `fold(key(seed), 0)` for the points, `fold(key(seed), 3)` for the split.
 * Iris needs the CSV text (the page imports it with Vite's `?raw`; tests read the file); its chosen features are
 * standardised with the training split's statistics.
 */
export const makeDataset = (config: Config, irisCsv?: string): Dataset => {
  const root = ct.random.key(config.seed)
  const splitKey = ct.random.fold(root, 3)
  if (config.dataset === 'iris') {
    if (irisCsv === undefined) throw new Error('makeDataset: the iris data set needs the CSV text')
    const parsed = parseIrisCsv(irisCsv)
    if (E.isLeft(parsed)) throw new Error(parsed.left)
    const iris = parsed.right
    const cols = config.irisFeatures
    const all: Labelled = { x: iris.rows.map((r) => cols.map((c) => r[c]!)), y: iris.labels }
    const { train, test } = stratifiedSplit(all, config.trainRatio, splitKey)
    const s = columnStats(train.x)
    const z = (rows: readonly (readonly number[])[]): number[][] =>
      rows.map((r) => r.map((v, j) => (v - s.mean[j]!) / s.std[j]!))
    return {
      name: 'iris',
      xTrain: z(train.x),
      yTrain: train.y,
      xTest: z(test.x),
      yTest: test.y,
      classes: iris.classes,
      features: cols.map((c) => `${IRIS_FEATURES[c]!} (standardised)`),
      domain: [-3, 3],
    }
  }
  const raw = toyPoints(config.dataset, config.points, config.noise, ct.random.fold(root, 0))
  const { train, test } = stratifiedSplit(raw, config.trainRatio, splitKey)
  return {
    name: config.dataset,
    xTrain: train.x,
    yTrain: train.y,
    xTest: test.x,
    yTest: test.y,
    classes: TOY_CLASSES[config.dataset],
    features: ['x1', 'x2'],
    domain: config.dataset === 'xor' ? [-0.5, 1.5] : [-1.5, 1.5],
  }
}
