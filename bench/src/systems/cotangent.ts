/**
 * Cotangent through its public `cotangent` API, written the way a user writes a training loop: a `ct.nn.mlp`,
 * `ct.losses.softmaxCrossEntropy`, `ct.valueAndGrad`, a `ct.optim` optimizer and `ct.optim.applyUpdates`
 * (`cotangent`, eager), and the same loop with the whole step under one `ct.jit` (`cotangent-jit`, below).
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

type Params = ReturnType<typeof initialParams>

/** A compiled training step and the optimizer state it carries from step to step (numbers kept outside the jit). */
interface CompiledStep {
  readonly step: (params: Params, state: unknown, x: ct.Tensor, y: ct.Tensor) => readonly [Params, unknown, ct.Value]
  readonly init: (params: Params) => unknown
  readonly compiles: () => number
  readonly compileMs: () => number
}

/**
 * The whole step under one `ct.jit`: value and gradient, then `ct.optim.applyGradients`, given the optimizer's
 * per-step numbers (`hyper`: Adam's bias corrections, a scheduled rate), which the loop computes outside at every
 * step and passes in as 0-d float64 tensors. The state's step count is a plain number, and a plain number in a
 * jitted function's arguments is part of its signature (a new value compiles again); given `hyper`, the update only
 * counts with it, so it stays outside: the compiled step takes and returns the state's tensors (momentum's
 * velocity, Adam's moments; nothing for SGD) and the loop advances the count. This is what `trainStep` does.
 */
const compiledStep = <S extends { readonly count: number }>(
  opt: ct.optim.GradientTransformation<S>,
  vg: VG,
): CompiledStep => {
  const jitted = ct.jit(
    (p: Params, tensors: Omit<S, 'count'>, x: ct.Tensor, y: ct.Tensor, h: readonly ct.Value[]) => {
      const [l, g] = vg(p, x, y)
      const [next, s] = ct.optim.applyGradients(opt, g, { ...tensors, count: 0 } as unknown as S, p, h)
      const { count: _, ...rest } = s
      return [next, rest, l] as const
    },
  )
  return {
    init: (p) => opt.init(p),
    step: (p, state, x, y) => {
      const { count, ...tensors } = state as S
      const h = (opt.hyper?.at(state as S) ?? []).map((v) => ct.scalar(v, { dtype: 'float64' }))
      const [next, rest, l] = jitted(p, tensors, x, y, h)
      return [next, { ...rest, count: count + 1 }, l]
    },
    compiles: () => jitted.stats().compiles,
    compileMs: () => jitted.stats().compileMs,
  }
}

type VG = (p: Params, x: ct.Tensor, y: ct.Tensor) => readonly [ct.Value, Params]

/** Throws when a jitted function compiled more than once: every call of a run has the same signature. */
const onceCompiled = (what: string, compiles: number): void => {
  if (compiles !== 1)
    throw new Error(`bench: cotangent-jit's ${what} compiled ${String(compiles)} times; every call has one signature`)
}

const jitTrainRunner = (d: DataFile, spec: MlpSpec, dtype: DType): Runner => {
  const xs = Array.from({ length: spec.nBatches }, (_, b) => tensorOf(d, `x${String(b)}`, dtype))
  const ys = Array.from({ length: spec.nBatches }, (_, b) => tensorOf(d, `y${String(b)}`, 'int32'))
  const loss = lossFn(spec, dtype)
  const c = compiledStep(optimizer(spec.optimizer), ct.valueAndGrad(loss))
  const params0 = initialParams(d, spec, dtype)
  // the first call stages and compiles (its results are dropped); every run then starts from params0 again
  const t0 = performance.now()
  c.step(params0, c.init(params0), xs[0]!, ys[0]!)
  const compileMs = performance.now() - t0
  return {
    run: () => {
      let params = params0
      let state = c.init(params)
      let first = Number.NaN
      const t1 = performance.now()
      for (let i = 0; i < spec.steps; i++) {
        const b = i % spec.nBatches
        const [next, s, value] = c.step(params, state, xs[b]!, ys[b]!)
        if (i === 0) first = ct.item(value)
        params = next
        state = s
      }
      const ms = performance.now() - t1
      onceCompiled('training step', c.compiles())
      const lb = (spec.steps - 1) % spec.nBatches
      const last = ct.item(loss(params, xs[lb]!, ys[lb]!))
      return Promise.resolve({ ms, first, last, compileMs, stagingMs: c.compileMs(), compiles: c.compiles() })
    },
  }
}

/**
 * Cotangent with `ct.jit` (workloads W1–W3 and W5): W1–W3 run the whole training step — value and gradient, the
 * optimizer's update and its application — as one compiled program per call; W5 compares the jitted
 * `ct.valueAndGrad(loss)` with the jitted `loss`. Matmuls and the apps are not run.
 */
export const setupCotangentJit: SetupFn = (d, dtype) => {
  const s = d.spec
  switch (s.kind) {
    case 'mlp':
      return Promise.resolve(jitTrainRunner(d, s, dtype))
    case 'overhead': {
      const loss = lossFn(s.mlp, dtype)
      const f = ct.jit(loss)
      const vg = ct.jit(ct.valueAndGrad(loss))
      const p = initialParams(d, s.mlp, dtype)
      const x = tensorOf(d, 'x0', dtype)
      const y = tensorOf(d, 'y0', 'int32')
      const t0 = performance.now()
      vg(p, x, y)
      const compileMs = performance.now() - t0
      f(p, x, y)
      return Promise.resolve({
        run: () => {
          let base = 0
          let both = 0
          for (let r = 0; r < s.reps; r++) {
            const t1 = performance.now()
            f(p, x, y)
            const t2 = performance.now()
            vg(p, x, y)
            both += performance.now() - t2
            base += t2 - t1
          }
          onceCompiled('loss', f.stats().compiles)
          onceCompiled('value and gradient', vg.stats().compiles)
          return Promise.resolve({ ms: both, baseMs: base, compileMs, stagingMs: vg.stats().compileMs, compiles: vg.stats().compiles })
        },
      })
    }
    case 'matmul':
    case 'app':
      return Promise.reject(new Error(`bench: cotangent-jit does not run ${s.kind} workloads`))
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
