/* eslint-disable functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * Common-subexpression elimination: two equations applying the same primitive with the same parameters to the
 * same operands compute the same value (primitives are pure), so the second is dropped and its readers use the
 * first's output. Derivative programs repeat work (a JVP rule and its transpose both build `1 - y²`, a mask is
 * built twice); this pass shares it. Parameters compare by value (axes, shapes) or, for tensors and functions, by
 * identity; operands by variable id or literal value.
 * @module
 */
import type { Atom, Equation, Program, Var } from '../staging.js'
import { atomKey, identityOf, valueKey } from './program.js'

/** The program with repeated equations merged into their first occurrence. */
export const cse = <A extends readonly unknown[], R>(p: Program<A, R>): Program<A, R> => {
  const seen = new Map<string, Var>()
  const renamed = new Map<number, Var>()
  const rename = (a: Atom): Atom => (a.kind === 'var' ? (renamed.get(a.id) ?? a) : a)
  const eqns: Equation[] = []
  for (const e of p.eqns) {
    const inputs = e.inputs.map(rename)
    const key = `${String(identityOf(e.prim))}|${inputs.map(atomKey).join(',')}|${valueKey(e.params)}`
    const first = seen.get(key)
    if (first !== undefined) {
      renamed.set(e.out.id, first)
      continue
    }
    seen.set(key, e.out)
    eqns.push(inputs.every((a, i) => a === e.inputs[i]) ? e : { ...e, inputs })
  }
  if (renamed.size === 0) return p
  return { ...p, eqns, outs: p.outs.map(rename) }
}
