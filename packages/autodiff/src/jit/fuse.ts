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

/** A fused group: element-wise equations over one shape, in order. */
export interface Group {
  readonly kind: 'group'
  readonly shape: readonly number[]
  readonly eqns: readonly Equation[]
}

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

/** The steps of a program: fused groups and single equations, in an order where operands come first. */
export const schedule = (p: Program): Step[] => {
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
  return steps
}
