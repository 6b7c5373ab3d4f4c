/**
 * Softmax cross-entropy with integer labels as three primitives over the fused kernels of `@cotangent/tensor`
 * (kernels/softmax.ts), so that a training step runs one kernel forward and one backward, with no one-hot mask:
 *
 * - `softmaxCrossEntropy(x, y)`: the loss (reduced, or per row). Its JVP is the next primitive.
 * - `softmaxCrossEntropyJvp(x, y, t)`: the tangent `R(Σ_c p·t − t[y])` (p = softmax(x), R the reduction), linear
 *   in `t`. Its transpose is the backward primitive, so reverse mode (`grad` = linearize + transpose) calls the
 *   fused backward kernel once.
 * - `softmaxCrossEntropyVjp(x, y, g)`: the cotangent of the logits `(p − onehot(y))·s(g)`, linear in `g`; its
 *   transpose is `softmaxCrossEntropyJvp`.
 *
 * Why primitives and not `customVjp`: a `customVjp` function has no forward mode (`jvp`/`jacfwd` through it is an
 * error), and its forward and backward would still have to be differentiable for second order. Here each linear
 * primitive also has a JVP in `x` written with the public ops (`d p = p ⊙ (u − Σ p⊙u)`), so every order and every
 * mode works: `jvp`, `grad`, grad of grad, Hessian-vector products in either nesting, `jacfwd(jacrev(·))`.
 * Staged (`makeGraph`/`jit`), each is one equation; the labels are an operand (int32 or float integers), not a
 * constant of the program.
 * @module
 */
import {
  bind,
  definePrimitive,
  div,
  expandDims,
  mean,
  mul,
  softmax,
  sub,
  sum,
  add,
  type Primitive,
  type Value,
  type ValueLike,
} from '@cotangent/autodiff'
import * as T from '@cotangent/tensor'
import type { DType, Tensor } from '@cotangent/tensor'
import type { Reduction } from './reduce.js'

/** What shape rules see of an operand (autodiff's abstract value). */
interface Aval {
  readonly shape: readonly number[]
  readonly dtype: DType | 'weak'
}

/** Static parameters of the three primitives: the (normalised) class axis and the reduction. */
export interface XentParams {
  readonly axis: number
  readonly reduction: Reduction
}

const floatOf = (d: DType | 'weak'): DType => (d === 'float32' ? 'float32' : 'float64')
const promoted = (a: Aval, b: Aval): DType =>
  b.dtype === 'weak' ? floatOf(a.dtype) : T.promote(a.dtype === 'weak' ? 'float64' : a.dtype, b.dtype)
const lossShape = (x: Aval, { axis, reduction }: XentParams): readonly number[] =>
  reduction === 'none' ? x.shape.filter((_, i) => i !== axis) : []
const asTensor = (v: Tensor | number): Tensor => (typeof v === 'number' ? T.scalar(v) : v)

/** The reduction of per-row values, with the public ops (for the rules). */
const reduceRows = (v: Value, reduction: Reduction): Value =>
  reduction === 'none' ? v : reduction === 'sum' ? sum(v) : mean(v)

/** `a + b` where either may be a symbolic zero (`null`). */
const plus = (a: Value | null, b: Value | null): Value | null => (a === null ? b : b === null ? a : add(a, b))

/** The loss: one fused forward kernel; its tangent is {@link xentJvpP}. */
export const xentP: Primitive<XentParams> = definePrimitive<XentParams>({
  name: 'softmaxCrossEntropy',
  impl: ([x, y], p) => T.softmaxCrossEntropyLoss(asTensor(x!), asTensor(y!), p),
  // labels are integers: no tangent flows from them
  jvp: ([x, y], [t], p) => [bind(xentP, [x!, y!], p), t === null || t === undefined ? null : bind(xentJvpP, [x!, y!, t], p)],
  shape: ([x], p) => ({ shape: lossShape(x!, p), dtype: floatOf(x!.dtype) }),
})

/** `R(Σ_c p·t − t[y])`: linear in `t` (position 2), transposes into {@link xentVjpP}. */
export const xentJvpP: Primitive<XentParams> = definePrimitive<XentParams>({
  name: 'softmaxCrossEntropyJvp',
  impl: ([x, y, t], p) => T.softmaxCrossEntropyTangent(asTensor(x!), asTensor(y!), asTensor(t!), p),
  jvp: ([x, y, t], [u, , v], p) => {
    const out = bind(xentJvpP, [x!, y!, t!], p)
    const inT = v === null || v === undefined ? null : bind(xentJvpP, [x!, y!, v], p)
    // d/dx of Σ p·t along u: Σ p·u·t − (Σ p·u)(Σ p·t), per row
    const inX = ((): Value | null => {
      if (u === null || u === undefined) return null
      const pr = softmax(x as Value, p.axis)
      const pu = mul(pr, u)
      const o = { axis: p.axis }
      return reduceRows(sub(sum(mul(pu, t!), o), mul(sum(pu, o), sum(mul(pr, t!), o))), p.reduction)
    })()
    return [out, plus(inT, inX)]
  },
  linear: { positions: [2] },
  shape: ([x, , t], p) => ({ shape: lossShape(x!, p), dtype: promoted(x!, t!) }),
  transpose: (ct, [x, y], p) => [null, null, bind(xentVjpP, [x!, y!, ct], p)],
})

/** `(p − onehot(y))·s(g)`: the fused backward, linear in `g` (position 2), transposes into {@link xentJvpP}. */
export const xentVjpP: Primitive<XentParams> = definePrimitive<XentParams>({
  name: 'softmaxCrossEntropyVjp',
  impl: ([x, y, g], p) => T.softmaxCrossEntropyBackward(asTensor(x!), asTensor(y!), asTensor(g!), p),
  jvp: ([x, y, g], [u, , h], p) => {
    const out = bind(xentVjpP, [x!, y!, g!], p)
    const inG = h === null || h === undefined ? null : bind(xentVjpP, [x!, y!, h], p)
    // d/dx of p·s(g) along u: p ⊙ (u − Σ p⊙u) · s(g)
    const inX = ((): Value | null => {
      if (u === null || u === undefined) return null
      const pr = softmax(x as Value, p.axis)
      const dp = mul(pr, sub(u, sum(mul(pr, u), { axis: p.axis, keepdims: true })))
      const rows = (y as Value).size
      const s: ValueLike =
        p.reduction === 'none' ? expandDims(g as Value, p.axis) : p.reduction === 'sum' ? g! : div(g!, rows)
      return mul(dp, s)
    })()
    return [out, plus(inG, inX)]
  },
  linear: { positions: [2] },
  shape: ([x, , g]) => ({ shape: x!.shape, dtype: promoted(x!, g!) }),
  transpose: (ct, [x, y], p) => [null, null, bind(xentJvpP, [x!, y!, ct], p)],
})
