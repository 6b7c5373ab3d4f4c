/**
 * jax-js on its WebAssembly device: the whole training step (value and gradient, then the optimizer arithmetic of
 * every other system) under one `jit`, each step awaited with `blockUntilReady` (un-awaited steps queue up and run
 * several times slower). jax-js moves ownership into every call, hence the `.ref`s: each array is consumed once.
 */
import { blockUntilReady, defaultDevice, init, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax'
import { arrayOf, type DataFile, type MlpSpec } from '../workloads.js'
import type { FloatDType, Runner, SetupFn } from './types.js'

/** Reads an array back (consuming it, as jax-js's `data()` does) as plain numbers. */
const read = async (a: np.Array): Promise<ArrayLike<number>> =>
  // jax-js's DataArray names Float16Array, which ES2023's lib (and Node 20) lack, so its type does not resolve
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return
  await a.data()

let started: Promise<void> | null = null
const start = (): Promise<void> => {
  started ??= init('wasm').then((devices) => {
    if (!devices.includes('wasm'))
      throw new Error(`bench: jax-js has no wasm device (has ${devices.join(', ')})`)
    defaultDevice('wasm')
  })
  return started
}

const arrayFrom = (d: DataFile, name: string, dtype: FloatDType): np.Array => {
  const a = arrayOf(d, name)
  const data = dtype === 'float32' ? Float32Array.from(a.data) : Float64Array.from(a.data)
  return np.array(data).reshape([...a.shape])
}

/** Mean softmax cross-entropy of the MLP (ps: W0, b0, W1, b1, …); consumes every argument once. */
const lossOf =
  (nLayers: number) =>
  (ps: np.Array[], x: np.Array, y1h: np.Array): np.Array => {
    let h = x
    for (let l = 0; l < nLayers; l++) {
      const z = np.matmul(h, ps[2 * l]!).add(ps[2 * l + 1]!)
      h = l < nLayers - 1 ? nn.relu(z) : z
    }
    return nn.logSoftmax(h, -1).mul(y1h).sum(-1).mean().neg()
  }

const initial = (d: DataFile, spec: MlpSpec, dtype: FloatDType): np.Array[] =>
  spec.dims
    .slice(1)
    .flatMap((_, l) => [arrayFrom(d, `W${String(l)}`, dtype), arrayFrom(d, `b${String(l)}`, dtype)])

const oneHot = (d: DataFile, b: number, classes: number, dtype: FloatDType): np.Array => {
  const y = arrayOf(d, `y${String(b)}`).data
  const m = dtype === 'float32' ? new Float32Array(y.length * classes) : new Float64Array(y.length * classes)
  y.forEach((label, i) => {
    m[i * classes + label] = 1
  })
  return np.array(m).reshape([y.length, classes])
}

type Step = (
  ps: np.Array[],
  s1: np.Array[],
  s2: np.Array[],
  x: np.Array,
  y: np.Array,
  hyper: np.Array[],
) => [np.Array, np.Array[], np.Array[], np.Array[]]

const makeStep = (spec: MlpSpec): Step => {
  const L = spec.dims.length - 1
  const loss = lossOf(L)
  const o = spec.optimizer
  return (ps, s1, s2, x, y, hyper) => {
    const [l, g] = valueAndGrad(loss)(
      ps.map((p) => p.ref),
      x,
      y,
    ) as unknown as [np.Array, np.Array[]]
    if (o.kind === 'sgd') return [l, ps.map((p, k) => p.sub(g[k]!.mul(o.lr))), [], []]
    if (o.kind === 'momentum') {
      const v = ps.map((_, k) => s1[k]!.mul(o.beta).add(g[k]!))
      return [l, ps.map((p, k) => p.sub(v[k]!.ref.mul(o.lr))), v, []]
    }
    const [stepSize, sqrtBc2] = hyper as [np.Array, np.Array]
    const m = ps.map((_, k) => s1[k]!.mul(o.b1).add(g[k]!.ref.mul(1 - o.b1)))
    const v = ps.map((_, k) => s2[k]!.mul(o.b2).add(np.square(g[k]!).mul(1 - o.b2)))
    const next = ps.map((p, k) =>
      p.sub(m[k]!.ref.div(np.sqrt(v[k]!.ref).div(sqrtBc2.ref).add(o.eps)).mul(stepSize.ref)),
    )
    stepSize.dispose()
    sqrtBc2.dispose()
    return [l, next, m, v]
  }
}

const trainRunner = (d: DataFile, spec: MlpSpec, dtype: FloatDType): Runner => {
  const C = spec.dims[spec.dims.length - 1]!
  const L = spec.dims.length - 1
  const xs = Array.from({ length: spec.nBatches }, (_, b) => arrayFrom(d, `x${String(b)}`, dtype))
  const ys = Array.from({ length: spec.nBatches }, (_, b) => oneHot(d, b, C, dtype))
  const step = jit(makeStep(spec)) as unknown as Step
  const lossJit = jit(lossOf(L))
  const o = spec.optimizer
  const scalar = (v: number): np.Array =>
    np.array(dtype === 'float32' ? Float32Array.of(v) : Float64Array.of(v)).reshape([])
  return {
    run: async () => {
      let params = initial(d, spec, dtype)
      let s1 = o.kind === 'sgd' ? [] : params.map((p) => np.zerosLike(p.ref))
      let s2 = o.kind === 'adam' ? params.map((p) => np.zerosLike(p.ref)) : []
      let first = Number.NaN
      const t0 = performance.now()
      for (let i = 0; i < spec.steps; i++) {
        const b = i % spec.nBatches
        const t = i + 1
        const hyper =
          o.kind === 'adam'
            ? [scalar(o.lr / (1 - Math.pow(o.b1, t))), scalar(Math.sqrt(1 - Math.pow(o.b2, t)))]
            : []
        const [l, next, n1, n2] = step(params, s1, s2, xs[b]!.ref, ys[b]!.ref, hyper)
        await blockUntilReady([next, n1, n2])
        if (i === 0) first = (await read(l))[0]!
        else l.dispose()
        params = next
        s1 = n1
        s2 = n2
      }
      const ms = performance.now() - t0
      const lb = (spec.steps - 1) % spec.nBatches
      const last = (await read(lossJit(params, xs[lb]!.ref, ys[lb]!.ref)))[0]!
      s1.forEach((a) => {
        a.dispose()
      })
      s2.forEach((a) => {
        a.dispose()
      })
      return { ms, first, last }
    },
  }
}

/** Sets up jax-js (wasm device) for every workload but the apps. */
export const setupJaxjs: SetupFn = async (d, dtype) => {
  await start()
  const s = d.spec
  switch (s.kind) {
    case 'mlp':
      return trainRunner(d, s, dtype)
    case 'overhead': {
      const L = s.mlp.dims.length - 1
      const C = s.mlp.dims[L]!
      const p = initial(d, s.mlp, dtype)
      const x = arrayFrom(d, 'x0', dtype)
      const y = oneHot(d, 0, C, dtype)
      const f = jit(lossOf(L))
      const vg = jit(valueAndGrad(lossOf(L)))
      const refs = (): np.Array[] => p.map((a) => a.ref)
      return {
        run: async () => {
          // forward and forward + backward alternate, so that both see the same load
          let base = 0
          let both = 0
          for (let r = 0; r < s.reps; r++) {
            const t0 = performance.now()
            await read(f(refs(), x.ref, y.ref))
            const t1 = performance.now()
            const [v, g] = vg(refs(), x.ref, y.ref) as unknown as [np.Array, np.Array[]]
            await blockUntilReady(g)
            await read(v)
            both += performance.now() - t1
            base += t1 - t0
            g.forEach((a) => {
              a.dispose()
            })
          }
          return { ms: both, baseMs: base }
        },
      }
    }
    case 'matmul': {
      const a = arrayFrom(d, 'a', dtype)
      const b = arrayFrom(d, 'b', dtype)
      return {
        run: async () => {
          const t0 = performance.now()
          for (let r = 0; r < s.reps; r++) {
            const c = await blockUntilReady(np.matmul(a.ref, b.ref))
            c.dispose()
          }
          return { ms: performance.now() - t0 }
        },
        output: () => read(np.matmul(a.ref, b.ref)),
      }
    }
    case 'app':
      throw new Error('bench: jax-js has no app workload')
  }
}
