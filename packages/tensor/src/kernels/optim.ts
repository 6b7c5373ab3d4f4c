/**
 * Fused optimizer steps: one pass over a parameter's elements computes the new optimizer state and the update (or
 * the updated parameter) that the composed element-wise ops of `@cotangent/optim` compute in several passes (13 for
 * Adam plus one for `applyUpdates`), each allocating a fresh array. Every function reads concrete tensors only (a
 * traced value is a `TracedValueError`: inside `grad`/`makeGraph`/`jit` the optimizers keep their composed,
 * differentiable path) and returns fresh tensors; nothing passed in is written to.
 *
 * Arithmetic. The formulas are PyTorch's (as `@cotangent/optim` implements them) with the operations in the order
 * the composed path performs them, so for float64 the results are bitwise equal to it. For float32 the pass
 * computes in float64 from the stored float32 values and the scalar coefficients as given, rounding once per
 * output when it is stored; the composed path rounds every intermediate (and every scalar coefficient) to float32,
 * so the two can differ in the last unit or few of float32 (the fused result is the nearer one to exact arithmetic),
 * and by more where a sum cancels (`m·b1 + g·(1−b1)` with opposite signs: the bound is relative to the terms, not
 * to the result). Near float32's underflow threshold the passes can part ways: a square that underflows to 0 per op
 * (ḡ² in centered RMSprop with |ḡ| ≲ 1e-19) is kept by the double pass, so `√(s − ḡ²)` can see a slightly negative
 * argument (NaN) where the composed path sees 0.
 *
 * The step-dependent coefficients (learning rate at this step, bias corrections) are computed by the caller and
 * passed as plain numbers. `output: 'updates'` returns the update to add to the parameter (Optax's convention:
 * `−lr·g` for SGD); `output: 'params'` returns `param + update` directly (what `applyUpdates` would give), which
 * needs `param`.
 * @module
 */
import { allocate, type Storage } from '../dtype.js'
import { DTypeError, ShapeError, showShape } from '../errors.js'
import { shapesEqual } from '../shape.js'
import { checkTensor, dataOf, wrap, type Tensor } from '../tensor.js'

/** What a fused step returns for the parameter: the update to add (`'updates'`) or the updated parameter (`'params'`). */
export type FusedOutput = 'updates' | 'params'

/**
 * Checks the operands of a fused step (`names[i]` labels `ts[i]` in errors; an `undefined` operand is absent):
 * tensors, a float dtype shared by all, the gradient's shape for all.
 */
const checkOperands = (op: string, names: readonly string[], ts: readonly (Tensor | undefined)[]): void => {
  const g = checkTensor(op, ts[0]!)
  if (g.dtype !== 'float32' && g.dtype !== 'float64')
    throw new DTypeError(
      op,
      `${names[0]!} have dtype ${g.dtype}; a fused optimizer step takes float32 or float64 tensors`,
    )
  for (let i = 1; i < ts.length; i++) {
    const t = ts[i]
    if (t === undefined) continue
    checkTensor(op, t)
    if (!shapesEqual(t.shape, g.shape))
      throw new ShapeError(
        op,
        `${names[i]!} have shape ${showShape(t.shape)} but ${names[0]!} have shape ${showShape(g.shape)}`,
      )
    if (t.dtype !== g.dtype)
      throw new DTypeError(
        op,
        `${names[i]!} have dtype ${t.dtype} but ${names[0]!} have dtype ${g.dtype} (the operands of a fused step share one dtype; cast them first)`,
      )
  }
}

/** Checks that each of `values` (named in the same order by `names`) is a number or absent. */
const checkNumbers = (
  op: string,
  names: readonly string[],
  ...values: readonly (number | undefined)[]
): void => {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v !== undefined && typeof v !== 'number')
      throw new TypeError(`${op}: ${names[i]!} must be a number, got ${typeof v}`)
  }
}

const needParam = (op: string, param: Tensor | undefined, why: string): Tensor => {
  if (param === undefined) throw new TypeError(`${op}: ${why} needs the parameter (pass \`param\`)`)
  return param
}

const checkOutput = (op: string, output: unknown): void => {
  if (output !== 'updates' && output !== 'params')
    throw new TypeError(`${op}: output must be 'updates' or 'params', got ${String(output)}`)
}

const SGD_NUMBERS = ['lr', 'weightDecay']
const MOMENTUM_NUMBERS = ['lr', 'beta']
const ADAM_NUMBERS = ['b1', 'b2', 'eps', 'stepSize', 'sqrtBc2', 'decay']
const RMSPROP_NUMBERS = ['lr', 'decay', 'eps', 'momentum']

const fresh = (like: Tensor): Storage => allocate(like.dtype, like.size)

// ---------------------------------------------------------------------------------------------------------------
// SGD

/** Arguments of {@link sgdStep}. */
export interface SgdStepArgs {
  /** The gradient. */
  readonly grad: Tensor
  /** The parameter: needed for `output: 'params'` and for `weightDecay`. */
  readonly param?: Tensor | undefined
  /** The learning rate at this step. */
  readonly lr: number
  /** L2 weight decay folded into the gradient, `g + wd·p` (PyTorch's `SGD(weight_decay)`); applied whenever given. */
  readonly weightDecay?: number | undefined
  /** Return the update (`'updates'`) or the updated parameter (`'params'`). */
  readonly output: FusedOutput
}

/**
 * Fused SGD: the update `(g + wd·p)·(−lr)` (just `g·(−lr)` without `weightDecay`), or `p + update` with
 * `output: 'params'`. One pass, one new tensor of the gradient's shape and dtype.
 */
export const sgdStep = (args: SgdStepArgs): Tensor => {
  const op = 'sgdStep'
  const { grad, lr, weightDecay, output } = args
  checkOutput(op, output)
  checkNumbers(op, SGD_NUMBERS, lr, weightDecay)
  const param =
    output === 'params' || weightDecay !== undefined
      ? needParam(op, args.param, output === 'params' ? "output 'params'" : 'weightDecay')
      : undefined
  checkOperands(op, ['the gradients', 'the parameters'], [grad, param])
  const g = dataOf(grad, op)
  const p = param === undefined ? g : dataOf(param, op)
  const out = fresh(grad)
  const n = g.length
  const a = -lr
  const toParams = output === 'params'
  if (weightDecay === undefined) {
    if (toParams) for (let i = 0; i < n; i++) out[i] = p[i]! + g[i]! * a
    else for (let i = 0; i < n; i++) out[i] = g[i]! * a
  } else {
    const wd = weightDecay
    for (let i = 0; i < n; i++) {
      const pi = p[i]!
      const u = (g[i]! + pi * wd) * a
      out[i] = toParams ? pi + u : u
    }
  }
  return wrap(out, grad.shape, grad.dtype)
}

// ---------------------------------------------------------------------------------------------------------------
// Momentum / Nesterov

/** Arguments of {@link momentumStep}. */
export interface MomentumStepArgs {
  /** The gradient. */
  readonly grad: Tensor
  /** The velocity buffer before this step. */
  readonly velocity: Tensor
  /** The parameter: needed for `output: 'params'`. */
  readonly param?: Tensor | undefined
  /** The learning rate at this step. */
  readonly lr: number
  /** The momentum factor β. */
  readonly beta: number
  /** Nesterov momentum (PyTorch's `nesterov=True`). */
  readonly nesterov: boolean
  /** Return the update (`'updates'`) or the updated parameter (`'params'`). */
  readonly output: FusedOutput
}

/** Result of {@link momentumStep}. */
export interface MomentumStepResult {
  /** The update, or the updated parameter. */
  readonly out: Tensor
  /** The new velocity. */
  readonly velocity: Tensor
}

/**
 * Fused SGD with momentum, PyTorch's arithmetic without dampening: `v' = v·β + g`, update `v'·(−lr)`; with
 * `nesterov`, update `(g + v'·β)·(−lr)`. One pass, two new tensors (the output and the velocity).
 */
export const momentumStep = (args: MomentumStepArgs): MomentumStepResult => {
  const op = 'momentumStep'
  const { grad, velocity, lr, beta, nesterov, output } = args
  checkOutput(op, output)
  checkNumbers(op, MOMENTUM_NUMBERS, lr, beta)
  const param = output === 'params' ? needParam(op, args.param, "output 'params'") : undefined
  checkOperands(op, ['the gradients', 'the velocity', 'the parameters'], [grad, velocity, param])
  const g = dataOf(grad, op)
  const v0 = dataOf(velocity, op)
  const p = param === undefined ? g : dataOf(param, op)
  const out = fresh(grad)
  const v1 = fresh(grad)
  const n = g.length
  const a = -lr
  const toParams = output === 'params'
  for (let i = 0; i < n; i++) {
    const gi = g[i]!
    const v = v0[i]! * beta + gi
    v1[i] = v
    const u = (nesterov ? gi + v * beta : v) * a
    out[i] = toParams ? p[i]! + u : u
  }
  return { out: wrap(out, grad.shape, grad.dtype), velocity: wrap(v1, grad.shape, grad.dtype) }
}

// ---------------------------------------------------------------------------------------------------------------
// Adam / AdamW

/** Arguments of {@link adamStep}. */
export interface AdamStepArgs {
  /** The gradient. */
  readonly grad: Tensor
  /** The first moment before this step. */
  readonly mu: Tensor
  /** The second moment before this step. */
  readonly nu: Tensor
  /** The parameter: needed for `output: 'params'` and for `decay`. */
  readonly param?: Tensor | undefined
  /** Decay of the first moment. */
  readonly b1: number
  /** Decay of the second moment. */
  readonly b2: number
  /** Added to the denominator. */
  readonly eps: number
  /** `lr / (1 − b1ᵗ)` at this step (t counts from 1). */
  readonly stepSize: number
  /** `√(1 − b2ᵗ)` at this step. */
  readonly sqrtBc2: number
  /** AdamW's decoupled decay coefficient `lr · weightDecay`; `p·decay` is subtracted whenever it is given (even 0). */
  readonly decay?: number | undefined
  /** Return the update (`'updates'`) or the updated parameter (`'params'`). */
  readonly output: FusedOutput
}

/** Result of {@link adamStep}. */
export interface AdamStepResult {
  /** The update, or the updated parameter. */
  readonly out: Tensor
  /** The new first moment. */
  readonly mu: Tensor
  /** The new second moment. */
  readonly nu: Tensor
}

/**
 * Fused Adam/AdamW step in PyTorch's arithmetic: `m' = m·b1 + g·(1−b1)`, `v' = v·b2 + g²·(1−b2)`, update
 * `(m' / (√v' / sqrtBc2 + eps))·(−stepSize)`, minus `p·decay` for AdamW. One pass, three new tensors.
 */
export const adamStep = (args: AdamStepArgs): AdamStepResult => {
  const op = 'adamStep'
  const { grad, mu, nu, b1, b2, eps, stepSize, sqrtBc2, decay, output } = args
  checkOutput(op, output)
  checkNumbers(op, ADAM_NUMBERS, b1, b2, eps, stepSize, sqrtBc2, decay)
  const param =
    output === 'params' || decay !== undefined
      ? needParam(op, args.param, output === 'params' ? "output 'params'" : 'decay')
      : undefined
  checkOperands(
    op,
    ['the gradients', 'the first moment', 'the second moment', 'the parameters'],
    [grad, mu, nu, param],
  )
  const g = dataOf(grad, op)
  const m0 = dataOf(mu, op)
  const v0 = dataOf(nu, op)
  const p = param === undefined ? g : dataOf(param, op)
  const out = fresh(grad)
  const m1 = fresh(grad)
  const v1 = fresh(grad)
  const n = g.length
  const c1 = 1 - b1
  const c2 = 1 - b2
  const s = -stepSize
  if (decay === undefined && output === 'updates')
    for (let i = 0; i < n; i++) {
      const gi = g[i]!
      const m = m0[i]! * b1 + gi * c1
      const v = v0[i]! * b2 + gi * gi * c2
      m1[i] = m
      v1[i] = v
      out[i] = (m / (Math.sqrt(v) / sqrtBc2 + eps)) * s
    }
  else if (decay === undefined)
    for (let i = 0; i < n; i++) {
      const gi = g[i]!
      const m = m0[i]! * b1 + gi * c1
      const v = v0[i]! * b2 + gi * gi * c2
      m1[i] = m
      v1[i] = v
      out[i] = p[i]! + (m / (Math.sqrt(v) / sqrtBc2 + eps)) * s
    }
  else {
    const toParams = output === 'params'
    for (let i = 0; i < n; i++) {
      const gi = g[i]!
      const pi = p[i]!
      const m = m0[i]! * b1 + gi * c1
      const v = v0[i]! * b2 + gi * gi * c2
      m1[i] = m
      v1[i] = v
      const u = (m / (Math.sqrt(v) / sqrtBc2 + eps)) * s - pi * decay
      out[i] = toParams ? pi + u : u
    }
  }
  const shape = grad.shape
  const dt = grad.dtype
  return { out: wrap(out, shape, dt), mu: wrap(m1, shape, dt), nu: wrap(v1, shape, dt) }
}

// ---------------------------------------------------------------------------------------------------------------
// RMSprop

/** Arguments of {@link rmspropStep}. */
export interface RmspropStepArgs {
  /** The gradient. */
  readonly grad: Tensor
  /** The average of squared gradients before this step. */
  readonly squareAvg: Tensor
  /** The average of gradients (given ⇔ centered RMSprop). */
  readonly gradAvg?: Tensor | undefined
  /** The momentum buffer (given ⇔ momentum; then `momentum` is its factor). */
  readonly momentumBuffer?: Tensor | undefined
  /** The parameter: needed for `output: 'params'`. */
  readonly param?: Tensor | undefined
  /** The learning rate at this step. */
  readonly lr: number
  /** Smoothing constant α of the averages (PyTorch's `alpha`). */
  readonly decay: number
  /** Added to the denominator. */
  readonly eps: number
  /** The momentum factor (used only with `momentumBuffer`). */
  readonly momentum?: number | undefined
  /** Return the update (`'updates'`) or the updated parameter (`'params'`). */
  readonly output: FusedOutput
}

/** Result of {@link rmspropStep}: the output and the new state (`null` where the step keeps no such buffer). */
export interface RmspropStepResult {
  /** The update, or the updated parameter. */
  readonly out: Tensor
  /** The new average of squared gradients. */
  readonly squareAvg: Tensor
  /** The new average of gradients (centered), else `null`. */
  readonly gradAvg: Tensor | null
  /** The new momentum buffer (with momentum), else `null`. */
  readonly momentumBuffer: Tensor | null
}

/**
 * Fused RMSprop in PyTorch's arithmetic: `s' = s·α + g²·(1−α)`; centered `ḡ' = ḡ·α + g·(1−α)` and
 * `d = √(s' − ḡ'²) + eps`, else `d = √s' + eps`; with momentum `b' = b·μ + g/d` and update `b'·(−lr)`, else update
 * `(g/d)·(−lr)`. One pass; new tensors for the output and each state buffer.
 */
export const rmspropStep = (args: RmspropStepArgs): RmspropStepResult => {
  const op = 'rmspropStep'
  const { grad, squareAvg, gradAvg, momentumBuffer, lr, decay, eps, output } = args
  checkOutput(op, output)
  checkNumbers(op, RMSPROP_NUMBERS, lr, decay, eps, args.momentum)
  const param = output === 'params' ? needParam(op, args.param, "output 'params'") : undefined
  if (momentumBuffer !== undefined && args.momentum === undefined)
    throw new TypeError(`${op}: a momentumBuffer needs its factor (pass \`momentum\`)`)
  checkOperands(
    op,
    ['the gradients', 'the square average', 'the gradient average', 'the momentum buffer', 'the parameters'],
    [grad, squareAvg, gradAvg, momentumBuffer, param],
  )
  const g = dataOf(grad, op)
  const s0 = dataOf(squareAvg, op)
  const centered = gradAvg !== undefined
  const withMomentum = momentumBuffer !== undefined
  const ga0 = centered ? dataOf(gradAvg, op) : g
  const b0 = withMomentum ? dataOf(momentumBuffer, op) : g
  const p = param === undefined ? g : dataOf(param, op)
  const mom = args.momentum ?? 0
  const out = fresh(grad)
  const s1 = fresh(grad)
  const ga1 = centered ? fresh(grad) : s1
  const b1 = withMomentum ? fresh(grad) : s1
  const n = g.length
  const alpha = decay
  const c = 1 - alpha
  const a = -lr
  const toParams = output === 'params'
  for (let i = 0; i < n; i++) {
    const gi = g[i]!
    const s = s0[i]! * alpha + gi * gi * c
    s1[i] = s
    let d: number
    if (centered) {
      const ga = ga0[i]! * alpha + gi * c
      ga1[i] = ga
      d = Math.sqrt(s - ga * ga) + eps
    } else d = Math.sqrt(s) + eps
    let b = gi / d
    if (withMomentum) {
      b = b0[i]! * mom + b
      b1[i] = b
    }
    const u = b * a
    out[i] = toParams ? p[i]! + u : u
  }
  const shape = grad.shape
  const dt = grad.dtype
  return {
    out: wrap(out, shape, dt),
    squareAvg: wrap(s1, shape, dt),
    gradAvg: centered ? wrap(ga1, shape, dt) : null,
    momentumBuffer: withMomentum ? wrap(b1, shape, dt) : null,
  }
}
