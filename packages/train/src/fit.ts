/**
 * `fit`: drives the pure {@link trainStep} over epochs of seeded, shuffled batches; records the history, keeps the
 * best parameters by a monitored quantity, stops early, fails loudly on divergence, and reports through an
 * injected {@link Reporter}.
 *
 * Reproducibility: epoch `e` uses `splitKey(key(seed), epochs)[e − 1]`, split in two — one key for the batch
 * permutation, one from which step `s` gets `fold(k, s)` (passed to the model as `ctx.key`). So the same seed and
 * inputs give bit-identical histories (apart from the wall-time fields).
 * @module
 */
import type { GradientTransformation, Params } from '@cotangent/optim'
import * as E from 'fp-ts/lib/Either.js'
import { treeLeaves } from '@cotangent/autodiff'
import { fold, isTensor, item, key, permutation, splitKey, sum, toArray } from '@cotangent/tensor'
import { saveCheckpoint } from './checkpoint.js'
import { checkFiniteBatch, checkFiniteData, firstNonFinite } from './data-check.js'
import { DivergenceError, type DivergedRun } from './errors.js'
import type { EpochRecord, FitInfo, Reporter } from './history.js'
import { datasetSize, selectBatch, type Dataset, type LossFn, type Metrics, type Model } from './model.js'
import { autoReporter } from './reporters.js'
import { evaluate, trainStep } from './step.js'

/**
 * The quantity that decides the best epoch (and early stopping): the train or dev loss (minimised), or a metric
 * as `train.<name>` / `dev.<name>` (maximised); `trainAccuracy`/`devAccuracy` abbreviate `train.accuracy`/`dev.accuracy`.
 */
export type Monitor =
  'trainLoss' | 'devLoss' | 'trainAccuracy' | 'devAccuracy' | `train.${string}` | `dev.${string}`

/** Early stopping: stop after `patience` epochs without improvement of the monitor by more than `minDelta`. */
export interface EarlyStopping {
  readonly patience: number
  /** What to watch (default: `devLoss` with a dev set, else `trainLoss`). */
  readonly monitor?: Monitor
  /** Minimum change that counts as an improvement (default 0). */
  readonly minDelta?: number
  /** Whether smaller or larger is better (default: `min` for losses, `max` for metrics). */
  readonly mode?: 'min' | 'max'
}

/** Options of {@link fit}. */
export interface FitOptions<P extends Params, X, S> {
  readonly model: Model<P, X>
  /** Initial parameters. */
  readonly params: P
  readonly loss: LossFn
  readonly optimizer: GradientTransformation<S>
  /** Initial optimiser state (to resume a run); default `optimizer.init(params)`. */
  readonly optState?: S
  readonly train: Dataset<X>
  readonly dev?: Dataset<X>
  /** The last epoch to run (epochs count from 1). */
  readonly epochs: number
  /**
   * Epochs already run, to resume a run (Keras' `initial_epoch`; default 0): training runs epochs
   * `initialEpoch + 1 … epochs` with the same shuffles and step keys as an uninterrupted run of `epochs` epochs, and
   * the history records are numbered from `initialEpoch + 1`. Pass the saved `params` and `optState` with it; the
   * best-epoch tracking and early-stopping patience start afresh.
   */
  readonly initialEpoch?: number
  readonly batchSize: number
  readonly seed: number
  /** Shuffle the training set each epoch (default true). */
  readonly shuffle?: boolean
  /** Metrics recorded on train (per batch, before each update) and dev (after each epoch). */
  readonly metrics?: Metrics
  /** Decides `bestEpoch`/`bestParams` when there is no early stopping (default: devLoss, or trainLoss). */
  readonly monitor?: Monitor
  readonly earlyStopping?: EarlyStopping
  /**
   * Where progress goes. Default {@link autoReporter}: a progress bar and one line per epoch on a terminal (not
   * under `CI`), nothing otherwise (pass `lineReporter()` for plain lines in logs, `quietReporter` for silence).
   */
  readonly reporter?: Reporter
  /**
   * Save a checkpoint (see `saveCheckpoint`) at `path` when the run ends, and — before `fit` throws a
   * {@link DivergenceError} — of the last finite parameters, so a diverged run loses nothing. `config` is stored
   * with it (default `{}`).
   */
  readonly checkpoint?: { readonly path: string; readonly config?: unknown }
  /**
   * Compile the training step with `jit` (default true; see `trainStep` for what stays outside the compiled program
   * and when a step runs eagerly). `false` runs every step eagerly; both give the same history up to rounding.
   */
  readonly jit?: boolean
}

/** The outcome of {@link fit}. */
export interface FitResult<P, S> {
  /** Parameters after the last epoch run. */
  readonly params: P
  readonly optState: S
  /** Parameters after the best epoch by the monitor (the initial ones if no epoch was run or improved). */
  readonly bestParams: P
  /** The best epoch (from 1; 0 if none). */
  readonly bestEpoch: number
  readonly monitor: Monitor
  readonly bestValue: number
  readonly history: readonly EpochRecord[]
  readonly stoppedEarly: boolean
}

interface Resolved {
  readonly read: (r: EpochRecord) => number
  readonly mode: 'min' | 'max'
}

const resolveMonitor = (
  m: Monitor,
  hasDev: boolean,
  metricNames: readonly string[],
  mode?: 'min' | 'max',
): Resolved => {
  const full = m === 'trainAccuracy' ? 'train.accuracy' : m === 'devAccuracy' ? 'dev.accuracy' : m
  if (full.startsWith('dev') && !hasDev)
    throw new Error(`fit: monitor '${m}' needs a dev set (pass options.dev)`)
  if (full === 'trainLoss') return { read: (r) => r.trainLoss, mode: mode ?? 'min' }
  if (full === 'devLoss') return { read: (r) => r.devLoss ?? Number.NaN, mode: mode ?? 'min' }
  const dot = full.indexOf('.')
  const side = full.slice(0, dot)
  const name = full.slice(dot + 1)
  if (dot < 0 || (side !== 'train' && side !== 'dev'))
    throw new Error(`fit: unknown monitor '${m}' (use trainLoss, devLoss, train.<metric> or dev.<metric>)`)
  if (!metricNames.includes(name))
    throw new Error(
      `fit: monitor '${m}' names no metric '${name}' (metrics: ${metricNames.length === 0 ? 'none' : metricNames.join(', ')})`,
    )
  return side === 'train'
    ? { read: (r) => r.trainMetrics[name] ?? Number.NaN, mode: mode ?? 'max' }
    : { read: (r) => r.devMetrics?.[name] ?? Number.NaN, mode: mode ?? 'max' }
}

const checkInt = (name: string, v: number, min: number): void => {
  if (!Number.isInteger(v) || v < min)
    throw new RangeError(`fit: ${name} must be an integer ≥ ${min}, got ${String(v)}`)
}

interface Loop<P, S> {
  readonly params: P
  readonly optState: S
  readonly history: readonly EpochRecord[]
  readonly best: { readonly epoch: number; readonly value: number; readonly params: P }
  readonly wait: number
  readonly stopped: boolean
}

interface EpochAcc<P, S> {
  readonly params: P
  readonly optState: S
  /** The parameters and state one step earlier (candidates for the last finite parameters on divergence). */
  readonly prev: { readonly params: P; readonly optState: S }
  readonly lossSum: number
  readonly metricSums: readonly number[]
  readonly samples: number
}

/**
 * Trains `model` from `params` with `optimizer` for up to `epochs` epochs of shuffled mini-batches of
 * `batchSize` (the last batch of an epoch may be smaller). Returns the final and best parameters and the history.
 *
 * Before training, tensor datasets are checked for NaN/±Infinity (one reduction per field; a
 * {@link NonFiniteDataError} names the dataset, row and column). Throws a {@link DivergenceError} as soon as a loss
 * is NaN or infinite (or a NonFiniteDataError when the diverging batch of a custom dataset holds non-finite data);
 * the error carries the history so far and the last finite parameters and optimiser state, also saved to
 * `options.checkpoint.path` when set.
 */
export const fit = <P extends Params, X, S>(options: FitOptions<P, X, S>): FitResult<P, S> => {
  const { model, loss, optimizer, epochs, batchSize } = options
  const reporter = options.reporter ?? autoReporter()
  checkInt('epochs', epochs, 0)
  checkInt('batchSize', batchSize, 1)
  if (!Number.isSafeInteger(options.seed))
    throw new RangeError(`fit: seed must be an integer, got ${String(options.seed)}`)
  const initialEpoch = options.initialEpoch ?? 0
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs)
    throw new RangeError(
      `fit: initialEpoch must be an integer in [0, epochs = ${epochs}], got ${String(initialEpoch)}`,
    )
  const metrics = options.metrics ?? {}
  const names = Object.keys(metrics)
  const n = datasetSize('fit', options.train, 'train')
  if (n === 0) throw new RangeError('fit: the training set is empty')
  const devSize = options.dev === undefined ? null : datasetSize('fit', options.dev, 'dev')
  if (devSize === 0) throw new RangeError('fit: the dev set is empty (pass a dev set with examples, or none)')
  checkFiniteData('fit', 'train', options.train)
  if (options.dev !== undefined) checkFiniteData('fit', 'dev', options.dev)
  const monitor: Monitor =
    options.earlyStopping?.monitor ?? options.monitor ?? (options.dev === undefined ? 'trainLoss' : 'devLoss')
  const mon = resolveMonitor(monitor, options.dev !== undefined, names, options.earlyStopping?.mode)
  const es = options.earlyStopping
  if (es !== undefined) checkInt('earlyStopping.patience', es.patience, 1)
  const minDelta = es?.minDelta ?? 0
  const improves = (v: number, best: number): boolean =>
    mon.mode === 'min' ? v < best - minDelta : v > best + minDelta
  const stepsPerEpoch = Math.ceil(n / batchSize)
  const info: FitInfo = { epochs, stepsPerEpoch, batchSize, trainSize: n, devSize }
  const step = trainStep(model, loss, optimizer, metrics, { jit: options.jit ?? true })
  const epochKeys = splitKey(key(options.seed), epochs)
  const shuffle = options.shuffle ?? true
  const identity = Array.from({ length: n }, (_, i) => i)

  const runEpoch = (state: Loop<P, S>, e: number): Loop<P, S> => {
    const t0 = performance.now()
    const [permKey, stepRoot] = splitKey(epochKeys[e - 1]!, 2)
    const order = shuffle ? Array.from(toArray(permutation(permKey!, n))) : identity
    const acc = Array.from({ length: stepsPerEpoch }, (_, s) => s).reduce<EpochAcc<P, S>>(
      (a, s) => {
        const idx = order.slice(s * batchSize, Math.min((s + 1) * batchSize, n))
        const batch = selectBatch(options.train, idx)
        const r = step(a.params, a.optState, batch, fold(stepRoot!, s))
        if (!Number.isFinite(r.loss)) {
          checkFiniteBatch('fit', 'train', batch, idx)
          throw diverged(e, s + 1, r.loss, 'train', state.history, [a, a.prev, state])
        }
        const w = idx.length
        const next: EpochAcc<P, S> = {
          params: r.params,
          optState: r.optState,
          prev: { params: a.params, optState: a.optState },
          lossSum: a.lossSum + r.loss * w,
          metricSums: names.map((name, k) => a.metricSums[k]! + (r.metrics[name] ?? Number.NaN) * w),
          samples: a.samples + w,
        }
        reporter.step?.({
          epoch: e,
          step: s + 1,
          stepsPerEpoch,
          loss: r.loss,
          meanLoss: next.lossSum / next.samples,
          samples: next.samples,
          seconds: (performance.now() - t0) / 1000,
        })
        return next
      },
      {
        params: state.params,
        optState: state.optState,
        prev: { params: state.params, optState: state.optState },
        lossSum: 0,
        metricSums: names.map(() => 0),
        samples: 0,
      },
    )
    const trainSeconds = (performance.now() - t0) / 1000
    const dev =
      options.dev === undefined
        ? null
        : evaluate(model, acc.params, loss, options.dev, { batchSize, metrics })
    if (dev !== null && !Number.isFinite(dev.loss))
      throw diverged(e, 0, dev.loss, 'dev', state.history, [acc, acc.prev, state])
    const seconds = (performance.now() - t0) / 1000
    const record: EpochRecord = {
      epoch: e,
      trainLoss: acc.lossSum / acc.samples,
      trainMetrics: Object.fromEntries(names.map((name, k) => [name, acc.metricSums[k]! / acc.samples])),
      devLoss: dev === null ? null : dev.loss,
      devMetrics: dev === null ? null : dev.metrics,
      seconds,
      samplesPerSecond: trainSeconds > 0 ? n / trainSeconds : Number.POSITIVE_INFINITY,
    }
    reporter.epoch?.(record, info)
    const v = mon.read(record)
    const better = improves(v, state.best.value)
    const wait = better ? 0 : state.wait + 1
    return {
      params: acc.params,
      optState: acc.optState,
      history: [...state.history, record],
      best: better ? { epoch: e, value: v, params: acc.params } : state.best,
      wait,
      stopped: es !== undefined && wait >= es.patience && e < epochs,
    }
  }

  const save = (params: P, optState: S, history: readonly EpochRecord[]): E.Either<string, string | null> => {
    const ck = options.checkpoint
    if (ck === undefined) return E.right(null)
    const r = saveCheckpoint(ck.path, { params, optState, config: ck.config ?? {}, history })
    return E.isLeft(r) ? E.left(r.left.message) : E.right(r.right)
  }

  /** The divergence error, with the run so far; writes the checkpoint of the last finite parameters first. */
  const diverged = (
    e: number,
    s: number,
    lossValue: number,
    phase: 'train' | 'dev',
    history: readonly EpochRecord[],
    candidates: readonly { readonly params: P; readonly optState: S }[],
  ): DivergenceError<P, S> => {
    const last = candidates.find((c) => allFinite(c.params)) ?? {
      params: options.params,
      optState: initial.optState,
    }
    const written = save(last.params, last.optState, history)
    const run: DivergedRun<P, S> = {
      history,
      params: last.params,
      optState: last.optState,
      checkpoint: E.isRight(written) ? written.right : null,
      checkpointError: E.isLeft(written) ? written.left : null,
    }
    return new DivergenceError(e, s, lossValue, phase, run)
  }

  reporter.start?.(info)
  const initial: Loop<P, S> = {
    params: options.params,
    optState: options.optState ?? optimizer.init(options.params),
    history: [],
    best: {
      epoch: 0,
      value: mon.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY,
      params: options.params,
    },
    wait: 0,
    stopped: false,
  }
  const final = (() => {
    try {
      return Array.from({ length: epochs - initialEpoch }, (_, i) => initialEpoch + i + 1).reduce(
        (s, e) => (s.stopped ? s : runEpoch(s, e)),
        initial,
      )
    } catch (err) {
      reporter.abort?.(err)
      throw err
    }
  })()
  const written = save(final.params, final.optState, final.history)
  if (E.isLeft(written)) {
    // the run itself succeeded: report the failed save, with the results still reachable through the error
    reporter.abort?.(written.left)
    throw new Error(`fit: training finished, but the checkpoint could not be saved: ${written.left}`)
  }
  const result: FitResult<P, S> = {
    params: final.params,
    optState: final.optState,
    bestParams: final.best.params,
    bestEpoch: final.best.epoch,
    monitor,
    bestValue: final.best.value,
    history: final.history,
    stoppedEarly: final.stopped,
  }
  reporter.end?.({
    epochsRun: final.history.length,
    bestEpoch: result.bestEpoch,
    monitor,
    bestValue: result.bestValue,
    stoppedEarly: result.stoppedEarly,
  })
  return result
}

/** True when every leaf of a parameter tree is finite (checked only on divergence). */
const allFinite = (tree: unknown): boolean =>
  treeLeaves(tree).every((l) => !isTensor(l) || Number.isFinite(item(sum(l))) || firstNonFinite(l) < 0)
