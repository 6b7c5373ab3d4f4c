/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * Fusion: partitions the equations of an optimised program into *steps* in a valid order. Element-wise equations
 * (see exprs.ts) of one output shape gather into a *group*, run as one generated loop over that shape; every
 * other equation is a step of its own (a reshape is a view, a small matmul or reduction gets a generated loop,
 * anything else calls its kernel).
 *
 * Greedy and linear: equations are visited in program order; an element-wise one joins the open group of its
 * shape (opening one if needed). A group is closed (emitted) as soon as an equation outside it reads one of its
 * values, so every step's operands are produced by earlier steps. Operands of a group member are either values of
 * the same group (same shape: a local variable of the loop) or values of earlier steps, read with broadcasting.
 * @module
 */
import type { Atom, Equation, Program, Var } from '../staging.js'
import { exprOf } from './exprs.js'
import { useCounts } from './program.js'

/** A fused group: element-wise equations over one shape, in order. */
export interface Group {
  readonly kind: 'group'
  readonly shape: readonly number[]
  readonly eqns: readonly Equation[]
  /**
   * A small matmul whose result only this group reads: computed inside the group's loop, element by element (its
   * value is a loop local, never stored), e.g. `relu(x @ W + b)` in one loop.
   */
  readonly producer?: Equation
  /**
   * A sum, max or min of one of the group's values, accumulated in the group's loop in the kernel's order (the
   * operand need not be stored), e.g. `sum(exp(x − m))` or `mean((y − t)²)` in one loop.
   */
  readonly consumer?: Equation
}

/** The equations a step computes: a group's producer first, then its members, then its consumer. */
export const membersOf = (s: Step): readonly Equation[] =>
  s.kind === 'group'
    ? [...(s.producer === undefined ? [] : [s.producer]), ...s.eqns, ...(s.consumer === undefined ? [] : [s.consumer])]
    : [s.eqn]

/** One equation run on its own (view, matmul, reduction or kernel call). */
export interface Single {
  readonly kind: 'single'
  readonly eqn: Equation
}

/** A step of the schedule. */
export type Step = Group | Single

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i])

/** True when the equation can be a member of a fused group. */
export const isFusible = (e: Equation): boolean => {
  if (exprOf(e) === undefined) return false
  if (e.prim.name === 'broadcastTo') return true
  // a member's operands must broadcast to its output shape (they do for these primitives)
  return e.inputs.every((a) => a.kind === 'lit' || a.shape.length <= e.out.shape.length)
}

/**
 * The steps of a program: fused groups and single equations, in an order where operands come first. `canProduce`
 * accepts the matmuls a group may compute inside its loop, `canConsume` the reductions a group may end with.
 */
export const schedule = (
  p: Program,
  canProduce: (e: Equation) => boolean = () => false,
  canConsume: (g: Group, e: Equation) => boolean = () => false,
): Step[] => {
  const steps: Step[] = []
  interface Open {
    readonly shape: readonly number[]
    readonly eqns: Equation[]
  }
  const open: Open[] = []
  /** Open group that defines each variable id. */
  const groupOf = new Map<number, Open>()
  const close = (g: Open): void => {
    const i = open.indexOf(g)
    if (i < 0) return
    open.splice(i, 1)
    for (const e of g.eqns) groupOf.delete(e.out.id)
    steps.push({ kind: 'group', shape: g.shape, eqns: g.eqns })
  }
  const closeReadersOf = (inputs: readonly Atom[], except: Open | null): void => {
    for (const a of inputs) {
      if (a.kind !== 'var') continue
      const g = groupOf.get(a.id)
      if (g !== undefined && g !== except) close(g)
    }
  }
  for (const e of p.eqns) {
    if (!isFusible(e)) {
      closeReadersOf(e.inputs, null)
      steps.push({ kind: 'single', eqn: e })
      continue
    }
    let g = open.find((o) => sameShape(o.shape, e.out.shape)) ?? null
    // an operand of another shape from an open group is read from memory: that group runs first
    closeReadersOf(
      e.inputs.filter((a): a is Var => a.kind === 'var' && !(g !== null && groupOf.get(a.id) === g)),
      g,
    )
    if (g !== null && !open.includes(g)) g = null
    if (g === null) {
      g = { shape: e.out.shape, eqns: [] }
      open.push(g)
    }
    g.eqns.push(e)
    groupOf.set(e.out.id, g)
  }
  while (open.length > 0) close(open[0]!)
  const split = steps.flatMap((s): Step[] => (s.kind === 'group' ? splitIndependent(s) : [s]))
  return fuseConsumers(fuseProducers(p, split, canProduce), canConsume)
}

/** Groups of fewer elements keep their independent parts together (a loop's fixed cost outweighs). */
const SPLIT_MIN_ELEMENTS = 1024

/**
 * Splits a large group into its independent parts: members are together when one reads another's value or when
 * they read the same operand of more than one element. Parts that share nothing gain nothing from one loop (each
 * element is loaded and stored once either way) and lose by it: V8 has fewer registers than such a loop has arrays.
 * Measured on W2's Adam update (two 512×512 weights, 14 arrays in one loop): 8.3 ms one loop, 4.8 ms two.
 */
const splitIndependent = (g: Group): Group[] => {
  if (g.shape.reduce((n, d) => n * d, 1) < SPLIT_MIN_ELEMENTS) return [g]
  const parent = g.eqns.map((_, i) => i)
  const find = (i: number): number => {
    let r = i
    while (parent[r] !== r) r = parent[r]!
    return r
  }
  const join = (i: number, j: number): void => {
    parent[find(i)] = find(j)
  }
  const memberOf = new Map(g.eqns.map((e, i) => [e.out.id, i]))
  const firstReader = new Map<number, number>()
  g.eqns.forEach((e, i) => {
    for (const a of e.inputs) {
      if (a.kind !== 'var') continue
      const m = memberOf.get(a.id)
      if (m !== undefined) join(i, m)
      else if (a.shape.some((d) => d > 1)) {
        const r = firstReader.get(a.id)
        if (r === undefined) firstReader.set(a.id, i)
        else join(i, r)
      }
    }
  })
  const parts = new Map<number, Equation[]>()
  g.eqns.forEach((e, i) => {
    const r = find(i)
    const part = parts.get(r) ?? []
    part.push(e)
    parts.set(r, part)
  })
  return parts.size === 1 ? [g] : [...parts.values()].map((eqns) => ({ kind: 'group', shape: g.shape, eqns }))
}

/**
 * Moves a matmul into the group that alone reads its result (same 2-D shape), when `canProduce` accepts it: the
 * matmul then runs at the group's position (its operands are ready earlier, and nothing else waits for it).
 */
const fuseProducers = (p: Program, steps: Step[], canProduce: (e: Equation) => boolean): Step[] => {
  const uses = useCounts(p)
  const singleAt = new Map<number, number>()
  steps.forEach((s, i) => {
    if (s.kind === 'single') singleAt.set(s.eqn.out.id, i)
  })
  const removed = new Set<number>()
  const out = steps.map((s): Step => {
    if (s.kind !== 'group' || s.shape.length !== 2) return s
    const inGroup = new Set(s.eqns.map((e) => e.out.id))
    const reads = new Map<number, number>()
    for (const e of s.eqns)
      for (const a of e.inputs) if (a.kind === 'var' && !inGroup.has(a.id)) reads.set(a.id, (reads.get(a.id) ?? 0) + 1)
    for (const [id, n] of reads) {
      const at = singleAt.get(id)
      if (at === undefined || removed.has(at) || uses.get(id) !== n) continue
      const e = (steps[at] as Single).eqn
      if (!canProduce(e) || !sameShape(e.out.shape, s.shape)) continue
      removed.add(at)
      return { ...s, producer: e }
    }
    return s
  })
  return out.filter((_, i) => !removed.has(i))
}

/**
 * Moves a reduction into the group that defines its operand, when `canConsume` accepts it (one per group): the
 * reduction then runs at the group's position, which is valid because its only operand is ready there; whatever
 * reads its result comes later in any case.
 */
const fuseConsumers = (steps: readonly Step[], canConsume: (g: Group, e: Equation) => boolean): Step[] => {
  const groupAt = new Map<number, number>()
  steps.forEach((s, i) => {
    if (s.kind === 'group') for (const e of s.eqns) groupAt.set(e.out.id, i)
  })
  const out: (Step | null)[] = [...steps]
  steps.forEach((s, i) => {
    if (s.kind !== 'single') return
    const x = s.eqn.inputs[0]
    if (s.eqn.inputs.length !== 1 || x === undefined || x.kind !== 'var') return
    const at = groupAt.get(x.id)
    if (at === undefined) return
    const g = out[at] as Group
    if (g.consumer !== undefined || !canConsume(g, s.eqn)) return
    out[at] = { ...g, consumer: s.eqn }
    out[i] = null
  })
  return out.filter((s): s is Step => s !== null)
}
