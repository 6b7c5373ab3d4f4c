/**
 * Learning-rate schedules: plain functions from the step count (0 for the first update) to a number. Every
 * optimiser takes `lr: number | Schedule`; a schedule is evaluated at the optimiser's own step count before it is
 * incremented (Optax's convention), so `lr(0)` drives the first update.
 * @module
 */

/** A schedule maps the step count (0, 1, 2, …) to a value (usually a learning rate). */
export type Schedule = (step: number) => number

/** A learning rate given as a constant or as a schedule. */
export type LearningRate = number | Schedule

const check = (op: string, name: string, v: number, ok: boolean, what: string): void => {
  if (!ok) throw new RangeError(`${op}: ${name} must be ${what}, got ${String(v)}`)
}

const finite = (op: string, name: string, v: number): void => {
  check(op, name, v, Number.isFinite(v), 'a finite number')
}

const positiveInt = (op: string, name: string, v: number): void => {
  check(op, name, v, Number.isInteger(v) && v > 0, 'a positive integer')
}

/** The value of a learning rate at `step`. */
export const valueAt = (lr: LearningRate, step: number): number => (typeof lr === 'number' ? lr : lr(step))

/** Always `value`. */
export const constantSchedule =
  (value: number): Schedule =>
  () =>
    value

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** Value at step 0. */
  readonly init: number
  /** Factor applied every `transitionSteps` steps. */
  readonly decayRate: number
  /** Steps per factor of `decayRate`. */
  readonly transitionSteps: number
  /** When true, decay in discrete jumps (`⌊step / transitionSteps⌋`); default false (smooth). */
  readonly staircase?: boolean
}

/** `init · decayRate^(step / transitionSteps)` (the exponent floored when `staircase`). */
export const exponentialDecay = (o: ExponentialDecayOptions): Schedule => {
  finite('exponentialDecay', 'init', o.init)
  check('exponentialDecay', 'decayRate', o.decayRate, Number.isFinite(o.decayRate) && o.decayRate > 0, 'a positive number')
  positiveInt('exponentialDecay', 'transitionSteps', o.transitionSteps)
  const staircase = o.staircase ?? false
  return (step) => {
    const p = step / o.transitionSteps
    return o.init * Math.pow(o.decayRate, staircase ? Math.floor(p) : p)
  }
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Value at step 0. */
  readonly init: number
  /** Steps over which the value decays; constant afterwards. */
  readonly decaySteps: number
  /** Final value as a fraction of `init` (default 0). */
  readonly alpha?: number
}

/**
 * Cosine decay (SGDR without restarts): `init · ((1 − α)·½(1 + cos(π·t/T)) + α)` with `t = min(step, T)`.
 */
export const cosineDecay = (o: CosineDecayOptions): Schedule => {
  finite('cosineDecay', 'init', o.init)
  positiveInt('cosineDecay', 'decaySteps', o.decaySteps)
  const alpha = o.alpha ?? 0
  check('cosineDecay', 'alpha', alpha, alpha >= 0 && alpha <= 1, 'in [0, 1]')
  return (step) => {
    const t = Math.min(Math.max(step, 0), o.decaySteps)
    const c = 0.5 * (1 + Math.cos((Math.PI * t) / o.decaySteps))
    return o.init * ((1 - alpha) * c + alpha)
  }
}

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** Value reached at the end of the warm-up. */
  readonly peak: number
  /** Length of the linear ramp. */
  readonly warmupSteps: number
  /** Value at step 0 (default 0). */
  readonly init?: number
  /** Schedule after the warm-up, called with the steps *since* the warm-up ended; default: constant `peak`. */
  readonly then?: Schedule
}

/**
 * Linear warm-up from `init` (default 0) to `peak` over `warmupSteps` steps, then `then(step − warmupSteps)`
 * (Optax's `join_schedules` convention) or `peak`.
 */
export const warmup = (o: WarmupOptions): Schedule => {
  finite('warmup', 'peak', o.peak)
  positiveInt('warmup', 'warmupSteps', o.warmupSteps)
  const init = o.init ?? 0
  finite('warmup', 'init', init)
  const then = o.then
  return (step) =>
    step < o.warmupSteps
      ? init + ((o.peak - init) * Math.max(step, 0)) / o.warmupSteps
      : then === undefined
        ? o.peak
        : then(step - o.warmupSteps)
}
