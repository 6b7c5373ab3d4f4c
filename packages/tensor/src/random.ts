/**
 * Counter-based random numbers with explicit, splittable keys (the JAX model): there is no global state, and the
 * same key gives the same numbers on every run and every machine.
 *
 * ## The generator, precisely (enough to reimplement it)
 *
 * **Threefry-2x32 with 20 rounds** (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
 * Random123 construction that JAX uses). It maps a 64-bit key `(k0, k1)` and a 64-bit counter `(c0, c1)`, each a
 * pair of unsigned 32-bit words, to two unsigned 32-bit words. All additions are modulo 2^32.
 *
 * - Key schedule: `ks0 = k0`, `ks1 = k1`, `ks2 = k0 ^ k1 ^ 0x1BD11BDA` (the Skein parity constant).
 * - Start: `x0 = c0 + ks0`, `x1 = c1 + ks1`.
 * - Round `r` (r = 0…19), with rotation `R[r mod 8]`, `R = [13, 15, 26, 6, 17, 29, 16, 24]`:
 *   `x0 = x0 + x1; x1 = rotl32(x1, R[r mod 8]) ^ x0`.
 * - After every 4th round (s = 1…5 after rounds 3, 7, 11, 15, 19), inject the key:
 *   `x0 = x0 + ks[s mod 3]; x1 = x1 + ks[(s+1) mod 3] + s`.
 * - Output `(x0, x1)`. Known answer (Random123 `kat_vectors`): key `(0, 0)`, counter `(0, 0)` →
 *   `(0x6b200159, 0x99ba4efe)`.
 *
 * **Keys.** `key(seed)` is the pair `(hi, lo)` of the seed's 64-bit two's-complement representation
 * (`key(42)` is `(0, 42)`, as in JAX). `split(k, n)[i]` is `threefry(k, (0, i))` and `fold(k, d)` is
 * `threefry(k, (hi(d), lo(d)))` — JAX's `split` (with partitionable Threefry, JAX's default) and `fold_in`.
 *
 * **Draws.** A draw of `n` numbers from key `k` uses block `i = 0…n-1`: `(w0, w1) = threefry(k, (⌊i/2^32⌋,
 * i mod 2^32))`. A block becomes a double in [0, 1) from its top 53 bits: `u = ((w0 >>> 11)·2^32 + w1) / 2^53`.
 * - `uniform`: `low + (high - low)·u_i`, clamped below `high` should rounding reach it; float32 is the float64
 *   value rounded to float32 (then clamped likewise). When `high - low` overflows (a range wider than the largest
 *   double), `2·(low/2 + (high/2 - low/2)·u_i)` instead.
 * - `normal`: Box–Muller on pairs of blocks: for element pair `(2j, 2j+1)` take `a = 1 - u_{2j}` ∈ (0, 1] and
 *   `b = u_{2j+1}`; `ρ = √(-2 ln a)`; `z_{2j} = ρ cos 2πb`, `z_{2j+1} = ρ sin 2πb`; result `mean + std·z`.
 * - `bernoulli`: `1` when `u_i < p`, else `0`.
 * - `randint`: `low + ⌊u_i·(high - low)⌋` (the bias is below `(high - low)/2^53`, i.e. negligible).
 * - `permutation(k, n)`: Fisher–Yates from the identity: for `i = n-1` down to `1`, swap positions `i` and
 *   `⌊u_i·(i+1)⌋`. `shuffle` gathers along an axis with that permutation.
 *
 * Because every element depends only on its index, a draw of `n` numbers is a prefix of a draw of `m > n`
 * numbers from the same key (for `normal`: of the same parity-paired blocks).
 *
 * **Contract (as in JAX): use each key once** — either split/fold it, or draw from it, not both. The bits of a draw
 * from `k` are the words of `split(k, n)`, and `fold(k, i)` equals `split(k, n)[i]`; reusing a key correlates
 * streams.
 *
 * The package index exports `split` as `splitKey` (the name `split` is the array split of the manipulation kernels)
 * and this whole module as the namespace `random` (`random.split(k, n)`).
 * @module
 */
import { DTypeError, ShapeError, showShape } from './errors.js'
import { checkShape, normalizeAxis, sizeOf } from './shape.js'
import { checkTensor, dataOf, wrap, type Tensor } from './tensor.js'
import { allocate } from './dtype.js'

/** A PRNG key: plain frozen data (two unsigned 32-bit words), safe to store, compare and serialise. */
export interface Key {
  readonly kind: 'cotangent.key'
  readonly words: readonly [number, number]
}

const TWO32 = 4294967296
const TWO53 = 9007199254740992
const PARITY = 0x1bd11bda

const makeKey = (w0: number, w1: number): Key =>
  Object.freeze({ kind: 'cotangent.key' as const, words: Object.freeze([w0 >>> 0, w1 >>> 0] as const) })

const isWord = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < TWO32

/** True when `x` is a key (made by {@link key}, {@link split} or {@link fold}, or equal plain data). */
export const isKey = (x: unknown): x is Key => {
  if (typeof x !== 'object' || x === null) return false
  const r = x as { kind?: unknown; words?: unknown }
  return (
    r.kind === 'cotangent.key' &&
    Array.isArray(r.words) &&
    r.words.length === 2 &&
    isWord(r.words[0]) &&
    isWord(r.words[1])
  )
}

const describe = (x: unknown): string => {
  if (x === null) return 'null'
  if (Array.isArray(x)) return 'an array'
  if (typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean' || typeof x === 'bigint')
    return `${typeof x} ${String(x)}`
  if (typeof x === 'object') return 'an object that is not a key'
  return typeof x
}

const checkKey = (op: string, k: unknown): Key => {
  if (!isKey(k)) throw new Error(`${op}: expected a key made by key(seed), got ${describe(k)}`)
  return k
}

const checkInteger = (op: string, name: string, x: number): void => {
  if (!Number.isSafeInteger(x))
    throw new Error(`${op}: ${name} must be an integer between -(2^53-1) and 2^53-1, got ${String(x)}`)
}

/** High and low unsigned 32-bit words of an integer's 64-bit two's-complement representation. */
const words64 = (x: number): [number, number] => {
  const hi = Math.floor(x / TWO32)
  return [hi >>> 0, (x - hi * TWO32) >>> 0]
}

/**
 * Threefry-2x32, 20 rounds, of key `(k0, k1)` (with `k2 = k0 ^ k1 ^ PARITY`) and counter `(c0, c1)`, written to
 * `out[at]`, `out[at + 1]`. Additions wrap with `>>> 0`; intermediate `x1` may be a signed int32, which is the same
 * value modulo 2^32.
 */
const threefryInto = (
  k0: number,
  k1: number,
  k2: number,
  c0: number,
  c1: number,
  out: Uint32Array,
  at: number,
): void => {
  let x0 = (c0 + k0) >>> 0
  let x1 = (c1 + k1) >>> 0
  // 20 rounds, unrolled; the key is injected after every fourth round (s = 1…5)
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0
  x0 = (x0 + k1) >>> 0
  x1 = (x1 + k2 + 1) >>> 0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0
  x0 = (x0 + k2) >>> 0
  x1 = (x1 + k0 + 2) >>> 0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0
  x0 = (x0 + k0) >>> 0
  x1 = (x1 + k1 + 3) >>> 0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0
  x0 = (x0 + k1) >>> 0
  x1 = (x1 + k2 + 4) >>> 0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0
  x0 = (x0 + x1) >>> 0
  x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0
  x0 = (x0 + k2) >>> 0
  x1 = (x1 + k0 + 5) >>> 0
  out[at] = x0
  out[at + 1] = x1
}

/** Blocks `i = 0…n-1` of key `k` (counter `(⌊i/2^32⌋, i mod 2^32)`), as `out[2i], out[2i+1]`. */
const blocks = (k: Key, n: number): Uint32Array => {
  const [k0, k1] = k.words
  const k2 = (k0 ^ k1 ^ PARITY) >>> 0
  const out = new Uint32Array(2 * n)
  for (let i = 0; i < n; i++) threefryInto(k0, k1, k2, Math.floor(i / TWO32), i >>> 0, out, 2 * i)
  return out
}

/** `n` doubles in [0, 1), one per block, from the block's top 53 bits. */
const unit = (k: Key, n: number): Float64Array => {
  const b = blocks(k, n)
  const u = new Float64Array(n)
  for (let i = 0; i < n; i++) u[i] = ((b[2 * i]! >>> 11) * TWO32 + b[2 * i + 1]!) / TWO53
  return u
}

const threefryOne = (k0: number, k1: number, c0: number, c1: number): [number, number] => {
  const out = new Uint32Array(2)
  threefryInto(k0, k1, (k0 ^ k1 ^ PARITY) >>> 0, c0, c1, out, 0)
  return [out[0]!, out[1]!]
}

/**
 * The raw Threefry-2x32 (20 rounds) block function: the two 32-bit output words for a key and a counter, each a
 * pair of unsigned 32-bit integers. Exposed so the generator can be checked against published known answers.
 */
export const threefry2x32 = (
  keyWords: readonly [number, number],
  counter: readonly [number, number],
): [number, number] => {
  if (!isWord(keyWords[0]) || !isWord(keyWords[1]) || !isWord(counter[0]) || !isWord(counter[1]))
    throw new Error(
      `threefry2x32: key and counter must be pairs of unsigned 32-bit integers, got [${keyWords.join(',')}] and [${counter.join(',')}]`,
    )
  return threefryOne(keyWords[0], keyWords[1], counter[0], counter[1])
}

/**
 * A key from an integer seed (any safe integer; negative seeds use 64-bit two's complement, as in JAX).
 * `key(0)` is the pair `(0, 0)`.
 */
export const key = (seed: number): Key => {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new Error(`key: seed must be an integer between -(2^53-1) and 2^53-1, got ${String(seed)}`)
  const [hi, lo] = words64(seed)
  return makeKey(hi, lo)
}

/** `n` (default 2) new keys from `k`, whose streams are independent of each other: key `i` is `threefry(k, (0, i))`. */
export const split = (k: Key, n = 2): Key[] => {
  checkKey('split', k)
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`split: n must be a non-negative integer, got ${String(n)}`)
  const b = blocks(k, n)
  const out = new Array<Key>(n)
  for (let i = 0; i < n; i++) out[i] = makeKey(b[2 * i]!, b[2 * i + 1]!)
  return out
}

/**
 * A key derived from `k` and an integer (JAX's `fold_in`): `threefry(k, (hi(data), lo(data)))`. Use it to derive
 * per-step or per-example keys, e.g. `fold(k, step)`.
 */
export const fold = (k: Key, data: number): Key => {
  checkKey('fold', k)
  checkInteger('fold', 'data', data)
  const [hi, lo] = words64(data)
  const [w0, w1] = threefryOne(k.words[0], k.words[1], hi, lo)
  return makeKey(w0, w1)
}

const checkDrawShape = (op: string, shape: readonly number[]): number => {
  if (!Array.isArray(shape))
    throw new ShapeError(op, `shape must be an array of dimensions, got ${describe(shape)}`)
  checkShape(op, shape)
  return sizeOf(shape)
}

const checkFinite = (op: string, name: string, x: number): void => {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new Error(`${op}: ${name} must be a finite number, got ${String(x)}`)
}

const checkFloatDType = (op: string, dtype: unknown): 'float64' | 'float32' => {
  if (dtype !== 'float64' && dtype !== 'float32')
    throw new DTypeError(op, `dtype must be 'float64' or 'float32', got ${String(dtype)}`)
  return dtype
}

/** Largest double strictly below `x` (finite, x > -Infinity). */
const below64 = (x: number): number => {
  if (x === 0) return -Number.MIN_VALUE
  const buf = new DataView(new ArrayBuffer(8))
  buf.setFloat64(0, x)
  const bits = buf.getBigUint64(0)
  buf.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n)
  return buf.getFloat64(0)
}

/** Largest float32 strictly below `x`. */
const below32 = (x: number): number => {
  const f = Math.fround(x)
  if (f < x) return f
  if (f === 0) return -1.401298464324817e-45
  const buf = new DataView(new ArrayBuffer(4))
  buf.setFloat32(0, f)
  const bits = buf.getUint32(0)
  buf.setUint32(0, f > 0 ? bits - 1 : bits + 1)
  return buf.getFloat32(0)
}

/**
 * Uniform samples in `[low, high)` (default `[0, 1)`) of the given shape; float64 unless `dtype: 'float32'`.
 */
export const uniform = (
  k: Key,
  shape: readonly number[],
  options?: { readonly low?: number; readonly high?: number; readonly dtype?: 'float64' | 'float32' },
): Tensor => {
  checkKey('uniform', k)
  const n = checkDrawShape('uniform', shape)
  const low = options?.low ?? 0
  const high = options?.high ?? 1
  checkFinite('uniform', 'low', low)
  checkFinite('uniform', 'high', high)
  if (!(low < high)) throw new Error(`uniform: low must be less than high, got low=${low}, high=${high}`)
  const dtype = checkFloatDType('uniform', options?.dtype ?? 'float64')
  const u = unit(k, n)
  // high - low overflows when the range is wider than the largest double: then scale by halves
  const half = !Number.isFinite(high - low)
  const width = half ? high / 2 - low / 2 : high - low
  const top = Math.max(low, dtype === 'float32' ? below32(high) : below64(high))
  const out = allocate(dtype, n)
  for (let i = 0; i < n; i++) {
    out[i] = half ? 2 * (low / 2 + width * u[i]!) : low + width * u[i]!
    if (out[i]! >= high) out[i] = top
  }
  return wrap(out, shape, dtype)
}

/** Normal samples with the given `mean` (default 0) and `std` (default 1), by Box–Muller on fresh blocks. */
export const normal = (
  k: Key,
  shape: readonly number[],
  options?: { readonly mean?: number; readonly std?: number; readonly dtype?: 'float64' | 'float32' },
): Tensor => {
  checkKey('normal', k)
  const n = checkDrawShape('normal', shape)
  const mean = options?.mean ?? 0
  const std = options?.std ?? 1
  checkFinite('normal', 'mean', mean)
  checkFinite('normal', 'std', std)
  if (std < 0) throw new Error(`normal: std must be non-negative, got ${std}`)
  const dtype = checkFloatDType('normal', options?.dtype ?? 'float64')
  const m = n + (n & 1)
  const u = unit(k, m)
  const out = allocate(dtype, n)
  for (let j = 0; j < m; j += 2) {
    const rho = Math.sqrt(-2 * Math.log(1 - u[j]!))
    const theta = 2 * Math.PI * u[j + 1]!
    out[j] = mean + std * rho * Math.cos(theta)
    if (j + 1 < n) out[j + 1] = mean + std * rho * Math.sin(theta)
  }
  return wrap(out, shape, dtype)
}

/** 0/1 samples (float64) that are 1 with probability `p` ∈ [0, 1]. */
export const bernoulli = (k: Key, p: number, shape: readonly number[]): Tensor => {
  checkKey('bernoulli', k)
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new Error(`bernoulli: p must be a probability in [0, 1], got ${String(p)}`)
  const n = checkDrawShape('bernoulli', shape)
  const u = unit(k, n)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = u[i]! < p ? 1 : 0
  return wrap(out, shape, 'float64')
}

const INT32_MIN = -2147483648
const INT32_LIMIT = 2147483648

/** Uniform integers in `[low, high)` as int32; `low` and `high` are integers with `-2^31 ≤ low < high ≤ 2^31`. */
export const randint = (k: Key, shape: readonly number[], low: number, high: number): Tensor => {
  checkKey('randint', k)
  const n = checkDrawShape('randint', shape)
  if (!Number.isInteger(low) || !Number.isInteger(high))
    throw new Error(`randint: low and high must be integers, got low=${String(low)}, high=${String(high)}`)
  if (!(low < high)) throw new Error(`randint: low must be less than high, got low=${low}, high=${high}`)
  if (low < INT32_MIN || high > INT32_LIMIT)
    throw new Error(
      `randint: [low, high) must lie within the int32 range [-2^31, 2^31], got [${low}, ${high})`,
    )
  const range = high - low
  const u = unit(k, n)
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = low + Math.floor(u[i]! * range)
  return wrap(out, shape, 'int32')
}

const permute = (k: Key, n: number): Int32Array => {
  const perm = new Int32Array(n)
  for (let i = 0; i < n; i++) perm[i] = i
  const u = unit(k, n)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1))
    const t = perm[i]!
    perm[i] = perm[j]!
    perm[j] = t
  }
  return perm
}

/** A random permutation of `0…n-1` (int32, shape `[n]`), by Fisher–Yates driven by the key. */
export const permutation = (k: Key, n: number): Tensor => {
  checkKey('permutation', k)
  if (!Number.isInteger(n) || n < 0 || n >= INT32_LIMIT)
    throw new Error(`permutation: n must be a non-negative integer below 2^31, got ${String(n)}`)
  return wrap(permute(k, n), [n], 'int32')
}

/**
 * `a` with its slices along `axis` (default 0: the rows) reordered by `permutation(k, a.shape[axis])`.
 * The input is not changed.
 */
export const shuffle = (k: Key, a: Tensor, axis = 0): Tensor => {
  checkKey('shuffle', k)
  checkTensor('shuffle', a)
  if (a.ndim === 0) throw new ShapeError('shuffle', `cannot shuffle a scalar (shape ${showShape(a.shape)})`)
  const ax = normalizeAxis('shuffle', axis, a.ndim, a.shape)
  const n = a.shape[ax]!
  const perm = permute(k, n)
  let outer = 1
  for (let d = 0; d < ax; d++) outer *= a.shape[d]!
  let inner = 1
  for (let d = ax + 1; d < a.ndim; d++) inner *= a.shape[d]!
  const src = dataOf(a)
  const out = allocate(a.dtype, src.length)
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner
    for (let i = 0; i < n; i++) {
      const from = base + perm[i]! * inner
      const to = base + i * inner
      for (let j = 0; j < inner; j++) out[to + j] = src[from + j]!
    }
  }
  return wrap(out, a.shape, a.dtype)
}
