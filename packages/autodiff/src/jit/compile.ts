 
/**
 * The compiler's entry point: an optimised program to an {@link Executable}.
 * @module
 */
import type { Program } from '../staging.js'
import { interpret, type Executable } from './interpret.js'

/** Compiles an optimised program (its constants concrete tensors). */
export const compile = (p: Program): Executable => interpret(p)
