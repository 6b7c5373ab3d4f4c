/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local arrays and maps while emitting a module, and the loop it returns writes the plan's slot arrays (never a tensor's storage) */
/**
 * Element-wise groups as WebAssembly SIMD loops: a large fused group of `+ − × ÷ √` and friends runs four float32
 * (`f32x4`) or two float64 (`f64x2`) elements per instruction instead of one JS double at a time.
 *
 * Exactness. The JS loop of a group (`groupSource`) computes each operation in doubles and rounds a float32 result to
 * float32 at once; for every operation supported here that is the float32 (or float64) operation's own result: `+ −
 * × ÷ √` are correctly rounded in IEEE 754 (a double result of float32 operands rounded to float32 is the float32
 * result), and the comparisons, selects (through lane masks), `floor` and `max` are exact. So a SIMD loop computes
 * bit for bit what the group's JS loop computes, and what the eager kernels compute; the tests compare all three.
 * Operations without a WebAssembly instruction of the same result (`exp`, `log`, `tanh`, `pow`, …) keep their group
 * in JS.
 *
 * Memory. All SIMD loops of a compiled program share one plain WebAssembly memory, made once at its final size (it
 * never grows, so views of it stay valid). The scratch slots the SIMD loops read or write are views of it, read and
 * written in place. Every other operand (inputs, constants, kernel results, fresh outputs) has a staging region of
 * its own: an operand is copied in before the loop, a stored value copied out to its slot after it. A slot found
 * in the memory at run time (whatever the plan said) is used in place; anything else is staged, so the loop never
 * depends on where a slot's array came from.
 * @module
 */
import type { DType, Storage } from '@cotangent/tensor'
import {
  encodeModule,
  f32Const,
  F32,
  f64Const,
  F64,
  I32,
  op,
  simd,
  uleb,
  V128,
  type FuncDef,
} from '@cotangent/tensor/internal'
import type { Atom, Equation, Var } from '../staging.js'
import { exprOf, partnerOf } from './exprs.js'
import type { Group } from './fuse.js'
import type { Plan } from './plan.js'
import { bytesPer, viewOf } from './storage.js'

let minElements = 512

/**
 * Sets the number of elements from which a fused group runs as a SIMD loop (below it, the JS loop) and returns the
 * previous value. For the tests, which run the SIMD loops on small arrays; programs compiled afterwards use it.
 */
export const setSimdMinElements = (n: number): number => {
  const old = minElements
  minElements = n
  return old
}

/** The number of elements from which a fused group runs as a SIMD loop (see {@link setSimdMinElements}). */
export const simdMinElements = (): number => minElements

let maxStaging = 2 ** 25

/**
 * Sets the most bytes of staging regions one SIMD loop may have (default 32 MiB; a loop that needs more keeps its JS
 * loop) and returns the previous value. Staging is memory the JS loop does not need (a copy of each operand that is
 * not scratch), so this bounds what a compiled program holds beyond its scratch. For the tests.
 */
export const setSimdMaxStagingBytes = (n: number): number => {
  const old = maxStaging
  maxStaging = n
  return old
}

/** The most bytes of staging regions one SIMD loop may have (see {@link setSimdMaxStagingBytes}). */
export const simdMaxStagingBytes = (): number => maxStaging

/** The part of the WebAssembly JS API used here (the package's TS libs do not declare it). */
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer }
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
  readonly validate: (bytes: Uint8Array) => boolean
}
/** A program's memory, as this module uses it. */
export type SimdMemory = { readonly buffer: ArrayBuffer }

const wasmApi = (): WasmApi | undefined => (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** The lane instructions of one float dtype (the same names for both), plus `or` and `bitselect` on bits. */
export interface Lanes {
  readonly eq: number[]
  readonly ne: number[]
  readonly lt: number[]
  readonly gt: number[]
  readonly le: number[]
  readonly ge: number[]
  readonly floor: number[]
  readonly abs: number[]
  readonly neg: number[]
  readonly sqrt: number[]
  readonly add: number[]
  readonly sub: number[]
  readonly mul: number[]
  readonly div: number[]
  readonly max: number[]
  readonly splat: number[]
  readonly or: number[]
  readonly bitselect: number[]
  /** Pushes the constant `x` (a float32 lane holds it rounded to float32) as a scalar, for `splat`. */
  readonly scalar: (x: number) => number[]
  /** The scalar value type, of the parameters passing the group's one-element operands. */
  readonly param: number
}
const bits = { or: simd(0x50), bitselect: simd(0x52) }
export const f64x2: Lanes = {
  ...bits,
  eq: simd(0x47),
  ne: simd(0x48),
  lt: simd(0x49),
  gt: simd(0x4a),
  le: simd(0x4b),
  ge: simd(0x4c),
  floor: simd(0x75),
  abs: simd(0xec),
  neg: simd(0xed),
  sqrt: simd(0xef),
  add: simd(0xf0),
  sub: simd(0xf1),
  mul: simd(0xf2),
  div: simd(0xf3),
  max: simd(0xf5),
  splat: simd(0x14),
  scalar: f64Const,
  param: F64,
}
const f32x4: Lanes = {
  ...bits,
  eq: simd(0x41),
  ne: simd(0x42),
  lt: simd(0x43),
  gt: simd(0x44),
  le: simd(0x45),
  ge: simd(0x46),
  floor: simd(0x68),
  abs: simd(0xe0),
  neg: simd(0xe1),
  sqrt: simd(0xe3),
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  div: simd(0xe7),
  max: simd(0xe9),
  splat: simd(0x13),
  scalar: f32Const,
  param: F32,
}

/** Pushes a v128 operand; `c(x)` pushes the constant `x` in every lane. */
export type Push = readonly number[]
type Emit = (x: readonly Push[], c: (value: number) => Push, L: Lanes, e: Equation) => number[]
type Code = keyof Omit<Lanes, 'scalar' | 'param'>

const bin =
  (code: Code): Emit =>
  ([x, y], _c, L) => [...x!, ...y!, ...L[code]]
const un =
  (code: Code): Emit =>
  ([x], _c, L) => [...x!, ...L[code]]
const same: Emit = ([x]) => [...x!]
/** `x cmp y ? 1 : 0` (the mask selects 1 or 0). */
const compare =
  (code: Code): Emit =>
  ([x, y], c, L) => [...c(1), ...c(0), ...x!, ...y!, ...L[code], ...L.bitselect]
/** `(x or y is NaN) ? NaN : (x cmp y ? x : y)`: maximum and minimum as the JS expressions (−0 and +0 kept apart). */
const extremum =
  (code: Code): Emit =>
  ([x, y], c, L) => [
    ...c(NaN),
    ...x!,
    ...y!,
    ...x!,
    ...y!,
    ...L[code],
    ...L.bitselect,
    ...x!,
    ...x!,
    ...L.ne,
    ...y!,
    ...y!,
    ...L.ne,
    ...L.or,
    ...L.bitselect,
  ]
const slope = (e: Equation): number => {
  const s = (e.params as { readonly slope: number }).slope
  return e.out.dtype === 'float32' ? Math.fround(s) : s
}

/** `x > 0 ? a : a·slope` (leaky ReLU: `a` is `x`; its gradient: `a` is the cotangent). */
const leaky = (a: Push, x: Push, c: (value: number) => Push, L: Lanes, e: Equation): number[] => [
  ...a,
  ...a,
  ...c(slope(e)),
  ...L.mul,
  ...x,
  ...c(0),
  ...L.gt,
  ...L.bitselect,
]

/**
 * The SIMD code of each primitive jit fuses that has an exact WebAssembly equivalent (the same values as its JS
 * expression in `exprs.ts` rounded to the lane's dtype, including NaN, −0 and ±∞).
 */
export const table: Readonly<Record<string, Emit>> = {
  add: bin('add'),
  sub: bin('sub'),
  mul: bin('mul'),
  div: bin('div'),
  maximum: extremum('ge'),
  minimum: extremum('le'),
  equal: compare('eq'),
  notEqual: compare('ne'),
  less: compare('lt'),
  greater: compare('gt'),
  lessEqual: compare('le'),
  greaterEqual: compare('ge'),
  // c !== 0 ? a : b (a NaN condition selects a)
  where: ([cond, a, b], c, L) => [...a!, ...b!, ...cond!, ...c(0), ...L.ne, ...L.bitselect],
  neg: un('neg'),
  abs: un('abs'),
  sqrt: un('sqrt'),
  floor: un('floor'),
  // x > 0 ? 1 : x < 0 ? −1 : x === 0 ? 0 : NaN, built inside out
  sign: ([x], c, L) => [
    ...c(1),
    ...c(-1),
    ...c(0),
    ...c(NaN),
    ...x!,
    ...c(0),
    ...L.eq,
    ...L.bitselect,
    ...x!,
    ...c(0),
    ...L.lt,
    ...L.bitselect,
    ...x!,
    ...c(0),
    ...L.gt,
    ...L.bitselect,
  ],
  isFinite: ([x], c, L) => [...c(1), ...c(0), ...x!, ...x!, ...L.sub, ...c(0), ...L.eq, ...L.bitselect],
  stopGradient: same,
  broadcastTo: same,
  astype: same,
  // Math.max(x, 0): NaN stays NaN, −0 gives +0, as the lanes' max does
  relu: ([x], c, L) => [...x!, ...c(0), ...L.max],
  reluGrad: ([x, t], c, L) => [...c(0), ...t!, ...x!, ...c(0), ...L.le, ...L.bitselect],
  leakyRelu: ([x], c, L, e) => leaky(x!, x!, c, L, e),
  leakyReluGrad: ([x, t], c, L, e) => leaky(t!, x!, c, L, e),
}

/** What a SIMD loop reads and writes, and its code. */
export interface SimdShape {
  readonly dtype: 'float32' | 'float64'
  /** Operands read element by element (each its own size). */
  readonly arrays: readonly Var[]
  /** Operands of one element, read once per call. */
  readonly scalars: readonly Var[]
  /** Values stored element by element. */
  readonly stores: readonly Var[]
  /** The loop as a function of a module, named `name`: `(array bases…, store bases…, scalars…)`, byte offsets. */
  readonly func: (name: string) => FuncDef
}

/** Elements of a shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

let supported: boolean | undefined
/** True when the engine has WebAssembly with SIMD128 (checked once, on a module using the loops' instructions). */
export const simdSupported = (): boolean => {
  if (supported === undefined) {
    const probe: FuncDef = {
      name: 'probe',
      params: [F64],
      locals: [[1, V128]],
      body: [...op.localGet(0), ...f64x2.splat, ...f64x2.sqrt, ...f32x4.sqrt, ...op.localSet(1)],
    }
    try {
      supported = wasmApi()?.validate(encodeModule([probe], 1, { shared: false })) ?? false
    } catch {
      supported = false
    }
  }
  return supported
}

/** The shape of a group's SIMD loop, or undefined when the group keeps its JS loop. */
export const simdShape = (g: Group, plan: Plan): SimdShape | undefined => {
  if (g.producer !== undefined || g.consumer !== undefined) return undefined
  const size = sizeOf(g.shape)
  if (size < minElements) return undefined
  const dtype = g.eqns[0]!.out.dtype
  if (dtype !== 'float32' && dtype !== 'float64') return undefined
  const local = new Set(g.eqns.map((e) => e.out.id))
  const arrays: Var[] = []
  const scalars: Var[] = []
  for (const e of g.eqns) {
    if (e.out.dtype !== dtype || exprOf(e) === undefined || table[e.prim.name] === undefined) return undefined
    for (const a of e.inputs) {
      if (a.dtype !== dtype && a.dtype !== 'weak') return undefined
      if (a.kind !== 'var' || local.has(a.id) || [...arrays, ...scalars].some((v) => v.id === a.id)) continue
      const n = sizeOf(a.shape)
      if (n === 1) scalars.push(a)
      else if (n === size) arrays.push(a)
      else return undefined // a broadcast operand: the JS loop's strides
    }
  }
  if (!simdSupported()) return undefined
  const stores = g.eqns.map((e) => e.out).filter((v) => plan.materialised.has(v.id))
  const shape = { dtype, arrays, scalars, stores }
  return { ...shape, func: (name) => loopFunc(g, shape, size, name) }
}

/** Bytes of a region of `n` elements of `dtype`, rounded up to whole vectors (a loop's last vector may overrun). */
export const regionBytes = (dtype: DType, n: number): number => Math.ceil((n * bytesPer(dtype)) / 16) * 16

/**
 * Bytes of a loop's staging regions (one per array operand and per store), plus a vector of slack: a loop's last
 * vector may read past the end of an array that fills its region.
 */
export const stagingBytes = (s: Omit<SimdShape, 'func'>): number =>
  [...s.arrays, ...s.stores].reduce((n, v) => n + regionBytes(s.dtype, sizeOf(v.shape)), 16)

/**
 * How a loop's code reads operands: `c(x)` pushes a constant in every lane (made once, before the loop), `where` maps
 * a value to the local holding its lanes (one-element operands are splatted from their parameters, the first at
 * `firstParam`, before the loop), `operand(e, i)` pushes operand `i` of `e`; `pre` is the code before the loop.
 */
export const operandsOf = (
  L: Lanes,
  newLocal: () => number,
  scalars: readonly Var[],
  firstParam: number,
): {
  readonly pre: number[]
  readonly c: (value: number) => Push
  readonly where: Map<number, number>
  readonly operand: (e: Equation, i: number) => Push
} => {
  const pre: number[] = []
  const consts = new Map<string, number>()
  const c = (value: number): Push => {
    const key = Object.is(value, -0) ? '-0' : String(value)
    let l = consts.get(key)
    if (l === undefined) {
      l = newLocal()
      consts.set(key, l)
      pre.push(...L.scalar(value), ...L.splat, ...op.localSet(l))
    }
    return op.localGet(l)
  }
  const where = new Map<number, number>()
  scalars.forEach((v, k) => {
    const l = newLocal()
    pre.push(...op.localGet(firstParam + k), ...L.splat, ...op.localSet(l))
    where.set(v.id, l)
  })
  const operand = (e: Equation, i: number): Push => {
    const a: Atom = e.inputs[i]!
    if (a.kind === 'var') return op.localGet(where.get(a.id)!)
    if (a.dtype !== 'weak') return c(a.value)
    // a weak number adopts its partner's dtype (rounded to float32 when that is float32), as exprs.ts does
    const partner = partnerOf(e, i)
    const pd = partner === undefined ? 'weak' : e.inputs[partner]!.dtype
    return c(pd === 'float32' ? Math.fround(a.value) : a.value)
  }
  return { pre, c, where, operand }
}

/** The module of a group's loop: `run(array bases…, store bases…, scalars…)`, byte offsets into the memory. */
const loopFunc = (g: Group, s: Omit<SimdShape, 'func'>, size: number, name: string): FuncDef => {
  const nA = s.arrays.length
  const nS = s.stores.length
  const nP = nA + nS + s.scalars.length
  let nLocals = 0
  const newLocal = (): number => nP + 1 + nLocals++ // local nP is the byte offset `o`
  const o = nP
  const L = s.dtype === 'float32' ? f32x4 : f64x2
  const { pre, c, where, operand } = operandsOf(L, newLocal, s.scalars, nA + nS)
  const body: number[] = []
  // four float32 or two float64 elements per vector; memory argument: alignment hint (log2 bytes), offset 0
  s.arrays.forEach((v, k) => {
    const l = newLocal()
    body.push(...op.localGet(k), ...op.localGet(o), ...op.i32Add)
    body.push(...simd(0x00, 4, ...uleb(0)))
    body.push(...op.localSet(l))
    where.set(v.id, l)
  })
  for (const e of g.eqns) {
    const l = newLocal()
    body.push(
      ...table[e.prim.name]!(
        e.inputs.map((_, i) => operand(e, i)),
        c,
        L,
        e,
      ),
      ...op.localSet(l),
    )
    where.set(e.out.id, l)
  }
  s.stores.forEach((v, k) => {
    body.push(...op.localGet(nA + k), ...op.localGet(o), ...op.i32Add, ...op.localGet(where.get(v.id)!))
    body.push(...simd(0x0b, 4, ...uleb(0)))
  })
  const end = Math.ceil((size * bytesPer(s.dtype)) / 16) * 16
  const loop = [
    ...op.block,
    ...op.loop,
    ...op.localGet(o),
    ...op.i32Const(end),
    ...op.i32Eq,
    ...op.brIf(1),
    ...body,
    ...op.localGet(o),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.localSet(o),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ]
  return {
    name,
    params: [...new Array<number>(nA + nS).fill(I32), ...new Array<number>(s.scalars.length).fill(L.param)],
    locals: [
      [1, I32],
      [nLocals, V128],
    ],
    body: [...pre, ...loop],
  }
}

/**
 * Makes a program's memory of at least `bytes` bytes (a whole number of 64 KiB pages; it never grows), or undefined
 * when the engine refuses one (the address space for WebAssembly memories is finite): the program then runs its JS
 * loops.
 */
export const simdMemory = (bytes: number): SimdMemory | undefined => {
  try {
    return new (wasmApi()!.Memory)({ initial: Math.max(1, Math.ceil(bytes / 65536)) })
  } catch {
    return undefined
  }
}

/**
 * The SIMD loops of a program as one module instance over `memory` (one module: each compile of a module costs a
 * fixed wait), in the order of `shapes`.
 */
export const simdInstance = (
  shapes: readonly SimdShape[],
  memory: SimdMemory,
): ((...args: number[]) => void)[] => {
  const api = wasmApi()!
  const bytes = encodeModule(
    shapes.map((s, i) => s.func(`loop${String(i)}`)),
    1,
    { shared: false },
  )
  const ex = new api.Instance(new api.Module(bytes), { env: { memory } }).exports
  return shapes.map((_, i) => ex[`loop${String(i)}`] as (...args: number[]) => void)
}

/**
 * A SIMD loop (`run`, from {@link simdInstance}) with its staging regions from byte `staging` of `memory` on: it
 * reads and writes the slot arrays of `S` as the JS code it replaces does.
 */
export const simdLoop = (
  s: SimdShape,
  run: (...args: number[]) => void,
  plan: Plan,
  memory: SimdMemory,
  staging: number,
): ((S: readonly Storage[]) => void) => {
  const buffer = memory.buffer
  const slotOf = (v: Var): number => plan.slotOf.get(v.id)!
  const arraySlots = s.arrays.map(slotOf)
  const storeSlots = s.stores.map(slotOf)
  const scalarSlots = s.scalars.map(slotOf)
  let at = staging
  const stage = [...s.arrays, ...s.stores].map((v) => {
    const n = sizeOf(v.shape)
    const view = viewOf(s.dtype, buffer, at, n)
    at += regionBytes(s.dtype, n)
    return view
  })
  const nA = arraySlots.length
  const args = new Array<number>(nA + storeSlots.length + scalarSlots.length).fill(0)
  const copyOut: boolean[] = storeSlots.map(() => false)
  return (S) => {
    for (let k = 0; k < nA; k++) {
      const a = S[arraySlots[k]!]!
      if (a.buffer === buffer) args[k] = a.byteOffset
      else {
        stage[k]!.set(a)
        args[k] = stage[k]!.byteOffset
      }
    }
    for (let k = 0; k < storeSlots.length; k++) {
      const a = S[storeSlots[k]!]!
      copyOut[k] = a.buffer !== buffer
      args[nA + k] = copyOut[k] ? stage[nA + k]!.byteOffset : a.byteOffset
    }
    for (let k = 0; k < scalarSlots.length; k++) args[nA + storeSlots.length + k] = S[scalarSlots[k]!]![0]!
    run(...args)
    for (let k = 0; k < storeSlots.length; k++)
      if (copyOut[k]) (S[storeSlots[k]!] as Float32Array | Float64Array).set(stage[nA + k]!)
  }
}
