/**
 * The floor: the same networks written as plain TypeScript loops over typed arrays, with the backward pass by
 * hand, as a careful user would write them without a library (i-k-j loop order, no SIMD, no threads).
 */
import { arrayOf, type DataFile, type MlpSpec, type OptimizerSpec } from '../workloads.js'
import type { FloatDType, Runner, Sample, SetupFn } from './types.js'

type Arr = Float64Array | Float32Array

const alloc = (dtype: FloatDType, n: number): Arr =>
  dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)

/** `c[m×n] += a[m×k] · b[k×n]` (row-major), i-k-j order. */
export const matmulInto = (a: Arr, b: Arr, c: Arr, m: number, k: number, n: number): void => {
  for (let i = 0; i < m; i++) {
    const ci = i * n
    for (let p = 0; p < k; p++) {
      const s = a[i * k + p]!
      if (s === 0) continue
      const bp = p * n
      for (let j = 0; j < n; j++) c[ci + j]! += s * b[bp + j]!
    }
  }
}

/** `c[k×n] += aᵀ · d` for `a[m×k]`, `d[m×n]`. */
const matmulTAInto = (a: Arr, d: Arr, c: Arr, m: number, k: number, n: number): void => {
  for (let i = 0; i < m; i++) {
    const di = i * n
    for (let p = 0; p < k; p++) {
      const s = a[i * k + p]!
      if (s === 0) continue
      const cp = p * n
      for (let j = 0; j < n; j++) c[cp + j]! += s * d[di + j]!
    }
  }
}

/** `c[m×k] = d[m×n] · bᵀ` for `b[k×n]`. */
const matmulTBInto = (d: Arr, b: Arr, c: Arr, m: number, k: number, n: number): void => {
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      let s = 0
      for (let j = 0; j < n; j++) s += d[i * n + j]! * b[p * n + j]!
      c[i * k + p] = s
    }
}

/** Parameters of an MLP as flat arrays: `W[l]` is `dims[l] × dims[l+1]`, `b[l]` is `dims[l+1]`. */
export interface PlainParams {
  readonly W: Arr[]
  readonly b: Arr[]
}

/**
 * Mean softmax cross-entropy of the MLP on one batch and, when `grads` is given, its gradient written into it.
 * `acts` is scratch (one array per layer output).
 */
export const mlpLossAndGrad = (
  spec: MlpSpec,
  p: PlainParams,
  x: Arr,
  y: Float64Array,
  acts: Arr[],
  grads: PlainParams | null,
  dtype: FloatDType,
): number => {
  const dims = spec.dims
  const L = dims.length - 1
  const n = y.length
  // forward: acts[l] = relu(in · W[l] + b[l]) (no relu on the last layer)
  for (let l = 0; l < L; l++) {
    const a = l === 0 ? x : acts[l - 1]!
    const out = acts[l]!
    const k = dims[l]!
    const m = dims[l + 1]!
    const b = p.b[l]!
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = b[j]!
    matmulInto(a, p.W[l]!, out, n, k, m)
    if (l < L - 1) for (let i = 0; i < n * m; i++) if (out[i]! < 0) out[i] = 0
  }
  const c = dims[L]!
  const z = acts[L - 1]!
  let loss = 0
  // dz = (softmax(z) − onehot(y)) / n, written over z when the gradient is wanted
  const dz = grads === null ? null : alloc(dtype, n * c)
  for (let i = 0; i < n; i++) {
    let mx = -Infinity
    for (let j = 0; j < c; j++) mx = Math.max(mx, z[i * c + j]!)
    let se = 0
    for (let j = 0; j < c; j++) se += Math.exp(z[i * c + j]! - mx)
    const label = y[i]!
    loss += Math.log(se) + mx - z[i * c + label]!
    if (dz !== null)
      for (let j = 0; j < c; j++)
        dz[i * c + j] = (Math.exp(z[i * c + j]! - mx) / se - (j === label ? 1 : 0)) / n
  }
  if (grads === null || dz === null) return loss / n
  let d: Arr = dz
  for (let l = L - 1; l >= 0; l--) {
    const a = l === 0 ? x : acts[l - 1]!
    const k = dims[l]!
    const m = dims[l + 1]!
    const gW = grads.W[l]!
    const gb = grads.b[l]!
    gW.fill(0)
    gb.fill(0)
    matmulTAInto(a, d, gW, n, k, m)
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) gb[j]! += d[i * m + j]!
    if (l > 0) {
      const da = alloc(dtype, n * k)
      matmulTBInto(d, p.W[l]!, da, n, k, m)
      // through the previous layer's relu: its output is a
      for (let i = 0; i < n * k; i++) if (a[i]! <= 0) da[i] = 0
      d = da
    }
  }
  return loss / n
}

/** One optimizer step in place over flat arrays (`state` holds the buffers; `t` counts steps from 1). */
export const optimizerStep = (o: OptimizerSpec, p: Arr, g: Arr, s1: Arr, s2: Arr, t: number): void => {
  const len = p.length
  switch (o.kind) {
    case 'sgd':
      for (let i = 0; i < len; i++) p[i]! -= o.lr * g[i]!
      return
    case 'momentum':
      for (let i = 0; i < len; i++) {
        s1[i] = o.beta * s1[i]! + g[i]!
        p[i]! -= o.lr * s1[i]!
      }
      return
    case 'adam': {
      const stepSize = o.lr / (1 - Math.pow(o.b1, t))
      const sqrtBc2 = Math.sqrt(1 - Math.pow(o.b2, t))
      for (let i = 0; i < len; i++) {
        const gi = g[i]!
        s1[i] = o.b1 * s1[i]! + (1 - o.b1) * gi
        s2[i] = o.b2 * s2[i]! + (1 - o.b2) * gi * gi
        p[i]! -= (stepSize * s1[i]!) / (Math.sqrt(s2[i]!) / sqrtBc2 + o.eps)
      }
    }
  }
}

const cast = (dtype: FloatDType, a: Float64Array): Arr =>
  dtype === 'float32' ? Float32Array.from(a) : a.slice()

/** The initial parameters of an MLP data file, as plain arrays of `dtype`. */
export const plainParams = (d: DataFile, spec: MlpSpec, dtype: FloatDType): PlainParams => ({
  W: spec.dims.slice(1).map((_, l) => cast(dtype, arrayOf(d, `W${String(l)}`).data)),
  b: spec.dims.slice(1).map((_, l) => cast(dtype, arrayOf(d, `b${String(l)}`).data)),
})

const scratch = (spec: MlpSpec, dtype: FloatDType): Arr[] =>
  spec.dims.slice(1).map((m) => alloc(dtype, spec.batch * m))

/** The loss of the initial parameters on the first batch, in float64: the reference every system's first loss must match. */
export const referenceFirstLoss = (d: DataFile, spec: MlpSpec): number =>
  mlpLossAndGrad(
    spec,
    plainParams(d, spec, 'float64'),
    arrayOf(d, 'x0').data,
    arrayOf(d, 'y0').data,
    scratch(spec, 'float64'),
    null,
    'float64',
  )

const trainRunner = (d: DataFile, spec: MlpSpec, dtype: FloatDType): Runner => {
  const xs = Array.from({ length: spec.nBatches }, (_, b) => cast(dtype, arrayOf(d, `x${String(b)}`).data))
  const ys = Array.from({ length: spec.nBatches }, (_, b) => arrayOf(d, `y${String(b)}`).data)
  return {
    run: () => {
      const p = plainParams(d, spec, dtype)
      const g: PlainParams = {
        W: p.W.map((w) => alloc(dtype, w.length)),
        b: p.b.map((b) => alloc(dtype, b.length)),
      }
      const all = [...p.W, ...p.b]
      const gAll = [...g.W, ...g.b]
      const s1 = all.map((a) => alloc(dtype, a.length))
      const s2 = all.map((a) => alloc(dtype, a.length))
      const acts = scratch(spec, dtype)
      const t0 = performance.now()
      let first = Number.NaN
      for (let step = 0; step < spec.steps; step++) {
        const b = step % spec.nBatches
        const l = mlpLossAndGrad(spec, p, xs[b]!, ys[b]!, acts, g, dtype)
        if (step === 0) first = l
        for (let i = 0; i < all.length; i++)
          optimizerStep(spec.optimizer, all[i]!, gAll[i]!, s1[i]!, s2[i]!, step + 1)
      }
      const ms = performance.now() - t0
      const lb = (spec.steps - 1) % spec.nBatches
      const last = mlpLossAndGrad(spec, p, xs[lb]!, ys[lb]!, acts, null, dtype)
      return Promise.resolve({ ms, first, last })
    },
  }
}

/** Sets up the plain loops for any workload but the apps. */
export const setupPlain: SetupFn = (d, dtype) => {
  const s = d.spec
  switch (s.kind) {
    case 'mlp':
      return Promise.resolve(trainRunner(d, s, dtype))
    case 'overhead': {
      const spec = s.mlp
      const p = plainParams(d, spec, dtype)
      const g: PlainParams = {
        W: p.W.map((w) => alloc(dtype, w.length)),
        b: p.b.map((b) => alloc(dtype, b.length)),
      }
      const x = cast(dtype, arrayOf(d, 'x0').data)
      const y = arrayOf(d, 'y0').data
      const acts = scratch(spec, dtype)
      return Promise.resolve({
        run: () => {
          // forward and forward + backward alternate, so that both see the same load
          let base = 0
          let both = 0
          for (let r = 0; r < s.reps; r++) {
            const t0 = performance.now()
            mlpLossAndGrad(spec, p, x, y, acts, null, dtype)
            const t1 = performance.now()
            mlpLossAndGrad(spec, p, x, y, acts, g, dtype)
            both += performance.now() - t1
            base += t1 - t0
          }
          return Promise.resolve({ ms: both, baseMs: base })
        },
      })
    }
    case 'matmul': {
      const n = s.n
      const a = cast(dtype, arrayOf(d, 'a').data)
      const b = cast(dtype, arrayOf(d, 'b').data)
      return Promise.resolve({
        run: (): Promise<Sample> => {
          const t0 = performance.now()
          for (let r = 0; r < s.reps; r++) matmulInto(a, b, alloc(dtype, n * n), n, n, n)
          return Promise.resolve({ ms: performance.now() - t0 })
        },
        output: () => {
          const c = alloc(dtype, n * n)
          matmulInto(a, b, c, n, n, n)
          return Promise.resolve(c)
        },
      })
    }
    case 'app':
      return Promise.reject(new Error('bench: the plain loop has no app workload'))
  }
}
