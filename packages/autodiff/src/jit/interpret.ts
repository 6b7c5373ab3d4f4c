/**
 * The reference executor of an optimised program: every equation applied in order to concrete tensors, through
 * the same evaluator as `evalGraph` (with no tracer among the operands, `bind` calls the primitive's kernel). It is
 * what the compiled executor must equal, and what runs a program while its compiled form is busy (a re-entrant call).
 * @module
 */
import type { Tensor } from '@cotangent/tensor'
import { evalProgramLeaves, type Program } from '../staging.js'

/** A runnable program: input leaves (concrete tensors, one per `inVars` entry) to output leaves. */
export interface Executable {
  readonly run: (ins: readonly Tensor[]) => (Tensor | number)[]
}

/** Interprets `p` with the kernels (all its constants must be concrete tensors, so every result is one too). */
export const interpret = (p: Program): Executable => ({
  run: (ins) => evalProgramLeaves(p, ins) as (Tensor | number)[],
})
