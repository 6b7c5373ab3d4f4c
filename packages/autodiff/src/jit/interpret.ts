/* eslint-disable functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * The reference executor of an optimised program: every equation runs its primitive's kernel (`impl`) on concrete
 * tensors, in order. It is what the compiled executor must equal, and what runs the rare programs the compiler
 * does not take.
 * @module
 */
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import type { Atom, Program } from '../staging.js'
import { nextId } from './program.js'

/** A runnable program: input leaves (concrete tensors, one per `inVars` entry) to output leaves. */
export interface Executable {
  readonly run: (ins: readonly Tensor[]) => (Tensor | number)[]
}

/** Interprets `p` with the kernels (all its constants must be concrete tensors). */
export const interpret = (p: Program): Executable => {
  const size = nextId(p)
  const consts = p.consts as readonly Tensor[]
  return {
    run: (ins) => {
      const env = new Array<Tensor | undefined>(size)
      p.constVars.forEach((v, i) => {
        env[v.id] = consts[i]
      })
      p.inVars.forEach((v, i) => {
        env[v.id] = ins[i]
      })
      const read = (a: Atom): Tensor | number =>
        a.kind === 'lit' ? (a.dtype === 'weak' ? a.value : T.scalar(a.value, { dtype: a.dtype })) : env[a.id]!
      for (const e of p.eqns) env[e.out.id] = e.prim.impl(e.inputs.map(read), e.params)
      return p.outs.map(read)
    },
  }
}
