// Large products on helper threads: every chunk on a helper (the caller takes none) gives bitwise the single-thread
// result, which agrees with a naive loop; row and column splits, ragged panels, float32 and float64, transposes.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DType } from '../src/dtype.js'
import { numThreads, setNumThreads } from '../src/index.js'
import { matmulTransposed } from '../src/kernels/linalg.js'
import { gemmThreadsReady, gemmThreadStats, wasmGemmAvailable } from '../src/kernels/wasm/gemm.js'
import {
  MIN_THREADED_MACS,
  setHelpersOnly,
  threadsFrom,
  threadsSupported,
} from '../src/kernels/wasm/threads.js'
import { dataOf, fromArray, type Tensor } from '../src/tensor.js'
import { params, rng, SEED } from './helpers.js'

const before = numThreads()
beforeAll(async () => {
  setNumThreads(2)
  await gemmThreadsReady()
})
afterAll(() => {
  setHelpersOnly(false)
  setNumThreads(before)
})

/** A random matrix of `rows`×`cols` (stored as given; the product may read it transposed). */
const randomMatrix = (rand: () => number, rows: number, cols: number, dtype: DType): Tensor =>
  fromArray(
    Array.from({ length: rows * cols }, () => rand() * 2 - 1),
    [rows, cols],
    { dtype },
  )

/** C = op(A)·op(B) by the definition, in float64. */
const naive = (a: Tensor, b: Tensor, ta: boolean, tb: boolean): Float64Array => {
  const [ar, ac] = a.shape as [number, number]
  const [br, bc] = b.shape as [number, number]
  const m = ta ? ac : ar
  const k = ta ? ar : ac
  const n = tb ? br : bc
  const A = dataOf(a)
  const B = dataOf(b)
  const c = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let q = 0; q < k; q++) s += A[ta ? q * ac + i : i * ac + q]! * B[tb ? j * bc + q : q * bc + j]!
      c[i * n + j] = s
    }
  return c
}

describe.runIf(wasmGemmAvailable() && threadsSupported())('matmul on helper threads', () => {
  it('setNumThreads takes 1 to 16 threads and rejects anything else, naming the value', () => {
    const was = numThreads()
    setNumThreads(3)
    expect(numThreads()).toBe(3)
    for (const bad of [0, -1, 1.5, 17, Number.NaN])
      expect(() => {
        setNumThreads(bad)
      }).toThrow(new RangeError(`setNumThreads: expected an integer from 1 to 16, got ${String(bad)}`))
    setNumThreads(was)
  })

  it('COTANGENT_NUM_THREADS sets the default; anything but 1 to 16 is an error naming it', () => {
    const host = (envThreads: string | undefined, cores = 8) => ({
      cores,
      envThreads,
      spawn: () => {
        throw new Error('not started in this test')
      },
    })
    expect(threadsFrom(undefined)).toBe(1)
    expect(threadsFrom(host(undefined))).toBe(4)
    expect(threadsFrom(host(undefined, 2))).toBe(2)
    expect(threadsFrom(host(''))).toBe(4)
    expect(threadsFrom(host('3'))).toBe(3)
    expect(threadsFrom(host('16'))).toBe(16)
    for (const bad of ['0', '17', '2.5', 'two', '-1'])
      expect(() => threadsFrom(host(bad))).toThrow(
        new RangeError(
          `COTANGENT_NUM_THREADS: expected an integer from 1 to 16, got '${bad}' (set a thread count, or unset it for one per core)`,
        ),
      )
  })

  it('helpers alone give bitwise the single-thread product, which agrees with a naive loop', () => {
    const sizes = fc.oneof(
      // more row panels than column panels (split by rows), and the other way round (split by columns)
      fc.record({
        m: fc.integer({ min: 200, max: 420 }),
        k: fc.integer({ min: 60, max: 130 }),
        n: fc.integer({ min: 40, max: 90 }),
      }),
      fc.record({
        m: fc.integer({ min: 17, max: 70 }),
        k: fc.integer({ min: 100, max: 300 }),
        n: fc.integer({ min: 250, max: 400 }),
      }),
    )
    fc.assert(
      fc.property(
        sizes,
        fc.constantFrom<DType>('float32', 'float64'),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        ({ m, k, n }, dtype, ta, tb, seed) => {
          fc.pre(m * k * n >= MIN_THREADED_MACS)
          const rand = rng(seed)
          const a = ta ? randomMatrix(rand, k, m, dtype) : randomMatrix(rand, m, k, dtype)
          const b = tb ? randomMatrix(rand, n, k, dtype) : randomMatrix(rand, k, n, dtype)
          // the helpers' product first: the single-thread one would leave its result in the kernel's memory
          setNumThreads(2)
          setHelpersOnly(true)
          const chunks = gemmThreadStats().helperChunks
          const two = dataOf(matmulTransposed(a, b, { transA: ta, transB: tb }))
          setHelpersOnly(false)
          expect(gemmThreadStats().helperChunks).toBeGreaterThan(chunks)
          setNumThreads(1)
          const one = dataOf(matmulTransposed(a, b, { transA: ta, transB: tb }))
          setNumThreads(2)
          expect(Array.from(two)).toEqual(Array.from(one))
          const want = naive(a, b, ta, tb)
          // float32 accumulates in float32: about k·2⁻²⁴ relative to the sum of |terms| (each |term| < 1)
          const tol = dtype === 'float32' ? k * 2 ** -22 : k * 2 ** -50
          for (let i = 0; i < want.length; i++) expect(Math.abs(two[i]! - want[i]!)).toBeLessThanOrEqual(tol)
        },
      ),
      { ...params(16), seed: SEED },
    )
  })

  it('products below the threshold stay on the calling thread', () => {
    const rand = rng(7)
    // 64·64·255 < 2²⁰ multiply–adds
    const a = randomMatrix(rand, 64, 64, 'float32')
    const b = randomMatrix(rand, 64, 255, 'float32')
    const chunks = gemmThreadStats().helperChunks
    setHelpersOnly(true)
    const c = matmulTransposed(a, b)
    setHelpersOnly(false)
    expect(gemmThreadStats().helperChunks).toBe(chunks)
    expect(c.shape).toEqual([64, 255])
  })

  it('with one thread no helper runs', () => {
    setNumThreads(1)
    const rand = rng(9)
    const a = randomMatrix(rand, 256, 128, 'float64')
    const b = randomMatrix(rand, 128, 64, 'float64')
    const chunks = gemmThreadStats().helperChunks
    matmulTransposed(a, b)
    expect(gemmThreadStats().helperChunks).toBe(chunks)
    setNumThreads(2)
  })

  it('a script whose products ran on a helper exits by itself (helpers never keep a process alive)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cotangent-threads-'))
    const script = join(dir, 'run.mts')
    const src = pathToFileURL(join(import.meta.dirname, '../src/index.ts')).href
    const gemm = pathToFileURL(join(import.meta.dirname, '../src/kernels/wasm/gemm.ts')).href
    writeFileSync(
      script,
      `import * as T from '${src}'
import { gemmThreadsReady, gemmThreadStats } from '${gemm}'
T.setNumThreads(2)
await gemmThreadsReady()
const a = T.ones([300, 300])
for (let i = 0; i < 20; i++) T.matmul(a, a)
console.log('helpers', gemmThreadStats().helpers)
`,
    )
    try {
      const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
        encoding: 'utf8',
        timeout: 120_000,
      })
      expect(r.error).toBeUndefined()
      expect(r.status).toBe(0)
      expect(r.stdout.trim()).toBe('helpers 1')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
