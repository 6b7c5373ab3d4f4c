/**
 * The transformations. Forward mode (`jvp`) is the primitive; `linearize` is `jvp` whose tangents are recorded as
 * a linear program instead of computed; reverse mode (`vjp`, `grad`) transposes that program. Jacobians and
 * Hessians are built from these, and everything composes to any order because every rule is written with the
 * same differentiable ops.
 *
 * All transformations take and return trees (nested arrays and records of tensors).
 * @module
 */
import * as T from '@cotangent/tensor'
import { ShapeError, showShape, type Tensor } from '@cotangent/tensor'
import {
  JvpTracer,
  LinTracer,
  bind,
  isValue,
  newLinVar,
  popTrace,
  pushJvpTrace,
  pushLinTrace,
  Tracer,
  type JvpTrace,
  type LinTrace,
  type Value,
} from './core.js'
import { jitDerived } from './jit/jit.js'
import { add, astype, concatP, reshape } from './primitives.js'
import { treeFlatten, treeUnflatten, showTreeDef, treeDefEqual, type TreeDef } from './tree.js'

const zerosFor = (v: { readonly shape: readonly number[]; readonly dtype: T.DType }): Tensor =>
  T.zeros(v.shape, { dtype: v.dtype === 'int32' ? 'float64' : v.dtype })

const leafValues = (op: string, what: string, tree: unknown): [Value[], TreeDef] => {
  const [leaves, def] = treeFlatten(tree)
  const vals = leaves.map((l, i) => {
    if (typeof l === 'number') return T.scalar(l)
    if (!isValue(l))
      throw new TypeError(`${op}: leaf ${i} of ${what} is ${typeof l === 'object' ? 'an object that is not a tensor' : typeof l}; trees may only hold tensors and numbers`)
    return l
  })
  return [vals, def]
}

const describeArg = (x: unknown): string =>
  isValue(x) ? `a single tensor of shape ${showShape(x.shape)}` : x === null ? 'null' : typeof x === 'object' ? 'an object' : typeof x

const checkSameShape = (op: string, what: string, a: Value, b: Value, i: number, of = 'its primal'): void => {
  if (!T.shapesEqual(a.shape, b.shape))
    throw new ShapeError(op, `${what} ${i} has shape ${showShape(b.shape)} but ${of} has shape ${showShape(a.shape)}`)
}

// ---------------------------------------------------------------------------------------------------------------
// Forward mode

/**
 * Forward-mode derivative: evaluates `f(...primals)` and the directional derivative along `tangents`
 * (same tree structure as `primals`). Returns `[out, tangentOut]` with `tangentOut` shaped like `out`. For a
 * jitted `f` without static arguments, the derivative runs compiled (`jit` of the jvp, made once per jitted `f`).
 */
export const jvp = <A extends readonly unknown[], R>(
  f: (...args: A) => R,
  primals: A,
  tangents: A,
): [R, R] => {
  if (!Array.isArray(primals) || !Array.isArray(tangents))
    throw new TypeError(
      `jvp: primals and tangents must be arrays with one entry per argument of f (as in JAX), got ${Array.isArray(primals) ? 'an array' : describeArg(primals)} and ${Array.isArray(tangents) ? 'an array' : describeArg(tangents)}: write jvp(f, [x], [t]), not jvp(f, x, t)`,
    )
  const [pl, pdef] = leafValues('jvp', 'the primals', primals)
  const [tl, tdef] = leafValues('jvp', 'the tangents', tangents)
  if (!treeDefEqual(pdef, tdef))
    throw new Error(`jvp: tangents have structure ${showTreeDef(tdef)} but primals have ${showTreeDef(pdef)}`)
  pl.forEach((p, i) => {
    checkSameShape('jvp', 'tangent', p, tl[i]!, i)
  })
  const compiled = jitDerived(
    f,
    'jvp',
    (fn) => (ps: A, ts: A) => jvp(fn as (...a: A) => R, ps, ts),
    false,
  )
  if (compiled !== undefined) return compiled(primals, tangents)
  const trace = pushJvpTrace(null)
  try {
    // a tangent takes its primal's (float) dtype, as cotangents do in reverse mode
    const ins = pl.map((p, i) => new JvpTracer(trace, p, p.dtype === 'int32' ? tl[i]! : astype(tl[i]!, p.dtype)))
    const out = f(...(treeUnflatten(pdef, ins) as A))
    const [ol, odef] = leafValues('jvp', 'the output', out)
    const prim = ol.map((o) => (o instanceof JvpTracer && o.trace === trace ? o.primal : o))
    const tan = ol.map((o) => (o instanceof JvpTracer && o.trace === trace ? o.tangent : zerosFor(o)))
    return [treeUnflatten(odef, prim) as R, treeUnflatten(odef, tan) as R]
  } finally {
    popTrace(trace)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Linearize and transpose

/** A recorded linear map: from input tangent variables to output tangents. */
interface LinearMap {
  readonly trace: LinTrace
  readonly inVars: readonly LinTracer[]
  /** Per output leaf: a variable of the program, `null` (zero), or a constant value. */
  readonly outTangents: readonly (Value | null)[]
}

interface Linearized {
  readonly outs: readonly unknown[]
  readonly outDef: TreeDef
  readonly map: LinearMap
}

/** Runs `f` on primal leaves, recording the linear tangent map. `f` receives dual numbers in place of the leaves. */
const linearizeLeaves = (f: (ins: readonly Value[]) => unknown, primals: readonly Value[], hasAux = false): Linearized & { aux: unknown } => {
  const lin = pushLinTrace()
  try {
    const trace = pushJvpTrace(lin)
    try {
      const inVars = primals.map((p) => newLinVar(lin, p.shape, p.dtype === 'int32' ? 'float64' : p.dtype))
      const ins = primals.map((p, i) => new JvpTracer(trace, p, inVars[i]!))
      const result = f(ins)
      const [out, aux] = hasAux ? splitAux(result) : [result, undefined]
      const [leaves, outDef] = treeFlatten(out)
      const outs = leaves.map((o) => (o instanceof JvpTracer && o.trace === trace ? o.primal : o))
      const outTangents = leaves.map((o) => (o instanceof JvpTracer && o.trace === trace ? o.tangent : null))
      return {
        outs,
        outDef,
        map: { trace: lin, inVars, outTangents },
        aux: hasAux ? stripTrace(aux, trace) : undefined,
      }
    } finally {
      popTrace(trace)
    }
  } finally {
    popTrace(lin)
  }
}

const splitAux = (result: unknown): [unknown, unknown] => {
  if (!Array.isArray(result) || result.length !== 2)
    throw new TypeError(
      `valueAndGrad: with hasAux the function must return a pair [output, aux], got ${Array.isArray(result) ? `an array of length ${result.length}` : isValue(result) ? 'a single value' : typeof result}`,
    )
  return [result[0], result[1]]
}

const stripTrace = (tree: unknown, trace: JvpTrace): unknown => {
  const [leaves, def] = treeFlatten(tree)
  return treeUnflatten(
    def,
    leaves.map((l) => (l instanceof JvpTracer && l.trace === trace ? l.primal : l)),
  )
}

/** Applies the recorded linear map forward to new input tangents. */
const applyLinear = (m: LinearMap, tangents: readonly Value[]): (Value | null)[] => {
  const env = new Array<Value | undefined>(m.trace.nextId)
  m.inVars.forEach((v, i) => {
    env[v.id] = tangents[i]
  })
  const read = (a: unknown): unknown => (a instanceof LinTracer && a.trace === m.trace ? env[a.id] : a)
  for (const e of m.trace.eqns) env[e.out.id] = bind(e.prim, e.args.map(read) as readonly Value[], e.params)
  return m.outTangents.map((t) => (t === null ? null : ((read(t) as Value | undefined) ?? t)))
}

/**
 * Transposes the recorded linear map: given one cotangent per output (or null for zero), returns the cotangent of
 * every input. Walks the equations backwards, accumulating with `add`.
 */
const transposeLinear = (m: LinearMap, cts: readonly (Value | null)[]): Value[] => {
  const trace = m.trace
  const ctOf = new Array<Value | undefined>(trace.nextId)
  const accum = (v: LinTracer, c: Value): void => {
    const prev = ctOf[v.id]
    ctOf[v.id] = prev === undefined ? c : add(prev, c)
  }
  m.outTangents.forEach((t, i) => {
    const c = cts[i]
    if (c !== null && c !== undefined && t instanceof LinTracer && t.trace === trace) accum(t, c)
  })
  const eqns = trace.eqns
  for (let k = eqns.length - 1; k >= 0; k--) {
    const e = eqns[k]!
    const ct = ctOf[e.out.id]
    if (ct === undefined) continue
    ctOf[e.out.id] = undefined
    const isLin = e.args.map((a) => a instanceof LinTracer && a.trace === trace)
    const res = e.prim.transpose!(ct, e.args, e.params, isLin)
    for (let i = 0; i < isLin.length; i++) {
      const r = res[i]
      if (isLin[i] && r !== null && r !== undefined) accum(e.args[i] as LinTracer, r)
    }
  }
  // A cotangent has its primal's dtype: a float32 parameter used with float64 data gets a float32 gradient.
  return m.inVars.map((v) => {
    const c = ctOf[v.id]
    return c === undefined ? zerosFor(v) : c.dtype === v.dtype ? c : astype(c, v.dtype)
  })
}

/**
 * Linearizes `f` at `primals`: returns `[out, fLin]` where `fLin(...tangents)` computes the JVP at the same point
 * without re-running `f`'s non-linear part.
 */
export const linearize = <A extends readonly unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (...tangents: A) => R] => {
  const [pl, pdef] = leafValues('linearize', 'the primals', primals)
  const { outs, outDef, map } = linearizeLeaves((ins) => f(...(treeUnflatten(pdef, ins) as A)), pl)
  const fLin = (...tangents: A): R => {
    const [tl, tdef] = leafValues('linearize', 'the tangents', tangents)
    if (!treeDefEqual(tdef, pdef))
      throw new Error(`linearize: tangents have structure ${showTreeDef(tdef)} but primals have ${showTreeDef(pdef)}`)
    pl.forEach((p, i) => {
      checkSameShape('linearize', 'tangent', p, tl[i]!, i)
    })
    const cast = tl.map((t, i) => (pl[i]!.dtype === 'int32' ? t : astype(t, pl[i]!.dtype)))
    const res = applyLinear(map, cast).map((t, i) => t ?? zerosFor(outs[i] as Value))
    return treeUnflatten(outDef, res) as R
  }
  return [treeUnflatten(outDef, outs) as R, fLin]
}

/**
 * Reverse mode: returns `[out, pullback]`, where `pullback(ct)` maps a cotangent shaped like `out` to the
 * cotangents of all `primals` (as an array, one entry per argument).
 */
export const vjp = <A extends readonly unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (ct: R) => A] => {
  const [pl, pdef] = leafValues('vjp', 'the primals', primals)
  /** The cotangent's leaves, checked against the output's structure and shapes. */
  const cotangentLeaves = (ct: R, outs: readonly unknown[], outDef: TreeDef): Value[] => {
    const [cl, cdef] = leafValues('vjp', 'the cotangent', ct)
    if (!treeDefEqual(cdef, outDef))
      throw new Error(`vjp: the cotangent has structure ${showTreeDef(cdef)} but the output has ${showTreeDef(outDef)}`)
    cl.forEach((c, i) => {
      checkSameShape('vjp', 'cotangent', outs[i] as Value, c, i, `output leaf ${i}`)
    })
    return cl
  }
  // a jitted f: its compiled forward now, and a pullback that runs the jitted vjp (forward again, then backward)
  const compiled = jitDerived(
    f,
    'vjp',
    (fn) => (ps: A, ct: R) => vjp(fn as (...a: A) => R, ...ps)[1](ct),
    false,
  )
  if (compiled !== undefined) {
    const out = f(...primals)
    const [ol, odef] = leafValues('vjp', 'the output', out)
    return [
      out,
      (ct: R): A => {
        cotangentLeaves(ct, ol, odef)
        return compiled(primals, ct)
      },
    ]
  }
  const { outs, outDef, map } = linearizeLeaves((ins) => f(...(treeUnflatten(pdef, ins) as A)), pl)
  const pullback = (ct: R): A => treeUnflatten(pdef, transposeLinear(map, cotangentLeaves(ct, outs, outDef))) as A
  return [treeUnflatten(outDef, outs) as R, pullback]
}

// ---------------------------------------------------------------------------------------------------------------
// grad and valueAndGrad

/** Options of {@link grad}: which positional arguments to differentiate (default 0). */
export interface GradOptions<N extends number | readonly number[] = number | readonly number[]> {
  readonly argnums?: N
}

/** The gradient type for `argnums` N over argument tuple A. */
export type GradOf<A extends readonly unknown[], N> = N extends number
  ? A[N]
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: A[N[K] & number] }
    : A[0]

const normArgnums = (op: string, argnums: number | readonly number[] | undefined, n: number): number[] => {
  const list = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : [...argnums]
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= n)
      throw new RangeError(`${op}: argnums ${a} is out of range for a call with ${n} argument(s)`)
  if (list.length > 1 && new Set(list).size !== list.length)
    throw new RangeError(`${op}: argnums [${list.join(', ')}] repeats an argument; list each argument once`)
  return list
}

/**
 * The leaves of the differentiated arguments (`argnums`) and `f` as a function of those leaves alone, the other
 * arguments held fixed.
 */
const selectArgs = (
  op: string,
  f: (...args: readonly unknown[]) => unknown,
  args: readonly unknown[],
  argnums: number | readonly number[] | undefined,
): { pl: Value[]; pdef: TreeDef; call: (ins: readonly Value[]) => unknown } => {
  const nums = normArgnums(op, argnums, args.length)
  const [pl, pdef] = leafValues(op, 'the differentiated arguments', nums.map((i) => args[i]))
  const call = (ins: readonly Value[]): unknown => {
    const rebuilt = treeUnflatten(pdef, ins) as unknown[]
    const full = args.slice()
    nums.forEach((a, j) => {
      full[a] = rebuilt[j]
    })
    return f(...full)
  }
  return { pl, pdef, call }
}

// The seed cotangent of a scalar output, one per float dtype: tensors are immutable, so one can serve every call.
const ONE_F64 = T.ones([])
const ONE_F32 = T.ones([], { dtype: 'float32' })

const valueAndGradCore = (
  op: string,
  f: (...args: readonly unknown[]) => unknown,
  args: readonly unknown[],
  argnums: number | readonly number[] | undefined,
  hasAux: boolean,
): [Value, unknown, unknown] => {
  const { pl, pdef, call } = selectArgs(op, f, args, argnums)
  const { outs, outDef, map, aux } = linearizeLeaves(call, pl, hasAux)
  const o = outs[0]
  if (outDef.kind !== 'leaf' || !isValue(o) || o.shape.length !== 0) {
    const what = outDef.kind !== 'leaf' ? `a tree ${showTreeDef(outDef)}` : isValue(o) ? `shape ${showShape(o.shape)}` : typeof o
    throw new ShapeError(op, `the function must return a scalar (a 0-d tensor), got ${what}; reduce it with sum or mean, or use vjp/jacrev for non-scalar outputs`)
  }
  const out = o
  const g = transposeLinear(map, [out.dtype === 'float32' ? ONE_F32 : ONE_F64])
  const grads = treeUnflatten(pdef, g) as unknown[]
  return [out, typeof argnums === 'number' || argnums === undefined ? grads[0] : grads, aux]
}

/**
 * The gradient of a scalar-valued function: `grad(f)(...args)` has the tree type of the differentiated
 * argument (`argnums`, default 0; a list gives a tuple). `f` must return a 0-d tensor. For a jitted `f`
 * (`jit(g, options)`), the gradient is `jit(grad(g), options)`, compiled once per signature, as in JAX.
 */
export function grad<A extends readonly unknown[]>(f: (...args: A) => Value): (...args: A) => A[0]
export function grad<A extends readonly unknown[], const N extends number | readonly number[]>(
  f: (...args: A) => Value,
  options: GradOptions<N>,
): (...args: A) => GradOf<A, N>
export function grad<A extends readonly unknown[]>(
  f: (...args: A) => Value,
  options?: GradOptions,
): (...args: A) => unknown {
  const compiled = jitDerived(f, `grad ${JSON.stringify(options?.argnums ?? 0)}`, (fn) =>
    grad(fn as (...a: A) => Value, options as GradOptions<number>),
  )
  if (compiled !== undefined) return compiled
  return (...args: A) =>
    valueAndGradCore('grad', f as (...a: readonly unknown[]) => unknown, args, options?.argnums, false)[1]
}

/** Options of {@link valueAndGrad}. */
export interface ValueAndGradOptions<N extends number | readonly number[] = number | readonly number[]>
  extends GradOptions<N> {
  /** When true, `f` returns `[value, aux]`; aux is passed through (not differentiated). */
  readonly hasAux?: boolean
}

/** Like {@link grad}, but also returns the value: `[value, grads]` (compiled for a jitted `f`, as `grad` is). */
export function valueAndGrad<A extends readonly unknown[]>(f: (...args: A) => Value): (...args: A) => [Value, A[0]]
export function valueAndGrad<A extends readonly unknown[], const N extends number | readonly number[]>(
  f: (...args: A) => Value,
  options: GradOptions<N> & { readonly hasAux?: false },
): (...args: A) => [Value, GradOf<A, N>]
/** With `hasAux: true`, `f` returns `[value, aux]` and the result is `[[value, aux], grads]` (as in JAX). */
export function valueAndGrad<A extends readonly unknown[], Aux, const N extends number | readonly number[] = 0>(
  f: (...args: A) => readonly [Value, Aux],
  options: GradOptions<N> & { readonly hasAux: true },
): (...args: A) => [[Value, Aux], GradOf<A, N>]
export function valueAndGrad<A extends readonly unknown[]>(
  f: (...args: A) => unknown,
  options?: ValueAndGradOptions,
): (...args: A) => unknown {
  const hasAux = options?.hasAux === true
  const compiled = jitDerived(f, `valueAndGrad ${JSON.stringify(options?.argnums ?? 0)} ${String(hasAux)}`, (fn) =>
    valueAndGrad(fn as (...a: A) => readonly [Value, unknown], options as ValueAndGradOptions<number> & { readonly hasAux: true }),
  )
  if (compiled !== undefined) return compiled
  return (...args: A) => {
    const [v, g, aux] = valueAndGradCore('valueAndGrad', f as (...a: readonly unknown[]) => unknown, args, options?.argnums, hasAux)
    return hasAux ? [[v, aux], g] : [v, g]
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Jacobians

/** A tree shaped like `R` whose leaves are `L` (the output-major Jacobian layout). */
export type MapLeaves<R, L> = R extends Tensor | Tracer
  ? L
  : R extends readonly unknown[]
    ? { -readonly [K in keyof R]: MapLeaves<R[K], L> }
    : R extends object
      ? { -readonly [K in keyof R]: MapLeaves<R[K], L> }
      : L

/** The type of `jacfwd(f)`/`jacrev(f)`'s result: for every output leaf, a tree shaped like the input(s). */
export type Jacobian<A extends readonly unknown[], R, N> = MapLeaves<R, GradOf<A, N>>

const stackLast = (cols: readonly Value[], outShape: readonly number[], inShape: readonly number[]): Value => {
  if (cols.length === 0) return T.zeros([...outShape, ...inShape])
  const flat = cols.map((c) => reshape(c, [...outShape, 1]))
  const joined = flat.length === 1 ? flat[0]! : concatLast(flat, outShape.length)
  return reshape(joined, [...outShape, ...inShape])
}

const concatLast = (xs: readonly Value[], axis: number): Value => bind(concatP, xs, { axis })

const basis = (leaf: Value, k: number): Tensor => {
  const data = new Float64Array(leaf.size)
  data[k] = 1
  return T.fromArray(data, leaf.shape, { dtype: leaf.dtype === 'int32' ? 'float64' : leaf.dtype })
}

const jacobianCore = (
  op: 'jacfwd' | 'jacrev',
  f: (...args: readonly unknown[]) => unknown,
  args: readonly unknown[],
  argnums: number | readonly number[] | undefined,
): unknown => {
  const single = argnums === undefined || typeof argnums === 'number'
  const { pl, pdef, call } = selectArgs(op, f, args, argnums)
  const { outs, outDef, map } = linearizeLeaves(call, pl)
  const ov = outs.map((o, i) => {
    if (!isValue(o)) throw new TypeError(`${op}: output leaf ${i} is not a tensor`)
    return o
  })
  // blocks[o][i]: Jacobian of output leaf o with respect to input leaf i, shape out.shape ++ in.shape
  const blocks: Value[][] = ov.map(() => [])
  if (op === 'jacfwd') {
    pl.forEach((p, i) => {
      const cols: Value[][] = ov.map(() => [])
      for (let k = 0; k < p.size; k++) {
        const tangents = pl.map((q, j) => (j === i ? basis(q, k) : zerosFor(q)))
        const touts = applyLinear(map, tangents)
        touts.forEach((t, o) => {
          cols[o]!.push(t ?? zerosFor(ov[o]!))
        })
      }
      ov.forEach((o, oi) => {
        blocks[oi]!.push(stackLast(cols[oi]!, o.shape, p.shape))
      })
    })
  } else {
    ov.forEach((o, oi) => {
      const rows: Value[][] = pl.map(() => [])
      for (let m = 0; m < o.size; m++) {
        const cts = ov.map((_, j) => (j === oi ? basis(o, m) : null))
        transposeLinear(map, cts).forEach((c, i) => {
          rows[i]!.push(c)
        })
      }
      pl.forEach((p, i) => {
        const r = rows[i]!
        const stacked =
          r.length === 0
            ? T.zeros([...o.shape, ...p.shape])
            : reshape(concatLast(r.map((x) => reshape(x, [1, ...p.shape])), 0), [...o.shape, ...p.shape])
        blocks[oi]!.push(stacked)
      })
    })
  }
  const perOut = blocks.map((b) => {
    const tree = treeUnflatten(pdef, b) as unknown[]
    return single ? tree[0] : tree
  })
  return treeUnflatten(outDef, perOut)
}

/**
 * Jacobian by forward mode (one JVP per input element, via the linearized map). For input `x` of shape S and
 * output of shape O the result has shape O ++ S; trees give trees (output structure outside, input inside).
 */
export function jacfwd<A extends readonly unknown[], R>(f: (...args: A) => R): (...args: A) => Jacobian<A, R, 0>
export function jacfwd<A extends readonly unknown[], R, const N extends number | readonly number[]>(
  f: (...args: A) => R,
  options: GradOptions<N>,
): (...args: A) => Jacobian<A, R, N>
export function jacfwd<A extends readonly unknown[], R>(f: (...args: A) => R, options?: GradOptions): (...args: A) => unknown {
  return (...args: A) => jacobianCore('jacfwd', f as (...a: readonly unknown[]) => unknown, args, options?.argnums)
}

/** Jacobian by reverse mode (one pullback per output element). Same layout as {@link jacfwd}. */
export function jacrev<A extends readonly unknown[], R>(f: (...args: A) => R): (...args: A) => Jacobian<A, R, 0>
export function jacrev<A extends readonly unknown[], R, const N extends number | readonly number[]>(
  f: (...args: A) => R,
  options: GradOptions<N>,
): (...args: A) => Jacobian<A, R, N>
export function jacrev<A extends readonly unknown[], R>(f: (...args: A) => R, options?: GradOptions): (...args: A) => unknown {
  return (...args: A) => jacobianCore('jacrev', f as (...a: readonly unknown[]) => unknown, args, options?.argnums)
}

/**
 * The type of `hessian(f)`'s result for argument tuple A and `argnums` N: the gradient's tree G = `GradOf<A, N>`
 * with every leaf replaced by another copy of G (JAX's layout). A tensor argument gives a tensor; a record of
 * tensors gives a record of records (`H.W.b` is ∂²f/∂W∂b); a tuple of argnums gives a tuple of tuples.
 */
export type Hessian<A extends readonly unknown[], N> = MapLeaves<GradOf<A, N>, GradOf<A, N>>

/**
 * Hessian of a scalar function: `jacfwd(jacrev(f))`. For `x` of shape S the result has shape S ++ S; over a tree
 * argument it is a tree of trees (outer structure: the first derivative's leaf, inner: the second's).
 */
export function hessian<A extends readonly unknown[]>(f: (...args: A) => Value): (...args: A) => Hessian<A, 0>
export function hessian<A extends readonly unknown[], const N extends number | readonly number[]>(
  f: (...args: A) => Value,
  options: GradOptions<N>,
): (...args: A) => Hessian<A, N>
export function hessian<A extends readonly unknown[]>(f: (...args: A) => Value, options?: GradOptions): (...args: A) => unknown {
  const argnums = options?.argnums ?? 0
  return jacfwd(jacrev(f, { argnums }), { argnums })
}
