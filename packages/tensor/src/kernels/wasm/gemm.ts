/**
 * A WebAssembly SIMD GEMM, `C = A·B` for float32 (f32x4) and float64 (f64x2), on scratch wasm memory.
 *
 * The module is emitted by {@link encodeModule} (no build step, no dependency) and instantiated synchronously on
 * first use; if that fails (an engine without SIMD128), {@link wasmGemmAvailable} is false and callers keep their
 * JS kernel. It comes in two variants with the same layout: `fma`, whose micro-kernel uses relaxed SIMD's
 * `relaxed_madd` (one fused multiply–add per lane where the hardware has FMA), and `plain`, with a multiply and an
 * add. `fma` is chosen when `WebAssembly.validate` accepts a tiny relaxed-SIMD module (Chromium ≥ 114, Node ≥ 22;
 * Node 20 only with `--experimental-wasm-relaxed-simd`), `plain` otherwise.
 *
 * Tensors stay ordinary typed arrays: each product copies its operands into the module's memory (`TypedArray.set`,
 * a memcpy when the dtypes match), packs them there with the module's own packing functions, runs the kernel and
 * copies C out; in Node.js the kernel of a large product also runs on helper threads over the same memory, then
 * shared (see ./threads.ts). The memory grows as needed and is reused by later calls (it never shrinks). Packed
 * operands are also kept in a small cache keyed by the operand's storage and layout (see {@link packCacheStats}):
 * tensors are immutable, so an operand that is multiplied again in the same layout (the W4 benchmark's repeated product, a
 * fixed batch seen every epoch) is copied in already packed. An operand is cached from its second packing on, so
 * tensors used once (fresh weights each step) cost only a tiny marker in a WeakMap; the cache holds at most
 * {@link PACK_CACHE_BYTES} and forgets an operand's packed forms when its storage is garbage-collected.
 *
 * Packed layouts (all k-contiguous, so the kernel streams both operands):
 * - A in panels of MR rows: element (i, k) at `(⌊i/MR⌋·K + k)·MR + i mod MR`, rows past m zero;
 * - B in panels of W = NV·lanes columns: element (k, j) at `(⌊j/W⌋·K + k)·W + j mod W`, columns past n zero;
 * - C row-major with rows padded to a multiple of W and to a multiple of MR rows (padding is computed and dropped).
 * The kernel takes columns in blocks of NCP panels (a KC×NCP·W block of packed B, 512 KiB, stays in L2), k in
 * equal blocks of at most KC, and rows in blocks of MCP panels (an MCP·MR×KC block of A, 32 KiB, stays in L1);
 * within a row block it walks the column panels, and each KC×W micro-panel of B serves all the block's row panels
 * from L1. Without the column blocks a 1024² float64 product ran ~10% slower (its 2 MiB k-block of B did not stay
 * in L2); row blocks of 1 to 16 panels measured the same. The micro-kernel keeps an MR×W tile of C in MR·NV v128
 * locals and, per k, loads NV vectors of B and broadcasts MR scalars of A (`v128.load32_splat`/`load64_splat`)
 * into multiply–adds. MR×W is 4×8 (float32) and 4×4 (float64): larger tiles (6×8, 5×8, 4×12, 6×4, 4×6, 3×8)
 * measured 10–25% slower, with or without fma (V8 gives wasm 16 vector registers on x64, one of them scratch).
 * Float32 products therefore accumulate in float32 (as NumPy and PyTorch do), unlike the JS kernel, which
 * accumulates in float64; float64 products differ from the JS kernel only by summation order (and, with `fma`, by
 * one rounding less per term).
 * @module
 */
import type { Storage } from '../../dtype.js'
import { encodeModule, I32, op, V128, type FuncDef } from './encoder.js'
import { makePool, MIN_THREADED_MACS, threadsSupported, type Kernel, type Pool } from './threads.js'

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

/** The multiply–add of the wasm micro-kernel: `plain` (mul then add) or `fma` (relaxed SIMD `relaxed_madd`). */
export type GemmVariant = 'plain' | 'fma'

let variantSetting: GemmVariant | 'auto' = 'auto'

/**
 * Internal hook (not exported by the package): forces the `plain` or the `fma` wasm kernel, or restores the
 * engine-based choice with `auto`. Forcing `fma` on an engine without relaxed SIMD runs `plain`.
 */
export const setGemmVariant = (v: GemmVariant | 'auto'): void => {
  variantSetting = v
}

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
  /** Largest k block (the caller splits k into equal blocks of at most KC). */
  readonly KC: number
  /** Column block, in panels of B. */
  readonly NCP: number
  /** Row block, in panels of A. */
  readonly MCP: number
}

const F32: Blocking = { es: 4, MR: 4, NV: 2, lanes: 4, KC: 256, NCP: 64, MCP: 8 }
const F64: Blocking = { es: 8, MR: 4, NV: 2, lanes: 2, KC: 256, NCP: 64, MCP: 4 }

/** SIMD instructions of one element type. */
interface SimdOps {
  /** Load one element with this byte offset and broadcast it to every lane. */
  readonly splat: (offset: number) => number[]
  readonly add: readonly number[]
  readonly mul: readonly number[]
  /** `relaxed_madd` (a, b, c ↦ a·b + c), for the `fma` variant. */
  readonly madd: readonly number[]
}

const SIMD32: SimdOps = {
  splat: op.v128Load32Splat,
  add: op.f32x4Add,
  mul: op.f32x4Mul,
  madd: op.f32x4RelaxedMadd,
}
const SIMD64: SimdOps = {
  splat: op.v128Load64Splat,
  add: op.f64x2Add,
  mul: op.f64x2Mul,
  madd: op.f64x2RelaxedMadd,
}

/** Concatenates instruction sequences. */
const code = (...parts: readonly (readonly number[])[]): number[] => parts.flat()

const { localGet: get, localSet: set, localTee: tee, i32Const: int, i32Add: add, i32Mul: mul } = op

/** dst = min(x + step, limit), step a constant or, as `{ local }`, the value of a local */
// prettier-ignore
const minStep = (x: number, step: number | { readonly local: number }, limit: number, dst: number): number[] => code(
  get(x), typeof step === 'number' ? int(step) : get(step.local), add, set(dst),
  get(dst), get(limit), get(dst), get(limit), op.i32LtU, op.select, set(dst),
)

/** x += 1; continue the enclosing loop while x < limit */
const next = (x: number, limit: number): number[] =>
  code(get(x), int(1), add, tee(x), get(limit), op.i32LtU, op.brIf(0))

/**
 * The kernel `(ap, bp, cp, mp, kk, np, ldc, kc)`: C (at byte address cp, ldc bytes per row) = packed A (mp row
 * panels, kk columns) · packed B (np column panels), k blocked by kc. Requires mp, kk, np, kc ≥ 1. Comments give
 * the loop nest in pseudo-code.
 */
const gemmFunc = (fname: string, bl: Blocking, simd: SimdOps, fma: boolean): FuncDef => {
  const { es, MR, NV, lanes, NCP, MCP } = bl
  const W = NV * lanes
  // locals: 8 i32 parameters, 12 i32 locals, then v128 locals (MR·NV accumulators, NV rows of B, one splat of A)
  const [ap, bp, cp, mp, kk, np, ldc, kc] = [0, 1, 2, 3, 4, 5, 6, 7] as const
  const [k0, k1, j0, j1, i0, i1, jb, ib, k, pa, pb, pc] = [
    8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
  ] as const
  const acc = (r: number, v: number): number => 20 + r * NV + v
  const bv = (v: number): number => 20 + MR * NV + v
  const av = 20 + MR * NV + NV
  const R = Array.from({ length: MR }, (_, r) => r)
  const V = Array.from({ length: NV }, (_, v) => v)
  /** Pushes the byte address of row r of the C tile. */
  const rowAddr = (r: number): number[] => (r === 0 ? get(pc) : code(get(pc), get(ldc), int(r), mul, add))
  /** acc[r][v] += a·b[v] */
  const update = (r: number, v: number): number[] =>
    fma
      ? code(get(av), get(bv(v)), get(acc(r, v)), simd.madd, set(acc(r, v)))
      : code(get(acc(r, v)), get(av), get(bv(v)), simd.mul, simd.add, set(acc(r, v)))
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
    ...R.map((r) => code(get(pa), simd.splat(r * es), set(av), ...V.map((v) => update(r, v)))),
    get(pa), int(MR * es), add, set(pa),
    get(pb), int(W * es), add, set(pb),
    get(k), int(1), op.i32Sub, tee(k), op.brIf(0),
    op.end,
    // C tile = acc
    ...R.flatMap((r) => V.map((v) => code(rowAddr(r), get(acc(r, v)), op.v128Store(v * 16)))),
  )
  // prettier-ignore
  const body = code(
    int(0), set(j0),
    op.loop, //                                  for (j0 = 0; j0 < np; j0 = j1)         column blocks of NCP panels
    minStep(j0, NCP, np, j1), int(0), set(k0),
    op.loop, //                                    for (k0 = 0; k0 < kk; k0 = k1)       k blocks of kc
    minStep(k0, { local: kc }, kk, k1), int(0), set(i0),
    op.loop, //                                      for (i0 = 0; i0 < mp; i0 = i1)     row blocks of MCP panels
    minStep(i0, MCP, mp, i1), get(j0), set(jb),
    op.loop, //                                        for (jb = j0; jb < j1; jb++)     column panels
    get(i0), set(ib),
    op.loop, //                                          for (ib = i0; ib < i1; ib++)   row panels
    micro,
    next(ib, i1), op.end,
    next(jb, j1), op.end,
    get(i1), tee(i0), get(mp), op.i32LtU, op.brIf(0), op.end,
    get(k1), tee(k0), get(kk), op.i32LtU, op.brIf(0), op.end,
    get(j1), tee(j0), get(np), op.i32LtU, op.brIf(0), op.end,
  )
  return {
    name: fname,
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [
      [12, I32],
      [MR * NV + NV + 1, V128],
    ],
    body,
  }
}

/** Copies `bytes` bytes (a multiple of 4) from the address in local `s` to the one in local `d`. */
const copyBytes = (s: number, d: number, bytes: number): number[] => {
  const out: number[] = []
  let o = 0
  for (; o + 16 <= bytes; o += 16) out.push(...get(d), ...get(s), ...op.v128Load(o), ...op.v128Store(o))
  for (; o + 8 <= bytes; o += 8) out.push(...get(d), ...get(s), ...op.i64Load(o), ...op.i64Store(o))
  for (; o + 4 <= bytes; o += 4) out.push(...get(d), ...get(s), ...op.i32Load(o), ...op.i32Store(o))
  return out
}

/**
 * The packing function `(src, rs, cs, dst, rows, cols)` for panels of P rows of es-byte elements: element
 * (r, q) of the matrix at byte address `src + r·rs + q·cs` goes to `dst + ((⌊r/P⌋·cols + q)·P + r mod P)·es`.
 * Rows past `rows` in the last panel are not written (the caller zeroes them). A full panel whose P elements are
 * adjacent in memory (rs = es) is copied P elements at a time; otherwise each row is walked along q. Requires
 * rows, cols ≥ 1. Bit copies (integer loads and stores), so every float, NaN payloads included, is moved as it is.
 */
const packFunc = (fname: string, es: number, P: number): FuncDef => {
  const [src, rs, cs, dst, rows, cols] = [0, 1, 2, 3, 4, 5] as const
  const [r0, cnt, s, d, q, r, dp] = [6, 7, 8, 9, 10, 11, 12] as const
  const copyEl = es === 8 ? code(get(d), get(s), op.i64Load(0), op.i64Store(0)) : copyBytes(s, d, 4)
  // prettier-ignore
  const body = code(
    int(0), set(r0), get(dst), set(dp),
    op.loop, //                                       for (r0 = 0; r0 < rows; r0 += P)   panels
    //  cnt = min(P, rows - r0)
    get(rows), get(r0), op.i32Sub, set(cnt),
    int(P), get(cnt), get(cnt), int(P), op.i32GtU, op.select, set(cnt),
    get(cnt), int(P), op.i32Eq, get(rs), int(es), op.i32Eq, op.i32And, op.if,
    //    full panel of adjacent elements: for q < cols: copy P·es bytes; s += cs; d += P·es
    get(src), get(r0), get(rs), mul, add, set(s), get(dp), set(d), get(cols), set(q),
    op.loop,
    copyBytes(s, d, P * es),
    get(s), get(cs), add, set(s), get(d), int(P * es), add, set(d),
    get(q), int(1), op.i32Sub, tee(q), op.brIf(0),
    op.end,
    op.else,
    //    for r < cnt: for q < cols: dst element (r, q) = src element (r0 + r, q)
    int(0), set(r),
    op.loop,
    get(src), get(r0), get(r), add, get(rs), mul, add, set(s),
    get(dp), get(r), int(es), mul, add, set(d), get(cols), set(q),
    op.loop,
    copyEl,
    get(s), get(cs), add, set(s), get(d), int(P * es), add, set(d),
    get(q), int(1), op.i32Sub, tee(q), op.brIf(0),
    op.end,
    get(r), int(1), add, tee(r), get(cnt), op.i32LtU, op.brIf(0),
    op.end,
    op.end,
    get(dp), get(cols), int(P * es), mul, add, set(dp),
    get(r0), int(P), add, tee(r0), get(rows), op.i32LtU, op.brIf(0),
    op.end,
  )
  return { name: fname, params: [I32, I32, I32, I32, I32, I32], locals: [[7, I32]], body }
}

/**
 * `(src, ldc, dst, rows, rowBytes)`: copies `rows` rows of `rowBytes` bytes, `ldc` bytes apart from `src`, to
 * consecutive rows at `dst` (drops C's padding columns in one pass, so that one `TypedArray.set` copies C out).
 * Requires rows ≥ 1; the regions must not overlap.
 */
const compactFunc = (fname: string): FuncDef => {
  const [src, ldc, dst, rows, rowBytes] = [0, 1, 2, 3, 4] as const
  // prettier-ignore
  const body = code(
    op.loop,
    get(dst), get(src), get(rowBytes), op.memoryCopy,
    get(src), get(ldc), add, set(src),
    get(dst), get(rowBytes), add, set(dst),
    get(rows), int(1), op.i32Sub, tee(rows), op.brIf(0),
    op.end,
  )
  return { name: fname, params: [I32, I32, I32, I32, I32], locals: [], body }
}

/**
 * The module's bytes: exports `gemm_f32`, `gemm_f64`, the packing functions `pack_a32`, `pack_b32`, `pack_a64`,
 * `pack_b64` (panels of MR rows of A, of W columns of B), `compact` (C without its padding) and `memory`. With `fma`,
 * the kernels use relaxed SIMD. Given `sharedMaxPages`, the memory is imported (`env.memory`, shared, for threads).
 */
export const gemmModuleBytes = (fma = false, sharedMaxPages?: number): Uint8Array =>
  encodeModule(
    [
      gemmFunc('gemm_f32', F32, SIMD32, fma),
      gemmFunc('gemm_f64', F64, SIMD64, fma),
      packFunc('pack_a32', 4, F32.MR),
      packFunc('pack_b32', 4, F32.NV * F32.lanes),
      packFunc('pack_a64', 8, F64.MR),
      packFunc('pack_b64', 8, F64.NV * F64.lanes),
      compactFunc('compact'),
    ],
    1,
    sharedMaxPages === undefined ? undefined : { shared: true, maxPages: sharedMaxPages },
  )

/**
 * A module with one function using `f32x4.relaxed_madd` and `f64x2.relaxed_madd`: the probe that decides whether
 * the engine has relaxed SIMD.
 */
export const relaxedProbeBytes = (): Uint8Array =>
  encodeModule(
    [
      {
        name: 'probe',
        params: [V128],
        locals: [],
        // prettier-ignore
        body: code(
          get(0), get(0), get(0), op.f32x4RelaxedMadd,
          get(0), get(0), op.f64x2RelaxedMadd, set(0),
        ),
      },
    ],
    1,
  )

type PackFn = (src: number, rs: number, cs: number, dst: number, rows: number, cols: number) => void
type CompactFn = (src: number, ldc: number, dst: number, rows: number, rowBytes: number) => void

/** Largest scratch memory the kernel will use (i32 addresses stay below 2³¹), a whole number of pages. */
const MAX_BYTES = 2 ** 31 - 65536

/** The part of the WebAssembly JS API used here (this package's TS libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow: (deltaPages: number) => number
}
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
  readonly validate: (bytes: Uint8Array) => boolean
}

interface Instance {
  readonly variant: GemmVariant
  readonly memory: WasmMemory
  readonly f32: Kernel
  readonly f64: Kernel
  readonly packA32: PackFn
  readonly packB32: PackFn
  readonly packA64: PackFn
  readonly packB64: PackFn
  readonly compact: CompactFn
  /** The helper threads (Node.js), when the memory is shared. */
  readonly pool: Pool | undefined
}

const wasmApi = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly

let relaxed: boolean | undefined

/** True when the engine validates relaxed SIMD's `relaxed_madd` (checked once). */
export const relaxedSimdAvailable = (): boolean => {
  if (relaxed === undefined) {
    try {
      relaxed = wasmApi()?.validate(relaxedProbeBytes()) ?? false
    } catch {
      relaxed = false
    }
  }
  return relaxed
}

/** Instances by variant; undefined: not tried yet; null: instantiation failed (no SIMD), use the JS kernel. */
const instances: { plain?: Instance | null; fma?: Instance | null } = {}

const instantiate = (variant: GemmVariant): Instance | null => {
  const have = instances[variant]
  if (have !== undefined) return have
  let made: Instance | null
  try {
    const api = wasmApi()
    if (api === undefined) throw new Error('no WebAssembly')
    // a shared memory where helper threads can use it, else the module's own
    let shared: WasmMemory | undefined
    if (threadsSupported())
      try {
        shared = new api.Memory({ initial: 1, maximum: MAX_BYTES / 65536, shared: true })
      } catch {
        shared = undefined
      }
    const module = new api.Module(
      gemmModuleBytes(variant === 'fma', shared === undefined ? undefined : MAX_BYTES / 65536),
    )
    const ex = new api.Instance(module, shared === undefined ? {} : { env: { memory: shared } }).exports
    const f32 = ex.gemm_f32 as Kernel
    const f64 = ex.gemm_f64 as Kernel
    made = {
      variant,
      memory: ex.memory as WasmMemory,
      f32,
      f64,
      packA32: ex.pack_a32 as PackFn,
      packB32: ex.pack_b32 as PackFn,
      packA64: ex.pack_a64 as PackFn,
      packB64: ex.pack_b64 as PackFn,
      compact: ex.compact as CompactFn,
      pool: shared === undefined ? undefined : makePool(module, shared, f32, f64),
    }
  } catch {
    made = null
  }
  instances[variant] = made
  return made
}

/** The instance products use now: per {@link setGemmVariant}, `fma` only where relaxed SIMD validates. */
const load = (): Instance | null => {
  const wantFma = variantSetting === 'fma' || (variantSetting === 'auto' && relaxedSimdAvailable())
  if (wantFma && relaxedSimdAvailable()) {
    const i = instantiate('fma')
    if (i !== null) return i
  }
  return instantiate('plain')
}

/** True when the SIMD module instantiates on this engine (tried once, at the first call). */
export const wasmGemmAvailable = (): boolean => load() !== null

/** The helper threads of the instance products use now: started helpers and the chunks they ran (tests). */
export const gemmThreadStats = (): { readonly helpers: number; readonly helperChunks: number } =>
  load()?.pool?.stats() ?? { helpers: 0, helperChunks: 0 }

/** Resolves when the helper threads wanted now have started (at once where there are none). */
export const gemmThreadsReady = async (): Promise<void> => {
  await load()?.pool?.ready()
}

/** The wasm kernel variant large products run on now, or null when there is no wasm SIMD (JS kernel). */
export const gemmVariant = (): GemmVariant | null => load()?.variant ?? null

// ---------------------------------------------------------------------------------------------------------------
// The packed-operand cache

/** Most bytes of packed operands the cache holds (least recently used operands are dropped first). */
export const PACK_CACHE_BYTES = 32 * 2 ** 20

/** Operands with fewer elements are packed every time (packing them costs less than looking them up). */
const MIN_CACHED_ELEMENTS = 4096

/** At most this many layouts are remembered per storage. */
const MAX_LAYOUTS = 8

/**
 * One packed form of one storage: `data` is undefined until the second packing in this layout; `ref` is its key
 * in {@link lru} while it holds data.
 */
interface PackEntry {
  data: Float32Array | Float64Array | undefined
  readonly bytes: number
  ref: WeakRef<PackEntry> | undefined
}

/** Packed forms by storage and layout key (an entry lives as long as its storage). */
let packs = new WeakMap<Storage, Map<string, PackEntry>>()
/**
 * Entries holding data, least recently used first, with their sizes. Held weakly, so that a storage's packed forms
 * die with it: `FinalizationRegistry` registrations (or any weak reference) on every operand would keep the short
 * lived ones, fresh weights and gradients, out of the young generation's cheap collections (measured: +35 MB peak
 * RSS on the W1 benchmark); here only the few cached entries have one.
 */
const lru = new Map<WeakRef<PackEntry>, number>()
let lruBytes = 0
let hits = 0
let misses = 0

/** Removes an LRU slot, and the data of its entry if it is still alive. */
const drop = (ref: WeakRef<PackEntry>): void => {
  const bytes = lru.get(ref)
  if (bytes === undefined) return
  lru.delete(ref)
  lruBytes -= bytes
  const e = ref.deref()
  if (e !== undefined) {
    e.data = undefined
    e.ref = undefined
  }
}

/** Forgets the slots of entries whose storage has been garbage-collected. */
const sweep = (): void => {
  for (const ref of [...lru.keys()]) if (ref.deref() === undefined) drop(ref)
}

/** What the packed-operand cache holds now, and its hits and misses since the last {@link clearPackCache}. */
export const packCacheStats = (): {
  readonly entries: number
  readonly bytes: number
  readonly hits: number
  readonly misses: number
} => {
  sweep()
  return { entries: lru.size, bytes: lruBytes, hits, misses }
}

/** Empties the packed-operand cache and resets its counters (tests, benchmarks). */
export const clearPackCache = (): void => {
  for (const ref of [...lru.keys()]) drop(ref)
  packs = new WeakMap()
  hits = 0
  misses = 0
}

const align16 = (x: number): number => Math.ceil(x / 16) * 16

/**
 * Writes the panels of P rows of the `rows×cols` matrix whose element (r, q) is `src[off + r·rs + q·cs]` at
 * element `dstE` of `view`, from the cache when this storage was packed in this layout before, else through the
 * staging area at element `stageE` (a copy of the operand's span) and `pack`. Without `cache` (storage that will be
 * written again, such as a jitted program's scratch) the operand is neither looked up nor kept.
 */
const packOperand = (
  view: Float32Array | Float64Array,
  pack: PackFn,
  P: number,
  src: Storage,
  off: number,
  rs: number,
  cs: number,
  rows: number,
  cols: number,
  dstE: number,
  stageE: number,
  cache: boolean,
): void => {
  const len = Math.ceil(rows / P) * P * cols
  const es = view.BYTES_PER_ELEMENT
  const cacheable = cache && rows * cols >= MIN_CACHED_ELEMENTS
  let layouts: Map<string, PackEntry> | undefined
  let key = ''
  let entry: PackEntry | undefined
  if (cacheable) {
    key = `${es},${P},${off},${rs},${cs},${rows},${cols}`
    layouts = packs.get(src)
    entry = layouts?.get(key)
    if (entry?.data !== undefined && entry.ref !== undefined) {
      lru.delete(entry.ref)
      lru.set(entry.ref, entry.bytes)
      hits++
      view.set(entry.data, dstE)
      return
    }
    misses++
  }
  const span = (rows - 1) * rs + (cols - 1) * cs + 1
  view.set(src.subarray(off, off + span), stageE)
  if (rows % P !== 0) view.fill(0, dstE + len - P * cols, dstE + len)
  pack(stageE * es, rs * es, cs * es, dstE * es, rows, cols)
  if (!cacheable) return
  if (entry === undefined) {
    // first packing in this layout: remember that it happened
    if (layouts === undefined) {
      layouts = new Map()
      packs.set(src, layouts)
    }
    if (layouts.size < MAX_LAYOUTS) layouts.set(key, { data: undefined, bytes: len * es, ref: undefined })
    return
  }
  if (entry.bytes > PACK_CACHE_BYTES / 2) return
  sweep()
  entry.data = view.slice(dstE, dstE + len)
  entry.ref = new WeakRef(entry)
  lru.set(entry.ref, entry.bytes)
  lruBytes += entry.bytes
  for (const old of [...lru.keys()]) {
    if (lruBytes <= PACK_CACHE_BYTES) break
    drop(old)
  }
}

/**
 * `out[outOff + i·n + j] = Σₖ a[aOff + i·sai + k·sak] · b[bOff + k·sbk + j·sbj]` for i < m, j < n, in float32
 * (`out` a Float32Array) or float64 (`out` a Float64Array). Any operand storage is accepted (converted while
 * copying); a transposed operand is just other strides (all non-negative). `reuseB` skips packing B when the
 * previous call packed the same B with the same k and n (consecutive matrices of one batched product). `cacheA`
 * and `cacheB` false keep an operand out of the packed-operand cache: storage that will be written again, unlike a
 * tensor's. Returns
 * false, having done nothing, when the module is unavailable or the operands do not fit the scratch memory; the
 * caller then uses its JS kernel. Requires m, k, n ≥ 1.
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
  cacheA = true,
  cacheB = true,
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
  // staging: room for the span of either operand, later for C without padding
  const span = Math.max((m - 1) * sai + (k - 1) * sak + 1, (n - 1) * sbj + (k - 1) * sbk + 1, m * n)
  const stageBytes = align16(span * es)
  const total = bBytes + aBytes + cBytes + stageBytes
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
  const stageE = (bBytes + aBytes + cBytes) / es
  // B panels at 0: B's columns are the panels' rows
  if (!reuseB)
    packOperand(view, f32 ? inst.packB32 : inst.packB64, W, b, bOff, sbj, sbk, n, k, 0, stageE, cacheB)
  // A panels after B
  const aE = bBytes / es
  packOperand(view, f32 ? inst.packA32 : inst.packA64, MR, a, aOff, sai, sak, m, k, aE, stageE, cacheA)
  // C after A (the kernel overwrites every tile)
  const cE = (bBytes + aBytes) / es
  const kc = Math.ceil(k / Math.ceil(k / bl.KC)) // equal k blocks, none much shorter than the others
  const ldc = ldcE * es
  if (
    m * k * n < MIN_THREADED_MACS ||
    inst.pool?.run(!f32, bBytes, 0, bBytes + aBytes, mp, k, np, ldc, kc, MR, W, es) !== true
  )
    (f32 ? inst.f32 : inst.f64)(bBytes, 0, bBytes + aBytes, mp, k, np, ldc, kc)
  if (ldcE === n) out.set(view.subarray(cE, cE + m * n), outOff)
  else {
    // rows without their padding into the staging area (free again), then one copy out
    inst.compact(cE * es, ldcE * es, stageE * es, m, n * es)
    out.set(view.subarray(stageE, stageE + m * n), outOff)
  }
  return true
}
