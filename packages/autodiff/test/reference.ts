/**
 * An independent reference for forward values: n-dimensional arrays as plain JS number arrays with a shape, and
 * every op written as a naive loop over multi-indices. Nothing here calls the tensor kernels or the autodiff ops
 * (tensors are only read, through `toArray`, and built, through `fromArray`), so a wrong axis, divisor, broadcast
 * or formula in the code under test disagrees with it.
 */
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

/** A plain n-d array: row-major data and its shape. */
export interface Nd {
  readonly shape: readonly number[]
  readonly data: readonly number[]
}

export const size = (shape: readonly number[]): number => {
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** The multi-index of flat position `i` in row-major order. */
export const unravel = (i: number, shape: readonly number[]): number[] => {
  const idx = new Array<number>(shape.length).fill(0)
  let r = i
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = r % shape[d]!
    r = Math.floor(r / shape[d]!)
  }
  return idx
}

/** The flat position of a multi-index in row-major order. */
export const ravel = (idx: readonly number[], shape: readonly number[]): number => {
  let p = 0
  for (let d = 0; d < shape.length; d++) p = p * shape[d]! + idx[d]!
  return p
}

export const nd = (shape: readonly number[], data: readonly number[]): Nd => {
  if (data.length !== size(shape))
    throw new Error(`reference: ${data.length} values for shape [${shape.join(',')}]`)
  return { shape: [...shape], data: [...data] }
}

/** Builds an array by evaluating `f` at every multi-index. */
export const build = (shape: readonly number[], f: (idx: number[]) => number): Nd =>
  nd(
    shape,
    Array.from({ length: size(shape) }, (_, i) => f(unravel(i, shape))),
  )

export const at = (x: Nd, idx: readonly number[]): number => x.data[ravel(idx, x.shape)]!

export const ndOf = (v: Value): Nd => nd(v.shape, Array.from(A.toArray(v)))
export const tensorOf = (x: Nd, dtype: T.DType = 'float64'): Tensor =>
  T.fromArray([...x.data], [...x.shape], { dtype })

/** A small deterministic PRNG (mulberry32). */
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

/** Uniform values in [lo, hi), deterministic for a seed. */
export const random = (shape: readonly number[], seed: number, lo = -2, hi = 2): Nd => {
  const r = rng(seed)
  return build(shape, () => lo + (hi - lo) * r())
}

// ---------------------------------------------------------------------------------------------------------------
// Element-wise

export const map = (x: Nd, f: (v: number) => number): Nd => nd(x.shape, x.data.map(f))

/** NumPy broadcast shape, written independently of the tensor package. */
export const broadcastShape = (...shapes: (readonly number[])[]): number[] => {
  const n = Math.max(...shapes.map((s) => s.length))
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    let d = 1
    for (const s of shapes) {
      const k = s[s.length - n + i] ?? 1
      if (k !== 1) {
        if (d !== 1 && d !== k)
          throw new Error(`reference: cannot broadcast [${shapes.map((q) => q.join(',')).join('] with [')}]`)
        d = k
      }
    }
    out.push(d)
  }
  return out
}

/** Reads `x` at an output multi-index of a broadcast result (trailing alignment, size-1 axes repeat). */
export const readBroadcast = (x: Nd, outIdx: readonly number[]): number => {
  const off = outIdx.length - x.shape.length
  return at(
    x,
    x.shape.map((d, i) => (d === 1 ? 0 : outIdx[off + i]!)),
  )
}

export const zip = (xs: readonly Nd[], f: (...v: number[]) => number): Nd => {
  const shape = broadcastShape(...xs.map((x) => x.shape))
  return build(shape, (idx) => f(...xs.map((x) => readBroadcast(x, idx))))
}

// ---------------------------------------------------------------------------------------------------------------
// Reductions

export const normAxes = (axis: number | readonly number[] | undefined, rank: number): number[] =>
  axis === undefined
    ? Array.from({ length: rank }, (_, i) => i)
    : (typeof axis === 'number' ? [axis] : [...axis]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q)

/**
 * Reduces `x` over `axes`: `f` receives the values of one output position in row-major order of the reduced
 * axes and returns one number.
 */
export const reduce = (
  x: Nd,
  axis: number | readonly number[] | undefined,
  keepdims: boolean,
  f: (vals: number[]) => number,
): Nd => {
  const axes = normAxes(axis, x.shape.length)
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
  const groups = new Map<number, number[]>()
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape)
    const key = ravel(
      idx.map((v, d) => (axes.includes(d) ? 0 : v)),
      keptShape,
    )
    const g = groups.get(key) ?? []
    g.push(x.data[i]!)
    groups.set(key, g)
  }
  const out = Array.from({ length: size(keptShape) }, (_, k) => f(groups.get(k) ?? []))
  return nd(keepdims ? keptShape : x.shape.filter((_, i) => !axes.includes(i)), out)
}

export const total = (v: readonly number[]): number => v.reduce((s, q) => s + q, 0)

/** The naive log-sum-exp of a list (shifted by its max so that large values stay finite). */
export const lse = (v: readonly number[]): number => {
  const m = Math.max(...v)
  if (!Number.isFinite(m)) return m
  return m + Math.log(total(v.map((q) => Math.exp(q - m))))
}

/** Applies `f` to every 1-d fibre along `axis` (output keeps x's shape). */
export const alongAxis = (x: Nd, axis: number, f: (fibre: number[]) => number[]): Nd => {
  const a = axis < 0 ? axis + x.shape.length : axis
  const out = new Array<number>(x.data.length).fill(Number.NaN)
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape)
    if (idx[a] !== 0) continue
    const positions = Array.from({ length: x.shape[a]! }, (_, k) =>
      ravel(
        idx.map((v, d) => (d === a ? k : v)),
        x.shape,
      ),
    )
    const res = f(positions.map((p) => x.data[p]!))
    positions.forEach((p, k) => {
      out[p] = res[k]!
    })
  }
  return nd(x.shape, out)
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes

export const transposeRef = (x: Nd, perm: readonly number[]): Nd =>
  build(
    perm.map((p) => x.shape[p]!),
    (idx) => {
      const src = new Array<number>(perm.length)
      perm.forEach((p, i) => {
        src[p] = idx[i]!
      })
      return at(x, src)
    },
  )

/** The indices Python's `range(start, stop, step)` visits for a slice of a length-n axis. */
export const sliceIndices = (
  n: number,
  r: { start?: number; stop?: number; step?: number } | undefined,
): number[] => {
  const step = r?.step ?? 1
  const norm = (v: number, lo: number, hi: number): number => {
    const w = v < 0 ? v + n : v
    return Math.min(Math.max(w, lo), hi)
  }
  const out: number[] = []
  if (step > 0) {
    const start = r?.start === undefined ? 0 : norm(r.start, 0, n)
    const stop = r?.stop === undefined ? n : norm(r.stop, 0, n)
    for (let i = start; i < stop; i += step) out.push(i)
  } else {
    const start = r?.start === undefined ? n - 1 : norm(r.start, -1, n - 1)
    const stop = r?.stop === undefined ? -1 : norm(r.stop, -1, n - 1)
    for (let i = start; i > stop; i += step) out.push(i)
  }
  return out
}

/** Selects `picks[d]` (a list of indices) along every axis d. */
export const gather = (x: Nd, picks: readonly (readonly number[])[]): Nd =>
  build(
    picks.map((p) => p.length),
    (idx) =>
      at(
        x,
        idx.map((v, d) => picks[d]![v]!),
      ),
  )

export const concatRef = (xs: readonly Nd[], axis: number): Nd => {
  const r = xs[0]!.shape.length
  const a = axis < 0 ? axis + r : axis
  const sizes = xs.map((x) => x.shape[a]!)
  const shape = xs[0]!.shape.map((d, i) => (i === a ? total(sizes) : d))
  return build(shape, (idx) => {
    let k = idx[a]!
    let j = 0
    while (k >= sizes[j]!) {
      k -= sizes[j]!
      j++
    }
    return at(
      xs[j]!,
      idx.map((v, d) => (d === a ? k : v)),
    )
  })
}

/** Naive (batched, broadcast) matrix product with NumPy's 1-d promotion rules. */
export const matmulRef = (a: Nd, b: Nd): Nd => {
  const a2 = a.shape.length === 1 ? nd([1, a.shape[0]!], a.data) : a
  const b2 = b.shape.length === 1 ? nd([b.shape[0]!, 1], b.data) : b
  const m = a2.shape[a2.shape.length - 2]!
  const k = a2.shape[a2.shape.length - 1]!
  const n = b2.shape[b2.shape.length - 1]!
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2))
  const full = build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2)
    const i = idx[idx.length - 2]!
    const j = idx[idx.length - 1]!
    let s = 0
    for (let q = 0; q < k; q++)
      s +=
        readBroadcast(nd(a2.shape, a2.data), [...bi, i, q]) *
        readBroadcast(nd(b2.shape, b2.data), [...bi, q, j])
    return s
  })
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])]
  return nd(shape, full.data)
}
