/**
 * Seeded stratified splits: every class is divided in the same proportions, so a 80/10/10 split of a corpus with
 * 50% positives has 50% positives in each part. Randomness comes from `@cotangent/tensor`'s counter-based keys, so
 * a seed gives the same split on every machine and in every run.
 * @module
 */
import { fold, key, permutation, splitKey, toArray, type Key } from '@cotangent/tensor'

const perm = (k: Key, n: number): Int32Array => toArray(permutation(k, n)) as Int32Array

/**
 * How many of `n` items go to each part for the given fractions (non-negative, summing to 1): the floors of
 * `n · f`, plus one for the parts with the largest remainders (ties to the earlier part) until the counts sum to
 * `n` (the largest-remainder method). `splitCounts(10, [0.8, 0.1, 0.1])` is `[8, 1, 1]`.
 */
export const splitCounts = (n: number, fractions: readonly number[]): number[] => {
  checkFractions('splitCounts', fractions)
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`splitCounts: n must be a non-negative integer, got ${String(n)}`)
  const exact = fractions.map((f) => n * f)
  const floors = exact.map((x) => Math.floor(x + 1e-9))
  const missing = n - floors.reduce((a, b) => a + b, 0)
  const byRemainder = exact
    .map((x, i) => ({ i, r: x - floors[i]! }))
    .sort((a, b) => b.r - a.r || a.i - b.i)
    .slice(0, Math.max(0, missing))
    .map((e) => e.i)
  return floors.map((c, i) => c + (byRemainder.includes(i) ? 1 : 0))
}

const checkFractions = (op: string, fractions: readonly number[]): void => {
  if (fractions.length === 0) throw new RangeError(`${op}: fractions must not be empty`)
  const bad = fractions.findIndex((f) => !Number.isFinite(f) || f < 0)
  if (bad >= 0)
    throw new RangeError(
      `${op}: fractions must be finite and non-negative, got ${String(fractions[bad])} at position ${String(bad)}`,
    )
  const sum = fractions.reduce((a, b) => a + b, 0)
  if (Math.abs(sum - 1) > 1e-6)
    throw new RangeError(`${op}: fractions must sum to 1, got [${fractions.join(', ')}] (sum ${String(sum)})`)
}

/**
 * Splits the indices `0…labels.length-1` into `fractions.length` parts, stratified by label: the members of each
 * class are shuffled (seeded) and dealt out with {@link splitCounts}, so every class is split in the same
 * proportions (up to rounding, one item per class and part). Each returned index array is itself in a seeded random
 * order (shuffle again per epoch for training). Parts are disjoint and together hold every index exactly once.
 * Deterministic: the same labels, fractions and seed give the same parts.
 *
 * `stratifiedSplit(iris.y, [0.8, 0.2], 0)` gives 120 training and 30 test indices, 40 and 10 of each species.
 * Labels must be integers (any values; classes are the distinct labels); fractions non-negative, summing to 1.
 */
export const stratifiedSplit = (
  labels: readonly number[],
  fractions: readonly number[],
  seed: number,
): number[][] => {
  checkFractions('stratifiedSplit', fractions)
  const badLabel = labels.findIndex((l) => !Number.isSafeInteger(l))
  if (badLabel >= 0)
    throw new RangeError(
      `stratifiedSplit: labels must be integers, got ${String(labels[badLabel])} at position ${String(badLabel)}`,
    )
  const [classKey, orderKey] = splitKey(key(seed), 2) as [Key, Key]
  const classes = [...new Set(labels)].sort((a, b) => a - b)
  const classOf = new Map(classes.map((c, k) => [c, k]))
  const members = classes.map((): number[] => [])
  // Local scratch lists, filled once and never returned.
  labels.forEach((l, i) => members[classOf.get(l)!]!.push(i)) // eslint-disable-line functional/immutable-data
  const dealt = members.map((idx, k) => {
    const p = perm(fold(classKey, k), idx.length)
    const shuffled = Array.from(p, (j) => idx[j]!)
    const counts = splitCounts(idx.length, fractions)
    const starts = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0))
    return counts.map((cnt, i) => shuffled.slice(starts[i], starts[i]! + cnt))
  })
  return fractions.map((_, part) => {
    const joined = dealt.flatMap((d) => d[part]!)
    const order = perm(fold(orderKey, part), joined.length)
    return Array.from(order, (j) => joined[j]!)
  })
}

/** Train, dev and test document indices. */
export interface Splits {
  readonly train: number[]
  readonly dev: number[]
  readonly test: number[]
}

/** Options of {@link splitCorpus}. */
export interface SplitOptions {
  /** Train/dev/test fractions for a corpus without a split column. Default `[0.8, 0.1, 0.1]`. */
  readonly fractions?: readonly [number, number, number]
  /** With a split column and no dev rows in it: the fraction of the training rows carved out as dev. Default 0.1. */
  readonly devFraction?: number
}

/**
 * Train/dev/test indices of a corpus (a {@link TextCorpus}, an encoded one, or any `{ labels, split? }`), seeded and
 * stratified by label. Without a split column: {@link stratifiedSplit} with `fractions` (80/10/10). With one: its
 * train and test rows as they are, and its dev rows — or, when it has none, a stratified `devFraction` of the
 * training rows (the rest stays train). Rows whose split code is unset (−1) are left out.
 */
export const splitCorpus = (
  corpus: { readonly labels: ArrayLike<number>; readonly split?: ArrayLike<number> },
  seed: number,
  options?: SplitOptions,
): Splits => {
  const labels = Array.from(corpus.labels)
  if (corpus.split === undefined) {
    const [train, dev, test] = stratifiedSplit(labels, options?.fractions ?? [0.8, 0.1, 0.1], seed)
    return { train: train!, dev: dev!, test: test! }
  }
  const codes = Array.from(corpus.split)
  if (codes.length !== labels.length)
    throw new RangeError(
      `splitCorpus: ${String(codes.length)} split codes for ${String(labels.length)} labels`,
    )
  const rowsOf = (c: number): number[] => codes.flatMap((s, i) => (s === c ? [i] : []))
  const train = rowsOf(0)
  const dev = rowsOf(1)
  const test = rowsOf(2)
  if (dev.length > 0) return { train, dev, test }
  const devFraction = options?.devFraction ?? 0.1
  const [keep, carved] = stratifiedSplit(
    train.map((i) => labels[i]!),
    [1 - devFraction, devFraction],
    seed,
  )
  return { train: keep!.map((j) => train[j]!), dev: carved!.map((j) => train[j]!), test }
}
