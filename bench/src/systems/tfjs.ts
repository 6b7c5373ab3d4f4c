/**
 * TensorFlow.js on its `cpu` (plain JS kernels) and `wasm` (XNNPACK) backends, float32 only (TF.js has no float64).
 * Gradients come from `tf.valueAndGrads`; the optimizer arithmetic is written with tf ops exactly as every other
 * system does it (TF.js's own `tf.train.adam` folds the bias correction differently), all inside `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { arrayOf, type DataFile, type MlpSpec } from '../workloads.js'
import type { Runner, SetupFn } from './types.js'

/** A TF.js backend. */
export type TfBackend = 'cpu' | 'wasm'

const use = async (backend: TfBackend): Promise<void> => {
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend)
    if (!ok) throw new Error(`bench: TF.js could not start its ${backend} backend`)
  }
  await tf.ready()
}

const tensorOf = (d: DataFile, name: string): tf.Tensor => {
  const a = arrayOf(d, name)
  return tf.tensor(Float32Array.from(a.data), [...a.shape], 'float32')
}

/** Mean softmax cross-entropy of the MLP (params: W0, b0, W1, b1, … in order) against one-hot targets. */
const lossOf = (nLayers: number, params: readonly tf.Tensor[], x: tf.Tensor, y1h: tf.Tensor): tf.Scalar => {
  let h = x
  for (let l = 0; l < nLayers; l++) {
    const z = tf.add(tf.matMul(h, params[2 * l]!), params[2 * l + 1]!)
    h = l < nLayers - 1 ? tf.relu(z) : z
  }
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(h, -1), y1h), -1))) as tf.Scalar
}

const initial = (d: DataFile, spec: MlpSpec): tf.Tensor[] =>
  spec.dims.slice(1).flatMap((_, l) => [tensorOf(d, `W${String(l)}`), tensorOf(d, `b${String(l)}`)])

const oneHots = (d: DataFile, spec: MlpSpec): tf.Tensor[] =>
  Array.from({ length: spec.nBatches }, (_, b) =>
    tf
      .oneHot(
        tf.tensor1d(Int32Array.from(arrayOf(d, `y${String(b)}`).data), 'int32'),
        spec.dims[spec.dims.length - 1]!,
      )
      .toFloat(),
  )

const trainRunner = (d: DataFile, spec: MlpSpec, backend: TfBackend): Runner => {
  const L = spec.dims.length - 1
  const xs = Array.from({ length: spec.nBatches }, (_, b) => tensorOf(d, `x${String(b)}`))
  const ys = oneHots(d, spec)
  const o = spec.optimizer
  return {
    run: async () => {
      await use(backend)
      let params = initial(d, spec)
      let s1 = params.map((p) => tf.zerosLike(p))
      let s2 = params.map((p) => tf.zerosLike(p))
      let first = Number.NaN
      const t0 = performance.now()
      for (let i = 0; i < spec.steps; i++) {
        const b = i % spec.nBatches
        const t = i + 1
        const out = tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => lossOf(L, ps, xs[b]!, ys[b]!))(
            params,
          )
          const next: tf.Tensor[] = []
          const n1: tf.Tensor[] = []
          const n2: tf.Tensor[] = []
          params.forEach((p, k) => {
            const g = grads[k]!
            if (o.kind === 'sgd') next.push(tf.sub(p, tf.mul(g, o.lr)))
            else if (o.kind === 'momentum') {
              const v = tf.add(tf.mul(s1[k]!, o.beta), g)
              n1.push(v)
              next.push(tf.sub(p, tf.mul(v, o.lr)))
            } else {
              const stepSize = o.lr / (1 - Math.pow(o.b1, t))
              const sqrtBc2 = Math.sqrt(1 - Math.pow(o.b2, t))
              const m = tf.add(tf.mul(s1[k]!, o.b1), tf.mul(g, 1 - o.b1))
              const v = tf.add(tf.mul(s2[k]!, o.b2), tf.mul(tf.square(g), 1 - o.b2))
              n1.push(m)
              n2.push(v)
              next.push(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), sqrtBc2), o.eps)), stepSize)))
            }
          })
          return { value, next, n1, n2 }
        })
        if (i === 0) first = (await out.value.data())[0]!
        out.value.dispose()
        tf.dispose(params)
        params = out.next
        if (out.n1.length > 0) {
          tf.dispose(s1)
          s1 = out.n1
        }
        if (out.n2.length > 0) {
          tf.dispose(s2)
          s2 = out.n2
        }
      }
      // TF.js cpu and wasm run eagerly; reading one value makes sure nothing is pending
      await params[0]!.data()
      const ms = performance.now() - t0
      const lb = (spec.steps - 1) % spec.nBatches
      const lastT = tf.tidy(() => lossOf(L, params, xs[lb]!, ys[lb]!))
      const last = (await lastT.data())[0]!
      tf.dispose([lastT, ...params, ...s1, ...s2])
      return { ms, first, last }
    },
  }
}

/** Sets up TF.js on `backend` for every workload but the apps (float32 only). */
export const setupTfjs =
  (backend: TfBackend): SetupFn =>
  async (d, dtype) => {
    if (dtype !== 'float32') throw new Error('bench: TF.js has no float64')
    await use(backend)
    const s = d.spec
    switch (s.kind) {
      case 'mlp':
        return trainRunner(d, s, backend)
      case 'overhead': {
        const L = s.mlp.dims.length - 1
        const p = initial(d, s.mlp)
        const x = tensorOf(d, 'x0')
        const y = oneHots(d, { ...s.mlp, nBatches: 1 })[0]!
        const vg = tf.valueAndGrads((...ps: tf.Tensor[]) => lossOf(L, ps, x, y))
        return {
          run: async () => {
            await use(backend)
            // forward and forward + backward alternate, so that both see the same load
            let base = 0
            let both = 0
            for (let r = 0; r < s.reps; r++) {
              const t0 = performance.now()
              const l = tf.tidy(() => lossOf(L, p, x, y))
              await l.data()
              const t1 = performance.now()
              const { value, grads } = vg(p)
              await value.data()
              both += performance.now() - t1
              base += t1 - t0
              tf.dispose([l, value, ...grads])
            }
            return { ms: both, baseMs: base }
          },
        }
      }
      case 'matmul': {
        const a = tensorOf(d, 'a')
        const b = tensorOf(d, 'b')
        return {
          run: async () => {
            await use(backend)
            const t0 = performance.now()
            for (let r = 0; r < s.reps; r++) {
              const c = tf.matMul(a, b)
              // eager backends: the product is computed when matMul returns; data() only waits on that
              if (r === s.reps - 1) await c.data()
              c.dispose()
            }
            return { ms: performance.now() - t0 }
          },
          output: async () => {
            await use(backend)
            const c = tf.matMul(a, b)
            const out = await c.data()
            c.dispose()
            return out
          },
        }
      }
      case 'app':
        throw new Error('bench: TF.js has no app workload')
    }
  }
