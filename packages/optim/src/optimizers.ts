/**
 * The optimisers, each a single `GradientTransformation` with its own typed, plain-data state. The arithmetic
 * follows PyTorch's `torch.optim` (so results can be compared step for step); the interface follows Optax
 * (updates are *added* to the parameters). `lr` is a number or a {@link Schedule} evaluated at the step count
 * (0 for the first update).
 * @module
 */
import { add, mul, div, sqrt, square, sub, type Value } from '@cotangent/autodiff'
import type { GradientTransformation, Params } from './base.js'
import { zipMap, zerosTree } from './leaves.js'
import type { LearningRate } from './schedules.js'
import { checkLr, checkParam, rateAt, type CountState } from './transforms.js'

const inUnit = (op: string, name: string, v: number): void => {
  checkParam(op, name, v, v >= 0 && v < 1, 'in [0, 1)')
}
const nonNeg = (op: string, name: string, v: number): void => {
  checkParam(op, name, v, Number.isFinite(v) && v >= 0, 'a finite number ≥ 0')
}

/** Plain stochastic gradient descent: `p ← p − lr·g`. State: the step count. */
export const sgd = (lr: LearningRate): GradientTransformation<CountState> => {
  checkLr('sgd', lr)
  return {
    init: () => ({ count: 0 }),
    update: (grads, state, params) => {
      const a = -rateAt('sgd', lr, state.count)
      const [u] = zipMap('sgd', ['the gradients'], [grads], 1, ([g]) => [mul(g!, a)], params)
      return [u, { count: state.count + 1 }]
    },
  }
}

/** State of {@link momentum}: the step count and the velocity buffer (shaped like the parameters). */
export interface MomentumState {
  readonly count: number
  readonly velocity: Params
}

/** Options of {@link momentum}. */
export interface MomentumOptions {
  /** Nesterov momentum: `p ← p − lr·(g + β·v)` with the updated velocity (PyTorch's `nesterov=True`). */
  readonly nesterov?: boolean
}

/**
 * SGD with momentum, as PyTorch's `SGD(momentum=β)` (no dampening): `v ← β·v + g; p ← p − lr·v`; with
 * `nesterov`, `p ← p − lr·(g + β·v)`. The velocity starts at zero, so the first step is plain SGD.
 */
export const momentum = (lr: LearningRate, beta = 0.9, options: MomentumOptions = {}): GradientTransformation<MomentumState> => {
  checkLr('momentum', lr)
  inUnit('momentum', 'beta', beta)
  const nesterov = options.nesterov ?? false
  return {
    init: (params) => ({ count: 0, velocity: zerosTree('momentum', params) }),
    update: (grads, state, params) => {
      const a = -rateAt('momentum', lr, state.count)
      const [u, v] = zipMap('momentum', ['the gradients', 'the velocity'], [grads, state.velocity], 2, ([g, v0]) => {
        const v1 = add(mul(v0!, beta), g!)
        const d = nesterov ? add(g!, mul(v1, beta)) : v1
        return [mul(d, a), v1]
      }, params)
      return [u, { count: state.count + 1, velocity: v }]
    },
  }
}

/** State of {@link adam} and {@link adamw}: the step count and the first and second moment estimates. */
export interface AdamState {
  readonly count: number
  /** First moment (exponential average of gradients). */
  readonly mu: Params
  /** Second moment (exponential average of squared gradients). */
  readonly nu: Params
}

/** Options of {@link adam}. */
export interface AdamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number
  /** Added to the denominator for stability (default 1e-8). */
  readonly eps?: number
}

/** Options of {@link adamw}. */
export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay (default 1e-2, PyTorch's default). */
  readonly weightDecay?: number
}

const adamCore = (op: string, lr: LearningRate, o: AdamWOptions, decoupled: boolean): GradientTransformation<AdamState> => {
  checkLr(op, lr)
  const b1 = o.b1 ?? 0.9
  const b2 = o.b2 ?? 0.999
  const eps = o.eps ?? 1e-8
  const wd = decoupled ? (o.weightDecay ?? 1e-2) : 0
  inUnit(op, 'b1', b1)
  inUnit(op, 'b2', b2)
  nonNeg(op, 'eps', eps)
  nonNeg(op, 'weightDecay', wd)
  return {
    init: (params) => ({ count: 0, mu: zerosTree(op, params), nu: zerosTree(op, params) }),
    update: (grads, state, params) => {
      if (decoupled && params === undefined)
        throw new TypeError(`${op}: update needs the parameters for weight decay (pass them as the third argument)`)
      const rate = rateAt(op, lr, state.count)
      const t = state.count + 1
      const bc1 = 1 - Math.pow(b1, t)
      const bc2 = 1 - Math.pow(b2, t)
      const stepSize = -rate / bc1
      const sqrtBc2 = Math.sqrt(bc2)
      const trees = decoupled ? [grads, state.mu, state.nu, params] : [grads, state.mu, state.nu]
      const names = ['the gradients', 'the first moment', 'the second moment', 'the parameters']
      const [u, mu, nu] = zipMap(op, names, trees, 3, ([g, m0, v0, p]) => {
        const m = add(mul(m0!, b1), mul(g!, 1 - b1))
        const v = add(mul(v0!, b2), mul(square(g!), 1 - b2))
        const step = mul(div(m, add(div(sqrt(v), sqrtBc2), eps)), stepSize)
        const upd: Value = decoupled ? sub(step, mul(p!, rate * wd)) : step
        return [upd, m, v]
      }, params)
      return [u, { count: t, mu, nu }]
    },
  }
}

/**
 * Adam (Kingma & Ba) with bias correction, in PyTorch's arithmetic: `m ← b1·m + (1−b1)·g`,
 * `v ← b2·v + (1−b2)·g²`, `p ← p − (lr / (1−b1ᵗ)) · m / (√v / √(1−b2ᵗ) + eps)`.
 */
export const adam = (lr: LearningRate, options: AdamOptions = {}): GradientTransformation<AdamState> =>
  adamCore('adam', lr, options, false)

/**
 * AdamW (Loshchilov & Hutter): Adam plus decoupled weight decay `p ← p − lr·wd·p` (applied to the parameters
 * before the step, as PyTorch). `update` needs the parameters.
 */
export const adamw = (lr: LearningRate, options: AdamWOptions = {}): GradientTransformation<AdamState> =>
  adamCore('adamw', lr, options, true)

/** State of {@link rmsprop}. */
export interface RmspropState {
  readonly count: number
  /** Exponential average of squared gradients. */
  readonly squareAvg: Params
  /** Exponential average of gradients (`centered` only, else `null`). */
  readonly gradAvg: Params
  /** Momentum buffer (`momentum > 0` only, else `null`). */
  readonly momentumBuffer: Params
}

/** Options of {@link rmsprop}. */
export interface RmspropOptions {
  /** Smoothing constant of the squared-gradient average (PyTorch's `alpha`; default 0.99). */
  readonly decay?: number
  /** Added to the denominator (default 1e-8). */
  readonly eps?: number
  /** Momentum factor (default 0: none). */
  readonly momentum?: number
  /** Normalise by the estimated variance instead of the uncentered second moment (default false). */
  readonly centered?: boolean
}

/**
 * RMSprop as PyTorch's: `s ← α·s + (1−α)·g²`, `d = √s + eps` (centered: `√(s − ḡ²) + eps` with
 * `ḡ ← α·ḡ + (1−α)·g`); without momentum `p ← p − lr·g/d`, with it `b ← μ·b + g/d; p ← p − lr·b`.
 */
export const rmsprop = (lr: LearningRate, options: RmspropOptions = {}): GradientTransformation<RmspropState> => {
  checkLr('rmsprop', lr)
  const alpha = options.decay ?? 0.99
  const eps = options.eps ?? 1e-8
  const mom = options.momentum ?? 0
  const centered = options.centered ?? false
  inUnit('rmsprop', 'decay', alpha)
  nonNeg('rmsprop', 'eps', eps)
  inUnit('rmsprop', 'momentum', mom)
  return {
    init: (params) => ({
      count: 0,
      squareAvg: zerosTree('rmsprop', params),
      gradAvg: centered ? zerosTree('rmsprop', params) : null,
      momentumBuffer: mom > 0 ? zerosTree('rmsprop', params) : null,
    }),
    update: (grads, state, params) => {
      const a = -rateAt('rmsprop', lr, state.count)
      const trees = [grads, state.squareAvg, centered ? state.gradAvg : grads, mom > 0 ? state.momentumBuffer : grads]
      const names = ['the gradients', 'the square average', 'the gradient average', 'the momentum buffer']
      const [u, s, ga, buf] = zipMap('rmsprop', names, trees, 4, ([g, s0, ga0, b0]) => {
        const s1 = add(mul(s0!, alpha), mul(square(g!), 1 - alpha))
        const ga1 = centered ? add(mul(ga0!, alpha), mul(g!, 1 - alpha)) : g!
        const d = add(sqrt(centered ? sub(s1, square(ga1)) : s1), eps)
        const b1 = mom > 0 ? add(mul(b0!, mom), div(g!, d)) : div(g!, d)
        return [mul(b1, a), s1, ga1, b1]
      }, params)
      return [
        u,
        { count: state.count + 1, squareAvg: s, gradAvg: centered ? ga! : null, momentumBuffer: mom > 0 ? buf! : null },
      ]
    },
  }
}
