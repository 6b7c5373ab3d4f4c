/* eslint-disable functional/no-let, functional/immutable-data, functional/no-classes -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * `jit(f)`: stage once per input signature, run an optimised program afterwards.
 *
 * The first call with a new signature (the tree structure of the arguments, every tensor leaf's shape and dtype,
 * the values of plain-number leaves and of the static arguments) stages `f` into a {@link Program} with the same
 * machinery as `makeGraph`, runs the passes (folding, CSE, DCE), and compiles the result; later calls with that
 * signature run the compiled program. Signatures live in a bounded least-recently-used cache per jitted function.
 *
 * Composition, as in JAX: `jit(grad(f))` stages the whole derivative program, and `grad`/`valueAndGrad` of a
 * jitted function return exactly that (`jitDerived`); a jitted function called with traced arguments (inside
 * `grad`, `jvp`, `vjp`, `makeGraph` or another `jit`) evaluates its program with `bind`, so the outer
 * transformation traces through it (it is inlined); custom rules stay one equation and keep their rule. Outputs
 * are fresh tensors; inputs are never written.
 * @module
 */
import * as T from '@cotangent/tensor'
import { isTensor, type Tensor } from '@cotangent/tensor'
import { Tracer, isValue, type Value, type ValueLike } from '../core.js'
import { evalProgramLeaves, stageProgram, type Program } from '../staging.js'
import { showTreeDef, treeDefEqual, treeFlatten, treePaths, type TreeDef } from '../tree.js'
import { compile } from './compile.js'
import type { Executable } from './interpret.js'
import { optimise } from './optimise.js'
import { numberKey, valueKey } from './program.js'
import { flattener, unflattener, type Flattener, type Unflattener } from './trees.js'

/** Options of {@link jit}. */
export interface JitOptions {
  /**
   * Positions of arguments passed to `f` as they are, not staged. Their values are part of the cache key: numbers,
   * strings, booleans and plain JSON data (arrays and records of those) compare by value, anything else (a tensor,
   * a function, a class instance) by identity.
   */
  readonly staticArgnums?: readonly number[]
  /** Compiled signatures kept per jitted function (least recently used evicted first); default 16. */
  readonly maxCacheSize?: number
  /**
   * Debug switch: every call also runs `f` eagerly and compares the results leaf by leaf, throwing a
   * {@link JitMismatchError} on a difference. Overrides the global {@link setJitCheck}.
   */
  readonly check?: boolean
  /**
   * Plain-number leaves of the (non-static) arguments are, by default, passed to `f` as they are and their values
   * are part of the signature (exactly eager semantics, JS arithmetic on them works; a new value compiles again).
   * With `traceNumbers: true` they are staged as float64 scalars instead (one program for every value; JS
   * arithmetic on them is then a StagedValueError).
   */
  readonly traceNumbers?: boolean
}

/** Counters of a jitted function. */
export interface JitStats {
  /** Signatures staged and compiled so far (evicted ones included). */
  readonly compiles: number
  /** Calls that found their signature compiled. */
  readonly hits: number
  /** Signatures compiled now. */
  readonly cacheSize: number
  /**
   * Milliseconds spent staging, optimising and compiling, over all compiles so far (not running: a first call
   * takes this plus one run, whose first use of a kernel or a generated loop is itself slower).
   */
  readonly compileMs: number
}

/** A jitted function: `f`'s signature, plus its counters and the optimised program of a call. */
export type Jitted<A extends readonly unknown[], R> = ((...args: A) => R) & {
  /** The counters: compiles, cache hits, cached signatures. */
  readonly stats: () => JitStats
  /** The optimised program a call with these arguments runs (staged and cached if needed; nothing runs). */
  readonly program: (...args: A) => Program<A, R>
}

/** A jitted result that differs from the eager one (the debug check of {@link JitOptions.check}). */
export class JitMismatchError extends Error {
  override readonly name = 'JitMismatchError'
  constructor(
    /** The output leaf's path in the result tree (`''` for a single leaf). */
    readonly path: string,
    /** The flat index of the first differing element. */
    readonly index: number,
    /** The jitted value. */
    readonly jitValue: number,
    /** The eager value. */
    readonly eagerValue: number,
    /** The tolerance it exceeds (relative to max(1, |eager|)). */
    readonly tolerance: number,
    message: string,
  ) {
    super(message)
  }
}

const envCheck = (): boolean => {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } }
  const v = g.process?.env?.['COTANGENT_JIT_CHECK']
  return v === '1' || v === 'true'
}
let globalCheck = envCheck()

/**
 * Turns the debug check on or off for every jitted function without its own `check` option: each call then also
 * runs eagerly and compares (see {@link JitOptions.check}). Also set by the environment variable
 * `COTANGENT_JIT_CHECK=1`, read once when the module loads.
 */
export const setJitCheck = (on: boolean): void => {
  globalCheck = on
}

interface Entry {
  readonly program: Program
  /** Null when the program must be evaluated with `bind` (its constants include values of an outer trace). */
  readonly exec: Executable | null
  /** The signature, for the most-recently-used fast check: structure, leaves, static arguments' keys. */
  readonly def: TreeDef
  readonly leaves: readonly LeafSig[]
  readonly statics: readonly string[]
  /** Tree code for this signature: the arguments' leaves (null for another structure), the result from its leaves. */
  readonly flatten: Flattener
  readonly unflatten: Unflattener
  /** Positions of the leaves that are program inputs (tensors, tracers, traced numbers). */
  readonly inputAt: readonly number[]
}

/** What a signature requires of one leaf: a tensor (or tracer) of a shape and dtype, or a baked number's value. */
type LeafSig =
  | { readonly kind: 'value'; readonly dtype: T.DType; readonly shape: readonly number[] }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'other'; readonly key: string }

const leafSig = (l: unknown, traceNumbers: boolean): LeafSig => {
  if (isTensor(l) || l instanceof Tracer) return { kind: 'value', dtype: l.dtype, shape: l.shape }
  if (typeof l === 'number')
    return traceNumbers ? { kind: 'value', dtype: 'float64', shape: [] } : { kind: 'number', value: l }
  return { kind: 'other', key: valueKey(l) }
}

const leafMatches = (sig: LeafSig, l: unknown, traceNumbers: boolean): boolean => {
  switch (sig.kind) {
    case 'value': {
      if (typeof l === 'number') return traceNumbers && sig.dtype === 'float64' && sig.shape.length === 0
      if (!(isTensor(l) || l instanceof Tracer)) return false
      if (l.dtype !== sig.dtype || l.shape.length !== sig.shape.length) return false
      for (let i = 0; i < sig.shape.length; i++) if (l.shape[i] !== sig.shape[i]) return false
      return true
    }
    case 'number':
      return typeof l === 'number' && Object.is(l, sig.value)
    case 'other':
      return !(isTensor(l) || l instanceof Tracer || typeof l === 'number') && valueKey(l) === sig.key
  }
}

const sigKey = (s: LeafSig): string =>
  s.kind === 'value' ? `${s.dtype}[${s.shape.join(',')}]` : s.kind === 'number' ? `n${numberKey(s.value)}` : `?${s.key}`

const checkStaticArgnums = (nums: readonly number[], n: number): void => {
  for (const a of nums)
    if (!Number.isInteger(a) || a < 0 || a >= n)
      throw new RangeError(`jit: staticArgnums ${String(a)} is out of range for a call with ${String(n)} argument(s)`)
}

const tolerance = (dtype: T.DType): number => (dtype === 'float32' ? 1e-5 : 1e-12)

const leafValues = (x: unknown): { values: ArrayLike<number>; dtype: T.DType } | null => {
  if (typeof x === 'number') return { values: [x], dtype: 'float64' }
  if (isTensor(x)) return { values: T.toArray(x), dtype: x.dtype }
  return null
}

/** Compares a jitted result with the eager one; throws a JitMismatchError at the first difference. */
const compareResults = (name: string, jitted: unknown, eager: unknown): void => {
  const [jl, jd] = treeFlatten(jitted)
  const [el, ed] = treeFlatten(eager)
  if (showTreeDef(jd) !== showTreeDef(ed) || jl.length !== el.length)
    throw new JitMismatchError('', -1, Number.NaN, Number.NaN, 0, `jit check of ${name}: the jitted result has structure ${showTreeDef(jd)}, the eager one ${showTreeDef(ed)}`)
  const paths = treePaths(eager)
  el.forEach((e, i) => {
    const a = leafValues(jl[i])
    const b = leafValues(e)
    const path = paths[i] ?? ''
    const where = path === '' ? 'the result' : `output ${path}`
    if (a === null || b === null) return
    const ja = jl[i] as Tensor | number
    const ea = e as Tensor | number
    const sa = typeof ja === 'number' ? [] : ja.shape
    const sb = typeof ea === 'number' ? [] : ea.shape
    if (!T.shapesEqual(sa, sb))
      throw new JitMismatchError(path, -1, Number.NaN, Number.NaN, 0, `jit check of ${name}: ${where} has shape ${T.showShape(sa)} jitted but ${T.showShape(sb)} eager`)
    const tol = tolerance(b.dtype)
    for (let k = 0; k < b.values.length; k++) {
      const x = a.values[k]!
      const y = b.values[k]!
      if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue
      if (Math.abs(x - y) <= tol * Math.max(1, Math.abs(y))) continue
      throw new JitMismatchError(
        path,
        k,
        x,
        y,
        tol,
        `jit check of ${name}: ${where} differs at flat index ${String(k)}: jitted ${String(x)}, eager ${String(y)} (tolerance ${String(tol)} relative to max(1, |eager|))`,
      )
    }
  })
}

/** What `jit` was given, kept on the function it returns (non-enumerable), and the jitted functions made from it. */
interface JitSource {
  readonly fn: (...args: readonly unknown[]) => unknown
  readonly options: JitOptions | undefined
  readonly derived: Map<string, unknown>
}
const SOURCE = Symbol('cotangent.jit.source')

/**
 * For a jitted `f`, the jitted form of a transformation of the function it compiles, made once per `key` and kept
 * with `f` (so `grad(jit(f))` is `jit(grad(f))` with `f`'s options, compiled once however often it is asked for);
 * undefined when `f` was not made by `jit`, or when `positional` is false (the derived function does not take
 * `f`'s arguments in their places) and `f` has static arguments. Transformations (grad, valueAndGrad, jvp) use it,
 * as JAX compiles the derivative of a jitted function instead of inlining it.
 */
export const jitDerived = <D>(
  f: unknown,
  key: string,
  transform: (fn: (...args: readonly unknown[]) => unknown) => D,
  positional = true,
): D | undefined => {
  if (typeof f !== 'function') return undefined
  const src = (f as { readonly [SOURCE]?: JitSource })[SOURCE]
  if (src === undefined) return undefined
  // a transformation that moves the arguments (jvp takes them as two lists) cannot carry static positions over
  if (!positional && (src.options?.staticArgnums?.length ?? 0) > 0) return undefined
  let d = src.derived.get(key) as D | undefined
  if (d === undefined) {
    d = jit(transform(src.fn) as (...args: readonly unknown[]) => unknown, src.options) as D
    src.derived.set(key, d)
  }
  return d
}

/**
 * Compiles `f` for each input signature and runs the compiled program (see the module comment). `f` takes and
 * returns trees of tensors; reading a traced value's numbers inside it (`item`, `toArray`, a comparison) is a
 * StagedValueError pointing to `staticArgnums`.
 *
 * ```ts
 * const f = jit((x: Value) => sum(mul(tanh(x), x)))
 * f(tensor([1, 2, 3]))          // stages and compiles, then runs
 * f(tensor([4, 5, 6]))          // same signature: runs the compiled program
 * const df = jit(grad(f))       // the whole gradient program, compiled
 * ```
 */
export const jit = <A extends readonly unknown[], R>(f: (...args: A) => R, options?: JitOptions): Jitted<A, R> => {
  const staticArgnums = [...new Set(options?.staticArgnums ?? [])].sort((a, b) => a - b)
  const maxCacheSize = Math.max(1, options?.maxCacheSize ?? 16)
  const traceNumbers = options?.traceNumbers ?? false
  const name = f.name === '' ? 'a function' : `'${f.name}'`
  const cache = new Map<string, Entry>()
  let compiles = 0
  let hits = 0
  let compileMs = 0
  const bake = (l: unknown): boolean => typeof l === 'number' && !traceNumbers
  const fn = f as unknown as (...a: readonly unknown[]) => unknown

  let mru: Entry | null = null
  const matches = (e: Entry, def: TreeDef, leaves: readonly unknown[], statics: readonly string[]): boolean => {
    if (e.leaves.length !== leaves.length || !treeDefEqual(e.def, def)) return false
    for (let i = 0; i < leaves.length; i++) if (!leafMatches(e.leaves[i]!, leaves[i], traceNumbers)) return false
    for (let i = 0; i < statics.length; i++) if (e.statics[i] !== statics[i]) return false
    return true
  }

  /** The MRU entry when these arguments match it exactly (checked by its generated flattener), else null. */
  const fastHit = (args: readonly unknown[]): { entry: Entry; ins: Value[]; traced: boolean } | null => {
    const e = mru
    if (e === null || staticArgnums.length > 0) return null
    const leaves = e.flatten(args)
    if (leaves === null || leaves.length !== e.leaves.length) return null
    for (let i = 0; i < leaves.length; i++) if (!leafMatches(e.leaves[i]!, leaves[i], traceNumbers)) return null
    const ins: Value[] = new Array<Value>(e.inputAt.length)
    let traced = false
    for (let i = 0; i < e.inputAt.length; i++) {
      const l = leaves[e.inputAt[i]!]
      if (l instanceof Tracer) traced = true
      ins[i] = typeof l === 'number' ? T.scalar(l) : (l as Value)
    }
    return { entry: e, ins, traced }
  }

  /** The cache entry for these arguments, and the leaves that are the program's inputs. */
  const lookup = (args: readonly unknown[], count = true): { entry: Entry; ins: Value[]; traced: boolean } => {
    checkStaticArgnums(staticArgnums, args.length)
    const fast = fastHit(args)
    if (fast !== null) {
      if (count) hits++
      return fast
    }
    const dynamic = staticArgnums.length === 0 ? args : args.filter((_, i) => !staticArgnums.includes(i))
    const [leaves, def] = treeFlatten(dynamic)
    let traced = false
    const ins: Value[] = []
    for (const l of leaves) {
      if (l instanceof Tracer) traced = true
      if (isValue(l)) ins.push(l)
      else if (typeof l === 'number' && traceNumbers) ins.push(T.scalar(l))
    }
    const statics = staticArgnums.map((i) => valueKey(args[i]))
    if (mru !== null && matches(mru, def, leaves, statics)) {
      if (count) hits++
      return { entry: mru, ins, traced }
    }
    const sigs = leaves.map((l) => leafSig(l, traceNumbers))
    const key = `${showTreeDef(def)}|${sigs.map(sigKey).join('|')}|${statics.join('|')}`
    const known = cache.get(key)
    if (known !== undefined) {
      if (count) hits++
      cache.delete(key)
      cache.set(key, known)
      mru = known
      return { entry: known, ins, traced }
    }
    const t0 = performance.now()
    const program = optimise(stageProgram(fn, args, staticArgnums, bake, 'jit'))
    compiles++
    const closesOverTracers = program.consts.some((c) => c instanceof Tracer)
    const entry: Entry = {
      program,
      exec: closesOverTracers ? null : compile(program),
      def,
      leaves: sigs,
      statics,
      flatten: flattener(def),
      unflatten: unflattener(program.outTree),
      inputAt: sigs.flatMap((sg, i) => (sg.kind === 'value' ? [i] : [])),
    }
    compileMs += performance.now() - t0
    // a program holding values of an enclosing transformation is only valid during this call: not cached
    if (!closesOverTracers) {
      cache.set(key, entry)
      mru = entry
      if (cache.size > maxCacheSize) {
        const oldest = cache.keys().next().value as string
        if (cache.get(oldest) === mru) mru = null
        cache.delete(oldest)
      }
    }
    return { entry, ins, traced }
  }

  const call = (...args: A): R => {
    const { entry, ins, traced } = lookup(args)
    const p = entry.program
    const outs: readonly (ValueLike | Tensor)[] =
      traced || entry.exec === null ? evalProgramLeaves(p, ins) : entry.exec.run(ins as Tensor[])
    const result = entry.unflatten(outs) as R
    if (!traced && (options?.check ?? globalCheck)) compareResults(name, result, fn(...args))
    return result
  }
  const stats = (): JitStats => ({ compiles, hits, cacheSize: cache.size, compileMs })
  const program = (...args: A): Program<A, R> => lookup(args, false).entry.program as Program<A, R>
  const source: JitSource = { fn, options, derived: new Map() }
  Object.defineProperty(call, SOURCE, { value: source })
  return Object.assign(call, { stats, program })
}


