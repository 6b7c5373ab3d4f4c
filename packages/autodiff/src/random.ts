/**
 * Random draws that stage: a key may be a value of the program, so that a compiled function (`jit`) draws fresh
 * numbers from the key it is called with, instead of baking one draw in as a constant.
 *
 * A {@link Key} of `@cotangent/tensor` is plain data: two unsigned 32-bit words. Inside `jit`/`makeGraph` the same
 * two words travel as a float64 value of shape `[2]` (every 32-bit word is exact in float64), wrapped as a
 * {@link StagedKey}. The functions here take either kind ({@link AnyKey}):
 * - on a concrete `Key` they call `@cotangent/tensor`'s generator directly (`fold`, `uniform`, `bernoulli`), so eager
 *   code pays nothing and gets exactly the numbers it always got;
 * - on a `StagedKey` they bind two primitives, `foldKey` (data → the folded key's words) and `randomUniform` (the
 *   key's words → float64 uniforms in [0, 1)), whose kernels are those same functions. A compiled program therefore
 *   draws, for the key it receives, bit for bit what eager code draws from that key.
 *
 * The draws have no derivative: the key is not a differentiable input (its tangent and cotangent are zero), and the
 * numbers drawn are constants of the function being differentiated, as in JAX.
 * @module
 */
import * as T from '@cotangent/tensor'
import { ShapeError, showShape, type Key, type Tensor } from '@cotangent/tensor'
import { bind, definePrimitive, isValue, stagedValueError, type Primitive, type Value } from './core.js'
import { less, where } from './ops.js'

/** A PRNG key whose two 32-bit words are a float64 value of shape `[2]` — a key inside a staged program. */
export interface StagedKey {
  readonly kind: 'cotangent.stagedKey'
  readonly words: Value
}

/** A concrete {@link Key} or a {@link StagedKey}: what the layers' `ctx.key` holds. */
export type AnyKey = Key | StagedKey

/** True when `k` is a {@link StagedKey}. */
export const isStagedKey = (k: unknown): k is StagedKey =>
  typeof k === 'object' && k !== null && (k as { kind?: unknown }).kind === 'cotangent.stagedKey'

/** A key's two words as a float64 tensor of shape `[2]` (what a compiled function takes as its key input). */
export const keyWords = (k: Key): Tensor => {
  if (!T.isKey(k)) throw new TypeError(`keyWords: expected a key made by key(seed), got ${typeof k}`)
  return T.fromArray([k.words[0], k.words[1]], [2], { dtype: 'float64' })
}

/** Wraps the words of a key (a float64 value of shape `[2]`, e.g. a `jit` input made by {@link keyWords}). */
export const stagedKey = (words: Value): StagedKey => {
  if (!isValue(words) || words.dtype !== 'float64' || words.shape.length !== 1 || words.shape[0] !== 2)
    throw new ShapeError(
      'stagedKey',
      `a key's words are a float64 value of shape [2] (made by keyWords), got ${isValue(words) ? `${words.dtype} ${showShape(words.shape)}` : typeof words}`,
    )
  return { kind: 'cotangent.stagedKey', words }
}

/** The concrete key held by a `[2]` tensor of words (the kernels' side of the primitives). */
const keyOf = (op: string, words: Tensor | number): Key => {
  const w = typeof words === 'number' ? [words] : Array.from(T.toArray(words))
  const k = { kind: 'cotangent.key' as const, words: [w[0]!, w[1]!] as const }
  if (w.length !== 2 || !T.isKey(k))
    throw new RangeError(`${op}: a key's words must be two integers in [0, 2^32), got [${w.join(', ')}]`)
  return k
}

/** Parameters of the `foldKey` primitive: the integer folded in. */
interface FoldParams {
  readonly data: number
}

/** Parameters of the `randomUniform` primitive: the shape drawn. */
interface DrawParams {
  readonly shape: readonly number[]
}

/** `fold` of `@cotangent/tensor` on a key's words: `[2]` float64 in, `[2]` float64 out; no derivative. */
const foldKeyP: Primitive<FoldParams> = definePrimitive<FoldParams>({
  name: 'foldKey',
  impl: ([w], { data }) => keyWords(T.fold(keyOf('foldKey', w!), data)),
  jvp: ([w], _t, p) => [bind(foldKeyP, [w!], p), null],
  shape: () => ({ shape: [2], dtype: 'float64' }),
})

/** `uniform` of `@cotangent/tensor` (float64, [0, 1)) from a key's words; no derivative. */
const randomUniformP: Primitive<DrawParams> = definePrimitive<DrawParams>({
  name: 'randomUniform',
  impl: ([w], { shape }) => T.uniform(keyOf('randomUniform', w!), shape),
  jvp: ([w], _t, p) => [bind(randomUniformP, [w!], p), null],
  shape: (_a, { shape }) => ({ shape, dtype: 'float64' }),
})

/** `fold(k, data)` (JAX's `fold_in`) for either kind of key; a staged key gives a staged key. */
export const foldKey = (k: AnyKey, data: number): AnyKey => {
  if (!isStagedKey(k)) return T.fold(k, data)
  if (!Number.isSafeInteger(data))
    throw new RangeError(`foldKey: data must be an integer between -(2^53-1) and 2^53-1, got ${String(data)}`)
  return { kind: 'cotangent.stagedKey', words: bind(foldKeyP, [k.words], { data }) }
}

/** Uniform float64 samples in [0, 1) of `shape` from either kind of key: `uniform(k, shape)` of the tensor package. */
export const drawUniform = (k: AnyKey, shape: readonly number[]): Value =>
  isStagedKey(k) ? bind(randomUniformP, [k.words], { shape: [...shape] }) : T.uniform(k, shape)

/**
 * 0/1 float64 samples, 1 with probability `p` ∈ [0, 1], from either kind of key: `bernoulli(k, p, shape)` of the
 * tensor package (1 where the uniform draw is below `p`).
 */
export const drawBernoulli = (k: AnyKey, p: number, shape: readonly number[]): Value => {
  if (!isStagedKey(k)) return T.bernoulli(k, p, shape)
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new RangeError(`bernoulli: p must be a probability in [0, 1], got ${String(p)}`)
  return where(less(drawUniform(k, shape), p), 1, 0)
}

/**
 * The concrete key behind `k`, for code that draws with `@cotangent/tensor`'s kernels directly. A staged key has
 * no numbers: that is a StagedValueError naming `op`, and the caller runs eagerly (as `trainStep` does).
 */
export const concreteKey = (op: string, k: AnyKey): Key => {
  if (!isStagedKey(k)) return k
  throw stagedValueError([2], 'float64', `a staged key, read as numbers by ${op}`)
}
