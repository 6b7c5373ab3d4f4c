/**
 * The public op namespace. Every op works on concrete tensors (evaluated at once) and on traced values inside
 * transformations alike. Ops not in the primitive basis are composed from it here — their derivatives come free —
 * or given a custom rule where the composed one would overflow (`logsumexp`, `softplus`).
 *
 * Typing: an op's result is {@link Lifted} over its inputs — `Tensor` when every input is a `Tensor` or a number,
 * `Value` when one may be traced — so eager code needs no casts and code written over `Value` stays honest.
 * @module
 */
import * as T from '@cotangent/tensor'
import { ShapeError, showShape, type DType, type Tensor } from '@cotangent/tensor'
import { bind, concrete, type Lifted, type Value, type ValueLike } from './core.js'
import { customJvp } from './custom.js'
import * as P from './primitives.js'

/** An element-wise unary op: a `Tensor` in gives a `Tensor` out, a traced `Value` gives a `Value`. */
export type UnaryFn = <X extends Value>(x: X) => Lifted<X>
/**
 * An element-wise binary op with NumPy broadcasting; either operand may be a plain number (a weakly typed scalar
 * that adopts the other operand's dtype). `Tensor`/number operands give a `Tensor`; any `Value` gives a `Value`.
 */
export type BinaryFn = <A extends ValueLike, B extends ValueLike>(a: A, b: B) => Lifted<A | B>
/** An op of one value and further static arguments (shapes, axes, a dtype…), typed like {@link UnaryFn}. */
export type ShapeFn<R extends readonly unknown[]> = <X extends Value>(x: X, ...rest: R) => Lifted<X>

// The primitive binders (primitives.ts) are typed `Value → Value` for the rules; these are the same functions
// under their public types (no wrapper, so no cost).

/** Element-wise `a + b` with broadcasting. */
export const add = P.add as BinaryFn
/** Element-wise `a - b` with broadcasting. */
export const sub = P.sub as BinaryFn
/** Element-wise `a * b` with broadcasting. */
export const mul = P.mul as BinaryFn
/** Element-wise `a / b` with broadcasting (IEEE: x/0 is ±Infinity or NaN). */
export const div = P.div as BinaryFn
/** Element-wise `a ** b` with broadcasting; the derivative in `b` uses log(a), taken as 0 where a = 0. */
export const pow = P.pow as BinaryFn
/** Element-wise negation. */
export const neg = P.neg as UnaryFn
/** 1 where `a == b`, else 0 (zero derivative). */
export const equal = P.equal as BinaryFn
/** `cond ? a : b` element-wise with broadcasting; `cond` is a constant (no derivative flows into it). */
export const where = P.where as <C extends ValueLike, A extends ValueLike, B extends ValueLike>(
  cond: C,
  a: A,
  b: B,
) => Lifted<C | A | B>
/** Element-wise sign (zero derivative). */
export const sign = P.sign as UnaryFn
/** Element-wise sine. */
export const sin = P.sin as UnaryFn
/** Element-wise cosine. */
export const cos = P.cos as UnaryFn
/** Element-wise natural log. */
export const log = P.log as UnaryFn
/** Stops gradients: the value passes through, every derivative through it is zero (at every order). */
export const stopGradient = P.stopGradient as UnaryFn
/** Converts between dtypes (differentiable between float dtypes; the cotangent is cast back). */
export const astype = P.astype as ShapeFn<[dtype: DType]>
/** Broadcasts to `shape` (NumPy rules); the transpose sums back. */
export const broadcastTo = P.broadcastTo as ShapeFn<[shape: readonly number[]]>
/** Sums `x` down to `shape`: the inverse of broadcasting `shape` up to `x.shape`. */
export const sumToShape = P.sumToShape as ShapeFn<[shape: readonly number[]]>
/** Matrix product with NumPy semantics (1-D operands promoted, leading batch dimensions broadcast). */
export const matmul = P.matmul as <A extends Value, B extends Value>(a: A, b: B) => Lifted<A | B>

const u = (p: P.PrimitiveOf): UnaryFn => ((a: Value): Value => bind(p, [a], undefined)) as UnaryFn

/** Element-wise `e^x`. */
export const exp = u(P.expP)
/** Element-wise `log(1 + x)`. */
export const log1p = u(P.log1pP)
/** Element-wise `e^x − 1`. */
export const expm1 = u(P.expm1P)
/** Element-wise square root. */
export const sqrt = u(P.sqrtP)
/** Element-wise absolute value (subgradient 0 at 0). */
export const abs = u(P.absP)
/** Element-wise hyperbolic tangent. */
export const tanh = u(P.tanhP)
/** Element-wise logistic sigmoid, stable for large |x|. */
export const sigmoid = u(P.sigmoidP)
/** Element-wise floor (zero derivative). */
export const floor = u(P.floorP)
/** Element-wise rounding (zero derivative). */
export const round = u(P.roundP)
/** 1 where finite, else 0 (zero derivative). */
export const isFinite = u(P.isFiniteP)

const b = (p: P.PrimitiveOf): BinaryFn =>
  ((x: ValueLike, y: ValueLike): Value => bind(p, [x, y], undefined)) as BinaryFn
/** 1 where `a != b`, else 0. */
export const notEqual = b(P.notEqualP)
/** 1 where `a < b`, else 0. */
export const less = b(P.lessP)
/** 1 where `a > b`, else 0. */
export const greater = b(P.greaterP)
/** 1 where `a <= b`, else 0. */
export const lessEqual = b(P.lessEqualP)
/** 1 where `a >= b`, else 0. */
export const greaterEqual = b(P.greaterEqualP)
/** Element-wise maximum (ties split the derivative equally). */
export const maximum = b(P.maximumP)
/** Element-wise minimum (ties split the derivative equally). */
export const minimum = b(P.minimumP)

/** Element-wise `x²`. */
export const square = ((x: Value): Value => P.mul(x, x)) as UnaryFn
/** Element-wise `1/x`. */
export const reciprocal = ((x: Value): Value => P.div(1, x)) as UnaryFn

/**
 * `max(x, 0)`; derivative 0 at x = 0 (as PyTorch and JAX); NaN stays NaN. One primitive (one kernel pass; its
 * derivative one more), with the values and derivatives of `where(x <= 0, 0, x)`.
 */
export const relu = u(P.reluP)
/**
 * `x` for x > 0, `slope·x` otherwise (default slope 0.01; derivative `slope` at 0). One primitive, with the values
 * and derivatives of `where(x > 0, x, x * slope)`.
 */
export const leakyRelu = ((x: Value, slope = 0.01): Value =>
  typeof slope === 'number'
    ? bind(P.leakyReluP, [x], { slope })
    : P.where(greater(x, 0), x, P.mul(x, slope))) as ShapeFn<[slope?: number]>
/**
 * GELU with the tanh approximation `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (JAX's default; PyTorch's
 * `approximate='tanh'`).
 */
export const gelu = ((x: Value): Value =>
  P.mul(
    P.mul(x, 0.5),
    P.add(1, tanh(P.mul(P.add(x, P.mul(P.mul(square(x), x), 0.044715)), Math.sqrt(2 / Math.PI)))),
  )) as UnaryFn

/** `log(1 + e^x)`, stable for large |x|; derivative `sigmoid(x)` through a custom JVP rule (exact at 0). */
export const softplus: UnaryFn = customJvp(
  (x: Value): Value => T.softplus(concrete(x)),
  ([x], [t]) => [softplus(x), P.mul(t, sigmoid(x))],
  'softplus',
)

/** Clamps into `[lo, hi]`; derivative 1 inside the closed interval, 0 outside (PyTorch's convention). */
export const clip = ((x: Value, lo: number, hi: number): Value =>
  P.where(less(x, lo), lo, P.where(greater(x, hi), hi, x))) as ShapeFn<[lo: number, hi: number]>

// ---------------------------------------------------------------------------------------------------------------
// Reductions

/** Reduction options: `axis` (one, a list, or all when omitted; negative counts from the end) and `keepdims`. */
export interface ReduceOptions {
  readonly axis?: number | readonly number[]
  readonly keepdims?: boolean
}

const params = (op: string, x: Value, o?: ReduceOptions): P.ReduceParams => ({
  axes: T.normalizeAxes(op, o?.axis, x.shape),
  keepdims: o?.keepdims ?? false,
})

type Reduce = ShapeFn<[options?: ReduceOptions]>

/** Sum over axes. */
export const sum = ((x: Value, o?: ReduceOptions): Value => bind(P.sumP, [x], params('sum', x, o))) as Reduce
/** Mean over axes. */
export const mean = ((x: Value, o?: ReduceOptions): Value => {
  const p = params('mean', x, o)
  const n = p.axes.reduce((acc, a) => acc * x.shape[a]!, 1)
  return P.div(bind(P.sumP, [x], p), n)
}) as Reduce
/** Maximum over axes (tied maxima share the derivative). */
export const max = ((x: Value, o?: ReduceOptions): Value => bind(P.maxP, [x], params('max', x, o))) as Reduce
/** Minimum over axes (tied minima share the derivative). */
export const min = ((x: Value, o?: ReduceOptions): Value => bind(P.minP, [x], params('min', x, o))) as Reduce
/** Index of the maximum along an axis (flattened when omitted); int32, not differentiable. */
export const argmax = ((x: Value, o?: T.ArgOptions): Value => bind(P.argmaxP, [x], o ?? {})) as ShapeFn<
  [options?: T.ArgOptions]
>
/** Index of the minimum along an axis; int32, not differentiable. */
export const argmin = ((x: Value, o?: T.ArgOptions): Value => bind(P.argminP, [x], o ?? {})) as ShapeFn<
  [options?: T.ArgOptions]
>

const lseKernel = (x: Tensor, axes: readonly number[]): Tensor => {
  const m0 = T.max(x, { axis: axes, keepdims: true })
  const m = T.where(T.isFinite(m0), m0, 0)
  return T.add(T.log(T.sum(T.exp(T.sub(x, m)), { axis: axes, keepdims: true })), m)
}

const lseKeep = (axes: readonly number[]): ((x: Value) => Value) => {
  const f: (x: Value) => Value = customJvp(
    (x: Value) => lseKernel(concrete(x), axes),
    ([x], [t]) => {
      const y = f(x)
      return [y, bind(P.sumP, [P.mul(t, exp(P.sub(x, y)))], { axes, keepdims: true })]
    },
    'logsumexp',
  )
  return f
}

/** `log(sum(exp(x)))` over axes, computed stably (max-shifted) with a custom JVP (softmax-weighted tangents). */
export const logsumexp = ((x: Value, o?: ReduceOptions): Value => {
  const p = params('logsumexp', x, o)
  const y = lseKeep(p.axes)(x)
  return p.keepdims ? y : reshape(y, x.shape.filter((_, i) => !p.axes.includes(i)))
}) as Reduce

/** `x − logsumexp(x)` along `axis` (default −1): log-probabilities, stable for extreme logits. */
export const logSoftmax = ((x: Value, axis = -1): Value =>
  P.sub(x, logsumexp(x, { axis, keepdims: true }))) as ShapeFn<[axis?: number]>

/** Softmax along `axis` (default −1). */
export const softmax = ((x: Value, axis = -1): Value => exp(logSoftmax(x, axis))) as ShapeFn<[axis?: number]>

// ---------------------------------------------------------------------------------------------------------------
// Shapes

/** Reshape; one dimension may be −1 (inferred). */
export const reshape = ((x: Value, shape: readonly number[]): Value => {
  const neg1 = shape.filter((d) => d === -1).length
  if (neg1 > 1) throw new ShapeError('reshape', `only one dimension can be -1, got ${showShape(shape)}`)
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1)
  const full = neg1 === 1 ? shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d)) : shape
  if (full.some((d) => !Number.isInteger(d) || d < 0) || T.sizeOf(full) !== x.size)
    throw new ShapeError('reshape', `cannot reshape ${showShape(x.shape)} (size ${x.size}) into ${showShape(shape)}`)
  return P.reshape(x, full)
}) as ShapeFn<[shape: readonly number[]]>

/** Permutes axes (default: reverses them). */
export const transpose = ((x: Value, axes?: readonly number[]): Value => {
  const n = x.shape.length
  const perm = axes === undefined ? Array.from({ length: n }, (_, i) => n - 1 - i) : axes.map((a) => T.normalizeAxis('transpose', a, n, x.shape))
  if (perm.length !== n || new Set(perm).size !== n)
    throw new ShapeError('transpose', `axes [${(axes ?? []).join(',')}] are not a permutation of the ${n} axes of ${showShape(x.shape)}`)
  return perm.every((p, i) => p === i) ? x : P.transpose(x, perm)
}) as ShapeFn<[axes?: readonly number[]]>

/** Inserts a size-1 axis at `axis`. */
export const expandDims = ((x: Value, axis: number): Value => {
  const a = T.normalizeAxis('expandDims', axis, x.shape.length + 1, x.shape)
  return P.reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)])
}) as ShapeFn<[axis: number]>

/** Removes size-1 axes (all of them, or the ones named). */
export const squeeze = ((x: Value, axis?: number | readonly number[]): Value => {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : T.normalizeAxes('squeeze', axis, x.shape)
  for (const a of axes)
    if (x.shape[a] !== 1) throw new ShapeError('squeeze', `cannot squeeze axis ${a} of size ${x.shape[a]} in ${showShape(x.shape)}`)
  return P.reshape(x, x.shape.filter((_, i) => !axes.includes(i)))
}) as ShapeFn<[axis?: number | readonly number[]]>

/** Strided slice: one `{start, stop, step}` (or undefined) per leading axis, Python semantics. */
export const slice = ((x: Value, ranges: readonly (T.SliceRange | undefined)[]): Value => {
  if (ranges.length > x.shape.length)
    throw new ShapeError('slice', `${ranges.length} ranges for ${x.shape.length} axes of ${showShape(x.shape)}`)
  return bind(P.sliceP, [x], { ranges })
}) as ShapeFn<[ranges: readonly (T.SliceRange | undefined)[]]>

/**
 * Integer indices as the kernels take them. Indices are constants of the computation: a traced value (e.g. int32
 * labels that are part of a differentiated tree) is read through to its concrete tensor.
 */
const indexArg = (indices: Value | readonly number[]): Tensor | readonly number[] =>
  Array.isArray(indices) ? indices : concrete(indices as Value)

/**
 * Gathers along `axis` (default 0) with constant integer indices (NumPy `take`). Differentiable in `x`; the
 * result type follows `x` alone, since indices carry no derivative.
 */
export const take = ((x: Value, indices: Value | readonly number[], axis = 0): Value =>
  bind(P.takeP, [x], {
    indices: indexArg(indices),
    axis: T.normalizeAxis('take', axis, x.shape.length, x.shape),
  })) as ShapeFn<[indices: Value | readonly number[], axis?: number]>

/** `base` plus `updates` added at `indices` along `axis` (duplicates accumulate). Differentiable in both. */
export const scatterAdd = ((base: Value, indices: Value | readonly number[], updates: Value, axis = 0): Value =>
  bind(P.scatterAddP, [base, updates], {
    indices: indexArg(indices),
    axis: T.normalizeAxis('scatterAdd', axis, base.shape.length, base.shape),
  })) as <B extends Value, U extends Value>(
  base: B,
  indices: Value | readonly number[],
  updates: U,
  axis?: number,
) => Lifted<B | U>

/** A list op: tensors in give a `Tensor`, any traced element gives a `Value`. */
type ListFn = <X extends Value>(xs: readonly X[], axis?: number) => Lifted<X>

/** Joins along an existing axis (default 0). */
export const concat = ((xs: readonly Value[], axis = 0): Value => {
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor')
  const a = T.normalizeAxis('concat', axis, xs[0]!.shape.length, xs[0]!.shape)
  return xs.length === 1 ? xs[0]! : bind(P.concatP, xs, { axis: a })
}) as ListFn

/** Joins along a new axis (default 0). */
export const stack = ((xs: readonly Value[], axis = 0): Value => {
  if (xs.length === 0) throw new ShapeError('stack', 'needs at least one tensor')
  return concat(
    xs.map((x) => expandDims(x, axis)),
    axis,
  )
}) as ListFn

/** Splits into pieces along `axis`: a count of equal parts, or a list of split indices. */
export const split = ((x: Value, sections: number | readonly number[], axis = 0): Value[] => {
  const a = T.normalizeAxis('split', axis, x.shape.length, x.shape)
  const n = x.shape[a]!
  const cuts =
    typeof sections === 'number'
      ? (() => {
          if (!Number.isInteger(sections) || sections <= 0 || n % sections !== 0)
            throw new ShapeError('split', `axis ${a} of ${showShape(x.shape)} (size ${n}) does not split into ${sections} equal parts`)
          return Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections)
        })()
      : sections
  // Python slice semantics, as the tensor split: negative indices count from the end, then clamp into [0, n]
  const bounds = [0, ...cuts.map((c) => Math.min(Math.max(c < 0 ? c + n : c, 0), n)), n]
  return bounds.slice(1).map((stop, i) =>
    slice(x, x.shape.map((_, j) => (j === a ? { start: bounds[i]!, stop: Math.max(stop, bounds[i]!) } : undefined))),
  )
}) as <X extends Value>(x: X, sections: number | readonly number[], axis?: number) => Lifted<X>[]

/** Pads each axis with `[before, after]` elements of `value` (default 0). Differentiable in `x`. */
export const pad = ((x: Value, widths: readonly (readonly [number, number])[], value = 0): Value => {
  if (widths.length !== x.shape.length)
    throw new ShapeError('pad', `${widths.length} pad widths for ${x.shape.length} axes of ${showShape(x.shape)}`)
  if (widths.some(([lo, hi]) => !Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi < 0))
    throw new ShapeError('pad', `pad widths must be non-negative integers, got ${JSON.stringify(widths)} for ${showShape(x.shape)} (use slice to crop)`)
  const shape = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1])
  const ranges = x.shape.map((d, i) => ({ start: widths[i]![0], stop: widths[i]![0] + d }))
  const inner = bind(P.embedSliceP, [x], { shape, ranges })
  return value === 0 ? inner : P.add(inner, T.pad(T.zeros(x.shape, { dtype: x.dtype }), widths, value))
}) as ShapeFn<[widths: readonly (readonly [number, number])[], value?: number]>

/** Dot product of vectors; matrix product otherwise. */
export const dot = matmul

// ---------------------------------------------------------------------------------------------------------------
// Reading values

/** The concrete tensor behind a value (the primal, at any nesting). */
export const toTensor = (v: Value): Tensor => concrete(v)
/** The single number held by a one-element value. */
export const item = (v: Value): number => T.item(concrete(v))
/** A copy of the values as a flat typed array. */
export const toArray = (v: Value): T.Storage => T.toArray(concrete(v))
/** The values as nested arrays. */
export const toNested = (v: Value): T.NestedArray => T.toNested(concrete(v))
/** Zeros shaped like `v` (a constant). */
export const zerosLike = (v: Value, dtype?: DType): Tensor => T.zeros(v.shape, { dtype: dtype ?? v.dtype })
/** Ones shaped like `v` (a constant). */
export const onesLike = (v: Value, dtype?: DType): Tensor => T.ones(v.shape, { dtype: dtype ?? v.dtype })
