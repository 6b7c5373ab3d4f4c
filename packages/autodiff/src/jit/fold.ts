/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * Constant folding: an equation whose operands are all literals or concrete constants is evaluated once, at
 * compile time, with the primitive's own kernel (so the value is exactly what eager code computes), and its
 * output becomes a constant of the program: a typed literal when it is 0-d, else a new constant variable.
 * Constants that are values of an enclosing transformation (tracers) are not folded.
 * @module
 */
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import type { Value } from '../core.js'
import type { Atom, Equation, Lit, Program, Var } from '../staging.js'
import { nextId } from './program.js'

/** The program with every all-constant equation replaced by its value. */
export const fold = <A extends readonly unknown[], R>(p: Program<A, R>): Program<A, R> => {
  const known = new Map<number, Tensor>()
  p.constVars.forEach((v, i) => {
    const c = p.consts[i]!
    if (T.isTensor(c)) known.set(v.id, c)
  })
  let id = nextId(p)
  const constVars: Var[] = [...p.constVars]
  const consts: Value[] = [...p.consts]
  const replaced = new Map<number, Atom>()
  const rename = (a: Atom): Atom => (a.kind === 'var' ? (replaced.get(a.id) ?? a) : a)
  const eqns: Equation[] = []
  for (const e0 of p.eqns) {
    const inputs = e0.inputs.map(rename)
    const e = inputs.every((a, i) => a === e0.inputs[i]) ? e0 : { ...e0, inputs }
    if (!inputs.every((a) => a.kind === 'lit' || known.has(a.id))) {
      eqns.push(e)
      continue
    }
    let out: Tensor
    try {
      out = e.prim.impl(
        inputs.map((a) =>
          a.kind === 'var' ? known.get(a.id)! : a.dtype === 'weak' ? a.value : T.scalar(a.value, { dtype: a.dtype }),
        ),
        e.params,
      )
    } catch {
      // a primitive that cannot run now (it will report its error when the program runs)
      eqns.push(e)
      continue
    }
    if (out.shape.length === 0 && T.shapesEqual(out.shape, e.out.shape)) {
      const lit: Lit = { kind: 'lit', value: T.item(out), dtype: out.dtype }
      replaced.set(e.out.id, lit)
    } else {
      const v: Var = { kind: 'var', id: id++, shape: e.out.shape, dtype: e.out.dtype }
      constVars.push(v)
      consts.push(out)
      known.set(v.id, out)
      replaced.set(e.out.id, v)
    }
  }
  if (replaced.size === 0) return p
  return { ...p, eqns, constVars, consts, outs: p.outs.map(rename) }
}
