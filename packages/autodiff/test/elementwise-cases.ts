/**
 * The element-wise ops and special values the generated-loop tests share: the JS loops (`jit-passes.test.ts`) and
 * the SIMD loops (`jit-simd.test.ts`, which takes the ops it covers) are checked on the same cases.
 */
import fc from 'fast-check'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

/** Values where arithmetic is easy to get wrong: ±0, ±∞, NaN, a float32 subnormal, extremes of float64. */
export const special = [
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  3.75,
  1e-300,
  -1e300,
  1e-40,
  Infinity,
  -Infinity,
  NaN,
  2.5,
  -0.5,
]

/** `n` numbers, special or in [−50, 50]. */
export const valuesArb = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.oneof(fc.constantFrom(...special), fc.double({ min: -50, max: 50, noNaN: true })), {
    minLength: n,
    maxLength: n,
  })

/** Unary element-wise ops by primitive name. */
export const unaryOps: readonly (readonly [string, (x: Value) => Value])[] = [
  ['neg', A.neg],
  ['abs', A.abs],
  ['sign', A.sign],
  ['exp', A.exp],
  ['log', A.log],
  ['log1p', A.log1p],
  ['expm1', A.expm1],
  ['sqrt', A.sqrt],
  ['sin', A.sin],
  ['cos', A.cos],
  ['tanh', A.tanh],
  ['sigmoid', A.sigmoid],
  ['floor', A.floor],
  ['round', A.round],
  ['isFinite', A.isFinite],
  ['relu', A.relu],
  // a slope float32 holds exactly (a float64 reference widens it)
  ['leakyRelu', (x) => A.leakyRelu(x, 0.25)],
  ['stopGradient', A.stopGradient],
]

/** Binary element-wise ops by primitive name. */
export const binaryOps: readonly (readonly [string, (x: Value, y: Value | number) => Value])[] = [
  ['add', A.add],
  ['sub', A.sub],
  ['mul', A.mul],
  ['div', A.div],
  ['pow', A.pow],
  ['maximum', A.maximum],
  ['minimum', A.minimum],
  ['equal', A.equal],
  ['notEqual', A.notEqual],
  ['less', A.less],
  ['greater', A.greater],
  ['lessEqual', A.lessEqual],
  ['greaterEqual', A.greaterEqual],
]
