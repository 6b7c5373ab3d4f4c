/**
 * The pass pipeline of jit before code generation: constant folding, then common-subexpression elimination, then
 * dead-code elimination (folding and merging leave equations nobody reads).
 * @module
 */
import type { Program } from '../staging.js'
import { cse } from './cse.js'
import { dce } from './dce.js'
import { fold } from './fold.js'

/** The program after folding, CSE and DCE: the same values, fewer equations. */
export const optimise = <A extends readonly unknown[], R>(p: Program<A, R>): Program<A, R> => dce(cse(fold(p)))
