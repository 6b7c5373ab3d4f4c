/**
 * The optimisers, each a single `GradientTransformation` with its own typed, plain-data state. The arithmetic
 * follows PyTorch's `torch.optim` (so results can be compared step for step); the interface follows Optax
 * (updates are *added* to the parameters). `lr` is a number or a {@link Schedule} evaluated at the step count
 * (0 for the first update).
 *
 * Each optimiser has two paths per leaf. On concrete tensors of one float dtype (the eager training loop) it runs a
 * fused kernel of `@cotangent/tensor` (`sgdStep`, `momentumStep`, `adamStep`, `rmspropStep`): one pass producing
 * the update and the new state together. On traced values (inside `grad`, `makeGraph`, `jit`), or mixed dtypes, it
 * runs the composed element-wise ops below, which are differentiable and stageable. Both compute the same formulas
 * in the same order: bitwise equal in float64; in float32 the fused pass rounds once per output instead of once per
 * op, so they may differ in the last unit or so. `updateAndApply` (used by `applyGradients`) fuses `applyUpdates` in
 * too, returning new parameters instead of updates.
 * @module
 */
import { add, mul, div, sqrt, square, sub, type Value } from '@cotangent/autodiff'
import { adamStep, momentumStep, rmspropStep, sgdStep, type FusedOutput } from '@cotangent/tensor'
import { castLike, type GradientTransformation, type Hyper, type HyperSpec, type Params } from './base.js'
import { concrete, fusable, restructure, zipMap, zerosTree } from './leaves.js'
import type { LearningRate } from './schedules.js'
import { checkLr, checkParam, hyperOr, operand, plainNumbers, rateAt, type CountState } from './transforms.js'

const inUnit = (op: string, name: string, v: number): void => {
  checkParam(op, name, v, v >= 0 && v < 1, 'in [0, 1)')
}
const nonNeg = (op: string, name: string, v: number): void => {
  checkParam(op, name, v, Number.isFinite(v) && v >= 0, 'a finite number ≥ 0')
}

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** L2 weight decay added to the gradient, `g + wd·p` (PyTorch's `SGD(weight_decay)`; default 0). Needs `params`. */
  readonly weightDecay?: number
}

/** The output of one leaf: the update `u`, or with `mode` `'params'` the parameter plus it (as `applyUpdates`). */
const finish = (mode: FusedOutput, u: Value, p: Value | undefined): Value => (mode === 'params' ? add(p!, castLike(u, p!)) : u)

const needParams = (op: string, mode: FusedOutput, params: Params, why: boolean): void => {
  if (params !== undefined) return
  if (mode === 'params') throw new TypeError(`${op}: applyGradients needs the parameters (pass them as the fourth argument)`)
  if (why) throw new TypeError(`${op}: update needs the parameters for weight decay (pass them as the third argument)`)
}

/**
 * The `update` (mode `'updates'`) and `updateAndApply` (mode `'params'`) of a transformation built from `step`,
 * which receives the per-step numbers: those passed in, or `hyper(state)`'s.
 */
const bothModes = <S>(
  op: string,
  init: (params: Params) => S,
  hyper: HyperSpec<S>,
  step: (mode: FusedOutput) => (grads: Params, state: S, params: Params | undefined, h: Hyper) => readonly [Params, S],
): GradientTransformation<S> => {
  const withHyper =
    (mode: FusedOutput) =>
    (grads: Params, state: S, params: Params | undefined, given: Hyper | undefined): readonly [Params, S] =>
      step(mode)(grads, state, params, hyperOr(op, hyper.size, given, () => hyper.at(state)))
  const apply = withHyper('params')
  return {
    init,
    update: withHyper('updates'),
    updateAndApply: (grads, state, params, given) => {
      const [p, s] = apply(grads, state, params, given)
      return [restructure(params, p), s]
    },
    hyper,
  }
}

/**
 * Plain stochastic gradient descent: `p ← p − lr·g`; with `weightDecay`, `p ← p − lr·(g + wd·p)` (PyTorch's L2
 * decay; `update` then needs the parameters). State: the step count.
 */
export const sgd = (lr: LearningRate, options: SgdOptions = {}): GradientTransformation<CountState> => {
  checkLr('sgd', lr)
  const wd = options.weightDecay ?? 0
  nonNeg('sgd', 'weightDecay', wd)
  const decays = wd > 0
  return bothModes(
    'sgd',
    () => ({ count: 0 }),
    { size: 1, at: (state) => [-rateAt('sgd', lr, state.count)] },
    (mode) => (grads, state, params, h) => {
      needParams('sgd', mode, params, decays)
      const [a] = h
      const plain = plainNumbers(h)
      const withP = decays || mode === 'params'
      const trees = withP ? [grads, params] : [grads]
      const [u] = zipMap('sgd', ['the gradients', 'the parameters'], trees, 1, ([g, p]) => {
        if (plain !== null && fusable([g, withP ? p : undefined]))
          return [sgdStep({ grad: concrete(g), param: withP ? concrete(p) : undefined, lr: -plain[0]!, weightDecay: decays ? wd : undefined, output: mode })]
        const d = decays ? add(g!, castLike(mul(p!, wd), g!)) : g!
        return [finish(mode, mul(d, operand(a!, d)), p)]
      }, params)
      return [u, { count: state.count + 1 }]
    },
  )
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
  return bothModes(
    'momentum',
    (params) => ({ count: 0, velocity: zerosTree('momentum', params) }),
    { size: 1, at: (state) => [-rateAt('momentum', lr, state.count)] },
    (mode) => (grads, state, params, h) => {
      needParams('momentum', mode, params, false)
      const [a] = h
      const plain = plainNumbers(h)
      const trees = mode === 'params' ? [grads, state.velocity, params] : [grads, state.velocity]
      const names = ['the gradients', 'the velocity', 'the parameters']
      const [u, v] = zipMap('momentum', names, trees, 2, ([g, v0, p]) => {
        if (plain !== null && fusable([g, v0, p])) {
          const r = momentumStep({ grad: concrete(g), velocity: concrete(v0), param: p && concrete(p), lr: -plain[0]!, beta, nesterov, output: mode })
          return [r.out, r.velocity]
        }
        const v1 = add(mul(v0!, beta), g!)
        const d = nesterov ? add(g!, mul(v1, beta)) : v1
        return [finish(mode, mul(d, operand(a!, d)), p), v1]
      }, params)
      return [u, { count: state.count + 1, velocity: v }]
    },
  )
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
  /** `[stepSize, √(1 − b2ᵗ)]`, and the decay `lr·wd` for AdamW, with `stepSize = −lr / (1 − b1ᵗ)`. */
  const at = (state: AdamState): readonly number[] => {
    const rate = rateAt(op, lr, state.count)
    const t = state.count + 1
    const stepSize = -rate / (1 - Math.pow(b1, t))
    const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t))
    return decoupled ? [stepSize, sqrtBc2, rate * wd] : [stepSize, sqrtBc2]
  }
  return bothModes(
    op,
    (params) => ({ count: 0, mu: zerosTree(op, params), nu: zerosTree(op, params) }),
    { size: decoupled ? 3 : 2, at },
    (mode) => (grads, state, params, h) => {
      needParams(op, mode, params, decoupled)
      const [stepSize, sqrtBc2, decay] = h
      const plain = plainNumbers(h)
      const t = state.count + 1
      const withP = decoupled || mode === 'params'
      const trees = withP ? [grads, state.mu, state.nu, params] : [grads, state.mu, state.nu]
      const names = ['the gradients', 'the first moment', 'the second moment', 'the parameters']
      const [u, mu, nu] = zipMap(op, names, trees, 3, ([g, m0, v0, p]) => {
        if (plain !== null && fusable([g, m0, v0, p])) {
          const r = adamStep({
            grad: concrete(g),
            mu: concrete(m0),
            nu: concrete(v0),
            param: p && concrete(p),
            b1,
            b2,
            eps,
            stepSize: -plain[0]!,
            sqrtBc2: plain[1]!,
            decay: decoupled ? plain[2] : undefined,
            output: mode,
          })
          return [r.out, r.mu, r.nu]
        }
        const m = add(mul(m0!, b1), mul(g!, 1 - b1))
        const v = add(mul(v0!, b2), mul(square(g!), 1 - b2))
        const step = mul(div(m, add(div(sqrt(v), operand(sqrtBc2!, v)), eps)), operand(stepSize!, m))
        const upd: Value = decoupled ? sub(step, mul(p!, operand(decay!, p!))) : step
        return [finish(mode, upd, p), m, v]
      }, params)
      return [u, { count: t, mu, nu }]
    },
  )
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
  return bothModes(
    'rmsprop',
    (params) => ({
      count: 0,
      squareAvg: zerosTree('rmsprop', params),
      gradAvg: centered ? zerosTree('rmsprop', params) : null,
      momentumBuffer: mom > 0 ? zerosTree('rmsprop', params) : null,
    }),
    { size: 1, at: (state) => [-rateAt('rmsprop', lr, state.count)] },
    (mode) => (grads, state, params, h) => {
      needParams('rmsprop', mode, params, false)
      const [a] = h
      const plain = plainNumbers(h)
      const base = [grads, state.squareAvg, centered ? state.gradAvg : grads, mom > 0 ? state.momentumBuffer : grads]
      const trees = mode === 'params' ? [...base, params] : base
      const names = ['the gradients', 'the square average', 'the gradient average', 'the momentum buffer', 'the parameters']
      const [u, s, ga, buf] = zipMap('rmsprop', names, trees, 4, ([g, s0, ga0, b0, p]) => {
        const gaIn = centered ? ga0 : undefined
        const bIn = mom > 0 ? b0 : undefined
        if (plain !== null && fusable([g, s0, gaIn, bIn, p])) {
          const r = rmspropStep({
            grad: concrete(g),
            squareAvg: concrete(s0),
            gradAvg: gaIn && concrete(gaIn),
            momentumBuffer: bIn && concrete(bIn),
            param: p && concrete(p),
            lr: -plain[0]!,
            decay: alpha,
            eps,
            momentum: mom,
            output: mode,
          })
          return [r.out, r.squareAvg, r.gradAvg ?? g!, r.momentumBuffer ?? g!]
        }
        const s1 = add(mul(s0!, alpha), mul(square(g!), 1 - alpha))
        const ga1 = centered ? add(mul(ga0!, alpha), mul(g!, 1 - alpha)) : g!
        const d = add(sqrt(centered ? sub(s1, square(ga1)) : s1), eps)
        const b1 = mom > 0 ? add(mul(b0!, mom), div(g!, d)) : div(g!, d)
        return [finish(mode, mul(b1, operand(a!, b1)), p), s1, ga1, b1]
      }, params)
      return [
        u,
        { count: state.count + 1, squareAvg: s, gradAvg: centered ? ga! : null, momentumBuffer: mom > 0 ? buf! : null },
      ]
    },
  )
}
