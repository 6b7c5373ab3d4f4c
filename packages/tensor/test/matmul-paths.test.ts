// Every matrix-product path against a naive float64 triple loop: the JS kernel, the wasm kernel with mul + add
// (`plain`) and with relaxed SIMD's multiply–add (`fma`, on Node 20 after enabling V8's relaxed-SIMD flag), and
// products whose operands come from the packed-operand cache. Then the cache itself: never stale (different
// tensors of equal shapes, one tensor as A and as B, a reshape sharing storage) and bounded.
import v8 from 'node:v8'
import vm from 'node:vm'
import fc from 'fast-check'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { DType } from '../src/dtype.js'
import { SEED, params, rng } from './helpers.js'

type TensorMod = typeof import('../src/tensor.js')
type LinalgMod = typeof import('../src/kernels/linalg.js')
type GemmMod = typeof import('../src/kernels/wasm/gemm.js')
type ManipMod = typeof import('../src/kernels/manip.js')
type Tensor = import('../src/tensor.js').Tensor

/** One module graph (a fresh one is imported after V8's relaxed-SIMD flag is set). */
interface Mods {
  readonly T: TensorMod
  readonly L: LinalgMod
  readonly G: GemmMod
  readonly M: ManipMod
}

const importMods = async (): Promise<Mods> => ({
  T: await import('../src/tensor.js'),
  L: await import('../src/kernels/linalg.js'),
  G: await import('../src/kernels/wasm/gemm.js'),
  M: await import('../src/kernels/manip.js'),
})

const randomTensor = (mods: Mods, rand: () => number, shape: readonly number[], dtype: DType): Tensor => {
  const size = shape.reduce((p, d) => p * d, 1)
  const v = Array.from({ length: size }, () =>
    dtype === 'int32' ? Math.floor(rand() * 9) - 4 : rand() * 2 - 1,
  )
  return mods.T.fromArray(v, shape, { dtype })
}

/**
 * Checks `got` (m×n) against the naive float64 product of A (m×k) and B (k×n), read from the stored 2-D tensors
 * `a` and `b` (transposed when `ta`/`tb`). Error bound per entry: float32 results may accumulate in float32,
 * (k + 2)·2⁻²³ relative to Σ|aᵢₖbₖⱼ|; float64 results 1e-12 of it.
 */
const expectProduct = (mods: Mods, got: Tensor, a: Tensor, b: Tensor, ta: boolean, tb: boolean): void => {
  const ad = mods.T.dataOf(a)
  const bd = mods.T.dataOf(b)
  const [ar, ac] = [a.shape[0]!, a.shape[1]!]
  const [br, bc] = [b.shape[0]!, b.shape[1]!]
  const m = ta ? ac : ar
  const k = ta ? ar : ac
  const n = tb ? br : bc
  expect(got.shape).toEqual([m, n])
  const A = (i: number, q: number): number => (ta ? ad[q * ac + i]! : ad[i * ac + q]!)
  const B = (q: number, j: number): number => (tb ? bd[j * bc + q]! : bd[q * bc + j]!)
  const tol = got.dtype === 'float32' ? (k + 2) * 2 ** -23 : 1e-12
  const g = mods.T.dataOf(got)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      let scale = 0
      for (let q = 0; q < k; q++) {
        const p = A(i, q) * B(q, j)
        s += p
        scale += Math.abs(p)
      }
      const err = Math.abs(g[i * n + j]! - s)
      if (!(err <= tol * scale + 1e-300))
        expect.fail(
          `[${m},${k}]@[${k},${n}] ta=${ta} tb=${tb} ${got.dtype}: entry (${i},${j}) is ${g[i * n + j]!}, want ${s}`,
        )
    }
}

/** a·b (with transposes) through the public kernels. */
const product = (mods: Mods, a: Tensor, b: Tensor, ta: boolean, tb: boolean): Tensor =>
  ta || tb ? mods.L.matmulTransposed(a, b, { transA: ta, transB: tb }) : mods.L.matmul(a, b)

/** Stored shapes of A (m×k, transposed when ta) and B (k×n, transposed when tb). */
const stored = (m: number, k: number, n: number, ta: boolean, tb: boolean): [number[], number[]] => [
  ta ? [k, m] : [m, k],
  tb ? [n, k] : [k, n],
]

/**
 * Shapes at the wasm kernel's edges: 1s, m not a multiple of the 4-row tile, n not a multiple of the 8 (float32) or
 * 4 (float64) column tile, k across the 256-deep k blocks, n across the 512 / 256 column blocks, m across row
 * blocks.
 */
const EDGES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [1, 37, 9],
  [9, 37, 1],
  [3, 300, 7],
  [33, 257, 9],
  [5, 2, 261],
  [18, 513, 11],
  [7, 20, 520],
  [64, 64, 64],
]

/** The checks every path gets: block-edge shapes and a property over random shapes, both dtypes, all transposes. */
const checkPath = (mods: () => Mods, select: () => void, seed: number): void => {
  it('block-edge shapes, every transA/transB, float32 and float64', () => {
    select()
    const rand = rng(seed)
    for (const [m, k, n] of EDGES)
      for (const dtype of ['float32', 'float64'] as const)
        for (const ta of [false, true])
          for (const tb of [false, true]) {
            const [as, bs] = stored(m, k, n, ta, tb)
            const a = randomTensor(mods(), rand, as, dtype)
            const b = randomTensor(mods(), rand, bs, dtype)
            expectProduct(mods(), product(mods(), a, b, ta, tb), a, b, ta, tb)
          }
  })

  it('property: random shapes 1..40 (and mixed dtypes) agree with the naive loop', () => {
    select()
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<[DType, DType]>(
          ['float32', 'float32'],
          ['float64', 'float64'],
          ['float32', 'float64'],
          ['int32', 'float32'],
        ),
        fc.integer(),
        (m, k, n, ta, tb, [da, db], s) => {
          const rand = rng(s)
          const [as, bs] = stored(m, k, n, ta, tb)
          const a = randomTensor(mods(), rand, as, da)
          const b = randomTensor(mods(), rand, bs, db)
          expectProduct(mods(), product(mods(), a, b, ta, tb), a, b, ta, tb)
        },
      ),
      params(60),
    )
  })
}

/** Size of the operands the cache holds (it skips operands under 4096 elements). */
const big = (rand: () => number): number => 64 + Math.floor(rand() * 70)

describe('matmul paths (engine defaults)', () => {
  let mods: Mods
  beforeAll(async () => {
    mods = await importMods()
  })
  afterEach(() => {
    mods.G.setMatmulPath('auto')
    mods.G.setGemmVariant('auto')
  })

  it('the relaxed-SIMD probe decides the variant; forcing fma without it runs plain', () => {
    const api = (globalThis as unknown as { WebAssembly: { validate: (b: Uint8Array) => boolean } })
      .WebAssembly
    const has = api.validate(mods.G.relaxedProbeBytes())
    expect(mods.G.relaxedSimdAvailable()).toBe(has)
    expect(api.validate(mods.G.gemmModuleBytes(false))).toBe(true)
    expect(api.validate(mods.G.gemmModuleBytes(true))).toBe(has)
    expect(mods.G.gemmVariant()).toBe(has ? 'fma' : 'plain')
    mods.G.setGemmVariant('plain')
    expect(mods.G.gemmVariant()).toBe('plain')
    mods.G.setGemmVariant('fma')
    expect(mods.G.gemmVariant()).toBe(has ? 'fma' : 'plain')
  })

  for (const [name, select] of [
    [
      'js',
      () => {
        mods.G.setMatmulPath('js')
      },
    ],
    [
      'wasm plain',
      () => {
        mods.G.setMatmulPath('wasm')
        mods.G.setGemmVariant('plain')
      },
    ],
  ] as const)
    describe(name, () => {
      checkPath(() => mods, select, SEED + name.length)
    })

  describe('wasm with cached packing', () => {
    it('property: third product of the same operands (both from the cache) equals the first and the loop', () => {
      mods.G.setMatmulPath('wasm')
      mods.G.setGemmVariant('plain')
      fc.assert(
        fc.property(
          fc.integer(),
          fc.boolean(),
          fc.boolean(),
          fc.constantFrom<DType>('float32', 'float64'),
          (s, ta, tb, dtype) => {
            const rand = rng(s)
            const [m, k, n] = [big(rand), big(rand), big(rand)]
            const [as, bs] = stored(m, k, n, ta, tb)
            const a = randomTensor(mods, rand, as, dtype)
            const b = randomTensor(mods, rand, bs, dtype)
            const hits0 = mods.G.packCacheStats().hits
            const c1 = product(mods, a, b, ta, tb)
            product(mods, a, b, ta, tb) // second packing: cached from here on
            const c3 = product(mods, a, b, ta, tb)
            expect(mods.G.packCacheStats().hits - hits0).toBe(2) // A and B of the third product
            expect(Array.from(mods.T.dataOf(c3))).toEqual(Array.from(mods.T.dataOf(c1)))
            expectProduct(mods, c3, a, b, ta, tb)
          },
        ),
        params(8),
      )
    })

    it('is never stale: tensors of equal shapes, one tensor as A and as B, a reshape sharing storage', () => {
      mods.G.setMatmulPath('wasm')
      const rand = rng(SEED + 11)
      for (const dtype of ['float32', 'float64'] as const) {
        const x = randomTensor(mods, rand, [96, 96], dtype)
        const y = randomTensor(mods, rand, [96, 96], dtype)
        // each pair several times, interleaved, so that every operand is served from the cache
        for (let r = 0; r < 3; r++)
          for (const [a, b, ta, tb] of [
            [x, y, false, false],
            [y, x, false, false],
            [x, x, false, false],
            [x, x, true, false],
            [x, x, false, true],
            [y, y, true, true],
            [x, y, true, false],
          ] as const)
            expectProduct(mods, product(mods, a, b, ta, tb), a, b, ta, tb)
        // the same storage under another shape: [96,96] → [48,192] (same data, other rows and strides)
        const z = mods.M.reshape(x, [48, 192])
        const w = randomTensor(mods, rand, [192, 70], dtype)
        for (let r = 0; r < 3; r++) {
          expectProduct(mods, product(mods, z, w, false, false), z, w, false, false)
          expectProduct(mods, product(mods, x, x, false, false), x, x, false, false)
        }
      }
      expect(mods.G.packCacheStats().hits).toBeGreaterThan(0)
    })

    it('forgets the packed forms of an operand once its tensor is garbage-collected', async () => {
      mods.G.setMatmulPath('wasm')
      mods.G.clearPackCache()
      v8.setFlagsFromString('--expose-gc')
      const gc = vm.runInNewContext('gc') as () => void
      const rand = rng(SEED + 13)
      const b = randomTensor(mods, rand, [200, 64], 'float64')
      const use = (): void => {
        const a = randomTensor(mods, rand, [100, 200], 'float64')
        for (let r = 0; r < 3; r++) product(mods, a, b, false, false)
      }
      use()
      expect(mods.G.packCacheStats().entries).toBe(2) // a's and b's panels
      // weak references are cleared after the current job: collect across a few turns of the event loop
      for (let t = 0; t < 5 && mods.G.packCacheStats().entries > 1; t++) {
        await new Promise((resolve) => setTimeout(resolve, 0))
        gc()
      }
      expect(mods.G.packCacheStats().entries).toBe(1) // b is still alive
      expect(mods.G.packCacheStats().bytes).toBe(64 * 200 * 8) // b's panels: 64 columns need no padding
    })

    it('is bounded: many large operands never hold more than PACK_CACHE_BYTES, evicted ones still multiply right', () => {
      mods.G.setMatmulPath('wasm')
      mods.G.clearPackCache()
      const rand = rng(SEED + 12)
      const b = randomTensor(mods, rand, [512, 8], 'float64')
      // 14 operands of 1024×512 float64: 4 MiB packed each, 56 MiB in all against a 32 MiB bound
      const as = Array.from({ length: 14 }, () => randomTensor(mods, rand, [1024, 512], 'float64'))
      let most = 0
      for (const a of as)
        for (let r = 0; r < 3; r++) {
          product(mods, a, b, false, false)
          const { bytes } = mods.G.packCacheStats()
          most = Math.max(most, bytes)
          expect(bytes).toBeLessThanOrEqual(mods.G.PACK_CACHE_BYTES)
        }
      expect(most).toBeGreaterThan(mods.G.PACK_CACHE_BYTES / 2) // the cache was used, and filled
      expect(mods.G.packCacheStats().entries).toBeLessThan(as.length)
      // the first operands were evicted: multiplying them again packs them afresh, still right
      expectProduct(mods, product(mods, as[0]!, b, false, false), as[0]!, b, false, false)
      mods.G.clearPackCache()
      expect(mods.G.packCacheStats()).toEqual({ entries: 0, bytes: 0, hits: 0, misses: 0 })
    })
  })
})

describe('matmul paths: wasm fma (relaxed SIMD enabled through V8 flags)', () => {
  let mods: Mods
  let available = false
  beforeAll(async () => {
    // Node 20's V8 has relaxed SIMD behind a flag (on by default from V8 11.4, i.e. Node ≥ 22 and Chromium ≥ 114);
    // setting it before a fresh import of the modules makes the probe see it
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd')
    vi.resetModules()
    mods = await importMods()
    available = mods.G.relaxedSimdAvailable()
  })
  afterEach(() => {
    mods.G.setMatmulPath('auto')
    mods.G.setGemmVariant('auto')
  })

  it('the engine now validates relaxed SIMD and auto picks fma', () => {
    expect(available).toBe(true)
    expect(mods.G.gemmVariant()).toBe('fma')
  })

  const select = (): void => {
    mods.G.setMatmulPath('wasm')
    mods.G.setGemmVariant('fma')
    expect(mods.G.gemmVariant()).toBe('fma')
  }
  checkPath(() => mods, select, SEED + 21)

  it('plain and fma agree (float64, to 1e-12 of Σ|terms|) on a product above the threshold', () => {
    const rand = rng(SEED + 22)
    const a = randomTensor(mods, rand, [130, 300], 'float64')
    const b = randomTensor(mods, rand, [300, 70], 'float64')
    mods.G.setGemmVariant('fma')
    const f = mods.T.dataOf(mods.L.matmul(a, b))
    mods.G.setGemmVariant('plain')
    const p = mods.T.dataOf(mods.L.matmul(a, b))
    for (let e = 0; e < f.length; e++) expect(Math.abs(f[e]! - p[e]!)).toBeLessThanOrEqual(300 * 1e-12)
  })
})
