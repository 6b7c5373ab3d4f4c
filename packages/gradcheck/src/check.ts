/**
 * Numerical gradient checking, in the manner of JAX's `check_grads`.
 *
 * - **Forward mode** (`checkJvp`): the JVP along one random normal direction `u` (rescaled to RMS 1) is compared, element by element,
 *   with the central difference `(f(x + ε·u) − f(x − ε·u)) / 2ε` (error O(ε²)).
 * - **Reverse mode** (`checkVjp`): with a random direction `u` and a random output cotangent `c`, the VJP is checked
 *   through the dot-product identity `⟨u, vjp(c)⟩ = ⟨jvp(u), c⟩`, where `jvp(u)` is the *numerical* directional
 *   derivative — no Jacobian is ever built — and again with `c = jvp(u)` itself, which cannot cancel. On failure the report says whether the VJP also disagrees with the
 *   autodiff JVP (a transpose rule is wrong) or agrees with it (a JVP rule is wrong).
 * - **Order 2** (`checkGrads` with `order: 2`): the derivative maps themselves are checked, in every mode:
 *   `x ↦ jvp(f)(x, t)` and `x ↦ vjp(f)(x)(c)` for fixed random `t`, `c`.
 *
 * All comparisons and differences are done in float64. Arguments holding a float32 tensor get a larger step and
 * looser tolerances. On failure, the check is repeated one argument leaf at a time so that the report names the
 * culprit (`argument 1 (.W)`).
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import type { Key, Tensor } from '@cotangent/tensor'
import { isValue, jvp, toTensor, treeFlatten, treePaths, treeUnflatten, vjp, type TreeDef } from '@cotangent/autodiff'

/** A differentiation mode: forward (`jvp`) or reverse (`vjp`). */
export type Mode = 'fwd' | 'rev'

/** Options of the checks. Defaults depend on the arguments' dtype (float32 when any argument leaf is float32). */
export interface CheckOptions {
  /** Which modes to check (default both). */
  readonly modes?: readonly Mode[]
  /** 1 checks first derivatives; 2 also checks the derivatives of the derivative maps (default 1). */
  readonly order?: 1 | 2
  /** Finite-difference step (default 1e-5 for float64, 1e-3 for float32). */
  readonly eps?: number
  /** Absolute tolerance (default 1e-5 for float64, 1e-2 for float32). */
  readonly atol?: number
  /** Relative tolerance (default 1e-5 for float64, 1e-2 for float32). */
  readonly rtol?: number
  /** Seed of the random directions, drawn from `key(seed)` (default 0). */
  readonly seed?: number
}

/** A failed check: which mode and order, which argument, and the numbers that disagree. */
export interface GradCheckFailure {
  readonly mode: Mode
  readonly order: number
  /** The argument whose derivative is wrong, e.g. `argument 1 (.W)`, or `all arguments (jointly)`. */
  readonly argument: string
  /** The numerical reference: the finite-difference JVP of one output leaf (fwd; at most 64 entries shown) or
   * `⟨numerical jvp(u), c⟩` (rev). */
  readonly expected: number | readonly number[]
  /** What autodiff computed: the JVP (fwd) or `⟨u, vjp(c)⟩` (rev). */
  readonly got: number | readonly number[]
  /** A readable explanation with the maximum absolute and relative errors. */
  readonly message: string
}

/** Defaults of {@link CheckOptions} for float64 arguments. */
export const float64Defaults = Object.freeze({ eps: 1e-5, atol: 1e-5, rtol: 1e-5 })
/** Defaults of {@link CheckOptions} for float32 arguments. */
export const float32Defaults = Object.freeze({ eps: 1e-3, atol: 1e-2, rtol: 1e-2 })

type Fn = (...args: readonly unknown[]) => unknown

interface Settings {
  readonly eps: number
  readonly atol: number
  readonly rtol: number
}

/** A flattened tree of tensors with the readable name of every leaf. */
interface Flat {
  readonly leaves: readonly Tensor[]
  readonly def: TreeDef
  readonly names: readonly string[]
}

// ---------------------------------------------------------------------------------------------------------------
// Trees

/** `argument 1 (.W)` from the path `[1].W` of a leaf in the argument list. */
const argumentName = (path: string): string => {
  const m = /^\[(\d+)\](.*)$/.exec(path)
  if (m === null) return path
  return m[2] === '' ? `argument ${m[1]}` : `argument ${m[1]} (${m[2]})`
}

const describeLeaf = (x: unknown): string =>
  x === null
    ? 'null'
    : typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean' || typeof x === 'bigint'
      ? `${typeof x} ${String(x)}`
      : typeof x === 'object'
        ? 'an object that is not a tensor'
        : typeof x

/** Flattens a tree whose leaves must be values or numbers; numbers become float64 scalars. */
const flatten = (op: string, what: string, tree: unknown, names: (path: string) => string): Flat => {
  const [leaves, def] = treeFlatten(tree)
  const paths = treePaths(tree)
  const tensors = leaves.map((l, i) => {
    if (typeof l === 'number') return T.scalar(l)
    if (!isValue(l))
      throw new TypeError(
        `${op}: ${what} must be trees of tensors, but the leaf at ${names(paths[i] ?? '?')} is ${describeLeaf(l)}`,
      )
    return toTensor(l)
  })
  return { leaves: tensors, def, names: paths.map(names) }
}

const flattenArgs = (op: string, args: readonly unknown[]): Flat => {
  if (!Array.isArray(args))
    throw new TypeError(
      `${op}: args must be an array of arguments (a tuple of trees of tensors), got ${describeLeaf(args)}`,
    )
  return flatten(op, 'the arguments', args, argumentName)
}

const flattenOut = (op: string, out: unknown): Flat =>
  flatten(op, "the function's outputs", out, (p) => (p === '' ? 'the output' : `output ${p}`))

const rebuild = (flat: Flat, leaves: readonly unknown[]): unknown[] =>
  treeUnflatten(flat.def, leaves) as unknown[]

// ---------------------------------------------------------------------------------------------------------------
// Numbers

const isFloat = (t: Tensor): boolean => t.dtype !== 'int32'

const valuesOf = (t: Tensor): Float64Array => Float64Array.from(T.toArray(t))

const settingsFor = (op: string, leaves: readonly Tensor[], o: CheckOptions | undefined): Settings => {
  const base = leaves.some((l) => l.dtype === 'float32') ? float32Defaults : float64Defaults
  const s = { eps: o?.eps ?? base.eps, atol: o?.atol ?? base.atol, rtol: o?.rtol ?? base.rtol }
  if (!(s.eps > 0) || !Number.isFinite(s.eps))
    throw new RangeError(`${op}: eps must be a positive finite number, got ${s.eps}`)
  if (!(s.atol >= 0)) throw new RangeError(`${op}: atol must be a non-negative number, got ${s.atol}`)
  if (!(s.rtol >= 0)) throw new RangeError(`${op}: rtol must be a non-negative number, got ${s.rtol}`)
  return s
}

/**
 * A random normal direction per leaf, rescaled to root-mean-square 1 (zeros for integer leaves, which are not
 * differentiated). The rescaling keeps small leaves from drawing a tiny direction (a scalar's |u| < 0.1 one time
 * in twelve), under which float32's absolute tolerance would hide a rule that is wrong by 10%.
 */
const directions = (k: Key, leaves: readonly Tensor[]): Tensor[] => {
  return leaves.map((l, i) => {
    if (!isFloat(l)) return T.zeros(l.shape)
    const dtype = l.dtype === 'float32' ? 'float32' : 'float64'
    const z = valuesOf(T.normal(T.fold(k, i), l.shape))
    const rms = Math.sqrt(z.reduce((acc, v) => acc + v * v, 0) / Math.max(z.length, 1))
    return T.fromArray(rms > 0 ? z.map((v) => v / rms) : z, l.shape, { dtype })
  })
}

const perturb = (x: Tensor, t: Tensor, h: number): Tensor => {
  if (!isFloat(x)) return x
  const xv = valuesOf(x)
  const tv = valuesOf(t)
  return T.fromArray(
    Float64Array.from(xv, (v, i) => v + h * (tv[i] ?? 0)),
    x.shape,
    { dtype: x.dtype },
  )
}

const dotValues = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0)
const absDotValues = (a: Float64Array, b: Float64Array): number =>
  a.reduce((s, v, i) => s + Math.abs(v * (b[i] ?? 0)), 0)

// ---------------------------------------------------------------------------------------------------------------
// Numerical JVP

/** Central differences over flat leaves; returns one float64 tensor per output leaf, and the output structure. */
const numericalLeaves = (f: Fn, args: Flat, tangents: readonly Tensor[], eps: number): [Tensor[], Flat] => {
  const at = (h: number): Flat =>
    flattenOut(
      'numericalJvp',
      f(
        ...rebuild(
          args,
          args.leaves.map((x, i) => perturb(x, tangents[i]!, h)),
        ),
      ),
    )
  const plus = at(eps)
  const minus = at(-eps)
  if (plus.leaves.length !== minus.leaves.length)
    throw new Error(
      'numericalJvp: the function returned trees of different structure at the two perturbed points',
    )
  const diffs = plus.leaves.map((p, i) => {
    const pv = valuesOf(p)
    const mv = valuesOf(minus.leaves[i]!)
    return T.fromArray(
      Float64Array.from(pv, (v, j) => (v - (mv[j] ?? 0)) / (2 * eps)),
      p.shape,
    )
  })
  return [diffs, plus]
}

/**
 * The directional derivative of `f` at `primals` along `tangents` by central differences,
 * `(f(x + eps·t) − f(x − eps·t)) / (2·eps)`, over trees: returns a tree shaped like `f`'s output whose leaves are
 * float64 tensors. Integer leaves are not perturbed. The default `eps` is 1e-5 (1e-3 when an argument is float32).
 */
export const numericalJvp = <A extends readonly unknown[]>(
  f: (...args: A) => unknown,
  primals: A,
  tangents: A,
  eps?: number,
): unknown => {
  const p = flattenArgs('numericalJvp', primals)
  const t = flatten('numericalJvp', 'the tangents', tangents, argumentName)
  if (t.leaves.length !== p.leaves.length)
    throw new Error(`numericalJvp: ${t.leaves.length} tangent leaves for ${p.leaves.length} primal leaves`)
  p.leaves.forEach((x, i) => {
    const tl = t.leaves[i]!
    if (!T.shapesEqual(x.shape, tl.shape))
      throw new T.ShapeError(
        'numericalJvp',
        `the tangent of ${p.names[i]!} has shape ${T.showShape(tl.shape)} but the primal has shape ${T.showShape(x.shape)}`,
      )
  })
  const h = settingsFor('numericalJvp', p.leaves, eps === undefined ? undefined : { eps }).eps
  const [diffs, out] = numericalLeaves(f as Fn, p, t.leaves, h)
  return treeUnflatten(out.def, diffs)
}

// ---------------------------------------------------------------------------------------------------------------
// Reports

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6))

const shown = (xs: readonly number[] | number): number | readonly number[] =>
  typeof xs === 'number' ? xs : xs.length > 64 ? [...xs.slice(0, 64)] : xs

/** Renders a failure as the readable multi-line report that {@link assertGrads} throws. */
export const formatFailure = (f: GradCheckFailure): string => {
  const show = (v: number | readonly number[]): string =>
    typeof v === 'number' ? fmt(v) : `[${v.map(fmt).join(', ')}]`
  return [
    `gradcheck failed: ${f.mode === 'fwd' ? 'forward' : 'reverse'} mode (${f.mode}), order ${f.order}, ${f.argument}`,
    `  ${f.message}`,
    `  expected (numerical): ${show(f.expected)}`,
    `  got (autodiff):       ${show(f.got)}`,
  ].join('\n')
}

interface Comparison {
  readonly ok: boolean
  readonly maxAbs: number
  readonly maxRel: number
}

/** Element-wise `|got − expected| ≤ atol + rtol·|expected|` (non-finite values fail). */
const compare = (got: Float64Array, expected: Float64Array, s: Settings): Comparison =>
  got.reduce<Comparison>(
    (acc, g, i) => {
      const e = expected[i] ?? Number.NaN
      const abs = Math.abs(g - e)
      const rel = abs / Math.max(Math.abs(e), Number.MIN_VALUE)
      const bad = !(abs <= s.atol + s.rtol * Math.abs(e)) || !Number.isFinite(g) || !Number.isFinite(e)
      return {
        ok: acc.ok && !bad,
        maxAbs: Number.isNaN(abs) || abs > acc.maxAbs ? abs : acc.maxAbs,
        maxRel: Number.isNaN(rel) || rel > acc.maxRel ? rel : acc.maxRel,
      }
    },
    { ok: true, maxAbs: 0, maxRel: 0 },
  )

const errors = (c: Comparison): string => `max abs error ${fmt(c.maxAbs)}, max rel error ${fmt(c.maxRel)}`

/** What is being checked, for messages: `f`, `the map x ↦ jvp(f)(x, t)`, … */
interface Subject {
  readonly order: number
  readonly what: string
}

// ---------------------------------------------------------------------------------------------------------------
// One forward-mode check

interface FwdResult {
  readonly failedOut: number
  readonly got: Float64Array
  readonly expected: Float64Array
  readonly cmp: Comparison
  /** The JVP's shape when it differs from the output's (a failure whatever the values). */
  readonly badShape: readonly number[] | null
}

/** Compares the autodiff JVP along `u` with the numerical one; returns the first failing output leaf, if any. */
const fwdAlong = (f: Fn, args: Flat, u: readonly Tensor[], s: Settings): FwdResult | null => {
  const [, tOut] = jvp(f, rebuild(args, args.leaves), rebuild(args, u))
  const got = flattenOut('checkJvp', tOut).leaves
  const [num] = numericalLeaves(f, args, u, s.eps)
  if (got.length !== num.length)
    throw new Error(
      `checkJvp: the JVP has ${got.length} output leaves but the function returned ${num.length}`,
    )
  const results = num.map((n, i) => {
    const g = got[i]!
    const gv = valuesOf(g)
    const ev = valuesOf(n)
    const cmp = compare(gv, ev, s)
    const same = T.shapesEqual(g.shape, n.shape)
    return { failedOut: i, got: gv, expected: ev, cmp: same ? cmp : { ...cmp, ok: false }, badShape: same ? null : g.shape }
  })
  return results.find((r) => !r.cmp.ok) ?? null
}

const onlyLeaf = (u: readonly Tensor[], i: number): Tensor[] =>
  u.map((t, j) => (j === i ? t : T.zeros(t.shape, { dtype: t.dtype })))

const asReported = (v: Float64Array, shape: readonly number[]): number | readonly number[] =>
  shape.length === 0 ? (v[0] ?? Number.NaN) : shown(Array.from(v))

const fwdCheck = (
  f: Fn,
  args: Flat,
  s: Settings,
  k: Key,
  subj: Subject,
): E.Either<GradCheckFailure, void> => {
  const u = directions(k, args.leaves)
  const joint = fwdAlong(f, args, u, s)
  if (joint === null) return E.right(undefined)
  // Localise: one argument leaf at a time.
  const culprit = args.leaves
    .map((x, i) => (isFloat(x) ? { i, r: fwdAlong(f, args, onlyLeaf(u, i), s) } : { i, r: null }))
    .find((c) => c.r !== null)
  const [argument, r] = culprit?.r ? [args.names[culprit.i]!, culprit.r] : ['all arguments (jointly)', joint]
  const outFlat = flattenOut('checkJvp', f(...rebuild(args, args.leaves)))
  const outName =
    outFlat.leaves.length === 1 && outFlat.names[0] === 'the output'
      ? 'the output'
      : outFlat.names[r.failedOut]!
  const shape = outFlat.leaves[r.failedOut]?.shape ?? []
  return E.left({
    mode: 'fwd',
    order: subj.order,
    argument,
    expected: asReported(r.expected, shape),
    got: asReported(r.got, shape),
    message:
      r.badShape !== null
        ? `the JVP of ${subj.what} has shape ${T.showShape(r.badShape)} in ${outName}, whose shape is ${T.showShape(shape)}`
        : `the JVP of ${subj.what} along a random direction disagrees with central differences (eps ${s.eps}) ` +
      `in ${outName} (shape ${T.showShape(shape)}): ${errors(r.cmp)} (atol ${s.atol}, rtol ${s.rtol})` +
      (Array.from(r.got).concat(Array.from(r.expected)).every(Number.isFinite)
        ? ''
        : '; there are non-finite values'),
  })
}

// ---------------------------------------------------------------------------------------------------------------
// One reverse-mode check (dot-product identity)

interface RevSides {
  readonly got: number
  readonly expected: number
  readonly cmp: Comparison
}

const innerOver = (a: readonly Tensor[], b: readonly Tensor[]): [number, number] =>
  a.reduce<[number, number]>(
    ([d, m], t, i) => {
      const av = valuesOf(t)
      const bv = valuesOf(b[i]!)
      return [d + dotValues(av, bv), m + absDotValues(av, bv)]
    },
    [0, 0],
  )

/** `⟨u, vjp(c)⟩` against `⟨numerical jvp(u), c⟩`, with the tolerance relative to the sum of absolute products. */
const revSides = (
  f: Fn,
  args: Flat,
  u: readonly Tensor[],
  c: readonly Tensor[],
  ct: readonly Tensor[],
  s: Settings,
  numAlongU?: readonly Tensor[],
): RevSides => {
  const num = numAlongU ?? numericalLeaves(f, args, u, s.eps)[0]
  const [expected, scaleE] = innerOver(num, c)
  const [got, scaleG] = innerOver(u, ct)
  const scale = Math.max(scaleE, scaleG)
  const abs = Math.abs(got - expected)
  const ok = abs <= s.atol + s.rtol * scale && Number.isFinite(got) && Number.isFinite(expected)
  return {
    got,
    expected,
    cmp: { ok, maxAbs: abs, maxRel: abs / Math.max(Math.abs(expected), Number.MIN_VALUE) },
  }
}

/** The autodiff JVP's side `⟨jvp(u), c⟩`, to tell a wrong transpose from a wrong JVP rule (null if unavailable). */
const adJvpSide = (f: Fn, args: Flat, u: readonly Tensor[], c: readonly Tensor[]): number | null => {
  try {
    const [, tOut] = jvp(f, rebuild(args, args.leaves), rebuild(args, u))
    return innerOver(flattenOut('checkVjp', tOut).leaves, c)[0]
  } catch {
    return null // e.g. a customVjp function has no forward mode
  }
}

const revCheck = (
  f: Fn,
  args: Flat,
  s: Settings,
  k: Key,
  subj: Subject,
): E.Either<GradCheckFailure, void> => {
  const ku = T.fold(k, 0)
  const kc = T.fold(k, 1)
  const u = directions(ku, args.leaves)
  const [out, pullback] = vjp(f, ...rebuild(args, args.leaves))
  const outFlat = flattenOut('checkVjp', out)
  const c = directions(kc, outFlat.leaves)
  const ctTree: unknown = pullback(treeUnflatten(outFlat.def, c))
  const ct = flatten('checkVjp', 'the cotangents', ctTree, argumentName).leaves
  if (ct.length !== args.leaves.length)
    throw new Error(
      `checkVjp: the VJP returned ${ct.length} cotangent leaves for ${args.leaves.length} argument leaves`,
    )
  const misshapen = ct.findIndex((t, i) => !T.shapesEqual(t.shape, args.leaves[i]!.shape))
  if (misshapen >= 0) {
    const want = args.leaves[misshapen]!.shape
    const have = ct[misshapen]!.shape
    return E.left({
      mode: 'rev',
      order: subj.order,
      argument: args.names[misshapen]!,
      expected: [...want],
      got: [...have],
      message: `the VJP of ${subj.what} returned a cotangent of shape ${T.showShape(have)} for an argument of shape ${T.showShape(want)} (expected and got below are the shapes)`,
    })
  }
  const [numU] = numericalLeaves(f, args, u, s.eps)
  const random = revSides(f, args, u, c, ct, s, numU)
  // A random c can nearly cancel ⟨jvp(u), c⟩ (|Σ| ≪ Σ|terms|), which hides a rule that is wrong by a factor under
  // rtol·Σ|terms| (float32: a 10%-wrong rule passed ~8% of random inputs). The cotangent c₂ = numerical jvp(u)
  // cannot cancel: ⟨jvp(u), c₂⟩ = ‖jvp(u)‖², so the second identity sees any error along u at its full size.
  const aligned = (): { c: readonly Tensor[]; ct: readonly Tensor[]; r: RevSides } => {
    const c2 = numU.map((n, i) => {
      const o = outFlat.leaves[i]!
      return isFloat(o) ? T.astype(n, o.dtype === 'float32' ? 'float32' : 'float64') : T.zeros(o.shape)
    })
    const ct2 = flatten('checkVjp', 'the cotangents', pullback(treeUnflatten(outFlat.def, c2)), argumentName).leaves
    return { c: c2, ct: ct2, r: revSides(f, args, u, c2, ct2, s, numU) }
  }
  const failing = random.cmp.ok ? aligned() : { c, ct, r: random }
  if (failing.r.cmp.ok) return E.right(undefined)
  const joint = failing.r
  const culprit = args.leaves
    .map((x, i) => ({
      i,
      r: isFloat(x)
        ? revSides(
            f,
            args,
            onlyLeaf(u, i),
            failing.c,
            failing.ct.map((t, j) => (j === i ? t : T.zeros(t.shape))),
            s,
          )
        : null,
    }))
    .find((x) => x.r !== null && !x.r.cmp.ok)
  const [argument, r, uUsed] = culprit?.r
    ? [args.names[culprit.i]!, culprit.r, onlyLeaf(u, culprit.i)]
    : ['all arguments (jointly)', joint, u]
  const ad = adJvpSide(f, args, uUsed, failing.c)
  const diagnosis =
    ad === null
      ? ''
      : Math.abs(ad - r.got) <= s.atol + s.rtol * Math.max(Math.abs(ad), Math.abs(r.got))
        ? `; the VJP agrees with the autodiff JVP (⟨jvp(u), c⟩ = ${fmt(ad)}), so the linearization itself is wrong (a JVP rule)`
        : `; the VJP also disagrees with the autodiff JVP (⟨jvp(u), c⟩ = ${fmt(ad)}), so a transpose rule is inconsistent with its JVP`
  return E.left({
    mode: 'rev',
    order: subj.order,
    argument,
    expected: r.expected,
    got: r.got,
    message:
      `the VJP of ${subj.what} fails the dot-product identity ⟨u, vjp(c)⟩ = ⟨numerical jvp(u), c⟩ for random u, c ` +
      `(eps ${s.eps}): ${errors(r.cmp)} (atol ${s.atol}, rtol ${s.rtol} of the sum of absolute products)${diagnosis}`,
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Public checks

const prepare = (
  op: string,
  args: readonly unknown[],
  options: CheckOptions | undefined,
): [Flat, Settings, Key] => {
  const flat = flattenArgs(op, args)
  const s = settingsFor(op, flat.leaves, options)
  const seed = options?.seed ?? 0
  if (!Number.isSafeInteger(seed)) throw new RangeError(`${op}: seed must be an integer, got ${seed}`)
  return [flat, s, T.key(seed)]
}

const withContext = <X>(op: string, what: string, run: () => X): X => {
  try {
    return run()
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('gradcheck')) throw e
    const msg = e instanceof Error ? e.message : String(e)
    throw new Error(`gradcheck (${op}, ${what}) threw: ${msg}`, { cause: e })
  }
}

/**
 * Checks the forward-mode derivative of `f` at `args` (a tuple of trees of tensors) along one random direction
 * against central differences. First order only; `modes` and `order` are ignored (see {@link checkGrads}).
 */
export const checkJvp = (
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  options?: CheckOptions,
): E.Either<GradCheckFailure, void> => {
  const [flat, s, k] = prepare('checkJvp', args, options)
  return withContext('fwd', 'order 1', () =>
    fwdCheck(f as Fn, flat, s, T.fold(k, 0), { order: 1, what: 'f' }),
  )
}

/**
 * Checks the reverse-mode derivative of `f` at `args` by the dot-product identity `⟨u, vjp(c)⟩ = ⟨jvp(u), c⟩`
 * with random `u`, `c` and the numerical `jvp`. First order only; `modes` and `order` are ignored.
 */
export const checkVjp = (
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  options?: CheckOptions,
): E.Either<GradCheckFailure, void> => {
  const [flat, s, k] = prepare('checkVjp', args, options)
  return withContext('rev', 'order 1', () =>
    revCheck(f as Fn, flat, s, T.fold(k, 1), { order: 1, what: 'f' }),
  )
}

const checkModes = (op: string, modes: readonly Mode[] | undefined): readonly Mode[] => {
  const m: readonly Mode[] = modes ?? ['fwd', 'rev']
  const list: readonly unknown[] = Array.isArray(m) ? m : []
  if (list.length === 0 || list.some((x) => x !== 'fwd' && x !== 'rev'))
    throw new RangeError(`${op}: modes must be a non-empty list of 'fwd' and 'rev', got ${JSON.stringify(m)}`)
  return m
}

/** Runs the checks of `modes` on `f`, then (order 2) on each derivative map; the first failure wins. */
const checkAll = (
  f: Fn,
  args: Flat,
  s: Settings,
  k: Key,
  modes: readonly Mode[],
  order: number,
  what: string,
  level: number,
): E.Either<GradCheckFailure, void> => {
  // Independent streams (fold(k, i) is the i-th key of a split; the tensor package's `split` name is ambiguous).
  const [kf, kr, kfMap, krMap] = [0, 1, 2, 3].map((i) => T.fold(k, i)) as [Key, Key, Key, Key]
  const subj: Subject = { order: level, what }
  const first = (m: Mode): E.Either<GradCheckFailure, void> =>
    withContext(m, `order ${level}, ${what}`, () =>
      m === 'fwd' ? fwdCheck(f, args, s, kf, subj) : revCheck(f, args, s, kr, subj),
    )
  const deeper = (m: Mode): E.Either<GradCheckFailure, void> => {
    if (order <= 1) return E.right(undefined)
    const km = m === 'fwd' ? kfMap : krMap
    // fold(km, 0) draws the map's fixed t (or c); fold(km, 1) seeds the checks of the map.
    const [map, name] =
      m === 'fwd' ? fwdMap(f, args, T.fold(km, 0), what) : revMap(f, args, T.fold(km, 0), what)
    return checkAll(map, args, s, T.fold(km, 1), modes, order - 1, name, level + 1)
  }
  const steps: readonly (() => E.Either<GradCheckFailure, void>)[] = [
    ...modes.map((m) => () => first(m)),
    ...modes.map((m) => () => deeper(m)),
  ]
  return steps.reduce<E.Either<GradCheckFailure, void>>(
    (acc, step) => (E.isLeft(acc) ? acc : step()),
    E.right(undefined),
  )
}

/** `x ↦ jvp(f)(x, t)` (the tangent output) for a fixed random `t`. */
const fwdMap = (f: Fn, args: Flat, k: Key, what: string): [Fn, string] => {
  const t = rebuild(args, directions(k, args.leaves))
  return [(...xs: readonly unknown[]) => jvp(f, xs, t)[1], `the map x ↦ jvp(${what})(x, t)`]
}

/** `x ↦ vjp(f)(x)(c)` (the cotangents of all arguments) for a fixed random `c`. */
const revMap = (f: Fn, args: Flat, k: Key, what: string): [Fn, string] => {
  const outFlat = flattenOut('checkGrads', f(...rebuild(args, args.leaves)))
  const c = treeUnflatten(outFlat.def, directions(k, outFlat.leaves))
  return [(...xs: readonly unknown[]) => vjp(f, ...xs)[1](c), `the map x ↦ vjp(${what})(x)(c)`]
}

/**
 * `f`'s output must hold tensors: a plain number carries no derivative (one made by `item()` from a traced value has
 * lost it, so the check would blame the derivative rules), and an output without leaves would pass vacuously.
 */
const checkOutputs = (op: string, f: Fn, args: Flat): void => {
  const got = (() => {
    try {
      return { out: f(...rebuild(args, args.leaves)) }
    } catch {
      return null // the checks below run f again and report what it throws, with the check that ran it
    }
  })()
  if (got === null) return
  const out = got.out
  const [leaves] = treeFlatten(out)
  const paths = treePaths(out)
  const i = leaves.findIndex((l) => typeof l === 'number')
  if (i >= 0) {
    const where = paths[i] === '' ? 'f returned' : `f's output ${paths[i] ?? '?'} is`
    throw new TypeError(
      `${op}: ${where} the plain number ${String(leaves[i])}, which carries no derivative: return a tensor instead (e.g. sum(x) rather than item(sum(x)); a constant as scalar(c))`,
    )
  }
  if (leaves.length === 0)
    throw new TypeError(`${op}: f returned ${out === undefined ? 'undefined' : 'a tree without tensors'}, so there is nothing to check: return the tensor(s) to differentiate`)
}

/**
 * Checks the derivatives of `f` at `args` (a tuple of trees of tensors; `f` returns a tree of tensors) against
 * finite differences, in the manner of JAX's `check_grads`: forward mode by central differences along a random
 * direction, reverse mode by the dot-product identity, and with `order: 2` the same checks on the derivative maps
 * `x ↦ jvp(f)(x, t)` and `x ↦ vjp(f)(x)(c)`. Returns the first failure, or `right(undefined)`.
 */
export const checkGrads = (
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  options?: CheckOptions,
): E.Either<GradCheckFailure, void> => {
  const modes = checkModes('checkGrads', options?.modes)
  const order = options?.order ?? 1
  if (order !== 1 && order !== 2)
    throw new RangeError(`checkGrads: order must be 1 or 2, got ${String(order)}`)
  const [flat, s, k] = prepare('checkGrads', args, options)
  checkOutputs('checkGrads', f as Fn, flat)
  return checkAll(f as Fn, flat, s, k, modes, order, 'f', 1)
}

/** Like {@link checkGrads}, but throws an `Error` whose message is the readable report ({@link formatFailure}). */
export const assertGrads = (
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  options?: CheckOptions,
): void => {
  const r = checkGrads(f, args, options)
  if (E.isLeft(r)) throw new Error(formatFailure(r.left))
}

/** The names of the argument leaves of `args` in flattening order (e.g. `argument 1 (.W)`), as reports name them. */
export const argumentNames = (args: readonly unknown[]): readonly string[] =>
  flattenArgs('argumentNames', args).names
