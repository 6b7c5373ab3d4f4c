/**
 * The interpreter core: values, traces, primitives and `bind`.
 *
 * A *primitive* is defined once (see primitives.ts) as a record of its evaluation (`impl`, calling a tensor
 * kernel), its JVP rule, and — only when it is linear — its transpose rule and a shape rule.
 *
 * A *trace* is one active transformation. Traces nest; each has a level (its depth in the stack). A traced value
 * (`Tracer`) belongs to one trace. `bind(prim, args)` hands the operation to the highest-level trace among its
 * arguments (JAX's "find top trace"); values of lower levels are constants to it. With no tracer among the
 * arguments, `bind` calls the kernel directly — the eager fast path. Levels are what keep nested
 * differentiations apart (no perturbation confusion): a trace only ever unwraps its own tracers.
 *
 * Three kinds of trace:
 * - `JvpTrace` carries dual numbers (`JvpTracer`: primal + tangent). `null` is a symbolic zero tangent.
 * - `LinTrace` records a linear program: every operation applied to its `LinTracer`s becomes an equation.
 *   `linearize` runs a `JvpTrace` whose tangents are `LinTracer`s, so the primal computation runs eagerly and
 *   only the linear tangent computation is recorded; reverse mode transposes that program (transpose.ts).
 * - `StageTrace` stages a whole program (`makeGraph`, staging.ts): every operation becomes an equation, nothing runs.
 * @module
 */
import { type DType, type Tensor, isTensor, showShape } from '@cotangent/tensor'

/** A trace: one active transformation (jvp, linear recording, or staging into a program). */
export interface Trace {
  readonly kind: 'jvp' | 'lin' | 'stage'
  readonly level: number
  /** False once the transformation has returned; using its tracers afterwards is an error. */
  active: boolean
}

/** A traced value: it stands for a tensor inside a transformation. */
export abstract class Tracer {
  abstract readonly trace: Trace
  abstract readonly shape: readonly number[]
  abstract readonly dtype: DType
  /** Number of elements. */
  get size(): number {
    let n = 1
    for (const d of this.shape) n *= d
    return n
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length
  }
  toString(): string {
    return `Tracer(${showShape(this.shape)}, ${this.dtype}, level ${this.trace.level} ${this.trace.kind})`
  }
}

/**
 * A value every op accepts: a concrete `Tensor`, or a traced value inside a transformation. Write functions you
 * want to differentiate over `Value`.
 */
export type Value = Tensor | Tracer

/** A value or a plain number (a weakly typed constant that adopts the other operand's dtype). */
export type ValueLike = Value | number

/**
 * The result type of an op whose inputs have type `X` (a union of the input types): `Tensor` when every input is
 * concrete (a `Tensor` or a plain number), `Value` as soon as one may be traced. Eager code therefore gets
 * tensors back with no cast, while code written over `Value` (what transformations pass in) gets `Value`.
 *
 * The type follows the declared types, not the runtime values: inside `grad`, an argument declared as `Tensor`
 * is in fact a tracer, and ops on it are typed `Tensor`. They still work (every op accepts tracers); only raw
 * kernels of `@cotangent/tensor` refuse them, with a `TracedValueError`.
 */
export type Lifted<X> = [X] extends [Tensor | number] ? Tensor : Value

/** A forward-mode trace. When `lin` is set, this trace is the JVP half of a `linearize`. */
export interface JvpTrace extends Trace {
  readonly kind: 'jvp'
  readonly lin: LinTrace | null
}

/** One equation of a linear program: `out = prim(args; params)`. */
export interface Eqn {
  readonly prim: Primitive
  readonly args: readonly ArgValue[]
  readonly params: unknown
  readonly out: LinTracer
}

/** A linear-recording trace: holds the equations of the program being recorded. */
export interface LinTrace extends Trace {
  readonly kind: 'lin'
  readonly eqns: Eqn[]
  nextId: number
}

/**
 * A staging trace (`makeGraph`, and later `jit`; staging.ts): the third interpreter. Instead of computing, it appends
 * one equation per primitive application to the program being staged and returns a {@link StageTracer} for the
 * output. `process` is that recording step; staging.ts builds the trace around it.
 */
export interface StageTrace extends Trace {
  readonly kind: 'stage'
  readonly process: (prim: Primitive, args: readonly ArgValue[], params: unknown) => Value
}

/** A variable of a program being staged: it has a shape and a dtype, but no values. */
export class StageTracer extends Tracer {
  constructor(
    readonly trace: StageTrace,
    readonly id: number,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    super()
  }
  /** A staged value has no numbers: JS arithmetic or a comparison on it (`x > 0`, `x + 1`) is a StagedValueError. */
  override valueOf(): never {
    throw stagedValueError(this.shape, this.dtype, 'used as a JS number (arithmetic or a comparison on it)')
  }
}

/** The error for reading a staged value's numbers: names the value and what to do (ops, a closure, staticArgnums). */
export const stagedValueError = (shape: readonly number[], dtype: DType, how = 'read as numbers (item, toArray, an index or label tensor)'): StagedValueError =>
  new StagedValueError(
    `autodiff: cannot read the values of a staged value (${showShape(shape)}, ${dtype}) inside makeGraph/jit: it was ${how}, but staging knows only shapes and dtypes. Compute with the ops instead, close over a concrete tensor, or pass the argument it comes from as a static argument (jit(f, { staticArgnums: [i] }): its value then becomes part of the cache key)`,
  )

/** Thrown when code reads the numbers of a staged value (`item`, `toArray`, an index tensor…) while staging. */
export class StagedValueError extends Error {
  override readonly name = 'StagedValueError'
}

/** A dual number of a JVP trace. */
export class JvpTracer extends Tracer {
  constructor(
    readonly trace: JvpTrace,
    readonly primal: Value,
    readonly tangent: Value,
  ) {
    super()
  }
  get shape(): readonly number[] {
    return this.primal.shape
  }
  get dtype(): DType {
    return this.primal.dtype
  }
}

/** A variable of a linear program being recorded. */
export class LinTracer extends Tracer {
  constructor(
    readonly trace: LinTrace,
    readonly id: number,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    super()
  }
}

/** An argument of a primitive: a value, a plain number, or (for index arguments) anything the rule understands. */
export type ArgValue = ValueLike

/** The abstract value of an argument, as shape rules see it. */
export interface Aval {
  readonly shape: readonly number[]
  readonly dtype: DType | 'weak'
}

/** How a primitive may be linear in its arguments. */
export interface Linearity {
  /** Argument positions that may hold linear (tangent) values (`'all'`: every position, e.g. concat's list). */
  readonly positions: readonly number[] | 'all'
  /** True when the primitive is linear in each of those positions separately but not jointly (e.g. `mul`). */
  readonly bilinear?: boolean
}

/**
 * A primitive operation. `P` is its static parameters (axes, shapes…).
 * - `impl` evaluates on concrete tensors (numbers pass through for element-wise ops).
 * - `jvp` gets primals and tangents (`null` = zero) and returns the primal output and its tangent (`null` = zero).
 *   It is written with the public ops, so it is itself differentiable: higher orders come free.
 * - `linear`, `transpose`, `shape`: only for linear primitives. `transpose(ct, args, params, isLinear)` returns
 *   the cotangent of every linear argument (`null` for zero; entries of constant arguments are ignored).
 */
export interface Primitive<P = unknown> {
  readonly name: string
  readonly impl: (args: readonly (Tensor | number)[], params: P) => Tensor
  readonly jvp: (
    primals: readonly ArgValue[],
    tangents: readonly (Value | null)[],
    params: P,
  ) => readonly [Value, Value | null]
  readonly linear?: Linearity
  readonly transpose?: (
    ct: Value,
    args: readonly ArgValue[],
    params: P,
    isLinear: readonly boolean[],
  ) => readonly (Value | null)[]
  readonly shape?: (avals: readonly Aval[], params: P) => Aval
}

/** Defines a primitive (identity function that fixes the parameter type). */
export const definePrimitive = <P>(p: Primitive<P>): Primitive<P> => p

const stack: Trace[] = []

/** The current depth of nested transformations (0 = eager). */
export const depth = (): number => stack.length

/** Opens a new trace on top of the stack. Always pair with {@link popTrace} in a `finally`. */
export const pushJvpTrace = (lin: LinTrace | null): JvpTrace => {
  const t: JvpTrace = { kind: 'jvp', level: stack.length + 1, active: true, lin }
  stack.push(t)
  return t
}

/** Opens a new linear-recording trace. */
export const pushLinTrace = (): LinTrace => {
  const t: LinTrace = { kind: 'lin', level: stack.length + 1, active: true, eqns: [], nextId: 0 }
  stack.push(t)
  return t
}

/** Closes the top trace, which must be `t`. */
export const popTrace = (t: Trace): void => {
  const top = stack.pop()
  t.active = false
  if (top !== t) throw new Error('autodiff: trace stack corrupted (a transformation was exited out of order)')
}

/** Opens a staging trace; `build` receives the new trace's level and returns the trace (see staging.ts). */
export const pushStageTrace = (build: (level: number) => StageTrace): StageTrace => {
  const t = build(stack.length + 1)
  stack.push(t)
  return t
}

/** A fresh input variable of a linear program. */
export const newLinVar = (t: LinTrace, shape: readonly number[], dtype: DType): LinTracer =>
  new LinTracer(t, t.nextId++, shape, dtype)

/** Thrown when a traced value is used after its transformation returned (it leaked out through a closure). */
export class LeakedTracerError extends Error {
  override readonly name = 'LeakedTracerError'
}

/** The highest-level trace among the arguments, or null when all are concrete. */
export const topTrace = (args: readonly unknown[]): Trace | null => {
  let top: Trace | null = null
  for (const a of args)
    if (a instanceof Tracer && (top === null || a.trace.level > top.level)) top = a.trace
  if (top !== null && !top.active)
    throw new LeakedTracerError(
      'autodiff: a traced value escaped its transformation (e.g. stored in a closure or outer variable) and was used after it returned',
    )
  return top
}

/** What {@link setPrimitiveObserver} installs: called with every primitive evaluated eagerly, and its parameters. */
export type PrimitiveObserver = (prim: Primitive, params: unknown) => void

let observer: PrimitiveObserver | null = null

/**
 * @internal Instrumentation for benchmarks and profilers, not part of the computing API: installs `fn` (or, with
 * `null`, removes it) to be called each time {@link bind} evaluates a primitive eagerly, i.e. reaches the
 * primitive's `impl` (a kernel run) with no tracer among the arguments. Returns the observer it replaces, so a
 * caller can restore it. The observer only watches: it receives the primitive record and its parameters, and
 * what it returns is ignored. With none installed (the default), the cost is one comparison per eager
 * evaluation. Exported from the package as `unstable_setPrimitiveObserver`.
 */
export const setPrimitiveObserver = (fn: PrimitiveObserver | null): PrimitiveObserver | null => {
  if (fn !== null && typeof fn !== 'function')
    throw new TypeError(`autodiff.unstable_setPrimitiveObserver: expected a function or null, got ${typeof fn}`)
  const prev = observer
  observer = fn
  return prev
}

/**
 * Applies a primitive to arguments: dispatches to the top trace among them, or evaluates eagerly.
 */
export const bind = <P>(prim: Primitive<P>, args: readonly ArgValue[], params: P): Value => {
  const top = topTrace(args)
  if (top === null) {
    if (observer !== null) observer(prim as Primitive, params)
    return prim.impl(args as readonly (Tensor | number)[], params)
  }
  if (top.kind === 'stage') return (top as StageTrace).process(prim as Primitive, args, params)
  return top.kind === 'jvp' ? processJvp(top as JvpTrace, prim, args, params) : processLin(top as LinTrace, prim, args, params)
}

const processJvp = <P>(trace: JvpTrace, prim: Primitive<P>, args: readonly ArgValue[], params: P): Value => {
  const n = args.length
  const primals = new Array<ArgValue>(n)
  const tangents = new Array<Value | null>(n)
  for (let i = 0; i < n; i++) {
    const a = args[i]!
    if (a instanceof JvpTracer && a.trace === trace) {
      primals[i] = a.primal
      tangents[i] = a.tangent
    } else {
      primals[i] = a
      tangents[i] = null
    }
  }
  const [out, tangent] = prim.jvp(primals, tangents, params)
  return tangent === null ? out : new JvpTracer(trace, out, tangent)
}

const avalOf = (a: ArgValue): Aval => (typeof a === 'number' ? { shape: [], dtype: 'weak' } : a)

const processLin = <P>(trace: LinTrace, prim: Primitive<P>, args: readonly ArgValue[], params: P): Value => {
  if (prim.transpose === undefined || prim.linear === undefined || prim.shape === undefined)
    throw new Error(
      `autodiff: '${prim.name}' is not linear, so it cannot be applied to a tangent while linearizing (a JVP rule applied it to a tangent value)`,
    )
  let nLin = 0
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a instanceof LinTracer && a.trace === trace) {
      nLin++
      if (prim.linear.positions !== 'all' && !prim.linear.positions.includes(i))
        throw new Error(`autodiff: '${prim.name}' is not linear in argument ${i}, which holds a tangent`)
    }
  }
  if (prim.linear.bilinear === true && nLin > 1)
    throw new Error(`autodiff: '${prim.name}' is linear in each argument separately, but got tangents in ${nLin} of them`)
  // tensors and tracers are their own abstract values; only plain numbers need wrapping
  const aval = prim.shape(args.some((a) => typeof a === 'number') ? args.map(avalOf) : (args as readonly Aval[]), params)
  const out = new LinTracer(trace, trace.nextId++, aval.shape, aval.dtype === 'weak' ? 'float64' : aval.dtype)
  trace.eqns.push({ prim: prim as Primitive, args, params, out })
  return out
}

/** Strips every tracer of a returned value down to the concrete tensor it stands for (its innermost primal). */
export const concrete = (v: Value): Tensor => {
  let x: Value = v
  while (!isTensor(x)) {
    if (x instanceof JvpTracer) x = x.primal
    else if (x instanceof StageTracer) throw stagedValueError(x.shape, x.dtype)
    else
      throw new Error(
        'autodiff: cannot read the values of a linear (tangent) value inside linearize/vjp; read the primal instead',
      )
  }
  return x
}

/** True for a concrete tensor or a tracer. */
export const isValue = (x: unknown): x is Value => isTensor(x) || x instanceof Tracer
