/**
 * fast-check arbitraries for property tests of differentiable code: shapes, pairs of shapes that broadcast,
 * tensors, positive tensors (for `log`, `sqrt`), tensors away from kinks (ReLU at 0) and tensors without ties
 * (for `max`, `min`, `maximum`). Every arbitrary shrinks (towards smaller shapes and simpler values).
 * @module
 */
import * as fc from 'fast-check'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'

/** Bounds of {@link arbShape}: rank in `[minRank, maxRank]` (default 0…4), dims in `[minDim, maxDim]` (default 1…3). */
export interface ShapeOptions {
  readonly minRank?: number
  readonly maxRank?: number
  readonly minDim?: number
  readonly maxDim?: number
}

/** Value options of the tensor arbitraries: values in `[min, max]` and the float dtype (default float64). */
export interface TensorOptions {
  readonly min?: number
  readonly max?: number
  readonly dtype?: 'float64' | 'float32'
}

/** Options of {@link arbAwayFromKinks}: no value within `margin` (default 0.1) of any of `kinks` (default `[0]`). */
export interface KinkOptions extends TensorOptions {
  readonly kinks?: readonly number[]
  readonly margin?: number
}

/** Options of {@link arbDistinct}: pairwise gaps of at least `margin` (default 0.05). */
export interface DistinctOptions extends TensorOptions {
  readonly margin?: number
}

const checkInt = (op: string, name: string, v: number, min: number): number => {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`${op}: ${name} must be an integer ≥ ${min}, got ${v}`)
  return v
}

const shapeBounds = (op: string, o: ShapeOptions | undefined): Required<ShapeOptions> => {
  const b = {
    minRank: o?.minRank ?? 0,
    maxRank: o?.maxRank ?? 4,
    minDim: o?.minDim ?? 1,
    maxDim: o?.maxDim ?? 3,
  }
  checkInt(op, 'minRank', b.minRank, 0)
  checkInt(op, 'maxRank', b.maxRank, b.minRank)
  checkInt(op, 'minDim', b.minDim, 0)
  checkInt(op, 'maxDim', b.maxDim, b.minDim)
  return b
}

/** Shapes (arrays of dimensions) with rank and dimension sizes within the bounds. */
export const arbShape = (opts?: ShapeOptions): fc.Arbitrary<number[]> => {
  const b = shapeBounds('arbShape', opts)
  return fc.array(fc.integer({ min: b.minDim, max: b.maxDim }), {
    minLength: b.minRank,
    maxLength: b.maxRank,
  })
}

/**
 * Two shapes that broadcast together: both derive from one full shape (drawn by {@link arbShape}) by dropping
 * some leading dimensions and turning some dimensions into 1.
 */
export const arbBroadcastShapes = (opts?: ShapeOptions): fc.Arbitrary<[number[], number[]]> => {
  const b = shapeBounds('arbBroadcastShapes', opts)
  const derived = (full: readonly number[]): fc.Arbitrary<number[]> =>
    fc
      .tuple(
        fc.integer({ min: 0, max: full.length }),
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
      )
      .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] === true ? 1 : d)))
  return arbShape(b).chain((full) => fc.tuple(derived(full), derived(full)))
}

const valueBounds = (
  op: string,
  o: TensorOptions | undefined,
  min: number,
  max: number,
): [number, number] => {
  const lo = o?.min ?? min
  const hi = o?.max ?? max
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi))
    throw new RangeError(`${op}: need finite min ≤ max, got min=${lo}, max=${hi}`)
  return [lo, hi]
}

const checkShape = (op: string, shape: readonly number[]): number => {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new RangeError(`${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`)
  return T.sizeOf(shape)
}

const dbl = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v))

const fill =
  (shape: readonly number[], dtype: 'float64' | 'float32' | undefined) =>
  (values: readonly number[]): Tensor =>
    T.fromArray(values, shape, { dtype: dtype ?? 'float64' })

/** Tensors of a fixed `shape` with values in `[min, max]` (default −3…3). */
export const arbTensor = (shape: readonly number[], opts?: TensorOptions): fc.Arbitrary<Tensor> => {
  const n = checkShape('arbTensor', shape)
  const [lo, hi] = valueBounds('arbTensor', opts, -3, 3)
  return fc.array(dbl(lo, hi), { minLength: n, maxLength: n }).map(fill(shape, opts?.dtype))
}

/** Tensors with values in `[min, max]`, `min > 0` (default 0.2…3): for `log`, `sqrt`, `pow` bases, denominators. */
export const arbPositiveTensor = (shape: readonly number[], opts?: TensorOptions): fc.Arbitrary<Tensor> => {
  const n = checkShape('arbPositiveTensor', shape)
  const [lo, hi] = valueBounds('arbPositiveTensor', opts, 0.2, 3)
  if (!(lo > 0)) throw new RangeError(`arbPositiveTensor: min must be > 0, got ${lo}`)
  return fc.array(dbl(lo, hi), { minLength: n, maxLength: n }).map(fill(shape, opts?.dtype))
}

/** The parts of `[lo, hi]` at distance ≥ margin from every kink, as closed intervals. */
const allowedIntervals = (
  lo: number,
  hi: number,
  kinks: readonly number[],
  margin: number,
): [number, number][] =>
  [...kinks]
    .sort((a, b) => a - b)
    .reduce<[number, number][]>(
      (ivs, k) =>
        ivs.flatMap(
          ([a, b]): [number, number][] =>
            [
              [a, Math.min(b, k - margin)],
              [Math.max(a, k + margin), b],
            ].filter(([x, y]) => x! <= y!) as [number, number][],
        ),
      [[lo, hi]],
    )

/**
 * Tensors whose values all lie at distance ≥ `margin` (default 0.1) from every kink (default `[0]`, e.g. ReLU's),
 * within `[min, max]` (default −3…3). Values are drawn from the allowed intervals in proportion to their lengths.
 */
export const arbAwayFromKinks = (shape: readonly number[], opts?: KinkOptions): fc.Arbitrary<Tensor> => {
  const n = checkShape('arbAwayFromKinks', shape)
  const [lo, hi] = valueBounds('arbAwayFromKinks', opts, -3, 3)
  const margin = opts?.margin ?? 0.1
  const kinks = opts?.kinks ?? [0]
  if (!(margin >= 0) || !Number.isFinite(margin))
    throw new RangeError(`arbAwayFromKinks: margin must be ≥ 0, got ${margin}`)
  const ivs = allowedIntervals(lo, hi, kinks, margin)
  if (ivs.length === 0)
    throw new RangeError(
      `arbAwayFromKinks: no value of [${lo}, ${hi}] is at distance ≥ ${margin} from the kinks [${kinks.join(', ')}]`,
    )
  const total = ivs.reduce((s, [a, b]) => s + (b - a), 0)
  const value = fc.oneof(
    ...ivs.map(([a, b]) => ({
      arbitrary: dbl(a, b),
      weight: Math.max(1, Math.round((1000 * (b - a)) / Math.max(total, 1e-300))),
    })),
  )
  const stored = (v: number): number => (opts?.dtype === 'float32' ? Math.fround(v) : v)
  const away = (v: number): boolean => kinks.every((k) => Math.abs(stored(v) - k) >= margin)
  // float32 rounding may move a boundary value by an ulp; the filter keeps the promise exactly.
  return fc.array(value.filter(away), { minLength: n, maxLength: n }).map(fill(shape, opts?.dtype))
}

/**
 * Tensors without ties: every two values differ by at least `margin` (default 0.05), within `[min, max]`
 * (default −3…3) — for `max`, `min`, `maximum`, `minimum`, sorting. Throws a RangeError when `size` values with
 * those gaps cannot fit in the range.
 */
export const arbDistinct = (shape: readonly number[], opts?: DistinctOptions): fc.Arbitrary<Tensor> => {
  const n = checkShape('arbDistinct', shape)
  const [lo, hi] = valueBounds('arbDistinct', opts, -3, 3)
  const margin = opts?.margin ?? 0.05
  if (!(margin >= 0) || !Number.isFinite(margin))
    throw new RangeError(`arbDistinct: margin must be ≥ 0, got ${margin}`)
  // float32 storage rounds values by up to half an ulp of the range's magnitude: keep that much extra room.
  const slack = opts?.dtype === 'float32' ? 2 * Math.max(Math.abs(lo), Math.abs(hi)) * 2 ** -23 : 0
  const gap = margin * (1 + 1e-9) + slack
  const room = hi - lo - Math.max(n - 1, 0) * gap
  if (room < 0)
    throw new RangeError(
      `arbDistinct: ${n} values with pairwise gaps ≥ ${margin} do not fit in [${lo}, ${hi}] (widen the range or lower the margin)`,
    )
  // Sorted offsets in [0, room], spread by i·gap, then placed in a random order.
  return fc
    .tuple(
      fc.array(dbl(0, room), { minLength: n, maxLength: n }),
      fc.array(fc.nat(), { minLength: n, maxLength: n }),
    )
    .map(([offsets, order]) => {
      const sorted = [...offsets].sort((a, b) => a - b).map((o, i) => Math.min(lo + o + i * gap, hi))
      const perm = order.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1])
      return fill(shape, opts?.dtype)(perm.map(([, i]) => sorted[i]!))
    })
}
