/**
 * Staged programs: `makeGraph(f)(...args)` turns a function into data — a {@link Program} with one equation per
 * primitive application — instead of computing it. This is the third interpreter beside forward mode (`JvpTrace`)
 * and linear recording (`LinTrace`): a `StageTrace` whose `process` step appends an equation and returns a
 * variable ({@link StageTracer}) that knows only its shape and dtype.
 *
 * Because staging is just one more trace on the stack, it nests with the other transformations for free:
 * - `makeGraph(grad(f))(x)` stages the whole derivative program: the JVP rules and the transposition of the linear
 *   program run on staged values, so every primal and cotangent operation becomes an equation;
 * - `grad(x => evalGraph(p, x))` differentiates a staged program, since the evaluator re-applies each equation with
 *   `bind` (and so is itself traced by any outer transformation);
 * - values of outer transformations that the staged function closes over become constants of the program (its
 *   `consts`), so gradients flow through them when the program is evaluated inside that transformation.
 *
 * Custom rules (`customJvp`, `customVjp`) appear as their own equation (`customJvp[name=…]`, `customVjp[name=…]`),
 * not inlined: their forward function may call kernels directly, and their derivative rule must survive. Evaluating
 * the equation calls the function; differentiating it uses the rule.
 *
 * The IR is plain data designed for a compiler (`jit`): a flat list of single-output equations in a valid
 * evaluation order, variables with static shapes and dtypes, scalar literals inlined, every other constant hoisted
 * into `constVars`, inputs and outputs flattened with their tree structure kept beside them.
 * @module
 */
import * as T from '@cotangent/tensor'
import { DTypeError, ShapeError, showShape, type DType } from '@cotangent/tensor'
import {
  StageTracer,
  Tracer,
  bind,
  concrete,
  definePrimitive,
  isValue,
  popTrace,
  pushStageTrace,
  type ArgValue,
  type Aval,
  type Primitive,
  type StageTrace,
  type Value,
  type ValueLike,
} from './core.js'
import * as P from './primitives.js'

export { StageTracer, StagedValueError } from './core.js'
import { showTreeDef, treeDefEqual, treeFlatten, treeUnflatten, type TreeDef } from './tree.js'

// ---------------------------------------------------------------------------------------------------------------
// The IR

/** A variable of a program: an input, a hoisted constant, or the output of one equation. Ids are unique per program. */
export interface Var {
  readonly kind: 'var'
  readonly id: number
  readonly shape: readonly number[]
  readonly dtype: DType
}

/**
 * A scalar literal inlined in an equation: a plain JS number (`dtype: 'weak'`, adopting the other operand's dtype,
 * as in eager code) or the value of a 0-d constant tensor of that dtype.
 */
export interface Lit {
  readonly kind: 'lit'
  readonly value: number
  readonly dtype: DType | 'weak'
}

/** An operand of an equation or an output of a program. */
export type Atom = Var | Lit

/** One primitive application: `out = prim(inputs; params)`. Every primitive has exactly one output. */
export interface Equation {
  readonly prim: Primitive
  readonly inputs: readonly Atom[]
  /** The primitive's static parameters, exactly as the op passed them to `bind`. */
  readonly params: unknown
  readonly out: Var
}

/**
 * A staged program, in the manner of a closed jaxpr. Evaluating the equations in order, with `inVars` bound to the
 * leaves of the arguments and `constVars` to `consts`, gives `outs`, the leaves of the result.
 *
 * `R` is the type of the staged function's result and `A` its (dynamic) arguments; they are carried by the phantom
 * `signature` field, which is never set.
 */
export interface Program<A extends readonly unknown[] = readonly unknown[], R = unknown> {
  /** One variable per leaf of the (non-static) arguments, in tree-flatten order. */
  readonly inVars: readonly Var[]
  /** The tree structure of the argument tuple (static arguments excluded). */
  readonly inTree: TreeDef
  /** Constants the function closed over (tensors, or values of enclosing transformations), hoisted as variables. */
  readonly constVars: readonly Var[]
  /** The value bound to each of `constVars`. */
  readonly consts: readonly Value[]
  /** The equations, in an order where every variable is defined before it is used. */
  readonly eqns: readonly Equation[]
  /** One atom per leaf of the result. */
  readonly outs: readonly Atom[]
  /** The tree structure of the result. */
  readonly outTree: TreeDef
  /** Positions of the arguments that were not staged (their values are baked into the program). */
  readonly staticArgnums: readonly number[]
  /**
   * Flat positions (in the leaves of the non-static arguments) of leaves that were passed to the function as they
   * are and baked into the program instead of becoming inputs (jit's plain-number leaves); absent when none.
   */
  readonly bakedLeaves?: readonly number[]
  /** Phantom: the staged function's argument and result types (never set). */
  readonly signature?: { readonly args: A; readonly result: R }
}

/** Options of {@link makeGraph}. */
export interface MakeGraphOptions {
  /**
   * Positions of arguments passed to the function as they are instead of being staged (numbers used as Python-style
   * static values: sizes, flags, an `if` on a hyperparameter). `evalGraph` then takes only the other arguments.
   */
  readonly staticArgnums?: readonly number[]
}

// ---------------------------------------------------------------------------------------------------------------
// Abstract evaluation: the shape and dtype of every primitive's output, without computing it

type AbstractRule = (
  avals: readonly Aval[],
  params: unknown,
) => { readonly shape: readonly number[]; readonly dtype: DType }

/** The dtype arithmetic returns: promotion of the typed operands (weak numbers adopt), int32 alone → float64. */
const arithDtype = (avals: readonly Aval[]): DType => {
  let dt: DType | null = null
  for (const a of avals)
    if (a.dtype !== 'weak')
      dt = dt === null ? (a.dtype === 'int32' ? 'float64' : a.dtype) : T.promote(dt, a.dtype)
  return dt ?? 'float64'
}

/** The dtype of ops that join or select values (where, concat, scatterAdd): int32 stays int32, else promotion. */
const joinDtype = (avals: readonly Aval[]): DType =>
  avals.some((a) => a.dtype !== 'weak') && avals.every((a) => a.dtype === 'weak' || a.dtype === 'int32')
    ? 'int32'
    : arithDtype(avals)

const sameDtype = (a: Aval): DType => (a.dtype === 'weak' ? 'float64' : a.dtype)

const broadcastAll = (op: string, avals: readonly Aval[]): readonly number[] => {
  let s: readonly number[] = []
  for (const a of avals) s = T.broadcastShapes(op, s, a.shape)
  return s
}

const reduced = (shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] =>
  keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i))

const elementwise =
  (op: string): AbstractRule =>
  (avals) => ({ shape: broadcastAll(op, avals), dtype: arithDtype(avals) })

const unaryFloat: AbstractRule = ([a]) => ({ shape: a!.shape, dtype: arithDtype([a!]) })
const unarySame: AbstractRule = ([a]) => ({ shape: a!.shape, dtype: sameDtype(a!) })

/** Uses the primitive's own shape rule for the shape and keeps the first operand's dtype (movement ops). */
const movement =
  (prim: Primitive): AbstractRule =>
  (avals, params) => ({ shape: prim.shape!(avals, params).shape, dtype: sameDtype(avals[0]!) })

/** Uses the primitive's own shape rule for the shape and the given dtype rule. */
const withShapeRule =
  (prim: Primitive, dtype: (avals: readonly Aval[]) => DType): AbstractRule =>
  (avals, params) => ({ shape: prim.shape!(avals, params).shape, dtype: dtype(avals) })

const reduceRule =
  (dtype: (a: Aval) => DType): AbstractRule =>
  ([a], params) => {
    const { axes, keepdims } = params as P.ReduceParams
    return { shape: reduced(a!.shape, axes, keepdims), dtype: dtype(a!) }
  }

const argRule: AbstractRule = ([a], params) => {
  const { axis, keepdims } = params as T.ArgOptions
  const s = a!.shape
  if (axis === undefined) return { shape: keepdims === true ? s.map(() => 1) : [], dtype: 'int32' }
  const ax = T.normalizeAxis('argmax', axis, s.length, s)
  return { shape: reduced(s, [ax], keepdims === true), dtype: 'int32' }
}

const prim = (p: unknown): Primitive => p as Primitive

const abstractRules: ReadonlyMap<Primitive, AbstractRule> = new Map<Primitive, AbstractRule>([
  ...(['addP', 'subP', 'mulP', 'divP', 'powP', 'maximumP', 'minimumP'] as const).map(
    (k): [Primitive, AbstractRule] => [prim(P[k]), elementwise(P[k].name)],
  ),
  ...(['equalP', 'notEqualP', 'lessP', 'greaterP', 'lessEqualP', 'greaterEqualP'] as const).map(
    (k): [Primitive, AbstractRule] => [prim(P[k]), elementwise(P[k].name)],
  ),
  [prim(P.whereP), (avals) => ({ shape: broadcastAll('where', avals), dtype: joinDtype(avals.slice(1)) })],
  ...(
    [
      'expP',
      'logP',
      'log1pP',
      'expm1P',
      'sqrtP',
      'sinP',
      'cosP',
      'tanhP',
      'sigmoidP',
      'signP',
      'floorP',
      'roundP',
      'isFiniteP',
    ] as const
  ).map((k): [Primitive, AbstractRule] => [prim(P[k]), unaryFloat]),
  [prim(P.negP), unarySame],
  [prim(P.reluP), unarySame],
  [prim(P.leakyReluP), unaryFloat],
  [prim(P.reluGradP), (avals) => ({ shape: broadcastAll('reluGrad', avals), dtype: arithDtype(avals.slice(1)) })],
  [prim(P.leakyReluGradP), (avals) => ({ shape: broadcastAll('leakyReluGrad', avals), dtype: arithDtype(avals.slice(1)) })],
  [prim(P.absP), unarySame],
  [prim(P.stopGradientP), unarySame],
  [
    prim(P.astypeP),
    ([a], params) => ({ shape: a!.shape, dtype: (params as { readonly dtype: DType }).dtype }),
  ],
  [prim(P.sumP), reduceRule((a) => arithDtype([a]))],
  [prim(P.maxP), reduceRule(sameDtype)],
  [prim(P.minP), reduceRule(sameDtype)],
  [prim(P.argmaxP), argRule],
  [prim(P.argminP), argRule],
  ...(['reshapeP', 'transposeP', 'broadcastToP', 'sliceP', 'embedSliceP', 'takeP'] as const).map(
    (k): [Primitive, AbstractRule] => [prim(P[k]), movement(prim(P[k]))],
  ),
  [prim(P.scatterAddP), withShapeRule(prim(P.scatterAddP), joinDtype)],
  [prim(P.concatP), withShapeRule(prim(P.concatP), joinDtype)],
  [prim(P.matmulP), withShapeRule(prim(P.matmulP), arithDtype)],
])

/** True when staging knows the primitive's output shape and dtype without running it. */
export const hasAbstractRule = (p: Primitive): boolean => abstractRules.has(p)

/**
 * The output aval of `prim(args; params)`: the abstract rule above, else the primitive's own shape rule (linear
 * primitives have one). Primitives with neither (user-defined ones, custom calls) are evaluated once on zeros of
 * their operands' shapes: exact, at the cost of one computation while staging.
 */
const abstractEval = (
  p: Primitive,
  args: readonly ArgValue[],
  params: unknown,
): { shape: readonly number[]; dtype: DType } => {
  const avals = args.map((a): Aval => (typeof a === 'number' ? { shape: [], dtype: 'weak' } : a))
  const rule = abstractRules.get(p)
  if (rule !== undefined) return rule(avals, params)
  if (p.shape !== undefined) {
    const aval = p.shape(avals, params)
    return { shape: aval.shape, dtype: aval.dtype === 'weak' ? 'float64' : aval.dtype }
  }
  const zeros = args.map((a) =>
    typeof a === 'number' ? a : a instanceof Tracer ? T.zeros(a.shape, { dtype: a.dtype }) : a,
  )
  const out = p.impl(zeros, params)
  return { shape: out.shape, dtype: out.dtype }
}

// ---------------------------------------------------------------------------------------------------------------
// Custom rules as equations

/** Parameters of a custom-rule equation. */
export interface CustomCallParams {
  /** The function's name, for printing. */
  readonly name: string
  /** The user-facing function (it dispatches on its arguments like any op: eager, differentiated or staged). */
  readonly call: (args: readonly Value[]) => Value
  /** Its derivative at one level: primals and tangents (`null` = zero) → `[out, tangent of out]`. */
  readonly jvp: (
    primals: readonly Value[],
    tangents: readonly (Value | null)[],
  ) => readonly [Value, Value | null]
}

const customCall = (name: string): Primitive<CustomCallParams> =>
  definePrimitive<CustomCallParams>({
    name,
    impl: (args, p) => concrete(p.call(args.map((a) => (typeof a === 'number' ? T.scalar(a) : a)))),
    jvp: (primals, tangents, p) =>
      p.jvp(
        primals.map((a) => (typeof a === 'number' ? T.scalar(a) : a)),
        tangents,
      ),
  })

/** The equation a `customJvp` function stages into: evaluation calls the function, differentiation its rule. */
export const customJvpCallP: Primitive<CustomCallParams> = customCall('customJvp')
/** The equation a `customVjp` function stages into: evaluation calls the function, reverse mode its `bwd`. */
export const customVjpCallP: Primitive<CustomCallParams> = customCall('customVjp')

// ---------------------------------------------------------------------------------------------------------------
// makeGraph

const isStatic = (staticArgnums: readonly number[], i: number): boolean => staticArgnums.includes(i)

const checkStaticArgnums = (op: string, nums: readonly number[], n: number): readonly number[] => {
  for (const a of nums)
    if (!Number.isInteger(a) || a < 0 || a >= n)
      throw new RangeError(`${op}: staticArgnums ${a} is out of range for a call with ${n} argument(s)`)
  return [...new Set(nums)].sort((a, b) => a - b)
}

const leafInputs = (op: string, tree: unknown): [Value[], TreeDef] => {
  const [leaves, def] = treeFlatten(tree)
  const vals = leaves.map((l, i) => {
    if (typeof l === 'number') return T.scalar(l)
    if (!isValue(l))
      throw new TypeError(
        `${op}: leaf ${i} of the arguments is ${typeof l === 'object' ? 'an object that is not a tensor' : typeof l}; staged arguments may only hold tensors and numbers (pass other values as staticArgnums)`,
      )
    return l
  })
  return [vals, def]
}

/**
 * Stages `f` at arguments shaped like `args`: returns the program (used by makeGraph and jit). `bake(leaf)` picks
 * leaves of the non-static arguments that are passed to `f` as they are (their values baked into the program,
 * recorded in `bakedLeaves`) instead of becoming input variables; makeGraph bakes none.
 */
export const stageProgram = (
  f: (...args: readonly unknown[]) => unknown,
  args: readonly unknown[],
  staticArgnums: readonly number[],
  bake: (leaf: unknown) => boolean = () => false,
  op = 'makeGraph',
): Program => {
  const dynamic = args.filter((_, i) => !isStatic(staticArgnums, i))
  const [allLeaves, inTree] = treeFlatten(dynamic)
  const baked: number[] = []
  allLeaves.forEach((l, i) => {
    if (bake(l)) baked.push(i)
  })
  const [inLeaves] = leafInputs(op, baked.length === 0 ? dynamic : allLeaves.filter((_, i) => !baked.includes(i)))
  const vars: Var[] = []
  const eqns: Equation[] = []
  const constVars: Var[] = []
  const consts: Value[] = []
  const constOf = new Map<Value, Var>()
  const newVar = (shape: readonly number[], dtype: DType): Var => {
    const v: Var = { kind: 'var', id: vars.length, shape, dtype }
    vars.push(v)
    return v
  }
  const trace = pushStageTrace((level) => {
    const self: StageTrace = {
      kind: 'stage',
      level,
      active: true,
      process: (p, a, params) => {
        const inputs = a.map(atomOf)
        const aval = abstractEval(p, a, params)
        const out = newVar(aval.shape, aval.dtype)
        eqns.push({ prim: p, inputs, params, out })
        return new StageTracer(self, out.id, out.shape, out.dtype)
      },
    }
    return self
  })
  // Every operand becomes an atom: our own variables, inlined scalars, or hoisted constants (tensors, and values of
  // enclosing transformations the function closed over).
  const atomOf = (a: ArgValue): Atom => {
    if (typeof a === 'number') return { kind: 'lit', value: a, dtype: 'weak' }
    if (a instanceof StageTracer && a.trace === trace) return vars[a.id]!
    if (T.isTensor(a) && a.shape.length === 0) return { kind: 'lit', value: T.item(a), dtype: a.dtype }
    const known = constOf.get(a)
    if (known !== undefined) return known
    const v = newVar(a.shape, a.dtype)
    constOf.set(a, v)
    constVars.push(v)
    consts.push(a)
    return v
  }
  try {
    const inVars = inLeaves.map((l) => newVar(l.shape, l.dtype))
    const tracers: unknown[] = inVars.map((v) => new StageTracer(trace, v.id, v.shape, v.dtype))
    if (baked.length > 0) {
      let t = 0
      tracers.splice(0, tracers.length, ...allLeaves.map((l, i) => (baked.includes(i) ? l : tracers[t++])))
    }
    const rebuilt = treeUnflatten(inTree, tracers) as unknown[]
    let k = 0
    const full = args.map((a, i) => (isStatic(staticArgnums, i) ? a : rebuilt[k++]))
    const result = f(...full)
    const [outLeaves, outTree] = treeFlatten(result)
    const outs = outLeaves.map((o, i) => {
      if (typeof o === 'number' || isValue(o)) return atomOf(o)
      throw new TypeError(
        `${op}: leaf ${i} of the result is ${typeof o}; a staged function must return a tree of tensors and numbers`,
      )
    })
    return {
      inVars,
      inTree,
      constVars,
      consts,
      eqns,
      outs,
      outTree,
      staticArgnums,
      ...(baked.length > 0 ? { bakedLeaves: baked } : {}),
    }
  } finally {
    popTrace(trace)
  }
}

/**
 * Stages `f` into a {@link Program}: `makeGraph(f)(...args)` runs `f` once on abstract values shaped like `args`
 * (tensors or trees of tensors; only shapes and dtypes are read), recording one equation per primitive
 * application. Print it with {@link showProgram}, draw it with {@link toDot}, run it with {@link evalGraph}.
 * Transformations compose: `makeGraph(grad(f))(x)` is the program of the gradient.
 */
export function makeGraph<A extends readonly unknown[], R>(
  f: (...args: A) => R,
): (...args: A) => Program<A, R>
export function makeGraph<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  options: MakeGraphOptions,
): (...args: A) => Program<readonly unknown[], R>
export function makeGraph<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  options?: MakeGraphOptions,
): (...args: A) => Program<readonly unknown[], R> {
  return (...args: A) =>
    stageProgram(
      f as (...a: readonly unknown[]) => unknown,
      args,
      checkStaticArgnums('makeGraph', options?.staticArgnums ?? [], args.length),
    ) as Program<readonly unknown[], R>
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

const litValue = (l: Lit): ValueLike => (l.dtype === 'weak' ? l.value : T.scalar(l.value, { dtype: l.dtype }))

/** Options of {@link evalGraphVars}. */
export interface EvalOptions {
  /**
   * Called with every input and equation output as it is computed; what it returns is what the rest of the program
   * sees (e.g. `add(value, ε)` to ask, with `grad` over ε, for the adjoint of each intermediate).
   */
  readonly onVar?: (v: Var, value: Value) => Value
}

const bindInputs = (p: Program, args: readonly unknown[]): Value[] => {
  const [all, def] = treeFlatten(args)
  if (!treeDefEqual(def, p.inTree))
    throw new TypeError(
      `evalGraph: the arguments have structure ${showTreeDef(def)} but the program was staged for ${showTreeDef(p.inTree)}`,
    )
  const baked = p.bakedLeaves
  const [leaves] = leafInputs('evalGraph', baked === undefined ? args : all.filter((_, i) => !baked.includes(i)))
  leaves.forEach((l, i) => {
    const v = p.inVars[i]!
    if (!T.shapesEqual(l.shape, v.shape))
      throw new ShapeError(
        'evalGraph',
        `input leaf ${i} has shape ${showShape(l.shape)} but the program was staged for ${showShape(v.shape)}`,
      )
    if (l.dtype !== v.dtype)
      throw new DTypeError(
        'evalGraph',
        `input leaf ${i} has dtype ${l.dtype} but the program was staged for ${v.dtype}`,
      )
  })
  return leaves
}

/**
 * Evaluates the equations of `p` on its input leaves, binding each primitive (so outer transformations trace
 * through it), and returns every variable's value by id. `seen` may replace each input and equation output.
 */
const evalEnv = (
  p: Program,
  ins: readonly Value[],
  seen: (v: Var, value: Value) => Value = (_v, x) => x,
): (Value | undefined)[] => {
  // one slot per variable id (a loop, not Math.max(...ids): programs can have more ids than a call has arguments)
  let size = 0
  for (const vs of [p.inVars, p.constVars]) for (const v of vs) size = Math.max(size, v.id + 1)
  for (const e of p.eqns) size = Math.max(size, e.out.id + 1)
  const env = new Array<Value | undefined>(size)
  p.constVars.forEach((v, i) => {
    env[v.id] = p.consts[i]
  })
  p.inVars.forEach((v, i) => {
    env[v.id] = seen(v, ins[i]!)
  })
  const read = (a: Atom): ValueLike => {
    if (a.kind === 'lit') return litValue(a)
    const x = env[a.id]
    if (x === undefined)
      throw new Error(`evalGraph: variable ${a.id} is used before it is defined (the program is malformed)`)
    return x
  }
  for (const e of p.eqns) env[e.out.id] = seen(e.out, bind(e.prim, e.inputs.map(read), e.params))
  return env
}

/** The output leaves of `p`, read from an environment of {@link evalEnv}. */
const outLeaves = (p: Program, env: readonly (Value | undefined)[]): ValueLike[] =>
  p.outs.map((a) => (a.kind === 'lit' ? litValue(a) : env[a.id]!))

/**
 * Runs a staged program on new arguments (the staged ones, without static arguments) and returns the result tree.
 * Each equation is re-applied with `bind`, so `evalGraph` equals calling the function, and is itself
 * differentiable and stageable: `grad(x => evalGraph(p, x))`, `makeGraph(x => evalGraph(p, x))`.
 */
export const evalGraph = <A extends readonly unknown[], R>(p: Program<A, R>, ...args: A): R => {
  return treeUnflatten(p.outTree, outLeaves(p, evalEnv(p, bindInputs(p, args)))) as R
}

/**
 * Runs a program on its input leaves (one value per `inVars` entry, no tree, no checks) and returns its output
 * leaves, binding each equation like {@link evalGraph} (so outer transformations trace through it). For jit.
 */
export const evalProgramLeaves = (p: Program, ins: readonly Value[]): ValueLike[] => outLeaves(p, evalEnv(p, ins))

/**
 * Runs a staged program and returns the value of every variable, indexed by variable id (inputs, constants and
 * equation outputs; `undefined` for ids that are not variables of this program). `onVar` may replace values as
 * they are computed (see {@link EvalOptions}).
 */
export const evalGraphVars = (
  p: Program,
  args: readonly unknown[],
  options?: EvalOptions,
): readonly (Value | undefined)[] => evalEnv(p, bindInputs(p, args), options?.onVar)

/** Applies one equation's primitive to the given operands (one per input; e.g. for its local derivatives). */
export const evalEquation = (e: Equation, inputs: readonly ValueLike[]): Value => {
  if (inputs.length !== e.inputs.length)
    throw new RangeError(
      `evalEquation: '${e.prim.name}' takes ${e.inputs.length} operand(s), got ${inputs.length}`,
    )
  return bind(e.prim, inputs, e.params)
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

const DTYPE_SHORT: Readonly<Record<DType, string>> = { float64: 'f64', float32: 'f32', int32: 'i32' }

/** The type of a variable as the printer shows it: `f64[3,2]`, `f32[]`. */
export const showType = (v: { readonly shape: readonly number[]; readonly dtype: DType }): string =>
  `${DTYPE_SHORT[v.dtype]}${showShape(v.shape)}`

/** Printer names: a, b, …, z, ba, bb, … (as JAX's jaxprs). */
export const varName = (i: number): string => {
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  let s = ''
  let n = i
  do {
    s = letters[n % 26]! + s
    n = Math.floor(n / 26)
  } while (n > 0)
  return s
}

const showNumber = (x: number): string =>
  Number.isInteger(x) && Math.abs(x) < 1e16 ? `${String(x)}.0` : String(x)

/** A literal as printed: `2.0` for a weak number, `1.0:f32[]` for a typed scalar. */
const showLit = (l: Lit): string =>
  l.dtype === 'weak' ? showNumber(l.value) : `${showNumber(l.value)}:${DTYPE_SHORT[l.dtype]}[]`

const showParamValue = (x: unknown): string => {
  if (x === undefined) return '_'
  if (x === null) return 'null'
  if (typeof x === 'number') return String(x)
  if (typeof x === 'string') return x
  if (typeof x === 'boolean') return String(x)
  if (T.isTensor(x)) {
    const vals = T.toArray(x)
    return `${showType(x)}${x.size <= 8 ? `{${Array.from(vals).join(',')}}` : ''}`
  }
  if (Array.isArray(x)) return `[${x.map(showParamValue).join(',')}]`
  if (typeof x === 'object') {
    const entries = Object.entries(x as Record<string, unknown>).filter(([, v]) => typeof v !== 'function')
    // an abstract value (customLin's `aval`) prints as its type
    const o = x as { shape?: unknown; dtype?: unknown }
    if (Array.isArray(o.shape) && typeof o.dtype === 'string' && entries.length === 2)
      return `${o.dtype === 'weak' ? 'weak' : DTYPE_SHORT[o.dtype as DType]}${showShape(o.shape as number[])}`
    return `{${entries.map(([k, v]) => `${k}=${showParamValue(v)}`).join(' ')}}`
  }
  return typeof x === 'function' ? '<fn>' : '?'
}

/** An equation's primitive with its parameters: `sum[axes=[0] keepdims=false]`, `log`. */
export const showPrimitive = (e: Equation): string => {
  const ps =
    e.params !== null && typeof e.params === 'object'
      ? Object.entries(e.params as Record<string, unknown>).filter(([, v]) => typeof v !== 'function')
      : []
  return ps.length === 0
    ? e.prim.name
    : `${e.prim.name}[${ps.map(([k, v]) => `${k}=${showParamValue(v)}`).join(' ')}]`
}

/** The printer's name of every variable of `p` (by id), in the order the printer introduces them. */
export const programNames = (p: Program): ReadonlyMap<number, string> => {
  const names = new Map<number, string>()
  for (const v of [...p.constVars, ...p.inVars, ...p.eqns.map((e) => e.out)])
    names.set(v.id, varName(names.size))
  return names
}

/**
 * Prints a program in the manner of JAX's `make_jaxpr`:
 * ```
 * { lambda ; a:f64[] b:f64[] c:f64[] . let
 *     d:f64[] = log a
 *     e:f64[] = exp b
 *     f:f64[] = mul e c
 *     g:f64[] = add d f
 *   in (g) }
 * ```
 * Constants come before the `;`, inputs after it; literals are inlined (`2.0` weak, `1.0:f64[]` typed).
 */
export const showProgram = (p: Program): string => {
  const names = programNames(p)
  const atom = (a: Atom): string => (a.kind === 'lit' ? showLit(a) : (names.get(a.id) ?? `?${String(a.id)}`))
  const decl = (v: Var): string => `${names.get(v.id)!}:${showType(v)}`
  const head = `{ lambda ${p.constVars.map(decl).join(' ')}${p.constVars.length > 0 ? ' ' : ''}; ${p.inVars.map(decl).join(' ')}${p.inVars.length > 0 ? ' ' : ''}. let`
  const body = p.eqns.map(
    (e) => `    ${decl(e.out)} = ${showPrimitive(e)}${e.inputs.map((a) => ` ${atom(a)}`).join('')}`,
  )
  return [head, ...body, `  in (${p.outs.map(atom).join(', ')}) }`].join('\n')
}

// ---------------------------------------------------------------------------------------------------------------
// Graphviz DOT

/** Options of {@link toDot}. Every callback is optional; the defaults draw the program as `showProgram` names it. */
export interface DotOptions {
  /** The display name of a variable (default: the printer's letters). */
  readonly name?: (v: Var) => string
  /** Extra label lines under a variable's node (e.g. its value and adjoint). */
  readonly nodeLines?: (v: Var) => readonly string[]
  /** The label of the edge from operand `inputIndex` of equation `eqnIndex` to its output (none by default). */
  readonly edgeLabel?: (e: Equation, eqnIndex: number, inputIndex: number) => string | undefined
  /** Layout direction (default `'LR'`: inputs on the left). */
  readonly rankdir?: 'LR' | 'TB' | 'RL' | 'BT'
  /** Font of nodes and edges (default `'DejaVu Sans'`). */
  readonly fontname?: string
  /** A title drawn above the graph. */
  readonly title?: string
  /** Whether to show each variable's type line (default true). */
  readonly types?: boolean
}

const dotString = (s: string): string =>
  `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`

const dotAttrs = (attrs: Readonly<Record<string, string | undefined>>): string =>
  `[${Object.entries(attrs)
    .filter((kv): kv is [string, string] => kv[1] !== undefined)
    .map(([k, v]) => `${k}=${dotString(v)}`)
    .join(', ')}]`

/**
 * Graphviz DOT source for a program: one node per variable (inputs as boxes, constants and literals grey, equation
 * outputs as ellipses labelled `name = prim(operands)`, outputs with a double border), one edge per operand.
 * A pure string: render it with any Graphviz (e.g. `@viz-js/viz` in Node or the browser).
 */
export const toDot = (p: Program, options?: DotOptions): string => {
  const printed = programNames(p)
  const name = options?.name ?? ((v: Var) => printed.get(v.id) ?? `v${String(v.id)}`)
  const font = options?.fontname ?? 'DejaVu Sans'
  const showTypes = options?.types ?? true
  const outIds = new Set(p.outs.flatMap((a) => (a.kind === 'var' ? [a.id] : [])))
  const lines = (v: Var, first: string): string =>
    [first, ...(showTypes ? [showType(v)] : []), ...(options?.nodeLines?.(v) ?? [])].join('\n')
  const node = (v: Var, first: string, attrs: Readonly<Record<string, string>>): string =>
    `  v${String(v.id)} ${dotAttrs({ label: lines(v, first), ...attrs, ...(outIds.has(v.id) ? { peripheries: '2' } : {}) })};`
  const atomText = (a: Atom): string => (a.kind === 'lit' ? showLit(a) : name(a))
  const out: string[] = [
    'digraph program {',
    `  graph ${dotAttrs({ rankdir: options?.rankdir ?? 'LR', fontname: font, label: options?.title, labelloc: 't', bgcolor: 'white', nodesep: '0.35', ranksep: '0.6' })};`,
    `  node ${dotAttrs({ fontname: font, fontsize: '11', style: 'filled', fillcolor: 'white' })};`,
    `  edge ${dotAttrs({ fontname: font, fontsize: '10', color: '#444444' })};`,
    ...p.inVars.map((v) => node(v, name(v), { shape: 'box', fillcolor: '#dbeafe' })),
    ...p.constVars.map((v) => node(v, name(v), { shape: 'box', fillcolor: '#eeeeee' })),
    // inputs side by side at the start of the layout
    ...(p.inVars.length > 1
      ? [`  { rank=source; ${p.inVars.map((v) => `v${String(v.id)};`).join(' ')} }`]
      : []),
  ]
  p.eqns.forEach((e, k) => {
    const call = `${showPrimitive(e)}(${e.inputs.map(atomText).join(', ')})`
    out.push(node(e.out, `${name(e.out)} = ${call}`, { shape: 'ellipse', fillcolor: '#fef3c7' }))
    e.inputs.forEach((a, i) => {
      const label = options?.edgeLabel?.(e, k, i)
      if (a.kind === 'lit') {
        out.push(
          `  l${String(k)}_${String(i)} ${dotAttrs({ label: showLit(a), shape: 'plaintext', fillcolor: '#eeeeee' })};`,
        )
        out.push(`  l${String(k)}_${String(i)} -> v${String(e.out.id)} ${dotAttrs({ label })};`)
      } else out.push(`  v${String(a.id)} -> v${String(e.out.id)} ${dotAttrs({ label })};`)
    })
  })
  out.push('}')
  return out.join('\n')
}
