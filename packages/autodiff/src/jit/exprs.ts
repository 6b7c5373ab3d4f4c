/**
 * The element-wise primitives jit fuses, each as a JS expression over its operands, written to equal the tensor
 * kernels' arithmetic exactly (same NaN, −0 and rounding behaviour), so a fused loop computes bit for bit what the
 * eager kernels compute. Operands are JS numbers (doubles); a float32 result is rounded with `Math.fround` after
 * every operation, as the eager kernels round when they store.
 * @module
 */
import type { DType } from '@cotangent/tensor'
import * as P from '../primitives.js'
import type { Equation } from '../staging.js'

type Expr = (args: readonly string[], params: unknown, eqn: Equation) => string

const bin =
  (f: (x: string, y: string) => string): Expr =>
  ([x, y]) =>
    f(x!, y!)
const un =
  (f: (x: string) => string): Expr =>
  ([x]) =>
    f(x!)

/** A number as JS source (exact: shortest round-trip digits; −0, NaN and infinities spelled out). */
export const numberSource = (x: number): string =>
  Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '(-0)' : x === Infinity ? 'Infinity' : x === -Infinity ? '(-Infinity)' : `(${String(x)})`

const slopeOf = (params: unknown, dtype: DType): string => {
  const s = (params as { readonly slope: number }).slope
  return numberSource(dtype === 'float32' ? Math.fround(s) : s)
}

/** Expressions by primitive name (looked up only for the primitive object of that name in primitives.ts). */
const table: Readonly<Record<string, Expr>> = {
  add: bin((x, y) => `${x} + ${y}`),
  sub: bin((x, y) => `${x} - ${y}`),
  mul: bin((x, y) => `${x} * ${y}`),
  div: bin((x, y) => `${x} / ${y}`),
  pow: bin((x, y) => `((${x} === 1 || (${x} === -1 && (${y} === Infinity || ${y} === -Infinity))) ? 1 : Math.pow(${x}, ${y}))`),
  maximum: bin((x, y) => `((${x} !== ${x} || ${y} !== ${y}) ? NaN : (${x} >= ${y} ? ${x} : ${y}))`),
  minimum: bin((x, y) => `((${x} !== ${x} || ${y} !== ${y}) ? NaN : (${x} <= ${y} ? ${x} : ${y}))`),
  equal: bin((x, y) => `(${x} === ${y} ? 1 : 0)`),
  notEqual: bin((x, y) => `(${x} !== ${y} ? 1 : 0)`),
  less: bin((x, y) => `(${x} < ${y} ? 1 : 0)`),
  greater: bin((x, y) => `(${x} > ${y} ? 1 : 0)`),
  lessEqual: bin((x, y) => `(${x} <= ${y} ? 1 : 0)`),
  greaterEqual: bin((x, y) => `(${x} >= ${y} ? 1 : 0)`),
  where: ([c, a, b]) => `(${c!} !== 0 ? ${a!} : ${b!})`,
  neg: un((x) => `(-${x})`),
  abs: un((x) => `Math.abs(${x})`),
  sign: un((x) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : ${x} === 0 ? 0 : NaN)`),
  exp: un((x) => `Math.exp(${x})`),
  log: un((x) => `Math.log(${x})`),
  log1p: un((x) => `Math.log1p(${x})`),
  expm1: un((x) => `Math.expm1(${x})`),
  sqrt: un((x) => `Math.sqrt(${x})`),
  sin: un((x) => `Math.sin(${x})`),
  cos: un((x) => `Math.cos(${x})`),
  tanh: un((x) => `Math.tanh(${x})`),
  sigmoid: un((x) => `(${x} >= 0 ? 1 / (1 + Math.exp(-${x})) : Math.exp(${x}) / (1 + Math.exp(${x})))`),
  floor: un((x) => `Math.floor(${x})`),
  round: un((x) => `(${x} - Math.floor(${x}) === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`),
  isFinite: un((x) => `((${x} - ${x}) === 0 ? 1 : 0)`),
  stopGradient: un((x) => x),
  broadcastTo: un((x) => x),
  // the kernel's `x > 0 || x !== x ? x : 0` is max(x, 0) exactly (NaN stays NaN, −0 gives +0), without a branch
  relu: un((x) => `Math.max(${x}, 0)`),
  reluGrad: bin((x, t) => `(${x} <= 0 ? 0 : ${t})`),
  leakyRelu: ([x], params, e) => `(${x!} > 0 ? ${x!} : ${x!} * ${slopeOf(params, e.out.dtype)})`,
  leakyReluGrad: ([x, t], params, e) => `(${x!} > 0 ? ${t!} : ${t!} * ${slopeOf(params, e.out.dtype)})`,
  // float ↔ float and int → float (the store rounds); float → int32 needs a range check: not fused
  astype: un((x) => x),
}

const primitives = P as unknown as Readonly<Record<string, unknown>>

/** The expression of an element-wise equation, or undefined when jit does not fuse its primitive. */
export const exprOf = (e: Equation): Expr | undefined => {
  const name = e.prim.name
  const f = table[name]
  if (f === undefined || primitives[`${name}P`] !== (e.prim)) return undefined
  if (name === 'astype' && e.out.dtype === 'int32') return undefined
  return f
}

/**
 * For a weak (plain-number) operand at position `i`, the position of the operand whose dtype it adopts (the eager
 * kernels store the number in that dtype, so a float32 partner rounds it): the other operand of a binary op; for
 * `where`, the condition and `a` adopt `a`/`b`'s dtype and `b` adopts `a`'s.
 */
export const partnerOf = (e: Equation, i: number): number | undefined => {
  const n = e.inputs.length
  if (n === 2) return 1 - i
  if (n === 3 && e.prim.name === 'where') return i === 1 ? 2 : 1
  return undefined
}
