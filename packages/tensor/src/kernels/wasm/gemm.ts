/**
 * A WebAssembly SIMD GEMM, `C = A·B` for float32 (f32x4) and float64 (f64x2), on scratch wasm memory.
 *
 * The module is emitted by {@link encodeModule} (no build step, no dependency) and instantiated synchronously on
 * first use; if that fails (an engine without SIMD128), {@link wasmGemmAvailable} is false and callers keep their
 * JS kernel. Tensors stay ordinary typed arrays: each product packs its operands into the module's memory, runs
 * the kernel and copies C out. The memory grows as needed and is reused by later calls (it never shrinks).
 *
 * Packed layouts (all k-contiguous, so the kernel streams both operands):
 * - A in panels of MR rows: element (i, k) at `(⌊i/MR⌋·K + k)·MR + i mod MR`, rows past m zero;
 * - B in panels of W = NV·lanes columns: element (k, j) at `(⌊j/W⌋·K + k)·W + j mod W`, columns past n zero;
 * - C row-major with rows padded to a multiple of W and to a multiple of MR rows (padding is computed and dropped).
 * The kernel blocks k by KC and rows by MC (an MC×KC block of A stays in L2 while a KC×W micro-panel of B stays in
 * L1); its micro-kernel keeps an MR×W tile of C in MR·NV v128 locals and, per k, loads NV vectors of B and
 * broadcasts MR scalars of A (`v128.load32_splat`/`load64_splat`) into multiply–adds. Float32 products therefore
 * accumulate in float32 (as NumPy and PyTorch do), unlike the JS kernel, which accumulates in float64; float64
 * products differ from the JS kernel only by summation order.
 * @module
 */
import type { Storage } from '../../dtype.js'
import { encodeModule, I32, op, V128, type FuncDef } from './encoder.js'

/** Which kernel the matrix products use: `auto` picks by size; `js` and `wasm` force one (tests, benchmarks). */
export type MatmulPath = 'auto' | 'js' | 'wasm'

let path: MatmulPath = 'auto'

/**
 * Internal hook (the package does not export it): forces the JS or the WebAssembly SIMD kernel for every matrix
 * product, or restores the size-based choice with `auto`. Forcing `wasm` on an engine without SIMD still runs the
 * JS kernel.
 */
export const setMatmulPath = (p: MatmulPath): void => {
  path = p
}

/** The current setting of {@link setMatmulPath}. */
export const matmulPath = (): MatmulPath => path

/** Register and cache blocking of one element type. */
interface Blocking {
  /** Bytes per element. */
  readonly es: number
  /** Rows of C per micro-tile. */
  readonly MR: number
  /** v128 vectors of C per micro-tile row. */
  readonly NV: number
  /** Elements per v128. */
  readonly lanes: number
  /** k block. */
  readonly KC: number
  /** Row block, in rows (a multiple of MR). */
  readonly MC: number
}

const F32: Blocking = { es: 4, MR: 4, NV: 2, lanes: 4, KC: 256, MC: 64 }
const F64: Blocking = { es: 8, MR: 4, NV: 3, lanes: 2, KC: 256, MC: 64 }

/** SIMD instructions of one element type. */
interface SimdOps {
  /** Load one element with this byte offset and broadcast it to every lane. */
  readonly splat: (offset: number) => number[]
  readonly add: readonly number[]
  readonly mul: readonly number[]
}

/** Concatenates instruction sequences. */
const code = (...parts: readonly (readonly number[])[]): number[] => parts.flat()

/**
 * The kernel `(ap, bp, cp, mp, kk, np, ldc)`: C (at byte address cp, ldc bytes per row) = packed A (mp row panels,
 * kk columns) · packed B (np column panels). Requires mp, kk, np ≥ 1. Comments give the loop nest in pseudo-code.
 */
const gemmFunc = (fname: string, bl: Blocking, simd: SimdOps): FuncDef => {
  const { es, MR, NV, lanes, KC, MC } = bl
  const W = NV * lanes
  // locals: 7 i32 parameters, 10 i32 locals, then v128 locals (MR·NV accumulators, NV rows of B, one splat of A)
  const [ap, bp, cp, mp, kk, np, ldc] = [0, 1, 2, 3, 4, 5, 6] as const
  const [k0, k1, i0, i1, jb, ib, k, pa, pb, pc] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16] as const
  const acc = (r: number, v: number): number => 17 + r * NV + v
  const bv = (v: number): number => 17 + MR * NV + v
  const av = 17 + MR * NV + NV
  const R = Array.from({ length: MR }, (_, r) => r)
  const V = Array.from({ length: NV }, (_, v) => v)
  const { localGet: get, localSet: set, localTee: tee, i32Const: int, i32Add: add, i32Mul: mul } = op
  /** dst = min(x + step, limit) */
  // prettier-ignore
  const minStep = (x: number, step: number, limit: number, dst: number): number[] => code(
    get(x), int(step), add, set(dst),
    get(dst), get(limit), get(dst), get(limit), op.i32LtU, op.select, set(dst),
  )
  /** x += 1; continue the enclosing loop while x < limit */
  const next = (x: number, limit: number): number[] =>
    code(get(x), int(1), add, tee(x), get(limit), op.i32LtU, op.brIf(0))
  /** Pushes the byte address of row r of the C tile. */
  const rowAddr = (r: number): number[] => (r === 0 ? get(pc) : code(get(pc), get(ldc), int(r), mul, add))
  // prettier-ignore
  const micro = code(
    // pa = ap + (ib·kk + k0)·MR·es;  pb = bp + (jb·kk + k0)·W·es;  pc = cp + ib·MR·ldc + jb·W·es
    get(ib), get(kk), mul, get(k0), add, int(MR * es), mul, get(ap), add, set(pa),
    get(jb), get(kk), mul, get(k0), add, int(W * es), mul, get(bp), add, set(pb),
    get(ib), get(ldc), mul, int(MR), mul, get(jb), int(W * es), mul, add, get(cp), add, set(pc),
    // acc[r][v] = k0 ? C tile : 0
    get(k0), op.if,
    ...R.flatMap((r) => V.map((v) => code(rowAddr(r), op.v128Load(v * 16), set(acc(r, v))))),
    op.else,
    ...R.flatMap((r) => V.map((v) => code(op.v128Zero, set(acc(r, v))))),
    op.end,
    // for (k = k1 - k0; k; k--)
    get(k1), get(k0), op.i32Sub, set(k),
    op.loop,
    //   b[v] = B[k][v·lanes ..];  for each r: a = splat(A[r][k]); acc[r][v] += a·b[v]
    ...V.map((v) => code(get(pb), op.v128Load(v * 16), set(bv(v)))),
    ...R.map((r) => code(
      get(pa), simd.splat(r * es), set(av),
      ...V.map((v) => code(get(acc(r, v)), get(av), get(bv(v)), simd.mul, simd.add, set(acc(r, v)))),
    )),
    get(pa), int(MR * es), add, set(pa),
    get(pb), int(W * es), add, set(pb),
    get(k), int(1), op.i32Sub, tee(k), op.brIf(0),
    op.end,
    // C tile = acc
    ...R.flatMap((r) => V.map((v) => code(rowAddr(r), get(acc(r, v)), op.v128Store(v * 16)))),
  )
  // prettier-ignore
  const body = code(
    int(0), set(k0),
    op.loop, //                                  for (k0 = 0; k0 < kk; k0 = k1)     k blocks of KC
    minStep(k0, KC, kk, k1), int(0), set(i0),
    op.loop, //                                    for (i0 = 0; i0 < mp; i0 = i1)   row blocks of MC rows
    minStep(i0, MC / MR, mp, i1), int(0), set(jb),
    op.loop, //                                      for (jb = 0; jb < np; jb++)    column panels
    get(i0), set(ib),
    op.loop, //                                        for (ib = i0; ib < i1; ib++) row panels
    micro,
    next(ib, i1), op.end,
    next(jb, np), op.end,
    get(i1), tee(i0), get(mp), op.i32LtU, op.brIf(0), op.end,
    get(k1), tee(k0), get(kk), op.i32LtU, op.brIf(0), op.end,
  )
  return {
    name: fname,
    params: [I32, I32, I32, I32, I32, I32, I32],
    locals: [
      [10, I32],
      [MR * NV + NV + 1, V128],
    ],
    body,
  }
}

/** The module's bytes: exports `gemm_f32`, `gemm_f64` and `memory`. */
export const gemmModuleBytes = (): Uint8Array =>
  encodeModule(
    [
      gemmFunc('gemm_f32', F32, { splat: op.v128Load32Splat, add: op.f32x4Add, mul: op.f32x4Mul }),
      gemmFunc('gemm_f64', F64, { splat: op.v128Load64Splat, add: op.f64x2Add, mul: op.f64x2Mul }),
    ],
    1,
  )

type KernelFn = (ap: number, bp: number, cp: number, mp: number, kk: number, np: number, ldc: number) => void

/** The part of the WebAssembly JS API used here (this package's TS libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow: (deltaPages: number) => number
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
}

interface Instance {
  readonly memory: WasmMemory
  readonly f32: KernelFn
  readonly f64: KernelFn
}

/** undefined: not tried yet; null: instantiation failed (no SIMD), use the JS kernel. */
let instance: Instance | null | undefined

const load = (): Instance | null => {
  if (instance !== undefined) return instance
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly
    if (api === undefined) throw new Error('no WebAssembly')
    const ex = new api.Instance(new api.Module(gemmModuleBytes()), {}).exports
    instance = {
      memory: ex.memory as WasmMemory,
      f32: ex.gemm_f32 as KernelFn,
      f64: ex.gemm_f64 as KernelFn,
    }
  } catch {
    instance = null
  }
  return instance
}

/** True when the SIMD module instantiates on this engine (tried once, at the first call). */
export const wasmGemmAvailable = (): boolean => load() !== null

/** Largest scratch memory the kernel will use (i32 addresses stay below 2³¹). */
const MAX_BYTES = 2 ** 31 - 65536

const align16 = (x: number): number => Math.ceil(x / 16) * 16

/**
 * `out[outOff + i·n + j] = Σₖ a[aOff + i·sai + k·sak] · b[bOff + k·sbk + j·sbj]` for i < m, j < n, in float32
 * (`out` a Float32Array) or float64 (`out` a Float64Array). Any operand storage is accepted (converted while
 * packing); a transposed operand is just other strides. `reuseB` skips packing B when the previous call packed the
 * same B with the same k and n (consecutive matrices of one batched product). Returns false, having done nothing,
 * when the module is unavailable or the operands do not fit the scratch memory; the caller then uses its JS kernel.
 * Requires m, k, n ≥ 1.
 */
export const gemmWasm = (
  a: Storage,
  aOff: number,
  sai: number,
  sak: number,
  b: Storage,
  bOff: number,
  sbk: number,
  sbj: number,
  out: Float32Array | Float64Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  reuseB: boolean,
): boolean => {
  const inst = load()
  if (inst === null) return false
  const f32 = out instanceof Float32Array
  const bl = f32 ? F32 : F64
  const { es, MR } = bl
  const W = bl.NV * bl.lanes
  const mp = Math.ceil(m / MR)
  const np = Math.ceil(n / W)
  const ldcE = np * W
  const bBytes = align16(np * W * k * es)
  const aBytes = align16(mp * MR * k * es)
  const cBytes = mp * MR * ldcE * es
  const total = bBytes + aBytes + cBytes
  if (total > MAX_BYTES) return false
  const mem = inst.memory
  if (mem.buffer.byteLength < total) {
    try {
      mem.grow(Math.ceil((total - mem.buffer.byteLength) / 65536))
    } catch {
      return false // the engine refused the memory: the JS kernel needs less
    }
  }
  const view = f32 ? new Float32Array(mem.buffer, 0, total / 4) : new Float64Array(mem.buffer, 0, total / 8)
  // B panels at 0
  if (!reuseB) {
    for (let jb = 0; jb < np; jb++) {
      const j0 = jb * W
      const w1 = Math.min(W, n - j0)
      const base = jb * k * W
      if (sbj !== 1) {
        for (let w = 0; w < w1; w++) {
          const src = bOff + (j0 + w) * sbj
          for (let q = 0; q < k; q++) view[base + q * W + w] = b[src + q * sbk]!
        }
      }
      for (let w = w1; w < W; w++) for (let q = 0; q < k; q++) view[base + q * W + w] = 0
    }
    if (sbj === 1) {
      // rows of B are contiguous: copy a block of QB rows into every panel (the block stays in cache)
      const QB = 64
      for (let q0 = 0; q0 < k; q0 += QB) {
        const q1 = Math.min(q0 + QB, k)
        for (let jb = 0; jb < np; jb++) {
          const j0 = jb * W
          const w1 = Math.min(W, n - j0)
          for (let q = q0; q < q1; q++) {
            const src = bOff + q * sbk + j0
            const dst = (jb * k + q) * W
            for (let w = 0; w < w1; w++) view[dst + w] = b[src + w]!
          }
        }
      }
    }
  }
  // A panels after B
  const aE = bBytes / es
  const aPanel = k * MR
  if (sak === 1) {
    for (let i = 0; i < m; i++) {
      const src = aOff + i * sai
      const dst = aE + Math.floor(i / MR) * aPanel + (i % MR)
      for (let q = 0; q < k; q++) view[dst + q * MR] = a[src + q]!
    }
  } else {
    // columns of A are contiguous (A is read transposed): walk each once, moving to the next panel every MR rows
    for (let q = 0; q < k; q++) {
      const src = aOff + q * sak
      let d = aE + q * MR
      let r = 0
      for (let i = 0; i < m; i++) {
        view[d + r] = a[src + i * sai]!
        if (++r === MR) {
          r = 0
          d += aPanel
        }
      }
    }
  }
  for (let i = m; i < mp * MR; i++) {
    const dst = aE + Math.floor(i / MR) * aPanel + (i % MR)
    for (let q = 0; q < k; q++) view[dst + q * MR] = 0
  }
  // C after A (the kernel overwrites every tile)
  const cE = (bBytes + aBytes) / es
  ;(f32 ? inst.f32 : inst.f64)(bBytes, 0, bBytes + aBytes, mp, k, np, ldcE * es)
  for (let i = 0; i < m; i++) {
    const src = cE + i * ldcE
    out.set(view.subarray(src, src + n), outOff + i * n)
  }
  return true
}
