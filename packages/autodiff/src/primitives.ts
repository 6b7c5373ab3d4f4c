/**
 * The primitive basis. Each primitive is defined exactly once, here: its evaluation (a tensor kernel), its JVP
 * rule beside it, and — for linear primitives — its transpose and shape rules. Everything else in the public op
 * namespace (ops.ts) is composed from these, so its derivatives come free and cannot drift.
 *
 * Conventions for JVP rules: tangents are `null` for a symbolic zero; rules are written with the public binders
 * below, so they are differentiable themselves (grad of grad works); a tangent never flows through a non-linear
 * operation. Subgradients at kinks: `abs'(0) = 0`, `sign' = 0`, `relu'(0) = 0`, `leakyRelu'(0) = slope` (their
 * derivatives are the one-pass linear primitives `reluGrad`/`leakyReluGrad`); `maximum`/`minimum` split ties 1/2–1/2;
 * reductions `max`/`min` share the tangent equally among tied maxima (JAX's convention).
 * @module
 */
import * as T from '@cotangent/tensor'
import { ShapeError, showShape, type DType, type Tensor } from '@cotangent/tensor'
import {
  bind,
  definePrimitive,
  type ArgValue,
  type Aval,
  type Primitive,
  type Value,
  type ValueLike,
} from './core.js'

// ---------------------------------------------------------------------------------------------------------------
// Shape helpers for shape rules and transposes

const shapeOf = (a: ArgValue): readonly number[] => (typeof a === 'number' ? [] : a.shape)

const dtypeOfAvals = (avals: readonly Aval[]): DType => {
  let dt: DType | 'weak' = 'weak'
  for (const a of avals) {
    if (a.dtype === 'weak') continue
    dt = dt === 'weak' ? (a.dtype === 'int32' ? 'float64' : a.dtype) : T.promote(dt, a.dtype)
  }
  return dt === 'weak' ? 'float64' : dt
}

const broadcastAval =
  (op: string) =>
  (avals: readonly Aval[]): Aval => {
    // operands of one shape (a tangent and its primal, the usual case while linearizing): that shape, as it is
    const first = avals[0]!.shape
    let same = true
    for (let i = 1; i < avals.length && same; i++) same = T.shapesEqual(first, avals[i]!.shape)
    if (same) return { shape: first, dtype: dtypeOfAvals(avals) }
    let shape: readonly number[] = []
    for (const a of avals) shape = T.broadcastShapes(op, shape, a.shape)
    return { shape, dtype: dtypeOfAvals(avals) }
  }

/** Output shape of `slice` for Python-style ranges (start/stop clamp, negative counts from the end). */
export const sliceShape = (shape: readonly number[], ranges: readonly (T.SliceRange | undefined)[]): number[] =>
  shape.map((n, i) => {
    const r = ranges[i]
    if (r === undefined) return n
    const step = r.step ?? 1
    if (step === 0) throw new ShapeError('slice', `step cannot be 0 (axis ${i} of ${showShape(shape)})`)
    const clampIdx = (v: number, lo: number, hi: number): number => Math.min(Math.max(v < 0 ? v + n : v, lo), hi)
    const [start, stop] =
      step > 0
        ? [r.start === undefined ? 0 : clampIdx(r.start, 0, n), r.stop === undefined ? n : clampIdx(r.stop, 0, n)]
        : [r.start === undefined ? n - 1 : clampIdx(r.start, -1, n - 1), r.stop === undefined ? -1 : clampIdx(r.stop, -1, n - 1)]
    return Math.max(0, Math.ceil((stop - start) / step))
  })

const keepShape = (shape: readonly number[], axes: readonly number[]): number[] =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d))

const reducedShape = (shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] =>
  keepdims ? keepShape(shape, axes) : shape.filter((_, i) => !axes.includes(i))

const indicesShape = (ix: Tensor | readonly number[]): readonly number[] => (T.isTensor(ix) ? ix.shape : [ix.length])

const matmulShape = (a: readonly number[], b: readonly number[]): number[] => {
  if (a.length === 0 || b.length === 0)
    throw new ShapeError('matmul', `cannot multiply ${showShape(a)} by ${showShape(b)} (0-d operand)`)
  // two matrices (the usual case): no batch dimensions to broadcast
  if (a.length === 2 && b.length === 2 && a[1] === b[0]) return [a[0]!, b[1]!]
  const a2 = a.length === 1 ? [1, a[0]!] : a
  const b2 = b.length === 1 ? [b[0]!, 1] : b
  const k1 = a2[a2.length - 1]!
  const k2 = b2[b2.length - 2]!
  if (k1 !== k2)
    throw new ShapeError('matmul', `cannot multiply ${showShape(a)} by ${showShape(b)} (inner dims ${k1} ≠ ${k2})`)
  const batch = T.broadcastShapes('matmul', a2.slice(0, -2), b2.slice(0, -2))
  return [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.length === 1 ? [] : [b2[b2.length - 1]!])]
}

// ---------------------------------------------------------------------------------------------------------------
// Tangent helpers (null = symbolic zero)

const fit = (t: Value, shape: readonly number[]): Value => (T.shapesEqual(t.shape, shape) ? t : broadcastTo(t, shape))

const tAdd = (a: Value | null, b: Value | null, shape: readonly number[]): Value | null =>
  a === null ? (b === null ? null : fit(b, shape)) : b === null ? fit(a, shape) : fit(add(a, b), shape)

const tScale = (t: Value | null, c: ValueLike): Value | null => (t === null ? null : mul(t, c))

const asValue = (a: ArgValue): Value => (typeof a === 'number' ? T.scalar(a) : a)

// ---------------------------------------------------------------------------------------------------------------
// Element-wise binary primitives (broadcasting)

const unbroadcast = (ct: Value, a: ArgValue): Value => sumToShape(ct, shapeOf(a))

/** `a + b`. Linear; the transpose un-broadcasts the cotangent onto each operand. */
export const addP = definePrimitive<undefined>({
  name: 'add',
  impl: ([a, b]) => T.add(a!, b!),
  jvp: ([a, b], [ta, tb]) => {
    const out = add(a!, b!)
    return [out, tAdd(ta ?? null, tb ?? null, out.shape)]
  },
  linear: { positions: [0, 1] },
  shape: broadcastAval('add'),
  transpose: (ct, [a, b], _p, lin) => [lin[0] ? unbroadcast(ct, a!) : null, lin[1] ? unbroadcast(ct, b!) : null],
})

/** `a - b`. Linear. */
export const subP = definePrimitive<undefined>({
  name: 'sub',
  impl: ([a, b]) => T.sub(a!, b!),
  jvp: ([a, b], [ta, tb]) => {
    const out = sub(a!, b!)
    return [out, !tb ? tAdd(ta ?? null, null, out.shape) : !ta ? fit(neg(tb), out.shape) : fit(sub(ta, tb), out.shape)]
  },
  linear: { positions: [0, 1] },
  shape: broadcastAval('sub'),
  transpose: (ct, [a, b], _p, lin) => [lin[0] ? unbroadcast(ct, a!) : null, lin[1] ? unbroadcast(neg(ct), b!) : null],
})

/** `a * b`. Linear in each operand separately. */
export const mulP = definePrimitive<undefined>({
  name: 'mul',
  impl: ([a, b]) => T.mul(a!, b!),
  jvp: ([a, b], [ta, tb]) => {
    const out = mul(a!, b!)
    return [out, tAdd(tScale(ta ?? null, b!), tScale(tb ?? null, a!), out.shape)]
  },
  linear: { positions: [0, 1], bilinear: true },
  shape: broadcastAval('mul'),
  transpose: (ct, [a, b], _p, lin) => [lin[0] ? unbroadcast(mul(ct, b!), a!) : null, lin[1] ? unbroadcast(mul(ct, a!), b!) : null],
})

/** `a / b`. Linear in the numerator. */
export const divP = definePrimitive<undefined>({
  name: 'div',
  impl: ([a, b]) => T.div(a!, b!),
  jvp: ([a, b], [ta, tb]) => {
    const out = div(a!, b!)
    const num = !tb ? (ta ?? null) : !ta ? neg(mul(tb, out)) : sub(ta, mul(tb, out))
    return [out, num === null ? null : fit(div(num, b!), out.shape)]
  },
  linear: { positions: [0] },
  shape: broadcastAval('div'),
  transpose: (ct, [a, b]) => [unbroadcast(div(ct, b!), a!), null],
})

/** `a ** b` (element-wise, broadcasting). The derivative in `b` uses log(a), taken as 0 where a = 0. */
export const powP = definePrimitive<undefined>({
  name: 'pow',
  impl: ([a, b]) => T.pow(a!, b!),
  jvp: ([a, b], [ta, tb]) => {
    const out = pow(a!, b!)
    const da =
      !ta ? null : mul(ta, typeof b === 'number' ? mul(pow(a!, b - 1), b) : mul(pow(a!, sub(b!, 1)), b!))
    const db = !tb ? null : mul(tb, mul(where(equal(a!, 0), 0, log(where(equal(a!, 0), 1, a!))), out))
    return [out, tAdd(da, db, out.shape)]
  },
})

/** A primitive without static parameters. */
export type PrimitiveOf = Primitive<undefined>

const cmp = (name: string, k: T.BinaryOp): Primitive<undefined> => {
  const p: Primitive<undefined> = definePrimitive<undefined>({
    name,
    impl: ([a, b]) => k(a!, b!),
    jvp: ([a, b]) => [bind(p, [a!, b!], undefined), null],
  })
  return p
}
/** Comparisons: 0/1 results, zero derivative. */
export const equalP = cmp('equal', T.equal)
export const notEqualP = cmp('notEqual', T.notEqual)
export const lessP = cmp('less', T.less)
export const greaterP = cmp('greater', T.greater)
export const lessEqualP = cmp('lessEqual', T.lessEqual)
export const greaterEqualP = cmp('greaterEqual', T.greaterEqual)

const extremum = (name: string, k: T.BinaryOp, wins: T.BinaryOp): Primitive<undefined> => {
  const p: Primitive<undefined> = definePrimitive<undefined>({
    name,
    impl: ([a, b]) => k(a!, b!),
    jvp: ([a, b], [ta, tb]) => {
      const out = bind(p, [a!, b!], undefined)
      const tie = mul(equal(a!, b!), 0.5)
      const wa = !ta ? null : mul(ta, add(bind(cmpOf(wins), [a!, b!], undefined), tie))
      const wb = !tb ? null : mul(tb, add(bind(cmpOf(wins), [b!, a!], undefined), tie))
      return [out, tAdd(wa, wb, out.shape)]
    },
  })
  return p
}
const cmpOf = (k: T.BinaryOp): Primitive<undefined> => (k === T.greater ? greaterP : lessP)
/** Element-wise maximum (ties split the tangent 1/2–1/2). */
export const maximumP = extremum('maximum', T.maximum, T.greater)
/** Element-wise minimum (ties split the tangent 1/2–1/2). */
export const minimumP = extremum('minimum', T.minimum, T.less)

/** `where(cond, a, b)`: linear in `a` and `b` jointly; `cond` is a constant. */
export const whereP = definePrimitive<undefined>({
  name: 'where',
  impl: ([c, a, b]) => T.where(c!, a!, b!),
  jvp: ([c, a, b], [, ta, tb]) => {
    const out = where(c!, a!, b!)
    if (!ta && !tb) return [out, null]
    return [out, fit(where(c!, ta ?? 0, tb ?? 0), out.shape)]
  },
  linear: { positions: [1, 2] },
  shape: (avals) => ({ shape: broadcastAval('where')(avals).shape, dtype: dtypeOfAvals(avals.slice(1)) }),
  transpose: (ct, [c, a, b], _p, lin) => [
    null,
    lin[1] ? unbroadcast(where(c!, ct, 0), a!) : null,
    lin[2] ? unbroadcast(where(c!, 0, ct), b!) : null,
  ],
})

// ---------------------------------------------------------------------------------------------------------------
// Element-wise unary primitives

const unary = (
  name: string,
  k: (a: Tensor) => Tensor,
  rule: (x: Value, y: Value, t: Value) => Value | null,
): Primitive<undefined> => {
  const p: Primitive<undefined> = definePrimitive<undefined>({
    name,
    impl: ([a]) => k(a as Tensor),
    jvp: ([x], [t]) => {
      const y = bind(p, [x!], undefined)
      return [y, !t ? null : rule(asValue(x!), y, t)]
    },
  })
  return p
}

/** `-x`. Linear. */
export const negP = definePrimitive<undefined>({
  name: 'neg',
  impl: ([a]) => T.neg(a as Tensor),
  jvp: ([x], [t]) => [neg(x as Value), !t ? null : neg(t)],
  linear: { positions: [0] },
  shape: ([a]) => ({ shape: a!.shape, dtype: dtypeOfAvals([a!]) }),
  transpose: (ct) => [neg(ct)],
})
export const expP = unary('exp', T.exp, (_x, y, t) => mul(t, y))
export const logP = unary('log', T.log, (x, _y, t) => div(t, x))
export const log1pP = unary('log1p', T.log1p, (x, _y, t) => div(t, add(x, 1)))
export const expm1P = unary('expm1', T.expm1, (_x, y, t) => mul(t, add(y, 1)))
export const sqrtP = unary('sqrt', T.sqrt, (_x, y, t) => div(t, mul(y, 2)))
export const sinP = unary('sin', T.sin, (x, _y, t) => mul(t, cos(x)))
export const cosP = unary('cos', T.cos, (x, _y, t) => neg(mul(t, sin(x))))
export const tanhP = unary('tanh', T.tanh, (_x, y, t) => mul(t, sub(1, mul(y, y))))
export const sigmoidP = unary('sigmoid', T.sigmoid, (_x, y, t) => mul(t, mul(y, sub(1, y))))
export const absP = unary('abs', T.abs, (x, _y, t) => mul(t, sign(x)))
/** Zero-derivative element-wise primitives. */
export const signP = unary('sign', T.sign, () => null)
export const floorP = unary('floor', T.floor, () => null)
export const roundP = unary('round', T.round, () => null)
export const isFiniteP = unary('isFinite', T.isFinite, () => null)

/**
 * `max(x, 0)` in one pass (NaN stays NaN; int32 stays int32, as `where(x ≤ 0, 0, x)` gives). Its tangent is
 * `reluGrad(x, t)`: `t` where `x > 0`, 0 where `x ≤ 0` (the subgradient at 0 is 0).
 */
export const reluP: Primitive<undefined> = definePrimitive<undefined>({
  name: 'relu',
  impl: ([a]) => {
    const x = a as Tensor
    return x.dtype === 'int32' ? T.where(T.lessEqual(x, 0), 0, x) : T.relu(x)
  },
  jvp: ([x], [t]) => [bind(reluP, [x!], undefined), !t ? null : bind(reluGradP, [x!, t], undefined)],
})

/**
 * `reluGrad(x, t)`: `t` where `x > 0` (or x is NaN), 0 where `x ≤ 0` — relu's derivative applied to a tangent, in
 * one kernel pass. Linear in `t` (a diagonal map, so its own transpose); `x` is a constant of it: relu'' = 0
 * almost everywhere, so no derivative flows into `x` and grad of grad works.
 */
export const reluGradP: Primitive<undefined> = definePrimitive<undefined>({
  name: 'reluGrad',
  impl: ([x, t]) => T.reluGrad(x!, t!),
  jvp: ([x, t], [, tt]) => [
    bind(reluGradP, [x!, t!], undefined),
    !tt ? null : bind(reluGradP, [x!, tt], undefined),
  ],
  linear: { positions: [1] },
  shape: (avals) => ({ shape: broadcastAval('reluGrad')(avals).shape, dtype: dtypeOfAvals(avals.slice(1)) }),
  transpose: (ct, [x, t]) => [null, unbroadcast(bind(reluGradP, [x!, ct], undefined), t!)],
})

/** Parameters of the leaky ReLU primitives: the slope for `x ≤ 0` (a number). */
export interface LeakyReluParams {
  readonly slope: number
}

/** `x` where `x > 0`, `slope·x` elsewhere, in one pass. Its tangent is `leakyReluGrad(x, t)`. */
export const leakyReluP: Primitive<LeakyReluParams> = definePrimitive<LeakyReluParams>({
  name: 'leakyRelu',
  impl: ([a], { slope }) => T.leakyRelu(a as Tensor, slope),
  jvp: ([x], [t], p) => [bind(leakyReluP, [x!], p), !t ? null : bind(leakyReluGradP, [x!, t], p)],
})

/**
 * `leakyReluGrad(x, t)`: `t` where `x > 0`, `slope·t` elsewhere, in one pass. Linear in `t` and its own
 * transpose; `x` is a constant of it (the second derivative is 0 almost everywhere).
 */
export const leakyReluGradP: Primitive<LeakyReluParams> = definePrimitive<LeakyReluParams>({
  name: 'leakyReluGrad',
  impl: ([x, t], { slope }) => T.leakyReluGrad(x as Tensor, t as Tensor, slope),
  jvp: ([x, t], [, tt], p) => [
    bind(leakyReluGradP, [x!, t!], p),
    !tt ? null : bind(leakyReluGradP, [x!, tt], p),
  ],
  linear: { positions: [1] },
  shape: (avals) => ({
    shape: broadcastAval('leakyReluGrad')(avals).shape,
    dtype: dtypeOfAvals(avals.slice(1)),
  }),
  transpose: (ct, [x, t], p) => [null, unbroadcast(bind(leakyReluGradP, [x!, ct], p), t!)],
})

/** Stops differentiation: the value passes, every derivative through it is zero (at every level). */
export const stopGradientP = definePrimitive<undefined>({
  name: 'stopGradient',
  impl: ([a]) => a as Tensor,
  jvp: ([x]) => [stopGradient(x as Value), null],
})

/** Dtype conversion between float dtypes. Linear. */
export const astypeP = definePrimitive<{ readonly dtype: DType }>({
  name: 'astype',
  impl: ([a], { dtype }) => T.astype(a as Tensor, dtype),
  jvp: ([x], [t], { dtype }) => [astype(x as Value, dtype), !t ? null : astype(t, dtype)],
  linear: { positions: [0] },
  shape: ([a], { dtype }) => ({ shape: a!.shape, dtype }),
  transpose: (ct, [a]) => [astype(ct, (a as Value).dtype)],
})

// ---------------------------------------------------------------------------------------------------------------
// Reductions

/** Parameters of the reductions: normalised sorted axes. */
export interface ReduceParams {
  readonly axes: readonly number[]
  readonly keepdims: boolean
}

/** Sum over axes. Linear; the transpose broadcasts the cotangent back. */
export const sumP: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
  name: 'sum',
  impl: ([a], { axes, keepdims }) => T.sum(a as Tensor, { axis: axes, keepdims }),
  jvp: ([x], [t], p) => [bind(sumP, [x!], p), !t ? null : bind(sumP, [t], p)],
  linear: { positions: [0] },
  shape: ([a], { axes, keepdims }) => ({ shape: reducedShape(a!.shape, axes, keepdims), dtype: dtypeOfAvals([a!]) }),
  transpose: (ct, [a], { axes, keepdims }) => {
    const s = shapeOf(a!)
    // reducing the leading axes only, the cotangent broadcasts back as it is (NumPy prepends the missing axes)
    const leading = axes.every((ax, i) => ax === i)
    return [broadcastTo(keepdims || leading ? ct : reshape(ct, keepShape(s, axes)), s)]
  },
})

const extremumReduce = (name: string, k: (a: Tensor, o: T.ReduceOptions) => Tensor): Primitive<ReduceParams> => {
  const p: Primitive<ReduceParams> = definePrimitive<ReduceParams>({
    name,
    impl: ([a], { axes, keepdims }) => k(a as Tensor, { axis: axes, keepdims }),
    jvp: ([x], [t], { axes, keepdims }) => {
      const yk = bind(p, [x!], { axes, keepdims: true })
      const out = keepdims ? yk : reshape(yk, reducedShape(shapeOf(x!), axes, false))
      if (!t) return [out, null]
      const mask = equal(x!, yk)
      const w = div(mask, bind(sumP, [mask], { axes, keepdims: true }))
      return [out, bind(sumP, [mul(t, w)], { axes, keepdims })]
    },
  })
  return p
}
/** Maximum over axes; tied maxima share the tangent equally. */
export const maxP = extremumReduce('max', T.max)
/** Minimum over axes; tied minima share the tangent equally. */
export const minP = extremumReduce('min', T.min)

const argReduce = (name: string, k: (a: Tensor, o: T.ArgOptions) => Tensor): Primitive<T.ArgOptions> => {
  const p: Primitive<T.ArgOptions> = definePrimitive<T.ArgOptions>({
    name,
    impl: ([a], o) => k(a as Tensor, o),
    jvp: ([x], _t, o) => [bind(p, [x!], o), null],
  })
  return p
}
/** Index of the maximum (int32; not differentiable). */
export const argmaxP = argReduce('argmax', T.argmax)
/** Index of the minimum (int32; not differentiable). */
export const argminP = argReduce('argmin', T.argmin)

// ---------------------------------------------------------------------------------------------------------------
// Movement (all linear)

/** Reshape to a fully specified shape. Linear. */
export const reshapeP = definePrimitive<{ readonly shape: readonly number[] }>({
  name: 'reshape',
  impl: ([a], { shape }) => T.reshape(a as Tensor, shape),
  jvp: ([x], [t], { shape }) => [reshape(x as Value, shape), !t ? null : reshape(t, shape)],
  linear: { positions: [0] },
  shape: ([a], { shape }) => ({ shape, dtype: dtypeOfAvals([a!]) }),
  transpose: (ct, [a]) => [reshape(ct, shapeOf(a!))],
})

/** Axis permutation. Linear; transposes into the inverse permutation. */
export const transposeP = definePrimitive<{ readonly perm: readonly number[] }>({
  name: 'transpose',
  impl: ([a], { perm }) => T.transpose(a as Tensor, perm),
  jvp: ([x], [t], { perm }) => [transpose(x as Value, perm), !t ? null : transpose(t, perm)],
  linear: { positions: [0] },
  shape: ([a], { perm }) => ({ shape: perm.map((i) => a!.shape[i]!), dtype: dtypeOfAvals([a!]) }),
  transpose: (ct, _a, { perm }) => {
    const inv = new Array<number>(perm.length)
    perm.forEach((p, i) => {
      inv[p] = i
    })
    return [transpose(ct, inv)]
  },
})

/** Broadcast to a shape. Linear; transposes into `sumToShape`. */
export const broadcastToP = definePrimitive<{ readonly shape: readonly number[] }>({
  name: 'broadcastTo',
  impl: ([a], { shape }) => T.broadcastTo(a as Tensor, shape),
  jvp: ([x], [t], { shape }) => [broadcastTo(x as Value, shape), !t ? null : broadcastTo(t, shape)],
  linear: { positions: [0] },
  shape: ([a], { shape }) => ({ shape, dtype: dtypeOfAvals([a!]) }),
  transpose: (ct, [a]) => [sumToShape(ct, shapeOf(a!))],
})

/** Parameters of slice. */
export interface SliceParams {
  readonly ranges: readonly (T.SliceRange | undefined)[]
}

/** Strided slice. Linear; transposes into `embedSlice`. */
export const sliceP: Primitive<SliceParams> = definePrimitive<SliceParams>({
  name: 'slice',
  impl: ([a], { ranges }) => T.slice(a as Tensor, ranges),
  jvp: ([x], [t], p) => [bind(sliceP, [x!], p), !t ? null : bind(sliceP, [t], p)],
  linear: { positions: [0] },
  shape: ([a], { ranges }) => ({ shape: sliceShape(a!.shape, ranges), dtype: dtypeOfAvals([a!]) }),
  transpose: (ct, [a], { ranges }) => [bind(embedSliceP, [ct], { shape: shapeOf(a!), ranges })],
})

/** Zeros of `shape` with the values placed where `slice(·, ranges)` reads. Linear; transposes into `slice`. */
export const embedSliceP: Primitive<SliceParams & { readonly shape: readonly number[] }> = definePrimitive<SliceParams & { readonly shape: readonly number[] }>({
  name: 'embedSlice',
  impl: ([a], { shape, ranges }) => T.embedSlice(a as Tensor, shape, ranges),
  jvp: ([x], [t], p) => [bind(embedSliceP, [x!], p), !t ? null : bind(embedSliceP, [t], p)],
  linear: { positions: [0] },
  shape: ([a], { shape }) => ({ shape, dtype: dtypeOfAvals([a!]) }),
  transpose: (ct, _a, { ranges }) => [bind(sliceP, [ct], { ranges })],
})

/** Parameters of take / scatterAdd: constant integer indices and the axis (normalised). */
export interface IndexParams {
  readonly indices: Tensor | readonly number[]
  readonly axis: number
}

/** Gather along an axis with constant integer indices. Linear; transposes into `scatterAdd`. */
export const takeP: Primitive<IndexParams> = definePrimitive<IndexParams>({
  name: 'take',
  impl: ([a], { indices, axis }) => T.take(a as Tensor, indices, axis),
  jvp: ([x], [t], p) => [bind(takeP, [x!], p), !t ? null : bind(takeP, [t], p)],
  linear: { positions: [0] },
  shape: ([a], { indices, axis }) => ({
    shape: [...a!.shape.slice(0, axis), ...indicesShape(indices), ...a!.shape.slice(axis + 1)],
    dtype: dtypeOfAvals([a!]),
  }),
  transpose: (ct, [a], p) => {
    const av = a as Value
    return [bind(scatterAddP, [T.zeros(av.shape, { dtype: av.dtype }), ct], p)]
  },
})

/** `base + (updates added at indices along axis)`. Linear in base and updates jointly; transposes into `take`. */
export const scatterAddP: Primitive<IndexParams> = definePrimitive<IndexParams>({
  name: 'scatterAdd',
  impl: ([b, u], { indices, axis }) => T.scatterAdd(b as Tensor, indices, u as Tensor, axis),
  jvp: ([b, u], [tb, tu], p) => {
    const out: Value = bind(scatterAddP, [b!, u!], p)
    if (!tb && !tu) return [out, null]
    const base = tb ?? T.zeros(shapeOf(b!), { dtype: out.dtype })
    return [out, !tu ? base : bind(scatterAddP, [base, tu], p)]
  },
  linear: { positions: [0, 1] },
  shape: ([b, u]) => ({ shape: b!.shape, dtype: dtypeOfAvals([b!, u!]) }),
  transpose: (ct, _a, p, lin) => [lin[0] ? ct : null, lin[1] ? bind(takeP, [ct], p) : null],
})

/** Concatenation along an axis (normalised). Linear; transposes into slices. */
export const concatP: Primitive<{ readonly axis: number }> = definePrimitive<{ readonly axis: number }>({
  name: 'concat',
  impl: (xs, { axis }) => T.concat(xs as Tensor[], axis),
  jvp: (xs, ts, p) => {
    const out: Value = bind(concatP, xs, p)
    if (ts.every((t) => t === null)) return [out, null]
    const filled = ts.map((t, i) => t ?? T.zeros(shapeOf(xs[i]!), { dtype: out.dtype }))
    return [out, bind(concatP, filled, p)]
  },
  linear: { positions: 'all' },
  shape: (avals, { axis }) => {
    const first = avals[0]!.shape
    const shape = first.slice()
    shape[axis] = avals.reduce((n, a) => n + a.shape[axis]!, 0)
    return { shape, dtype: dtypeOfAvals(avals) }
  },
  transpose: (ct, xs, { axis }, lin) => {
    let at = 0
    return xs.map((x, i) => {
      const n = shapeOf(x)[axis]!
      const start = at
      at += n
      if (!lin[i]) return null
      const ranges = shapeOf(x).map((_, j) => (j === axis ? { start, stop: start + n } : undefined))
      return bind(sliceP, [ct], { ranges })
    })
  },
})

// ---------------------------------------------------------------------------------------------------------------
// Linear algebra

/** Parameters of matmul: whether to use the transpose (last two axes swapped) of each ≥2-D operand. */
export interface MatmulParams {
  readonly transA: boolean
  readonly transB: boolean
}

const swapLastShape = (s: readonly number[]): number[] => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!]

const matmulT = (a: ValueLike, b: ValueLike, transA: boolean, transB: boolean): Value =>
  bind(matmulP, [a, b], { transA, transB })

/**
 * NumPy matmul (1-D promotion, batched with broadcasting), optionally on transposed operands (as BLAS gemm), so
 * that backprop's `ct @ Wᵀ` and `xᵀ @ ct` never build a transposed copy. Linear in each operand separately.
 */
export const matmulP: Primitive<MatmulParams> = definePrimitive<MatmulParams>({
  name: 'matmul',
  impl: ([a, b], { transA, transB }) =>
    transA || transB ? T.matmulTransposed(a as Tensor, b as Tensor, { transA, transB }) : T.matmul(a as Tensor, b as Tensor),
  jvp: ([a, b], [ta, tb], p) => {
    const out = bind(matmulP, [a!, b!], p)
    return [out, tAdd(!ta ? null : bind(matmulP, [ta, b!], p), !tb ? null : bind(matmulP, [a!, tb], p), out.shape)]
  },
  linear: { positions: [0, 1], bilinear: true },
  shape: ([a, b], { transA, transB }) => ({
    shape: matmulShape(transA ? swapLastShape(a!.shape) : a!.shape, transB ? swapLastShape(b!.shape) : b!.shape),
    dtype: dtypeOfAvals([a!, b!]),
  }),
  transpose: (ct, [a, b], { transA, transB }, lin) => {
    // Work on ≥2-D views; 1-D operands (never flagged) are promoted as NumPy does and restored at the end.
    const sa = shapeOf(a!)
    const sb = shapeOf(b!)
    const a2s = sa.length === 1 ? [1, sa[0]!] : sa
    const b2s = sb.length === 1 ? [sb[0]!, 1] : sb
    const ct2 = reshape(ct, matmulShape(transA ? swapLastShape(a2s) : a2s, transB ? swapLastShape(b2s) : b2s))
    const a2 = (): Value => reshape(a as Value, a2s)
    const b2 = (): Value => reshape(b as Value, b2s)
    // C = op(A)·op(B): dA = ct·op(B)ᵀ (or op(B)·ctᵀ when A is used transposed); dB likewise.
    const ca = lin[0]
      ? reshape(sumToShape(transA ? matmulT(b2(), ct2, transB, true) : matmulT(ct2, b2(), false, !transB), a2s), sa)
      : null
    const cb = lin[1]
      ? reshape(sumToShape(transB ? matmulT(ct2, a2(), true, transA) : matmulT(a2(), ct2, !transA, false), b2s), sb)
      : null
    return [ca, cb]
  },
})

// ---------------------------------------------------------------------------------------------------------------
// Binders used by the rules above (the public namespace re-exports and extends these in ops.ts)

/** Element-wise `a + b` with broadcasting. */
export const add = (a: ValueLike, b: ValueLike): Value => bind(addP, [a, b], undefined)
/** Element-wise `a - b` with broadcasting. */
export const sub = (a: ValueLike, b: ValueLike): Value => bind(subP, [a, b], undefined)
/** Element-wise `a * b` with broadcasting. */
export const mul = (a: ValueLike, b: ValueLike): Value => bind(mulP, [a, b], undefined)
/** Element-wise `a / b` with broadcasting. */
export const div = (a: ValueLike, b: ValueLike): Value => bind(divP, [a, b], undefined)
/** Element-wise `a ** b` with broadcasting. */
export const pow = (a: ValueLike, b: ValueLike): Value => bind(powP, [a, b], undefined)
/** Element-wise negation. */
export const neg = (a: Value): Value => bind(negP, [a], undefined)
/** 1 where `a == b`, else 0. Not differentiable (zero derivative). */
export const equal = (a: ValueLike, b: ValueLike): Value => bind(equalP, [a, b], undefined)
/** `cond ? a : b` element-wise with broadcasting; `cond` is treated as a constant. */
export const where = (cond: ValueLike, a: ValueLike, b: ValueLike): Value => bind(whereP, [cond, a, b], undefined)
/** Element-wise sign (zero derivative). */
export const sign = (a: Value): Value => bind(signP, [a], undefined)
/** Element-wise sine. */
export const sin = (a: Value): Value => bind(sinP, [a], undefined)
/** Element-wise cosine. */
export const cos = (a: Value): Value => bind(cosP, [a], undefined)
/** Element-wise natural log. */
export const log = (a: Value): Value => bind(logP, [a], undefined)
/** Stops gradients: the value passes through, its derivative is zero. */
export const stopGradient = (a: Value): Value => bind(stopGradientP, [a], undefined)
/** Converts between dtypes (differentiable between float dtypes). */
export const astype = (a: Value, dtype: DType): Value => (a.dtype === dtype ? a : bind(astypeP, [a], { dtype }))
/** Reshape to a fully specified shape (no -1; see ops.reshape for -1). */
export const reshape = (a: Value, shape: readonly number[]): Value =>
  T.shapesEqual(a.shape, shape) ? a : bind(reshapeP, [a], { shape })
/** Permutes axes. */
export const transpose = (a: Value, perm: readonly number[]): Value => bind(transposeP, [a], { perm })
/** Broadcasts to a shape. */
export const broadcastTo = (a: Value, shape: readonly number[]): Value =>
  T.shapesEqual(a.shape, shape) ? a : bind(broadcastToP, [a], { shape })
/** Matrix product (NumPy semantics: 1-D operands promoted, leading batch dimensions broadcast). */
export const matmul = (a: ValueLike, b: ValueLike): Value => bind(matmulP, [a, b], { transA: false, transB: false })

/**
 * Sums `x` down to `shape`, the inverse of broadcasting `shape` up to `x.shape` (transposes `broadcastTo`).
 */
export const sumToShape = (x: Value, shape: readonly number[]): Value => {
  if (T.shapesEqual(x.shape, shape)) return x
  const lead = x.shape.length - shape.length
  const axes: number[] = []
  for (let i = 0; i < x.shape.length; i++) {
    const d = i < lead ? -1 : shape[i - lead]!
    if (i < lead || (d === 1 && x.shape[i] !== 1)) axes.push(i)
    else if (d !== x.shape[i])
      throw new ShapeError('sumToShape', `${showShape(shape)} does not broadcast to ${showShape(x.shape)}`)
  }
  if (lead < 0) throw new ShapeError('sumToShape', `${showShape(shape)} does not broadcast to ${showShape(x.shape)}`)
  // summing away only the leading axes (e.g. a bias gradient [B,n] → [n]) gives `shape` directly, without a reshape
  if (axes.length === lead) return bind(sumP, [x], { axes, keepdims: false })
  return reshape(bind(sumP, [x], { axes, keepdims: true }), shape)
}
