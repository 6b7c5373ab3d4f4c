/**
 * A minimal WebAssembly binary encoder: just what the GEMM and packing kernels need (one memory, functions over i32
 * and v128 locals, structured control flow, integer arithmetic, plain loads and stores, and a handful of SIMD128
 * and relaxed-SIMD instructions). It produces the bytes of a module that `new WebAssembly.Module` accepts; see the
 * WebAssembly core specification, "Binary Format", and the SIMD and relaxed-SIMD proposals' opcode tables (all
 * SIMD instructions are the prefix byte 0xFD followed by a LEB128 opcode).
 * @module
 */

/** Value types used by the kernels. */
export const I32 = 0x7f
/** The 128-bit SIMD value type. */
export const V128 = 0x7b
/** The float32 value type. */
export const F32 = 0x7d
/** The float64 value type. */
export const F64 = 0x7c

/** Unsigned LEB128 encoding of a non-negative integer below 2³². */
export const uleb = (value: number): number[] => {
  const out: number[] = []
  let v = value >>> 0
  do {
    const byte = v & 0x7f
    v >>>= 7
    out.push(v === 0 ? byte : byte | 0x80)
  } while (v !== 0)
  return out
}

/** Signed LEB128 encoding of a 32-bit integer (the immediate of `i32.const`). */
export const sleb = (value: number): number[] => {
  const out: number[] = []
  let v = value | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)
    out.push(done ? byte : byte | 0x80)
    if (done) return out
  }
}

/**
 * A SIMD instruction: the prefix byte 0xFD, the LEB128 `opcode`, then the immediates (a memory argument is
 * `[alignLog2, ...uleb(offset)]`, a lane index one byte).
 */
export const simd = (opcode: number, ...immediates: readonly number[]): number[] => [
  0xfd,
  ...uleb(opcode),
  ...immediates,
]

/** `f32.const`: the 4 little-endian bytes of `x` rounded to float32. */
export const f32Const = (x: number): number[] => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)]

/** `f64.const`: the 8 little-endian bytes of the double `x`. */
export const f64Const = (x: number): number[] => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)]

/** A vector: its length (uleb) followed by the concatenated items. */
const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()]

/** A name: UTF-8 bytes (the kernels only use ASCII) as a vector. */
const name = (s: string): number[] => vec(Array.from(s, (ch) => [ch.charCodeAt(0)]))

/** The byte sequences one after the other, in one array. */
const concat = (parts: readonly (readonly number[])[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0))
  let at = 0
  for (const x of parts) {
    out.set(x, at)
    at += x.length
  }
  return out
}

/** A section: id, byte length, contents. */
const section = (id: number, contents: readonly number[]): number[] => [
  id,
  ...uleb(contents.length),
  ...contents,
]

/** Instructions, as byte sequences to concatenate into a function body. */
export const op = {
  /** `block` with an empty block type (a `br` to it jumps past its `end`); close it with `end`. */
  block: [0x02, 0x40],
  /** `loop` with an empty block type; close it with `end`. */
  loop: [0x03, 0x40],
  end: [0x0b],
  /** `if` (on a non-zero i32) with an empty block type; optionally `else`, then `end`. */
  if: [0x04, 0x40],
  else: [0x05],
  /** Branch to the enclosing label `depth` (0 = innermost) when the i32 on the stack is non-zero. */
  brIf: (depth: number): number[] => [0x0d, ...uleb(depth)],
  /** Unconditional branch to the enclosing label `depth`. */
  br: (depth: number): number[] => [0x0c, ...uleb(depth)],
  select: [0x1b],
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  i32Eq: [0x46],
  i32Ne: [0x47],
  i32LtU: [0x49],
  i32GtU: [0x4b],
  i32And: [0x71],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  /** `i32.load` (4 bytes, alignment hint 4) with byte `offset`. */
  i32Load: (offset: number): number[] => [0x28, 2, ...uleb(offset)],
  /** `i64.load` (8 bytes, alignment hint 8) with byte `offset`. */
  i64Load: (offset: number): number[] => [0x29, 3, ...uleb(offset)],
  /** `i32.store` with byte `offset`. */
  i32Store: (offset: number): number[] => [0x36, 2, ...uleb(offset)],
  /** `i64.store` with byte `offset`. */
  i64Store: (offset: number): number[] => [0x37, 3, ...uleb(offset)],
  /** `memory.copy` (bulk memory) within memory 0: pops destination, source and length (bytes). */
  memoryCopy: [0xfc, ...uleb(10), 0x00, 0x00],
  /** `v128.load` with byte `offset` (alignment hint 16 bytes). */
  v128Load: (offset: number): number[] => [0xfd, ...uleb(0), 4, ...uleb(offset)],
  /** `v128.store` with byte `offset`. */
  v128Store: (offset: number): number[] => [0xfd, ...uleb(11), 4, ...uleb(offset)],
  /** A v128 of zero bits (`v128.const` with 16 zero bytes). */
  v128Zero: [0xfd, ...uleb(12), ...new Array<number>(16).fill(0)],
  /** Load one float32 and broadcast it to 4 lanes (`v128.load32_splat`). */
  v128Load32Splat: (offset: number): number[] => [0xfd, ...uleb(9), 2, ...uleb(offset)],
  /** Load one float64 and broadcast it to 2 lanes (`v128.load64_splat`). */
  v128Load64Splat: (offset: number): number[] => [0xfd, ...uleb(10), 3, ...uleb(offset)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f64x2Add: [0xfd, ...uleb(0xf0)],
  f64x2Mul: [0xfd, ...uleb(0xf2)],
  /** Relaxed SIMD `f32x4.relaxed_madd`: (a, b, c) ↦ a·b + c, fused or not as the hardware prefers. */
  f32x4RelaxedMadd: [0xfd, ...uleb(0x105)],
  /** Relaxed SIMD `f64x2.relaxed_madd`. */
  f64x2RelaxedMadd: [0xfd, ...uleb(0x107)],
} as const

/**
 * A memory a module imports as `env.memory` instead of having its own: shared (threads) with at most `maxPages`
 * pages, or a plain one (several modules working on the same buffer).
 */
export type ImportedMemory = { readonly shared: true; readonly maxPages: number } | { readonly shared: false }

/** One function of a module: its parameter types (no results), extra locals and body (without the final `end`). */
export interface FuncDef {
  /** Exported under this name. */
  readonly name: string
  /** Parameter value types ({@link I32}, {@link F32}, {@link F64}, {@link V128}); they are locals 0, 1, …. */
  readonly params: readonly number[]
  /** Extra locals, numbered after the parameters, as runs of [count, type]. */
  readonly locals: readonly (readonly [number, number])[]
  /** The instructions, concatenated (see {@link op}). */
  readonly body: readonly number[]
}

/**
 * The bytes of a module with one memory of `minPages` 64 KiB pages (exported as `memory`, growable) and the given
 * functions, each with its own type and exported under its name. Given `imported`, the memory is not the module's
 * own but imported as `env.memory` (of at least `minPages`): a shared memory that every thread's instance of the
 * module uses, or a plain one that several modules share.
 */
export const encodeModule = (
  funcs: readonly FuncDef[],
  minPages: number,
  imported?: ImportedMemory,
): Uint8Array => {
  const types = section(1, vec(funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec([])])))
  // limits: 0x00 min; 0x03 min, max, shared (the threads proposal)
  const limits =
    imported === undefined || !imported.shared
      ? [0x00, ...uleb(minPages)]
      : [0x03, ...uleb(minPages), ...uleb(imported.maxPages)]
  const imports =
    imported === undefined ? [] : section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]]))
  const functions = section(3, vec(funcs.map((_, i) => uleb(i))))
  const memory = imported === undefined ? section(5, vec([limits])) : []
  const exports = section(
    7,
    vec([...funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]), [...name('memory'), 0x02, ...uleb(0)]]),
  )
  // the code section by concatenation into one array (function bodies can be large: no copies of them on the way)
  const entries = funcs.map((f) => {
    const locals = vec(f.locals.map(([count, type]) => [...uleb(count), type]))
    return [uleb(locals.length + f.body.length + 1), locals, f.body, op.end]
  })
  const count = uleb(funcs.length)
  const codeBytes = entries.reduce((n, parts) => n + parts.reduce((q, x) => q + x.length, 0), count.length)
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    types,
    imports,
    functions,
    memory,
    exports,
    [10, ...uleb(codeBytes)],
    count,
    ...entries.flat(),
  ])
}
