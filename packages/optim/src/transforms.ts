/**
 * Building blocks that compose with `chain`: scaling, learning-rate scaling, decoupled weight decay and gradient
 * clipping by global norm.
 * @module
 */
import { add, div, less, mul, sqrt, square, sum, treeLeaves, where, type Value } from '@cotangent/autodiff'
import { scalar } from '@cotangent/tensor'
import { castLike, type GradientTransformation, type Hyper, type Params } from './base.js'
import { zipMap } from './leaves.js'
import { valueAt, type LearningRate } from './schedules.js'

/** State of transformations that only count steps (for schedules). */
export interface CountState {
  /** Number of updates done so far. */
  readonly count: number
}

/** @internal Checks a hyperparameter; throws a RangeError naming the optimiser and the value. */
export const checkParam = (op: string, name: string, v: number, ok: boolean, what: string): void => {
  if (typeof v !== 'number' || !ok) throw new RangeError(`${op}: ${name} must be ${what}, got ${String(v)}`)
}

/**
 * @internal Checks a learning rate: a finite number ≥ 0 (as PyTorch, which rejects a negative one: it would ascend
 * the loss) or a schedule function, whose values {@link rateAt} checks at every step.
 */
export const checkLr = (op: string, lr: LearningRate): void => {
  if (typeof lr !== 'function')
    checkParam(op, 'lr', lr, Number.isFinite(lr) && lr >= 0, 'a finite number ≥ 0 or a schedule (a function of the step)')
}

/**
 * @internal The learning rate at `step`; a schedule that returns NaN, ±Infinity or a negative number is a
 * RangeError naming the optimiser, the value and the step (instead of NaN updates that poison the parameters).
 */
export const rateAt = (op: string, lr: LearningRate, step: number): number => {
  const r = valueAt(lr, step)
  if (typeof r !== 'number' || !(Number.isFinite(r) && r >= 0))
    throw new RangeError(
      `${op}: the learning-rate schedule returned ${typeof r === 'number' ? String(r) : `${typeof r} ${String(r)}`} at step ${step}; a schedule must return a finite number ≥ 0 at every step (check its formula and options)`,
    )
  return r
}

/**
 * @internal The per-step numbers of one update: `given` when the caller passed them (checked: `n` of them, each a
 * number or a 0-d value), else `compute()`.
 */
export const hyperOr = (op: string, n: number, given: Hyper | undefined, compute: () => readonly number[]): Hyper => {
  if (given === undefined) return compute()
  if (given.length !== n)
    throw new RangeError(`${op}: expected ${String(n)} per-step numbers (hyper), got ${String(given.length)}`)
  const bad = given.findIndex((h) => typeof h !== 'number' && h.shape.length !== 0)
  if (bad >= 0)
    throw new RangeError(
      `${op}: per-step number ${String(bad)} (hyper) must be a number or a 0-d value, got shape [${String((given[bad] as Value).shape)}]`,
    )
  return given
}

/** @internal A per-step number as an operand next to `like`: a plain number as it is, a 0-d value in `like`'s dtype. */
export const operand = (h: number | Value, like: Value): number | Value => (typeof h === 'number' ? h : castLike(h, like))

/** @internal The per-step numbers as plain numbers (what the fused kernels take), or null when one is a value. */
export const plainNumbers = (h: Hyper): readonly number[] | null =>
  h.every((x): x is number => typeof x === 'number') ? h : null

/** Multiplies every gradient by a constant `factor` (stateless: state `null`). */
export const scale = (factor: number): GradientTransformation<null> => {
  checkParam('scale', 'factor', factor, Number.isFinite(factor), 'a finite number')
  return {
    init: () => null,
    update: (grads, state) => [zipMap('scale', ['the gradients'], [grads], 1, ([g]) => [mul(g!, factor)])[0], state],
  }
}

/**
 * Multiplies gradients by `−lr(count)`: the last link of a chain that turns preconditioned gradients into updates
 * (e.g. `chain(clipByGlobalNorm(1), scaleByLearningRate(0.1))` is clipped SGD). Its per-step number (`hyper`) is
 * `[−lr(count)]`.
 */
export const scaleByLearningRate = (lr: LearningRate): GradientTransformation<CountState> => {
  checkLr('scaleByLearningRate', lr)
  const hyper = { size: 1, at: (state: CountState): readonly number[] => [-rateAt('scaleByLearningRate', lr, state.count)] }
  return {
    init: () => ({ count: 0 }),
    update: (grads, state, _params, given) => {
      const [a] = hyperOr('scaleByLearningRate', 1, given, () => hyper.at(state))
      const [u] = zipMap('scaleByLearningRate', ['the gradients'], [grads], 1, ([g]) => [mul(g!, operand(a!, g!))])
      return [u, { count: state.count + 1 }]
    },
    hyper,
  }
}

/**
 * Adds `weightDecay · p` to each gradient (needs `params`). Placed before `scaleByLearningRate` this is decoupled
 * weight decay (AdamW-style); placed before a preconditioner it is an L2 penalty.
 */
export const addDecayedWeights = (weightDecay: number): GradientTransformation<null> => {
  checkParam('addDecayedWeights', 'weightDecay', weightDecay, Number.isFinite(weightDecay) && weightDecay >= 0, 'a finite number ≥ 0')
  return {
    init: () => null,
    update: (grads, state, params) => {
      if (params === undefined)
        throw new TypeError('addDecayedWeights: update needs the parameters (pass them as the third argument)')
      const [u] = zipMap('addDecayedWeights', ['the gradients', 'the parameters'], [grads, params], 1, ([g, p]) => [
        add(g!, castLike(mul(p!, weightDecay), g!)),
      ])
      return [u, state]
    },
  }
}

/** The global L2 norm of a tree: `√(Σ_leaves Σ g²)`, as a 0-d value (0 for a tree without leaves). */
export const globalNorm = (tree: Params): Value => {
  const sq = (treeLeaves(tree) as Value[]).map((g) => sum(square(g)))
  return sq.length === 0 ? scalar(0) : sqrt(sq.reduce((a, b) => add(a, b)))
}

/**
 * Rescales the gradients so that their global L2 norm is at most `maxNorm` (Optax's `clip_by_global_norm`):
 * `g · maxNorm / ‖g‖` when `‖g‖ > maxNorm`, unchanged otherwise. Stateless (state `null`).
 */
export const clipByGlobalNorm = (maxNorm: number): GradientTransformation<null> => {
  checkParam('clipByGlobalNorm', 'maxNorm', maxNorm, Number.isFinite(maxNorm) && maxNorm > 0, 'a finite number > 0')
  return {
    init: () => null,
    update: (grads, state) => {
      const norm = globalNorm(grads)
      const factor = where(less(norm, maxNorm), 1, div(maxNorm, norm))
      const [u] = zipMap('clipByGlobalNorm', ['the gradients'], [grads], 1, ([g]) => [mul(g!, castLike(factor, g!))])
      return [u, state]
    },
  }
}
