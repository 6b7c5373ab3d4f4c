/**
 * Matrix products: `matmul` (NumPy semantics, batched with broadcasting), `dot`, `outer`, and `matmulTransposed`,
 * which multiplies by a transposed operand without building the transposed tensor (for backprop's `a @ bᵀ` and
 * `aᵀ @ b`).
 *
 * All products run on one float64 kernel, `C += A·B`, where B and C are row-major and A is read through two strides
 * (so `Aᵀ` costs nothing). The kernel uses the i-k-j loop order with the inner loop running along a row of B and C,
 * blocks k and j for the caches, and is register-blocked: it takes 8 rows of A and 8 steps of k at a time, so each
 * pass over a row segment of B updates 8 rows of C with 8 products each (smaller groups handle the remainders).
 * Its source is generated once, at module load (as the element-wise kernels are), because that unrolled body is
 * long and regular. Operands that are not float64, and a B that must be transposed, are first packed into float64
 * scratch arrays (O(size) work against the O(m·k·n) product); a float32 result is rounded once at the end, so
 * float32 products accumulate in float64 (more accurate than float32 accumulation, never less). Computing in
 * float64 is also the fast choice in plain JS: Float32Array loads and stores cost conversions.
 *
 * All but the smallest products (see `useWasm`) instead run on the WebAssembly SIMD kernel of `./wasm/gemm.ts`, per
 * matrix of a batch, in the result's dtype (float32 products then accumulate in float32); the JS kernel stays for
 * tiny products and as the fallback when WebAssembly SIMD is unavailable.
 * @module
 */
import { allocate, promote, type Storage } from '../dtype.js'
import { ShapeError, showShape } from '../errors.js'
import { broadcastStrides } from '../shape.js'
import { checkTensor, dataOf, wrap, type Tensor } from '../tensor.js'
import { gemmWasm, matmulPath } from './wasm/gemm.js'
import { sumTree } from './sum-tree.js'

/**
 * `c[cOff + i·n + j] += Σₖ a[aOff + i·sai + k·sak] · b[bOff + k·n + j]` for `i < m`, `j < n`, `k < kk`.
 */
type Gemm = (
  a: Float64Array,
  aOff: number,
  sai: number,
  sak: number,
  b: Float64Array,
  bOff: number,
  c: Float64Array,
  cOff: number,
  m: number,
  kk: number,
  n: number,
) => void

/** Cache blocks: a KB×NB block of B (256 KiB of float64) stays in L2 while every row block of A streams past. */
const KB = 128
const NB = 256
/** Register blocking: rows are taken 8, then 4, then 1 at a time; within a row group, k steps by 8, 4, 2, then 1. */
const ROW_GROUPS = [8, 4, 1]
const K_STEPS = [8, 4, 2, 1]


/** Source of one k step: `rows` rows of C each get `step` rank-1 updates per pass over a row segment of B. */
const kStepSource = (rows: number, step: number): string => {
  const R = Array.from({ length: rows }, (_, r) => r)
  const U = Array.from({ length: step }, (_, u) => u)
  return `
      for (; k + ${step - 1} < k1; k += ${step}) {
        const p = aOff + i * sai + k * sak;
        ${R.map((r) => U.map((u) => `const a${r}_${u} = a[p + ${r} * sai + ${u} * sak];`).join(' ')).join('\n')}
        ${U.map((u) => `const b${u} = bOff + (k + ${u}) * n;`).join(' ')}
        for (let j = j0; j < j1; j++) {
          ${U.map((u) => `const x${u} = b[b${u} + j];`).join(' ')}
          ${R.map((r) => `c[c${r} + j] += ${sumTree(U.map((u) => `a${r}_${u} * x${u}`))};`).join('\n')}
        }
      }`
}

/** Source of one row group: `rows` rows of C updated per pass over B. */
const rowGroupSource = (rows: number): string => `
    for (; i + ${rows - 1} < m; i += ${rows}) {
      ${Array.from({ length: rows }, (_, r) => `const c${r} = cOff + (i + ${r}) * n;`).join(' ')}
      let k = k0;
      ${K_STEPS.map((step) => kStepSource(rows, step)).join('\n')}
    }`

const gemmSource = `
  for (let j0 = 0; j0 < n; j0 += ${NB}) {
    const j1 = j0 + ${NB} < n ? j0 + ${NB} : n;
    for (let k0 = 0; k0 < kk; k0 += ${KB}) {
      const k1 = k0 + ${KB} < kk ? k0 + ${KB} : kk;
      let i = 0;
      ${ROW_GROUPS.map(rowGroupSource).join('\n')}
    }
  }`

/* eslint-disable @typescript-eslint/no-implied-eval */
const gemm = new Function(
  'a',
  'aOff',
  'sai',
  'sak',
  'b',
  'bOff',
  'c',
  'cOff',
  'm',
  'kk',
  'n',
  gemmSource,
) as Gemm
/* eslint-enable @typescript-eslint/no-implied-eval */

/** The storage as float64: itself when it already is, else a converted copy. */
const asFloat64 = (d: Storage): Float64Array => (d instanceof Float64Array ? d : new Float64Array(d))

/**
 * Copies `count` row-major `rows×cols` matrices from `src` into float64 storage, transposing each one
 * (cache-blocked) when `transpose` is set.
 */
const packMatrices = (
  src: Storage,
  count: number,
  rows: number,
  cols: number,
  transpose: boolean,
): Float64Array => {
  if (!transpose) return asFloat64(src)
  const out = new Float64Array(src.length)
  const T = 32
  for (let q = 0; q < count; q++) {
    const base = q * rows * cols
    for (let r0 = 0; r0 < rows; r0 += T) {
      const r1 = Math.min(r0 + T, rows)
      for (let c0 = 0; c0 < cols; c0 += T) {
        const c1 = Math.min(c0 + T, cols)
        for (let r = r0; r < r1; r++)
          for (let c = c0; c < c1; c++) out[base + c * rows + r] = src[base + r * cols + c]!
      }
    }
  }
  return out
}

/**
 * When the SIMD kernel wins (measured; see docs/ARCHITECTURE.md). Its fixed cost is ~1.5 µs a call (copying the
 * operands in, packing them in wasm, copying C out: ~0.1–0.3 ns per element), after which it computes ~10×
 * (float32, which the JS kernel converts to float64) or ~2–3× (float64) faster than the JS kernel, so it wins from
 * m·k·n ≈ 8³ for float32 and ≈ 20³ for float64, matrix–vector and few-row products included (measured: [1,256]@
 * [256,256] float32 6× faster, float64 1.1×; [120,16]@[16,3] float32 2.3×, float64 1.1×). Batches of small
 * matrices (`count` > 1) pay the fixed cost per matrix, so they keep the earlier, larger thresholds (32³ and 64³,
 * and at least 8 or 16 rows and columns).
 */
const useWasm = (dtype: 'float32' | 'float64', m: number, k: number, n: number, count: number): boolean => {
  const path = matmulPath()
  if (path !== 'auto') return path === 'wasm'
  const work = m * k * n
  if (count === 1) return work >= (dtype === 'float32' ? 8 ** 3 : 20 ** 3)
  return dtype === 'float32' ? work >= 32 ** 3 && m >= 8 && n >= 8 : work >= 64 ** 3 && m >= 16 && n >= 16
}

/**
 * Calls `body(q, ao, bo)` for each matrix q of a batched product, with ao and bo the indices of the matrices of A
 * and B it multiplies (batch dimensions broadcast).
 */
const forEachMatrix = (
  batchA: readonly number[],
  batchB: readonly number[],
  batch: readonly number[],
  count: number,
  body: (q: number, ao: number, bo: number) => void,
): void => {
  const nb = batch.length
  if (nb === 0) {
    body(0, 0, 0)
    return
  }
  const sa = broadcastStrides(batchA, batch)
  const sb = broadcastStrides(batchB, batch)
  const idx = new Array<number>(nb).fill(0)
  let ao = 0
  let bo = 0
  for (let q = 0; q < count; q++) {
    body(q, ao, bo)
    for (let d = nb - 1; d >= 0; d--) {
      idx[d]!++
      ao += sa[d]!
      bo += sb[d]!
      if (idx[d]! < batch[d]!) break
      ao -= sa[d]! * batch[d]!
      bo -= sb[d]! * batch[d]!
      idx[d] = 0
    }
  }
}

/** Element strides of A (m×k, stored transposed when `ta`) and B (k×n, transposed when `tb`), row-major storage. */
const stridesOf = (m: number, k: number, n: number, ta: boolean, tb: boolean) => ({
  sai: ta ? 1 : k,
  sak: ta ? m : 1,
  sbk: tb ? 1 : n,
  sbj: tb ? k : 1,
})

/**
 * For the jit compiler (through `@cotangent/tensor/internal`): the product of the m×k matrix `a` (stored k×m when
 * `transA`) and the k×n matrix `b` (stored n×k when `transB`), written into `out` (m·n elements, its dtype the
 * result's) by the WebAssembly kernel, exactly as {@link matmulTransposed} computes it when it takes that kernel.
 * `cacheA` / `cacheB` false keep an operand out of the packed-operand cache (storage that is written again later,
 * unlike a tensor's). Returns false, having written nothing, when the size-based choice is the JS kernel or the
 * wasm kernel is not available; the caller then runs the kernel itself.
 */
export const matmulInto = (
  a: Storage,
  b: Storage,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  out: Float32Array | Float64Array,
  cacheA: boolean,
  cacheB: boolean,
): boolean => {
  if (m * n === 0 || k === 0 || !useWasm(out instanceof Float32Array ? 'float32' : 'float64', m, k, n, 1))
    return false
  const { sai, sak, sbk, sbj } = stridesOf(m, k, n, transA, transB)
  return gemmWasm(a, 0, sai, sak, b, 0, sbk, sbj, out, 0, m, k, n, false, cacheA, cacheB)
}

/** The matrix product proper, shared by every export. `op` names the caller in errors. */
const product = (op: string, a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor => {
  const as = checkTensor(op, a).shape
  const bs = checkTensor(op, b).shape
  const ta = transA && as.length >= 2
  const tb = transB && bs.length >= 2
  // error text, built only when needed
  const shapes = (): string => `${showShape(as)}${ta ? 'ᵀ' : ''} by ${showShape(bs)}${tb ? 'ᵀ' : ''}`
  if (as.length === 0 || bs.length === 0)
    throw new ShapeError(op, `cannot multiply ${shapes()} (0-d operands are not allowed; use mul)`)
  // A is m×k (stored aRows×aCols), B is k×n (stored bRows×bCols)
  const aRows = as.length === 1 ? 1 : as[as.length - 2]!
  const aCols = as[as.length - 1]!
  const bRows = bs.length === 1 ? bs[0]! : bs[bs.length - 2]!
  const bCols = bs.length === 1 ? 1 : bs[bs.length - 1]!
  const m = ta ? aCols : aRows
  const k = ta ? aRows : aCols
  const k2 = tb ? bCols : bRows
  const n = tb ? bRows : bCols
  if (k !== k2) throw new ShapeError(op, `cannot multiply ${shapes()} (inner dims ${k} ≠ ${k2})`)
  // batch dimensions broadcast
  const batchA = as.slice(0, Math.max(0, as.length - 2))
  const batchB = bs.slice(0, Math.max(0, bs.length - 2))
  const nb = Math.max(batchA.length, batchB.length)
  const batch = new Array<number>(nb)
  for (let i = 0; i < nb; i++) {
    const da = batchA[batchA.length - nb + i] ?? 1
    const db = batchB[batchB.length - nb + i] ?? 1
    if (da !== db && da !== 1 && db !== 1)
      throw new ShapeError(
        op,
        `cannot multiply ${shapes()} (batch dims ${showShape(batchA)} and ${showShape(batchB)} do not broadcast)`,
      )
    batch[i] = da === 1 ? db : da
  }
  const outShape = batch.slice()
  if (as.length >= 2) outShape.push(m)
  if (bs.length >= 2) outShape.push(n)
  let count = 1
  for (const d of batch) count *= d
  const dtype = promote(a.dtype, b.dtype)
  const { sai, sak, sbk, sbj } = stridesOf(m, k, n, ta, tb)
  if (count * m * n > 0 && k > 0 && useWasm(dtype, m, k, n, count)) {
    // WebAssembly SIMD: B is read through strides (no transposed copy), the result is written in its dtype
    const out = dtype === 'float64' ? new Float64Array(count * m * n) : new Float32Array(count * m * n)
    const ad = dataOf(a)
    const bd = dataOf(b)
    let ok = true
    let lastB = -1
    forEachMatrix(batchA, batchB, batch, count, (q, ao, bo) => {
      ok &&= gemmWasm(
        ad,
        ao * m * k,
        sai,
        sak,
        bd,
        bo * k * n,
        sbk,
        sbj,
        out,
        q * m * n,
        m,
        k,
        n,
        bo === lastB,
      )
      lastB = bo
    })
    if (ok) return wrap(out, outShape, dtype)
  }
  const c = new Float64Array(count * m * n)
  if (c.length > 0 && k > 0) {
    const ad = asFloat64(dataOf(a))
    const bd = packMatrices(dataOf(b), b.size / (bRows * bCols || 1), bRows, bCols, tb)
    forEachMatrix(batchA, batchB, batch, count, (q, ao, bo) => {
      gemm(ad, ao * m * k, sai, sak, bd, bo * k * n, c, q * m * n, m, k, n)
    })
  }
  if (dtype === 'float64') return wrap(c, outShape, dtype)
  const out = allocate(dtype, c.length)
  out.set(c)
  return wrap(out, outShape, dtype)
}

/**
 * Matrix product with NumPy's `matmul` semantics. A 1-D `a` is treated as a row `[1,n]` and a 1-D `b` as a
 * column `[n,1]` (the added dimension is removed from the result); operands with more than two dimensions are
 * stacks of matrices whose leading (batch) dimensions broadcast. The result dtype is `promote(a, b)`
 * (float32 × float32 → float32). Throws a ShapeError for 0-d operands and for mismatched inner or batch
 * dimensions, e.g. `matmul: cannot multiply [3,4] by [5,2] (inner dims 4 ≠ 5)`.
 */
export const matmul = (a: Tensor, b: Tensor): Tensor => product('matmul', a, b, false, false)

/**
 * Inner product of two 1-D tensors (a 0-d result); for every other combination, the same as {@link matmul}
 * (errors are reported as `dot: …`).
 */
export const dot = (a: Tensor, b: Tensor): Tensor => product('dot', a, b, false, false)

/** Options of {@link matmulTransposed}. */
export interface TransposeOptions {
  /** Use `aᵀ` (the last two axes of `a` swapped; no effect on a 1-D `a`). */
  readonly transA?: boolean
  /** Use `bᵀ` (the last two axes of `b` swapped; no effect on a 1-D `b`). */
  readonly transB?: boolean
}

/**
 * `matmul(aᵀ, b)`, `matmul(a, bᵀ)` or `matmul(aᵀ, bᵀ)` without building the transposed tensors: `aᵀ` is read in
 * place through strides and `bᵀ` is packed into scratch memory, so backprop's `grad @ wᵀ` and `xᵀ @ grad` cost
 * about what a plain matmul costs. Transposing swaps the last two axes (batched operands are supported; a 1-D
 * operand is left as it is). Errors mark a transposed operand with ᵀ, e.g.
 * `matmulTransposed: cannot multiply [3,4]ᵀ by [5,2] (inner dims 3 ≠ 5)`.
 */
export const matmulTransposed = (a: Tensor, b: Tensor, options?: TransposeOptions): Tensor =>
  product('matmulTransposed', a, b, options?.transA ?? false, options?.transB ?? false)

/**
 * Outer product: both inputs are flattened and the result has shape `[a.size, b.size]`, with
 * `out[i][j] = a[i]·b[j]`; dtype `promote(a, b)`.
 */
export const outer = (a: Tensor, b: Tensor): Tensor => {
  const x = dataOf(a, 'outer')
  const y = dataOf(b, 'outer')
  const m = x.length
  const n = y.length
  const dtype = promote(a.dtype, b.dtype)
  const out = allocate(dtype, m * n)
  for (let i = 0; i < m; i++) {
    const xi = x[i]!
    const o = i * n
    for (let j = 0; j < n; j++) out[o + j] = xi * y[j]!
  }
  return wrap(out, [m, n], dtype)
}
