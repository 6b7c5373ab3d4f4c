// The WebAssembly SIMD matmul kernel against naive loops: shapes around the dispatch threshold and the kernel's
// block boundaries, every transA/transB combination, batched and broadcast products, float32 and float64.
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import type { DType } from '../src/dtype.js'
import { matmul, matmulTransposed } from '../src/kernels/linalg.js'
import { sleb, uleb } from '../src/kernels/wasm/encoder.js'
import { gemmModuleBytes, matmulPath, setMatmulPath, wasmGemmAvailable } from '../src/kernels/wasm/gemm.js'
import { dataOf, fromArray, type Tensor } from '../src/tensor.js'
import { params, rng, SEED } from './helpers.js'

const randomTensor = (rand: () => number, shape: readonly number[], dtype: DType): Tensor => {
  const size = shape.reduce((p, d) => p * d, 1)
  const v = Array.from({ length: size }, () =>
    dtype === 'int32' ? Math.floor(rand() * 9) - 4 : rand() * 2 - 1,
  )
  return fromArray(v, shape, { dtype })
}

/** Element (i, j) of the last two axes of matrix q of `t` (shape [..., r, c]), read transposed when `trans`. */
interface Mat {
  readonly data: ArrayLike<number>
  readonly off: number
  readonly rs: number
  readonly cs: number
}
const matOf = (t: Tensor, q: number, trans: boolean): Mat => {
  const s = t.shape
  const r = s.length === 1 ? (trans ? s[0]! : 1) : s[s.length - 2]!
  const c = s.length === 1 ? 1 : s[s.length - 1]!
  const rows = s.length === 1 ? 1 : r
  const cols = s.length === 1 ? s[0]! : c
  return trans
    ? { data: dataOf(t), off: q * rows * cols, rs: 1, cs: cols }
    : { data: dataOf(t), off: q * rows * cols, rs: cols, cs: 1 }
}

/**
 * Naive product of two stacks of matrices [count, m, k] and [count, k, n] (no broadcasting; `a`, `b` given per
 * matrix), in float64, with the sum of |terms| for each entry (the scale of its rounding error).
 */
const naive = (
  a: Mat,
  b: Mat,
  m: number,
  k: number,
  n: number,
): { readonly c: Float64Array; readonly scale: Float64Array } => {
  const c = new Float64Array(m * n)
  const scale = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      let t = 0
      for (let q = 0; q < k; q++) {
        const p = a.data[a.off + i * a.rs + q * a.cs]! * b.data[b.off + q * b.rs + j * b.cs]!
        s += p
        t += Math.abs(p)
      }
      c[i * n + j] = s
      scale[i * n + j] = t
    }
  return { c, scale }
}

/** Largest |got − want| / (tolerance·scale + tiny) over the entries; ≤ 1 passes. */
const check = (got: Tensor, a: Mat[], b: Mat[], m: number, k: number, n: number, dtype: DType): void => {
  const g = dataOf(got)
  // float32: k float32 roundings of partial sums plus the rounding of the inputs' products
  const tol = dtype === 'float32' ? (k + 2) * 2 ** -23 : 1e-12
  for (let q = 0; q < a.length; q++) {
    const { c, scale } = naive(a[q]!, b[q]!, m, k, n)
    for (let e = 0; e < m * n; e++) {
      const err = Math.abs(g[q * m * n + e]! - c[e]!)
      if (!(err <= tol * scale[e]! + 1e-300))
        expect.fail(`matrix ${q}, entry ${e}: got ${g[q * m * n + e]!}, want ${c[e]!} (scale ${scale[e]!})`)
    }
  }
}

/** Multiplies 2-D operands of the given logical shapes through the current path and checks against the loop. */
const checkProduct = (
  rand: () => number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  dtype: DType,
): void => {
  const a = randomTensor(rand, transA ? [k, m] : [m, k], dtype)
  const b = randomTensor(rand, transB ? [n, k] : [k, n], dtype)
  const c = transA || transB ? matmulTransposed(a, b, { transA, transB }) : matmul(a, b)
  expect(c.shape).toEqual([m, n])
  expect(c.dtype).toBe(dtype === 'float32' ? 'float32' : 'float64')
  check(c, [matOf(a, 0, transA)], [matOf(b, 0, transB)], m, k, n, dtype === 'float32' ? 'float32' : 'float64')
}

const TRANS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const

/**
 * A per-test budget for the tests that multiply products of a few hundred per side and check them against naive
 * loops: ~0.1–0.4 s on an idle machine, many times that on a loaded shared one. It is a budget, not a timing
 * assertion: vitest's 5 s default failed them under load.
 */
const BUDGET = 60_000

afterEach(() => {
  setMatmulPath('auto')
})

describe('wasm encoder', () => {
  it('encodes LEB128 (the specification examples and edges)', () => {
    expect(uleb(0)).toEqual([0])
    expect(uleb(127)).toEqual([0x7f])
    expect(uleb(128)).toEqual([0x80, 0x01])
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26])
    expect(sleb(0)).toEqual([0])
    expect(sleb(-1)).toEqual([0x7f])
    expect(sleb(63)).toEqual([0x3f])
    expect(sleb(64)).toEqual([0xc0, 0x00])
    expect(sleb(-64)).toEqual([0x40])
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78])
  })

  it('emits a module the engine validates', () => {
    const api = (globalThis as unknown as { WebAssembly: { validate: (bytes: Uint8Array) => boolean } })
      .WebAssembly
    expect(api.validate(gemmModuleBytes())).toBe(true)
  })
})

describe('wasm SIMD matmul', () => {
  it('instantiates on this engine (Node ≥ 16 has SIMD128)', () => {
    expect(wasmGemmAvailable()).toBe(true)
    expect(matmulPath()).toBe('auto')
  })

  // Block edges: row tiles of 4, column tiles of 8 (f32) or 6 (f64), k blocks of 256, row blocks of 64.
  const edgeShapes: readonly (readonly [number, number, number])[] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 1, 12],
    [7, 9, 8],
    [9, 17, 16],
    [5, 2, 13],
    [8, 255, 6],
    [11, 256, 24],
    [63, 257, 25],
    [64, 64, 64],
    [65, 3, 11],
    [129, 300, 7],
    [2, 513, 1],
  ]
  for (const dtype of ['float64', 'float32'] as const)
    it(
      `forced: block-edge shapes, every transA/transB (${dtype})`,
      () => {
        setMatmulPath('wasm')
        const rand = rng(SEED)
        for (const [m, k, n] of edgeShapes)
          for (const [ta, tb] of TRANS) checkProduct(rand, m, k, n, ta, tb, dtype)
      },
      BUDGET,
    )

  for (const dtype of ['float64', 'float32'] as const)
    it(
      `auto: random shapes 1..300 around the threshold, every transA/transB (${dtype})`,
      () => {
        const rand = rng(SEED + 1)
        const dim = (): number => 1 + Math.floor(rand() * (rand() < 0.5 ? 300 : 90))
        for (let t = 0; t < 12; t++) {
          const [ta, tb] = TRANS[t % 4]!
          checkProduct(rand, dim(), dim(), dim(), ta, tb, dtype)
        }
      },
      BUDGET,
    )

  it(
    'auto: above the threshold the two kernels agree (float64 to 1e-12 relative)',
    () => {
      const rand = rng(SEED + 2)
      for (const [ta, tb] of TRANS) {
        // m·k·n = 100·130·70 ≈ 14·64³: well above the float64 threshold, two 64-row blocks, n not a tile multiple
        const a = randomTensor(rand, ta ? [130, 100] : [100, 130], 'float64')
        const b = randomTensor(rand, tb ? [70, 130] : [130, 70], 'float64')
        const wasm = matmulTransposed(a, b, { transA: ta, transB: tb })
        setMatmulPath('js')
        const js = matmulTransposed(a, b, { transA: ta, transB: tb })
        setMatmulPath('auto')
        const w = dataOf(wasm)
        const j = dataOf(js)
        // one assertion on the worst entry (an expect per entry cost ~50k matcher calls and dominated the test)
        let absMax = 0
        let worst = 0
        let at = -1
        for (let e = 0; e < j.length; e++) {
          absMax = Math.max(absMax, Math.abs(j[e]!))
          const d = Math.abs(w[e]! - j[e]!)
          if (!(d <= worst)) [worst, at] = [d, e]
        }
        expect(
          worst,
          `entry ${String(at)}: wasm ${String(w[at])} vs js ${String(j[at])}`,
        ).toBeLessThanOrEqual(1e-12 * absMax)
      }
    },
    BUDGET,
  )

  it('forced: batched products with broadcast batch dims, transposed operands, per matrix', () => {
    setMatmulPath('wasm')
    const rand = rng(SEED + 3)
    for (const dtype of ['float64', 'float32'] as const)
      for (const [ta, tb] of TRANS) {
        const [m, k, n] = [9, 70, 14]
        const a = randomTensor(rand, [3, 1, ...(ta ? [k, m] : [m, k])], dtype)
        const b = randomTensor(rand, [2, ...(tb ? [n, k] : [k, n])], dtype)
        const c = matmulTransposed(a, b, { transA: ta, transB: tb })
        expect(c.shape).toEqual([3, 2, m, n])
        // matrix (x, y) of the result multiplies a[x, 0] by b[y]
        const as: Mat[] = []
        const bs: Mat[] = []
        for (let x = 0; x < 3; x++)
          for (let y = 0; y < 2; y++) {
            as.push(matOf(a, x, ta))
            bs.push(matOf(b, y, tb))
          }
        check(c, as, bs, m, k, n, dtype)
        // a shared B (packed once for the whole batch)
        const shared = randomTensor(rand, tb ? [n, k] : [k, n], dtype)
        const c2 = matmulTransposed(a, shared, { transA: ta, transB: tb })
        expect(c2.shape).toEqual([3, 1, m, n])
        check(
          c2,
          [0, 1, 2].map((x) => matOf(a, x, ta)),
          [0, 1, 2].map(() => matOf(shared, 0, tb)),
          m,
          k,
          n,
          dtype,
        )
      }
  })

  it('forced: vector operands and mixed dtypes follow matmul semantics', () => {
    setMatmulPath('wasm')
    const rand = rng(SEED + 4)
    const v = randomTensor(rand, [37], 'float64')
    const mtx = randomTensor(rand, [37, 19], 'float64')
    const vm = matmul(v, mtx)
    expect(vm.shape).toEqual([19])
    check(vm, [matOf(v, 0, false)], [matOf(mtx, 0, false)], 1, 37, 19, 'float64')
    const mv = matmul(randomTensor(rand, [19, 37], 'float64'), v)
    expect(mv.shape).toEqual([19])
    // float32 × int32 → float32; int32 × int32 → float64
    for (const [da, db, out] of [
      ['float32', 'int32', 'float32'],
      ['int32', 'int32', 'float64'],
    ] as const) {
      const a = randomTensor(rand, [21, 33], da)
      const b = randomTensor(rand, [33, 17], db)
      const c = matmul(a, b)
      expect(c.dtype).toBe(out)
      check(c, [matOf(a, 0, false)], [matOf(b, 0, false)], 21, 33, 17, out)
    }
  })

  it(
    'forced: property over small random shapes and transposes agrees with the naive loop',
    () => {
      setMatmulPath('wasm')
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 1, max: 20 }),
          fc.boolean(),
          fc.boolean(),
          fc.constantFrom('float64' as const, 'float32' as const),
          fc.integer(),
          (m, k, n, ta, tb, dtype, seed) => {
            checkProduct(rng(seed), m, k, n, ta, tb, dtype)
          },
        ),
        params(150),
      )
    },
    BUDGET,
  )

  it('forced js: the fallback kernel still computes large products', () => {
    setMatmulPath('js')
    const rand = rng(SEED + 5)
    checkProduct(rand, 70, 80, 90, false, true, 'float64')
    checkProduct(rand, 70, 80, 90, true, false, 'float32')
  })

  it('leaves its operands unchanged and returns fresh storage each call', () => {
    setMatmulPath('wasm')
    const rand = rng(SEED + 6)
    const a = randomTensor(rand, [30, 40], 'float32')
    const b = randomTensor(rand, [40, 50], 'float32')
    const a0 = dataOf(a).slice()
    const b0 = dataOf(b).slice()
    const c1 = matmul(a, b)
    const c2 = matmul(a, b)
    expect(dataOf(a)).toEqual(a0)
    expect(dataOf(b)).toEqual(b0)
    expect(dataOf(c1)).not.toBe(dataOf(c2))
    expect(dataOf(c1)).toEqual(dataOf(c2))
  })
})
