// Tests for the counter-based generator: known answers, the documented construction, determinism, independence
// of split/fold streams, distribution checks with ~6-standard-error bounds (a correct generator essentially never
// fails them; a broken one does), and every error path.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bernoulli,
  fold,
  isKey,
  key,
  normal,
  permutation,
  randint,
  shuffle,
  split,
  threefry2x32,
  uniform,
  type Key,
} from '../src/random.js'
import { fromArray, tensor, toArray, type Tensor } from '../src/tensor.js'
import { DTypeError, ShapeError } from '../src/errors.js'
import { params, ravel, unravel, values } from './helpers.js'

const N = 100_000
const TWO32 = 4294967296
const TWO53 = 9007199254740992

const meanOf = (xs: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += xs[i]!
  return s / xs.length
}
const varianceOf = (xs: ArrayLike<number>): number => {
  const m = meanOf(xs)
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2
  return s / (xs.length - 1)
}
/** Pearson chi-square statistic of observed counts against equal expected counts. */
const chiSquareUniform = (counts: readonly number[]): number => {
  const total = counts.reduce((a, b) => a + b, 0)
  const e = total / counts.length
  return counts.reduce((acc, c) => acc + (c - e) ** 2 / e, 0)
}
/** Mean + 6 standard deviations of a chi-square with `dof` degrees of freedom. */
const chiBound = (dof: number): number => dof + 6 * Math.sqrt(2 * dof)

/** The documented block → double map, written independently of the implementation. */
const unitOf = (k: Key, i: number): number => {
  const [w0, w1] = threefry2x32(k.words, [Math.floor(i / TWO32), i % TWO32])
  return ((w0 >>> 11) * TWO32 + w1) / TWO53
}

describe('Threefry-2x32 known answers (Random123 kat_vectors, 20 rounds)', () => {
  it('matches the published vectors', () => {
    expect(threefry2x32([0, 0], [0, 0])).toEqual([0x6b200159, 0x99ba4efe])
    expect(threefry2x32([0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([0x1cb996fc, 0xbb002be7])
    expect(threefry2x32([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3])).toEqual([0xc4923a9c, 0x483df7a0])
  })

  it('split and fold use the block function with the documented counters', () => {
    // key(0) = (0, 0) and split(k)[0] = threefry(k, (0, 0)): the first published vector.
    expect(split(key(0), 1)[0]!.words).toEqual([0x6b200159, 0x99ba4efe])
    // key(-1) = (2^32-1, 2^32-1) and fold(k, -1) = threefry(k, (2^32-1, 2^32-1)): the second vector.
    expect(fold(key(-1), -1).words).toEqual([0x1cb996fc, 0xbb002be7])
  })
})

describe('key', () => {
  it('holds the seed as (hi, lo) 32-bit words, like JAX', () => {
    expect(key(0).words).toEqual([0, 0])
    expect(key(42).words).toEqual([0, 42])
    expect(key(2 ** 32 + 5).words).toEqual([1, 5])
    expect(key(2 ** 53 - 1).words).toEqual([2 ** 21 - 1, 2 ** 32 - 1])
    expect(key(-1).words).toEqual([0xffffffff, 0xffffffff])
    expect(key(-(2 ** 32)).words).toEqual([0xffffffff, 0])
  })

  it('is frozen plain data that survives JSON', () => {
    const k = key(7)
    expect(Object.isFrozen(k)).toBe(true)
    expect(Object.isFrozen(k.words)).toBe(true)
    expect(k.kind).toBe('cotangent.key')
    const back: unknown = JSON.parse(JSON.stringify(k))
    expect(isKey(back)).toBe(true)
    expect(values(uniform(back as Key, [5]))).toEqual(values(uniform(k, [5])))
  })

  it('isKey rejects everything else', () => {
    for (const x of [
      null,
      undefined,
      3,
      'key',
      [0, 0],
      {},
      { kind: 'cotangent.key' },
      { kind: 'cotangent.key', words: [0] },
    ])
      expect(isKey(x)).toBe(false)
    expect(isKey({ kind: 'cotangent.key', words: [-1, 0] })).toBe(false)
    expect(isKey({ kind: 'cotangent.key', words: [0, 2 ** 32] })).toBe(false)
    expect(isKey({ kind: 'cotangent.key', words: [0.5, 0] })).toBe(false)
    expect(isKey({ kind: 'other', words: [0, 0] })).toBe(false)
    expect(isKey(key(1))).toBe(true)
    expect(isKey({ kind: 'cotangent.key', words: [0x13198a2e, 0x03707344] })).toBe(true)
  })
})

describe('determinism and counter mode', () => {
  it('the same key gives the same numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
        const a = key(seed)
        const b = key(seed)
        expect(values(uniform(a, [17]))).toEqual(values(uniform(b, [17])))
        expect(values(normal(a, [9]))).toEqual(values(normal(b, [9])))
        expect(values(randint(a, [9], -5, 5))).toEqual(values(randint(b, [9], -5, 5)))
        expect(values(permutation(a, 12))).toEqual(values(permutation(b, 12)))
      }),
      params(50),
    )
  })

  it('element i of uniform is block i mapped to [0, 1) by its top 53 bits', () => {
    const k = key(2024)
    const u = values(uniform(k, [64]))
    u.forEach((x, i) => {
      expect(x).toBe(unitOf(k, i))
    })
    const scaled = values(uniform(k, [8], { low: -3, high: 5 }))
    scaled.forEach((x, i) => {
      expect(x).toBe(-3 + 8 * unitOf(k, i))
    })
  })

  it('a draw is a prefix of a longer draw, and the shape only arranges the values', () => {
    const k = key(5)
    expect(values(uniform(k, [10]))).toEqual(values(uniform(k, [100])).slice(0, 10))
    expect(values(uniform(k, [2, 5]))).toEqual(values(uniform(k, [10])))
    expect(values(normal(k, [5]))).toEqual(values(normal(k, [6])).slice(0, 5))
    expect(uniform(k, [2, 5]).shape).toEqual([2, 5])
    expect(uniform(k, []).shape).toEqual([])
    expect(uniform(k, [0, 4]).size).toBe(0)
  })

  it('split keys are threefry(k, (0, i)), distinct and deterministic', () => {
    const k = key(11)
    const ks = split(k, 50)
    expect(ks).toHaveLength(50)
    ks.forEach((s, i) => {
      expect(s.words).toEqual(threefry2x32(k.words, [0, i]))
      expect(isKey(s)).toBe(true)
    })
    expect(new Set(ks.map((s) => s.words.join(':'))).size).toBe(50)
    expect(split(k, 50).map((s) => s.words)).toEqual(ks.map((s) => s.words))
    expect(split(k)).toHaveLength(2)
    expect(split(k, 0)).toEqual([])
    expect(ks.some((s) => s.words[0] === k.words[0] && s.words[1] === k.words[1])).toBe(false)
  })

  it('split streams are different and uncorrelated', () => {
    const [a, b] = split(key(3)) as [Key, Key]
    const x = toArray(uniform(a, [N]))
    const y = toArray(uniform(b, [N]))
    expect(Array.from(x.slice(0, 20))).not.toEqual(Array.from(y.slice(0, 20)))
    const mx = meanOf(x)
    const my = meanOf(y)
    let sxy = 0
    for (let i = 0; i < N; i++) sxy += (x[i]! - mx) * (y[i]! - my)
    const corr = sxy / (N - 1) / Math.sqrt(varianceOf(x) * varianceOf(y))
    expect(Math.abs(corr)).toBeLessThan(6 / Math.sqrt(N))
  })

  it('fold differs per data and from the parent key', () => {
    const k = key(99)
    const folded = Array.from({ length: 200 }, (_, d) => fold(k, d))
    expect(new Set(folded.map((f) => f.words.join(':'))).size).toBe(200)
    folded.forEach((f, d) => {
      expect(f.words).toEqual(threefry2x32(k.words, [0, d]))
    })
    expect(fold(k, 1).words).not.toEqual(k.words)
    expect(fold(k, 2 ** 40).words).toEqual(threefry2x32(k.words, [2 ** 8, 0]))
    expect(fold(k, 5).words).toEqual(fold(k, 5).words)
    expect(fold(key(1), 5).words).not.toEqual(fold(key(2), 5).words)
  })

  it('different seeds give different streams', () => {
    expect(values(uniform(key(1), [8]))).not.toEqual(values(uniform(key(2), [8])))
  })
})

describe('uniform', () => {
  it('lies in [low, high) with the right mean, variance and flat histogram (n = 10^5)', () => {
    const low = -2
    const high = 3
    const w = high - low
    const x = toArray(uniform(key(1), [N], { low, high }))
    let lo = Infinity
    let hi = -Infinity
    const bins = new Array<number>(10).fill(0)
    for (const v of x) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
      bins[Math.floor(((v - low) / w) * 10)]!++
    }
    expect(lo).toBeGreaterThanOrEqual(low)
    expect(hi).toBeLessThan(high)
    expect(Math.abs(meanOf(x) - 0.5)).toBeLessThan((6 * w) / Math.sqrt(12 * N))
    const varSE = Math.sqrt((w ** 4 * (1 / 80 - 1 / 144)) / N)
    expect(Math.abs(varianceOf(x) - w ** 2 / 12)).toBeLessThan(6 * varSE)
    expect(chiSquareUniform(bins)).toBeLessThan(chiBound(9))
  })

  it('float32 draws are the float64 draws rounded, still below high', () => {
    const k = key(8)
    const f = uniform(k, [1000], { dtype: 'float32' })
    expect(f.dtype).toBe('float32')
    const d = toArray(uniform(k, [1000]))
    const fv = toArray(f)
    for (let i = 0; i < 1000; i++) {
      expect(fv[i]).toBe(Math.fround(d[i]!))
      expect(fv[i]).toBeLessThan(1)
    }
  })

  it('clamps values that rounding pushes onto high', () => {
    // With high = nextafter(1), half of the raw values 1 + 2^-52·u round up to high; all must stay at 1.
    const x = values(uniform(key(4), [200], { low: 1, high: 1 + 2 ** -52 }))
    expect(x.every((v) => v === 1)).toBe(true)
    const y = values(uniform(key(4), [200], { low: 1, high: 1 + 2 ** -23, dtype: 'float32' }))
    expect(y.every((v) => v === 1)).toBe(true)
  })
})

describe('normal', () => {
  it('is Box–Muller on pairs of blocks, as documented', () => {
    const k = key(12)
    const z = values(normal(k, [6]))
    for (let j = 0; j < 6; j += 2) {
      const rho = Math.sqrt(-2 * Math.log(1 - unitOf(k, j)))
      const theta = 2 * Math.PI * unitOf(k, j + 1)
      expect(z[j]).toBeCloseTo(rho * Math.cos(theta), 14)
      expect(z[j + 1]).toBeCloseTo(rho * Math.sin(theta), 14)
    }
  })

  it('has mean 0, std 1 and normal tails (n = 10^5)', () => {
    const z = toArray(normal(key(2), [N]))
    expect(Math.abs(meanOf(z))).toBeLessThan(6 / Math.sqrt(N))
    expect(Math.abs(varianceOf(z) - 1)).toBeLessThan(6 * Math.sqrt(2 / N))
    let tail = 0
    for (const v of z) if (Math.abs(v) > 1.959963984540054) tail++
    expect(Math.abs(tail / N - 0.05)).toBeLessThan(6 * Math.sqrt((0.05 * 0.95) / N))
    expect(z.every((v) => Number.isFinite(v))).toBe(true)
  })

  it('honours mean, std and dtype', () => {
    const z = toArray(normal(key(6), [N], { mean: 3, std: 2 }))
    expect(Math.abs(meanOf(z) - 3)).toBeLessThan((6 * 2) / Math.sqrt(N))
    expect(Math.abs(varianceOf(z) - 4)).toBeLessThan(6 * 4 * Math.sqrt(2 / N))
    expect(values(normal(key(6), [4], { mean: 1.5, std: 0 }))).toEqual([1.5, 1.5, 1.5, 1.5])
    const f = normal(key(6), [3], { dtype: 'float32' })
    expect(f.dtype).toBe('float32')
    expect(values(f)).toEqual(values(normal(key(6), [3])).map(Math.fround))
  })
})

describe('bernoulli', () => {
  it('is 1 with frequency p (n = 10^5)', () => {
    for (const p of [0.3, 0.9]) {
      const b = bernoulli(key(3), p, [N])
      expect(b.dtype).toBe('float64')
      const x = toArray(b)
      expect(x.every((v) => v === 0 || v === 1)).toBe(true)
      expect(Math.abs(meanOf(x) - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / N))
    }
  })

  it('is u_i < p on the documented uniforms', () => {
    const k = key(17)
    const u = Array.from({ length: 200 }, (_, i) => unitOf(k, i))
    const p = u[100]! // a threshold that some element meets exactly: u < p, not u ≤ p
    expect(values(bernoulli(k, p, [200]))).toEqual(u.map((x) => (x < p ? 1 : 0)))
  })

  it('is all 0 for p = 0 and all 1 for p = 1', () => {
    expect(values(bernoulli(key(1), 0, [100])).every((v) => v === 0)).toBe(true)
    expect(values(bernoulli(key(1), 1, [100])).every((v) => v === 1)).toBe(true)
    expect(bernoulli(key(1), 0.5, [2, 3]).shape).toEqual([2, 3])
  })
})

describe('randint', () => {
  it('gives int32 values in [low, high) with a flat histogram (n = 10^5)', () => {
    const r = randint(key(21), [N], -3, 7)
    expect(r.dtype).toBe('int32')
    const counts = new Array<number>(10).fill(0)
    let outside = 0
    for (const v of toArray(r)) {
      if (Number.isInteger(v) && v >= -3 && v < 7) counts[v + 3]!++
      else outside++
    }
    expect(outside).toBe(0)
    expect(chiSquareUniform(counts)).toBeLessThan(chiBound(9))
  })

  it('is low + ⌊u_i·(high - low)⌋ on the documented uniforms', () => {
    const k = key(23)
    const got = values(randint(k, [300], -50, 77))
    got.forEach((v, i) => {
      expect(v).toBe(-50 + Math.floor(unitOf(k, i) * 127))
    })
  })

  it('covers the whole int32 range without wrapping', () => {
    const x = values(randint(key(5), [2000], -(2 ** 31), 2 ** 31))
    expect(x.every((v) => v >= -(2 ** 31) && v < 2 ** 31)).toBe(true)
    expect(x.some((v) => v < -(2 ** 30))).toBe(true)
    expect(x.some((v) => v > 2 ** 30)).toBe(true)
    expect(values(randint(key(5), [50], 4, 5)).every((v) => v === 4)).toBe(true)
  })
})

describe('permutation and shuffle', () => {
  it('permutation is a permutation of 0..n-1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 60 }), (seed, n) => {
        const p = permutation(key(seed), n)
        expect(p.dtype).toBe('int32')
        expect(p.shape).toEqual([n])
        expect(values(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
      }),
      params(100),
    )
  })

  it('is Fisher–Yates driven by the key, as documented', () => {
    const k = key(77)
    const n = 25
    const ref = Array.from({ length: n }, (_, i) => i)
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(unitOf(k, i) * (i + 1))
      ;[ref[i], ref[j]] = [ref[j]!, ref[i]!]
    }
    expect(values(permutation(k, n))).toEqual(ref)
  })

  it('differs for different keys', () => {
    const a = values(permutation(key(1), 20))
    const b = values(permutation(key(2), 20))
    expect(a).not.toEqual(b)
  })

  it('draws each of the 6 permutations of 3 items equally often', () => {
    const k = key(31)
    const counts = new Map<string, number>()
    for (let i = 0; i < 6000; i++) {
      const p = values(permutation(fold(k, i), 3)).join('')
      counts.set(p, (counts.get(p) ?? 0) + 1)
    }
    expect(counts.size).toBe(6)
    expect(chiSquareUniform([...counts.values()])).toBeLessThan(chiBound(5))
  })

  it('shuffle permutes the rows (axis 0) by permutation(k, n)', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ])
    const k = key(13)
    const perm = values(permutation(k, 4))
    const s = shuffle(k, a)
    expect(s.shape).toEqual([4, 2])
    const rows = [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]
    expect(values(s)).toEqual(perm.flatMap((i) => rows[i]!))
    expect(values(a)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('shuffle along any axis matches a naive gather, keeps the dtype and leaves the input alone', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
      .chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          fc.integer({ min: -shape.length, max: shape.length - 1 }),
          fc.nat(),
          fc.boolean(),
        ),
      )
    fc.assert(
      fc.property(arb, ([shape, axis, seed, asInt]) => {
        const size = shape.reduce((p, d) => p * d, 1)
        const a: Tensor = fromArray(
          Array.from({ length: size }, (_, i) => i * 3 - 7),
          shape,
          { dtype: asInt ? 'int32' : 'float64' },
        )
        const before = values(a)
        const k = key(seed)
        const ax = axis < 0 ? axis + shape.length : axis
        const perm = values(permutation(k, shape[ax]!))
        const s = shuffle(k, a, axis)
        expect(s.shape).toEqual(shape)
        expect(s.dtype).toBe(a.dtype)
        const got = values(s)
        for (let o = 0; o < size; o++) {
          const idx = unravel(o, shape)
          idx[ax] = perm[idx[ax]!]!
          expect(got[o]).toBe(before[ravel(idx, shape)])
        }
        expect(values(a)).toEqual(before)
      }),
      params(100),
    )
  })
})

describe('errors name the operation and the argument', () => {
  const k = key(0)
  const notKey = { kind: 'nope' } as unknown as Key

  it('key and fold reject non-integers', () => {
    expect(() => key(1.5)).toThrow('key: seed must be an integer between -(2^53-1) and 2^53-1, got 1.5')
    expect(() => key(2 ** 53)).toThrow('key: seed must be an integer')
    expect(() => key(NaN)).toThrow('key: seed must be an integer between -(2^53-1) and 2^53-1, got NaN')
    expect(() => key('3' as unknown as number)).toThrow('key: seed must be an integer')
    expect(() => fold(k, 0.5)).toThrow('fold: data must be an integer between -(2^53-1) and 2^53-1, got 0.5')
  })

  it('functions that take a key reject non-keys', () => {
    expect(() => split(notKey)).toThrow(
      'split: expected a key made by key(seed), got an object that is not a key',
    )
    expect(() => fold(42 as unknown as Key, 1)).toThrow(
      'fold: expected a key made by key(seed), got number 42',
    )
    expect(() => uniform(null as unknown as Key, [2])).toThrow(
      'uniform: expected a key made by key(seed), got null',
    )
    expect(() => normal([0, 0] as unknown as Key, [2])).toThrow(
      'normal: expected a key made by key(seed), got an array',
    )
    expect(() => bernoulli(notKey, 0.5, [2])).toThrow('bernoulli: expected a key')
    expect(() => randint(notKey, [2], 0, 3)).toThrow('randint: expected a key')
    expect(() => permutation(notKey, 3)).toThrow('permutation: expected a key')
    expect(() => shuffle(notKey, tensor([1, 2]))).toThrow('shuffle: expected a key')
  })

  it('split rejects bad counts', () => {
    expect(() => split(k, -1)).toThrow('split: n must be a non-negative integer, got -1')
    expect(() => split(k, 1.5)).toThrow('split: n must be a non-negative integer, got 1.5')
  })

  it('shapes are checked with ShapeError', () => {
    expect(() => uniform(k, [2, -1])).toThrow(ShapeError)
    expect(() => uniform(k, [2, -1])).toThrow(
      'uniform: invalid shape [2,-1]: dimensions must be non-negative integers',
    )
    expect(() => normal(k, [1.5])).toThrow('normal: invalid shape [1.5]')
    expect(() => bernoulli(k, 0.5, [3, NaN])).toThrow('bernoulli: invalid shape [3,NaN]')
    expect(() => randint(k, [-2], 0, 2)).toThrow('randint: invalid shape [-2]')
    expect(() => uniform(k, 3 as unknown as number[])).toThrow(
      'uniform: shape must be an array of dimensions, got number 3',
    )
  })

  it('uniform and normal check their parameters', () => {
    expect(() => uniform(k, [2], { low: 1, high: 1 })).toThrow(
      'uniform: low must be less than high, got low=1, high=1',
    )
    expect(() => uniform(k, [2], { low: 0, high: Infinity })).toThrow(
      'uniform: high must be a finite number, got Infinity',
    )
    expect(() => uniform(k, [2], { low: NaN })).toThrow('uniform: low must be a finite number, got NaN')
    expect(() => uniform(k, [2], { dtype: 'int32' as 'float32' })).toThrow(DTypeError)
    expect(() => uniform(k, [2], { dtype: 'int32' as 'float32' })).toThrow(
      "uniform: dtype must be 'float64' or 'float32', got int32",
    )
    expect(() => normal(k, [2], { std: -1 })).toThrow('normal: std must be non-negative, got -1')
    expect(() => normal(k, [2], { mean: Infinity })).toThrow(
      'normal: mean must be a finite number, got Infinity',
    )
    expect(() => normal(k, [2], { dtype: 'int32' as 'float32' })).toThrow(
      "normal: dtype must be 'float64' or 'float32'",
    )
  })

  it('bernoulli checks p', () => {
    expect(() => bernoulli(k, 1.5, [2])).toThrow('bernoulli: p must be a probability in [0, 1], got 1.5')
    expect(() => bernoulli(k, -0.1, [2])).toThrow('bernoulli: p must be a probability in [0, 1], got -0.1')
    expect(() => bernoulli(k, NaN, [2])).toThrow('bernoulli: p must be a probability in [0, 1], got NaN')
  })

  it('randint checks low and high', () => {
    expect(() => randint(k, [2], 3, 3)).toThrow('randint: low must be less than high, got low=3, high=3')
    expect(() => randint(k, [2], 0.5, 3)).toThrow(
      'randint: low and high must be integers, got low=0.5, high=3',
    )
    expect(() => randint(k, [2], 0, 2 ** 31 + 1)).toThrow(
      'randint: [low, high) must lie within the int32 range [-2^31, 2^31], got [0, 2147483649)',
    )
  })

  it('permutation and shuffle check n and the axis', () => {
    expect(() => permutation(k, -1)).toThrow(
      'permutation: n must be a non-negative integer below 2^31, got -1',
    )
    expect(() => permutation(k, 2.5)).toThrow(
      'permutation: n must be a non-negative integer below 2^31, got 2.5',
    )
    expect(() => shuffle(k, tensor(3))).toThrow('shuffle: cannot shuffle a scalar (shape [])')
    expect(() => shuffle(k, tensor([[1, 2]]), 2)).toThrow(
      'shuffle: axis 2 is out of range for shape [1,2] (ndim 2)',
    )
  })

  it('threefry2x32 checks its words', () => {
    expect(() => threefry2x32([0, -1], [0, 0])).toThrow(
      'threefry2x32: key and counter must be pairs of unsigned 32-bit integers, got [0,-1] and [0,0]',
    )
    expect(() => threefry2x32([0, 0], [2 ** 32, 0])).toThrow('threefry2x32: key and counter must be pairs')
  })
})
