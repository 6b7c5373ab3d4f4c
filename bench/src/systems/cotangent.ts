/**
 * Cotangent through its public `cotangent` API, written the way a user writes a training loop: a `ct.nn.mlp`,
 * `ct.losses.softmaxCrossEntropy`, `ct.valueAndGrad`, a `ct.optim` optimizer and `ct.optim.applyUpdates`.
 */
import * as ct from 'cotangent'
import { arrayOf, type DataFile, type MlpSpec, type OptimizerSpec } from '../workloads.js'
import type { Runner, SetupFn } from './types.js'

type DType = 'float32' | 'float64'

const optimizer = (o: OptimizerSpec) => {
  switch (o.kind) {
    case 'sgd':
      return ct.optim.sgd(o.lr)
    case 'momentum':
      return ct.optim.momentum(o.lr, o.beta)
    case 'adam':
      return ct.optim.adam(o.lr, { b1: o.b1, b2: o.b2, eps: o.eps })
  }
}

const model = (spec: MlpSpec, dtype: DType) =>
  ct.nn.mlp({
    hiddenDims: spec.dims.slice(1, -1),
    activation: 'relu',
    outDim: spec.dims[spec.dims.length - 1]!,
    dtype,
  })

const tensorOf = (d: DataFile, name: string, dtype: DType | 'int32'): ct.Tensor => {
  const a = arrayOf(d, name)
  return ct.fromArray(a.data, a.shape, { dtype })
}

const initialParams = (d: DataFile, spec: MlpSpec, dtype: DType) => ({
  layers: spec.dims
    .slice(1)
    .map((_, l) => ({ W: tensorOf(d, `W${String(l)}`, dtype), b: tensorOf(d, `b${String(l)}`, dtype) })),
})

const lossFn = (spec: MlpSpec, dtype: DType) => {
  const m = model(spec, dtype)
  return (p: ReturnType<typeof initialParams>, x: ct.Tensor, y: ct.Tensor): ct.Value =>
    ct.losses.softmaxCrossEntropy(m.apply(p, x), y)
}

const trainRunner = (d: DataFile, spec: MlpSpec, dtype: DType): Runner => {
  const xs = Array.from({ length: spec.nBatches }, (_, b) => tensorOf(d, `x${String(b)}`, dtype))
  const ys = Array.from({ length: spec.nBatches }, (_, b) => tensorOf(d, `y${String(b)}`, 'int32'))
  const loss = lossFn(spec, dtype)
  const step = ct.valueAndGrad(loss)
  const opt = optimizer(spec.optimizer)
  const params0 = initialParams(d, spec, dtype)
  return {
    run: () => {
      let params = params0
      let state = opt.init(params)
      let first = Number.NaN
      const t0 = performance.now()
      for (let i = 0; i < spec.steps; i++) {
        const b = i % spec.nBatches
        const [value, grads] = step(params, xs[b]!, ys[b]!)
        if (i === 0) first = ct.item(value)
        const [updates, next] = opt.update(grads, state, params)
        params = ct.optim.applyUpdates(params, updates)
        state = next
      }
      const ms = performance.now() - t0
      const lb = (spec.steps - 1) % spec.nBatches
      const last = ct.item(loss(params, xs[lb]!, ys[lb]!))
      return Promise.resolve({ ms, first, last })
    },
  }
}

/** Sets up Cotangent for every workload but the apps (see ./apps.ts). */
export const setupCotangent: SetupFn = (d, dtype) => {
  const s = d.spec
  switch (s.kind) {
    case 'mlp':
      return Promise.resolve(trainRunner(d, s, dtype))
    case 'overhead': {
      const loss = lossFn(s.mlp, dtype)
      const vg = ct.valueAndGrad(loss)
      const p = initialParams(d, s.mlp, dtype)
      const x = tensorOf(d, 'x0', dtype)
      const y = tensorOf(d, 'y0', 'int32')
      return Promise.resolve({
        run: () => {
          // forward and forward + backward alternate, so that both see the same load
          let base = 0
          let both = 0
          for (let r = 0; r < s.reps; r++) {
            const t0 = performance.now()
            loss(p, x, y)
            const t1 = performance.now()
            vg(p, x, y)
            both += performance.now() - t1
            base += t1 - t0
          }
          return Promise.resolve({ ms: both, baseMs: base })
        },
      })
    }
    case 'matmul': {
      const a = tensorOf(d, 'a', dtype)
      const b = tensorOf(d, 'b', dtype)
      return Promise.resolve({
        run: () => {
          const t0 = performance.now()
          for (let r = 0; r < s.reps; r++) ct.matmul(a, b)
          return Promise.resolve({ ms: performance.now() - t0 })
        },
        output: () => Promise.resolve(ct.toArray(ct.matmul(a, b))),
      })
    }
    case 'app':
      return Promise.reject(new Error('bench: apps run through ./apps.ts'))
  }
}
