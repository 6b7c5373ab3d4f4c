// Shared helpers for the tensor package's tests: arbitraries and naive reference loops.
import fc from 'fast-check'
import { fromArray, toArray, type Tensor } from '../src/index.js'

/** Fixed seed for every property test of this package; fast-check prints it (and the path) on failure. */
export const SEED = 20261121
export const params = (numRuns = 100): fc.Parameters<unknown> => ({ seed: SEED, numRuns })

/** A shape with up to `maxRank` dims, each in [1, maxDim]. */
export const arbShape = (maxRank = 4, maxDim = 4, minRank = 0): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank })

/** Number of elements of a shape (naive, for the tests). */
export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)

/** A float64 tensor of the given shape with values in [-lim, lim] (no NaN). */
export const arbTensorOf = (shape: readonly number[], lim = 10): fc.Arbitrary<Tensor> =>
  fc
    .array(fc.double({ min: -lim, max: lim, noNaN: true, noDefaultInfinity: true }), {
      minLength: size(shape),
      maxLength: size(shape),
    })
    .map((v) => fromArray(v, shape))

/** A float64 tensor of a random shape. */
export const arbTensor = (maxRank = 4, maxDim = 4): fc.Arbitrary<Tensor> =>
  arbShape(maxRank, maxDim).chain((s) => arbTensorOf(s))

/** A pair of shapes that broadcast together (some dims set to 1 or dropped on either side). */
export const arbBroadcastPair = (maxRank = 4, maxDim = 4): fc.Arbitrary<[number[], number[]]> =>
  arbShape(maxRank, maxDim).chain((s) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
        fc.nat(s.length),
        fc.nat(s.length),
      )
      .map(([ma, mb, da, db]): [number[], number[]] => [
        s.map((d, i) => (ma[i] ? 1 : d)).slice(da),
        s.map((d, i) => (mb[i] && !ma[i] ? 1 : d)).slice(db),
      ]),
  )

/** Row-major multi-index of flat offset `k` in `shape`. */
export const unravel = (k: number, shape: readonly number[]): number[] => {
  const idx = new Array<number>(shape.length).fill(0)
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d]!
    k = Math.floor(k / shape[d]!)
  }
  return idx
}

/** Flat offset of a multi-index in `shape`. */
export const ravel = (idx: readonly number[], shape: readonly number[]): number =>
  idx.reduce((acc, i, d) => acc * shape[d]! + i, 0)

/** Plain number[] copy of a tensor's data. */
export const values = (t: Tensor): number[] => Array.from(toArray(t))

/** Asserts-free closeness check used inside properties. */
export const allClose = (a: readonly number[], b: readonly number[], rtol = 1e-9, atol = 1e-12): boolean =>
  a.length === b.length &&
  a.every(
    (x, i) =>
      Math.abs(x - b[i]!) <= atol + rtol * Math.abs(b[i]!) || (Number.isNaN(x) && Number.isNaN(b[i]!)),
  )

/** The values of `x` explicitly tiled to the broadcast `shape` (index arithmetic with unravel/ravel). */
export const tile = (x: Tensor, shape: readonly number[]): number[] => {
  const v = values(x)
  const off = shape.length - x.ndim
  return Array.from({ length: size(shape) }, (_, k) => {
    const idx = unravel(k, shape)
      .slice(off)
      .map((i, d) => (x.shape[d] === 1 ? 0 : i))
    return v[ravel(idx, x.shape)]!
  })
}

/** Equal element by element, NaN equal to NaN (+0 and -0 equal). */
export const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i] || (Number.isNaN(x) && Number.isNaN(b[i])))

/** Values that exercise edge cases: ordinary doubles plus small integers, NaN, ±Infinity, ±0 and duplicates. */
export const arbEdgeValue = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -2, max: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0) },
)

/** A float64 tensor of `shape` with values from `v` (edge-case values by default). */
export const arbTensorWith = (
  shape: readonly number[],
  v: fc.Arbitrary<number> = arbEdgeValue,
): fc.Arbitrary<Tensor> =>
  fc.array(v, { minLength: size(shape), maxLength: size(shape) }).map((xs) => fromArray(xs, shape))

/** True when `c` equals `ref` applied element by element to `a` and `b` explicitly tiled to `c`'s shape. */
export const agreesWithTiled = (
  c: Tensor,
  a: Tensor,
  b: Tensor,
  ref: (x: number, y: number) => number,
): boolean => {
  const ta = tile(a, c.shape)
  const tb = tile(b, c.shape)
  return same(
    values(c),
    ta.map((x, i) => ref(x, tb[i]!)),
  )
}

/** mulberry32: a small deterministic PRNG so that failures reproduce. */
export const rng = (seed: number): (() => number) => {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
