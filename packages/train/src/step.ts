/**
 * One training step as a pure function — compiled with `jit` by default — and evaluation over a dataset.
 *
 * ## What runs where
 * The compiled step (`mode: 'jit'`) is one program per batch signature (the shapes and dtypes of params, optimiser
 * state and batch): the training-mode forward pass, the loss, its gradient by reverse mode and the optimiser's update
 * and application (`applyGradients`). It returns the new parameters and state, the loss (read with `item` outside)
 * and the model's outputs, from which the metrics are computed outside the program. The first jitted call decides,
 * once, what may go inside:
 * - **The PRNG key.** The step's key enters the program as an input (its two words, a float64 `[2]` value) and
 *   reaches the model as a `StagedKey` in `ctx.key`. Layers that draw with `drawBernoulli`/`drawUniform` and derive
 *   keys with `foldKey` (dropout, the combinators) stage their draws, so each compiled step draws, from the key it
 *   is given, exactly the numbers an eager step draws. A layer that reads the key's numbers itself (a tensor
 *   kernel such as `bernoulli(ctx.key, …)`, or `concreteKey`) cannot be staged: that model runs eagerly.
 * - **The optimiser's numbers.** Optimiser states hold plain numbers (the step count) next to tensors. Only the
 *   tensors are inputs of the program, with the optimiser's per-step numbers (`hyper`: a schedule's learning rate,
 *   Adam's bias corrections — every optimiser of `@cotangent/optim` has them), which are computed outside the
 *   program at every step and passed in as 0-d float64 tensors. The update is staged with the state's numbers at
 *   their values, one higher, 2³¹ higher and NaN; if its tensor program is the same for all four (the numbers only
 *   feed `hyper`) and each number moves by the same amount per step (a step count), the update is compiled and the
 *   numbers are advanced outside the program. Otherwise (a custom transformation that computes with its count
 *   itself) the gradient is compiled and the update runs eagerly with `applyGradients` (`mode: 'jit-grad'`).
 * - **Reading values.** A model or loss that reads the numbers of its inputs — an embedding's token ids, integer
 *   labels validated by `softmaxCrossEntropy` — cannot be staged (a `StagedValueError`); so does any other failure
 *   to stage or compile. The step then runs eagerly for good, which raises the error eager code would raise, if any.
 *   Batches whose inputs are not all tensors run eagerly, that step only.
 * - **Varying shapes.** Every new batch signature compiles again (a smaller last batch, text batches of another
 *   length); up to `maxSignatures` of them (default 8) are kept compiled. When one more distinct signature appears,
 *   the step stops compiling and runs eagerly from then on.
 * As with JAX's `jit`, the compiled step replays the operations, not the JavaScript: `model.apply` and the loss run
 * only while a signature is staged, so their side effects happen then and values they read from outside are fixed.
 * `jitInfo()` on the step says which mode it is in and why. `{ jit: false }` always runs eagerly. Both modes compute
 * the same numbers up to the summation order of fused reductions (≈ 1e-16 relative in float64).
 * @module
 */
import {
  item,
  jit,
  keyWords,
  stagedKey,
  makeGraph,
  showProgram,
  toArray,
  treeDefEqual,
  treeFlatten,
  treeLeaves,
  treeUnflatten,
  valueAndGrad,
  isValue,
  type Jitted,
  type Program,
  type TreeDef,
  type Value,
} from '@cotangent/autodiff'
import { applyGradients, type GradientTransformation, type Params } from '@cotangent/optim'
import { isTensor, scalar, type Key, type Tensor } from '@cotangent/tensor'
import { checkFiniteData } from './data-check.js'
import {
  datasetSize,
  selectBatch,
  type Batch,
  type Ctx,
  type Dataset,
  type LossFn,
  type Metrics,
  type Model,
} from './model.js'

/** What one step returns: the new parameters and optimiser state, the batch loss and the batch metrics. */
export interface StepResult<P, S> {
  readonly params: P
  readonly optState: S
  /** The loss on the batch, *before* the update. */
  readonly loss: number
  /** The metrics on the batch's training-mode outputs, before the update. */
  readonly metrics: Readonly<Record<string, number>>
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** Compile the step with `jit` (default true); `false` runs every step eagerly. */
  readonly jit?: boolean
  /** Distinct batch signatures kept compiled (default 8); one more makes the step fall back to eager for good. */
  readonly maxSignatures?: number
}

/** How a step runs: compiled whole, gradient compiled and update eager, or eager; `pending` before the first call. */
export type StepMode = 'pending' | 'jit' | 'jit-grad' | 'eager'

/** What {@link TrainStep.jitInfo} reports. */
export interface StepJitInfo {
  readonly mode: StepMode
  /** Why the step is not (fully) compiled, or null. */
  readonly reason: string | null
  /** Batch signatures compiled so far. */
  readonly compiles: number
  /** Steps run by a compiled program, and eagerly. */
  readonly jitSteps: number
  readonly eagerSteps: number
}

/** A training step `(params, optState, batch, key?) → StepResult`, with its compilation report. */
export type TrainStep<P, X, S> = ((
  params: P,
  optState: S,
  batch: Batch<X>,
  key?: Key,
) => StepResult<P, S>) & {
  /** The mode the step runs in and its counters (of the steps given a key, or else of those without). */
  readonly jitInfo: () => StepJitInfo
}

const computeMetrics = (metrics: Metrics, out: Value, batch: Batch<unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m(out, batch.y)]))

const ctxOf = (key: Key | undefined): Ctx => (key === undefined ? { train: true } : { train: true, key })

/** The training context inside a compiled step: the key's words (a program input) as a `StagedKey`, if any. */
const stagedCtx = (words: Value | null): Ctx => (words === null ? { train: true } : { train: true, key: stagedKey(words) })

/** The key input of a compiled step. */
const wordsOf = (key: Key | undefined): Tensor | null => (key === undefined ? null : keyWords(key))

/** The optimiser state split into its tensor leaves (program inputs) and its other leaves (plain numbers). */
interface SplitState {
  readonly def: TreeDef
  readonly isTensorLeaf: readonly boolean[]
  readonly tensors: readonly Value[]
  readonly numbers: readonly number[]
}

const splitState = (state: unknown): SplitState | null => {
  const [leaves, def] = treeFlatten(state)
  if (!leaves.every((l) => isValue(l) || typeof l === 'number')) return null
  return {
    def,
    isTensorLeaf: leaves.map(isValue),
    tensors: leaves.filter(isValue),
    numbers: leaves.filter((l): l is number => typeof l === 'number'),
  }
}

/** The layout of a split state: its structure, which leaves are tensors, and each leaf's rank among its kind. */
interface StateLayout {
  readonly def: TreeDef
  readonly isTensorLeaf: readonly boolean[]
  readonly rank: readonly number[]
}

const layoutOf = (s: SplitState): StateLayout => ({
  def: s.def,
  isTensorLeaf: s.isTensorLeaf,
  rank: s.isTensorLeaf.map((t, i) => s.isTensorLeaf.slice(0, i).filter((u) => u === t).length),
})

/** Puts tensor and number leaves back together into the state's structure. */
const joinState = (s: StateLayout, tensors: readonly unknown[], numbers: readonly number[]): unknown =>
  treeUnflatten(
    s.def,
    s.isTensorLeaf.map((t, i) => (t ? tensors[s.rank[i]!] : numbers[s.rank[i]!])),
  )

/** Bitwise equality of two programs' text (equations, literals, parameters) and constants. */
const sameProgram = (a: Program, b: Program, nOuts: number): boolean => {
  if (
    showProgram({ ...a, outs: a.outs.slice(0, nOuts) }) !==
    showProgram({ ...b, outs: b.outs.slice(0, nOuts) })
  )
    return false
  if (a.consts.length !== b.consts.length) return false
  return a.consts.every((c, i) => {
    const x = toArray(c)
    const y = toArray(b.consts[i]!)
    return (
      x.length === y.length && Array.prototype.every.call(x, (v: number, k: number) => Object.is(v, y[k]))
    )
  })
}

const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

/** The decision of the first jitted call (see the module comment). */
type Plan<P, X> =
  | { readonly mode: 'eager'; readonly reason: string }
  | {
      readonly mode: 'jit'
      readonly state: StateLayout
      /** How much each number of the state moves per step. */
      readonly shift: readonly number[]
      readonly run: Jitted<
        [P, readonly Value[], X, Tensor, Value | null, readonly Value[]],
        readonly [P, readonly Value[], Value, Value]
      >
    }
  | {
      readonly mode: 'jit-grad'
      readonly reason: string
      readonly run: Jitted<[P, X, Tensor, Value | null], readonly [Value, Value, Params]>
    }

interface Counters {
  readonly jitSteps: number
  readonly eagerSteps: number
}

/**
 * Builds the training step `(params, optState, batch, key?) → { params, optState, loss, metrics }`: a forward pass
 * in training mode (`ctx = { train: true, key }`), the gradient of the loss by reverse mode, one optimiser update
 * (`applyGradients`). Nothing is mutated; the same inputs give the same outputs. By default the step is compiled
 * with `jit` (see the module comment for what stays outside and when it runs eagerly); `{ jit: false }` runs it
 * eagerly.
 */
export const trainStep = <P extends Params, X, S>(
  model: Model<P, X>,
  loss: LossFn,
  optimizer: GradientTransformation<S>,
  metrics: Metrics = {},
  options: TrainStepOptions = {},
): TrainStep<P, X, S> => {
  const useJit = options.jit ?? true
  const maxSignatures = options.maxSignatures ?? 8
  if (!Number.isInteger(maxSignatures) || maxSignatures < 1)
    throw new RangeError(`trainStep: maxSignatures must be an integer ≥ 1, got ${String(maxSignatures)}`)

  const objective =
    (ctx: Ctx, x: X, y: Tensor) =>
    (p: P): readonly [Value, Value] => {
      const out = model.apply(p, x, ctx)
      return [loss(out, y), out]
    }

  const eagerStep = (params: P, optState: S, batch: Batch<X>, key: Key | undefined): StepResult<P, S> => {
    const [[l, out], grads] = valueAndGrad(objective(ctxOf(key), batch.x, batch.y), { hasAux: true })(params)
    const [next, state] = applyGradients(optimizer, grads, optState, params)
    return { params: next, optState: state, loss: item(l), metrics: computeMetrics(metrics, out, batch) }
  }

  /** The optimiser's per-step numbers for the update from `state`, as 0-d float64 tensors (the program's inputs). */
  const hyperTensors = (state: S): readonly Tensor[] =>
    (optimizer.hyper?.at(state) ?? []).map((h) => scalar(h, { dtype: 'float64' }))

  /** Decides, at the first jitted call, what the compiled step holds (see the module comment). */
  const plan = (params: P, optState: S, batch: Batch<X>, key: Key | undefined): Plan<P, X> => {
    // 1. the forward pass must stage, with the key (if any) as an input
    try {
      makeGraph((p: P, x: X, w: Value | null) => model.apply(p, x, stagedCtx(w)))(params, batch.x, wordsOf(key))
    } catch (e) {
      const hint =
        key === undefined
          ? ''
          : '; a model that draws from ctx.key is compiled when it draws with drawBernoulli/drawUniform and derives keys with foldKey (@cotangent/autodiff)'
      return { mode: 'eager', reason: `the model's forward pass cannot be staged (${message(e)})${hint}` }
    }
    const gradStep = (): Plan<P, X> & { readonly mode: 'jit-grad' } => ({
      mode: 'jit-grad',
      reason: '',
      run: jit(
        (p: P, x: X, y: Tensor, w: Value | null): readonly [Value, Value, Params] => {
          const [[l, out], grads] = valueAndGrad(objective(stagedCtx(w), x, y), { hasAux: true })(p)
          return [l, out, grads]
        },
        { maxCacheSize: maxSignatures },
      ),
    })
    // 2. the update: compiled when its tensor program does not depend on the state's numbers
    const parts = splitState(optState)
    if (parts === null)
      return {
        ...gradStep(),
        reason: 'the optimiser state holds leaves that are neither tensors nor numbers',
      }
    const split = { ...parts, ...layoutOf(parts) }
    const nParams = treeLeaves(params).length
    /** The optimiser's per-step numbers as program inputs (none when it has no `hyper`). */
    const hyperIn = (h: readonly Value[]) => (optimizer.hyper === undefined ? undefined : h)
    const probe = (
      numbers: readonly number[],
      hyper: readonly Tensor[],
    ): { readonly p: Program; readonly out: readonly number[] | null } => {
      const p = makeGraph((g: P, st: readonly Value[], q: P, h: readonly Value[]) => {
        const [np, ns] = applyGradients(optimizer, g, joinState(split, st, numbers) as S, q, hyperIn(h))
        const [leaves, def] = treeFlatten(ns)
        const same =
          treeDefEqual(def, split.def) && leaves.every((l, i) => isValue(l) === split.isTensorLeaf[i])
        return [np, leaves.filter(isValue), same ? leaves.filter((l) => !isValue(l)) : [Number.NaN]]
      })(params, split.tensors, params, hyper)
      const outs = p.outs.slice(nParams + split.tensors.length)
      const values = outs.map((o) => (o.kind === 'lit' ? o.value : Number.NaN))
      return { p, out: outs.length === split.numbers.length ? values : null }
    }
    const compiledUpdate = ((): { readonly shift: readonly number[] } | string => {
      try {
        const hyper = hyperTensors(optState)
        const nOuts = nParams + split.tensors.length
        const at = [0, 1, 2 ** 31].map((d) => split.numbers.map((n) => n + d))
        const probes = at.map((numbers) => probe(numbers, hyper))
        const poisoned = probe(
          split.numbers.map(() => Number.NaN),
          hyper,
        )
        if (![...probes.slice(1), poisoned].every((q) => sameProgram(probes[0]!.p, q.p, nOuts)))
          return "the optimiser's update computes with the numbers of its state (a custom transformation without `hyper`), so it runs eagerly"
        const shifts = probes.map((q, k) => (q.out === null ? null : q.out.map((o, i) => o - at[k]![i]!)))
        const shift = shifts[0]
        const steady =
          shift !== null &&
          shift !== undefined &&
          shift.every(Number.isFinite) &&
          shifts.every((s) => s !== null && s.every((d, i) => Object.is(d, shift[i])))
        return steady
          ? { shift }
          : "the numbers of the optimiser's state do not advance by a fixed amount per step, so the update runs eagerly"
      } catch (e) {
        return `the optimiser's update cannot be staged (${message(e)}), so it runs eagerly`
      }
    })()
    if (typeof compiledUpdate === 'string') return { ...gradStep(), reason: compiledUpdate }
    const numbers = split.numbers
    return {
      mode: 'jit',
      state: split,
      shift: compiledUpdate.shift,
      run: jit(
        (
          p: P,
          st: readonly Value[],
          x: X,
          y: Tensor,
          w: Value | null,
          h: readonly Value[],
        ): readonly [P, readonly Value[], Value, Value] => {
          const [[l, out], grads] = valueAndGrad(objective(stagedCtx(w), x, y), { hasAux: true })(p)
          const [np, ns] = applyGradients(optimizer, grads, joinState(split, st, numbers) as S, p, hyperIn(h))
          return [np, treeFlatten(ns)[0].filter(isValue), l, out]
        },
        { maxCacheSize: maxSignatures },
      ),
    }
  }

  /** Runs one step by the plan; throws when the compiled step cannot run (the caller falls back to eager). */
  const runPlan = (
    pl: Plan<P, X>,
    params: P,
    optState: S,
    batch: Batch<X>,
    key: Key | undefined,
  ): StepResult<P, S> | null => {
    if (pl.mode === 'eager') return null
    if (pl.mode === 'jit-grad') {
      const [l, out, grads] = pl.run(params, batch.x, batch.y, wordsOf(key))
      const [next, state] = applyGradients(optimizer, grads, optState, params)
      return { params: next, optState: state, loss: item(l), metrics: computeMetrics(metrics, out, batch) }
    }
    const split = splitState(optState)
    if (split === null || !treeDefEqual(split.def, pl.state.def)) return null
    const [np, st, l, out] = pl.run(params, split.tensors, batch.x, batch.y, wordsOf(key), hyperTensors(optState))
    const numbers = split.numbers.map((n, i) => n + pl.shift[i]!)
    return {
      params: np,
      optState: joinState(pl.state, st, numbers) as S,
      loss: item(l),
      metrics: computeMetrics(metrics, out, batch),
    }
  }

  // Private, per-step-function bookkeeping (the results do not depend on it): the plan of the steps with and
  // without a key, and the counters behind jitInfo.
  const plans = new Map<boolean, Plan<P, X>>()
  const counters = new Map<boolean, Counters>()
  /** Signatures compiled by a plan that has since fallen back to eager. */
  const compiledBefore = new Map<boolean, number>()
  const count = (withKey: boolean, jitted: boolean): void => {
    const c = counters.get(withKey) ?? { jitSteps: 0, eagerSteps: 0 }
    // eslint-disable-next-line functional/immutable-data -- the step's private bookkeeping; results do not depend on it
    counters.set(withKey, {
      jitSteps: c.jitSteps + (jitted ? 1 : 0),
      eagerSteps: c.eagerSteps + (jitted ? 0 : 1),
    })
  }
  const compilesOf = (withKey: boolean): number => {
    const pl = plans.get(withKey)
    return pl !== undefined && pl.mode !== 'eager'
      ? pl.run.stats().compiles
      : (compiledBefore.get(withKey) ?? 0)
  }
  const eagerFor = (withKey: boolean, reason: string): void => {
    // eslint-disable-next-line functional/immutable-data -- the step's private bookkeeping; results do not depend on it
    compiledBefore.set(withKey, compilesOf(withKey))
    // eslint-disable-next-line functional/immutable-data -- the step's private bookkeeping; results do not depend on it
    plans.set(withKey, { mode: 'eager', reason })
  }

  const tensorBatch = (batch: Batch<X>): boolean => isTensor(batch.y) && treeLeaves(batch.x).every(isTensor)

  const step = (params: P, optState: S, batch: Batch<X>, key?: Key): StepResult<P, S> => {
    const withKey = key !== undefined
    if (!useJit || !tensorBatch(batch)) {
      count(withKey, false)
      return eagerStep(params, optState, batch, key)
    }
    const known = plans.get(withKey)
    const pl = known ?? plan(params, optState, batch, key)
    // eslint-disable-next-line functional/immutable-data -- the step's private bookkeeping; results do not depend on it
    if (known === undefined) plans.set(withKey, pl)
    if (pl.mode === 'eager') {
      count(withKey, false)
      return eagerStep(params, optState, batch, key)
    }
    const viaJit = ((): StepResult<P, S> | string => {
      try {
        return runPlan(pl, params, optState, batch, key) ?? 'the optimiser state changed structure'
      } catch (e) {
        return `the compiled step failed (${message(e)})`
      }
    })()
    if (typeof viaJit === 'string') {
      // the eager step raises the error eager code would raise; if it succeeds, later steps stay eager
      const r = eagerStep(params, optState, batch, key)
      eagerFor(withKey, viaJit)
      count(withKey, false)
      return r
    }
    count(withKey, true)
    const compiles = pl.run.stats().compiles
    if (compiles > maxSignatures)
      eagerFor(
        withKey,
        `${String(compiles)} batch signatures compiled (maxSignatures ${String(maxSignatures)}): later steps run eagerly`,
      )
    return viaJit
  }

  const jitInfo = (): StepJitInfo => {
    const withKey = plans.has(true) || counters.has(true)
    const pl = plans.get(withKey)
    const c = counters.get(withKey) ?? { jitSteps: 0, eagerSteps: 0 }
    return {
      mode: !useJit ? 'eager' : pl === undefined ? 'pending' : pl.mode,
      reason: !useJit ? 'jit: false' : pl === undefined || pl.mode === 'jit' ? null : pl.reason,
      compiles: compilesOf(withKey),
      jitSteps: c.jitSteps,
      eagerSteps: c.eagerSteps,
    }
  }
  // eslint-disable-next-line functional/immutable-data -- the step's private bookkeeping; results do not depend on it
  return Object.assign(step, { jitInfo })
}

/** Mean loss and metrics over a dataset. */
export interface Evaluation {
  readonly loss: number
  readonly metrics: Readonly<Record<string, number>>
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Examples per forward pass (default: all at once). */
  readonly batchSize?: number
  readonly metrics?: Metrics
}

/**
 * Evaluates a model in inference mode (`ctx = { train: false }`) over a dataset, in order, in batches: the loss and
 * each metric averaged over batches weighted by their size (so the result equals the full-batch mean for
 * mean-reduced losses). Tensor data holding NaN/±Infinity is a `NonFiniteDataError` naming the row and column.
 */
export const evaluate = <P, X>(
  model: Model<P, X>,
  params: P,
  loss: LossFn,
  data: Dataset<X>,
  options: EvaluateOptions = {},
): Evaluation => {
  const n = datasetSize('evaluate', data)
  checkFiniteData('evaluate', 'data', data)
  const bs = options.batchSize ?? Math.max(n, 1)
  if (!Number.isInteger(bs) || bs < 1)
    throw new RangeError(`evaluate: batchSize must be an integer ≥ 1, got ${String(bs)}`)
  const metrics = options.metrics ?? {}
  const names = Object.keys(metrics)
  const starts = Array.from({ length: Math.ceil(n / bs) }, (_, i) => i * bs)
  const totals = starts.reduce<{ readonly loss: number; readonly metrics: readonly number[] }>(
    (acc, start) => {
      const idx = Array.from({ length: Math.min(bs, n - start) }, (_, j) => start + j)
      const batch = selectBatch(data, idx)
      const out = model.apply(params, batch.x, { train: false })
      const w = idx.length
      return {
        loss: acc.loss + item(loss(out, batch.y)) * w,
        metrics: names.map((name, k) => acc.metrics[k]! + metrics[name]!(out, batch.y) * w),
      }
    },
    { loss: 0, metrics: names.map(() => 0) },
  )
  const div = n === 0 ? Number.NaN : n
  return {
    loss: totals.loss / div,
    metrics: Object.fromEntries(names.map((name, k) => [name, totals.metrics[k]! / div])),
  }
}
