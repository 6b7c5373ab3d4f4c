/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * Dead-code elimination: drops every equation whose output no output of the program needs, and the constants no
 * remaining equation reads. A staged gradient keeps forward equations it never uses (e.g. the loss value of
 * `grad`), and folding leaves equations behind; this pass removes them. Primitives are pure, so an equation is
 * needed exactly when its output is read.
 * @module
 */
import type { Atom, Equation, Program } from '../staging.js'

/** The program without the equations and constants its outputs do not depend on. */
export const dce = <A extends readonly unknown[], R>(p: Program<A, R>): Program<A, R> => {
  const live = new Set<number>()
  const mark = (a: Atom): void => {
    if (a.kind === 'var') live.add(a.id)
  }
  p.outs.forEach(mark)
  const kept: Equation[] = []
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i]!
    if (!live.has(e.out.id)) continue
    kept.push(e)
    e.inputs.forEach(mark)
  }
  kept.reverse()
  const constVars = p.constVars.filter((v) => live.has(v.id))
  const consts = p.consts.filter((_, i) => live.has(p.constVars[i]!.id))
  if (kept.length === p.eqns.length && constVars.length === p.constVars.length) return p
  return { ...p, eqns: kept, constVars, consts }
}
