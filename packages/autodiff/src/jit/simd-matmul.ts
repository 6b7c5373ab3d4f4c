/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local arrays and maps while emitting a module */
/**
 * Small matmuls as WebAssembly SIMD loops: a 2-D product that jit generates as a JS loop (`matmulSource`), or a
 * fused group computed from one (`producerGroupSource`: `relu(x @ W + b)`, a ReLU gradient of a backprop product and
 * the bias gradient summed down its columns), two output columns per `f64x2` instruction. The same loop without a
 * product runs an element-wise group that ends in a sum down the columns of its [rows, cols] view
 * (`consumerGroupSource`: the ReLU gradient of a large product and its bias gradient).
 *
 * Exactness. The lanes are two neighbouring outputs of a row, and each lane performs exactly the operations the JS
 * loop performs for its output, in the same order: per output the products `A[i,kk]·B[kk,j]`, summed in chunks of 8
 * while 8 remain, then one chunk of 4, 2 and 1, each chunk a balanced tree, the chunks added left to right from 0 (k ≤
 * 128: one block of the kernel's order). Float32 operands are widened exactly and every float32 value is rounded once
 * it is computed (`f32x4.demote_f64x2_zero`, then widened again), as the JS loop's `Math.fround` does; the group's
 * members are the element-wise SIMD code of simd.ts. A column sum accumulates four rows at a time, then one by one, as
 * the JS loop does. So the SIMD loop computes the JS loop's bits; the tests compare the two.
 *
 * An odd last column is the low lane of a pair: its high lane reads whatever follows (harmless) and is never stored.
 * @module
 */
import { F64, I32, op, simd, uleb, V128, type FuncDef } from '@cotangent/tensor/internal'
import type { Equation, Var } from '../staging.js'
import { broadcastStrides, consumerStrides, reduceShape, smallMatmul } from './codegen.js'
import { exprOf } from './exprs.js'
import type { Group, Step } from './fuse.js'
import type { Plan } from './plan.js'
import { f64x2, operandsOf, simdMinElements, simdSupported, sizeOf, table, type SimdShape } from './simd.js'
import { bytesPer } from './storage.js'

/** Largest inner size: one block of the kernel's summation order. */
const MAX_K = 128

const i32 = {
  mul: [0x6c],
  add: op.i32Add,
  lt: [0x48], // i32.lt_s
}
/** `f32.load`, `f64.load` with alignment hint and byte offset; `f64.promote_f32`; `f64x2.replace_lane 1`. */
const f32Load = (offset: number): number[] => [0x2a, 2, ...uleb(offset)]
const f64Load = (offset: number): number[] => [0x2b, 3, ...uleb(offset)]
const promote = [0xbb]
const replaceLane1 = simd(0x22, 1)
const demoteZero = simd(0x5e)
const promoteLow = simd(0x5f)

/** The chunks of the inner dimension, as the JS loops sum them: 8 while 8 remain, then 4, 2, 1. */
const chunksOf = (k: number): (readonly [number, number])[] => {
  const out: (readonly [number, number])[] = []
  let kk = 0
  for (const step of [8, 4, 2, 1])
    while (kk + step - 1 < k) {
      out.push([kk, step])
      kk += step
      if (step < 8) break
    }
  return out
}

/**
 * Code as nested arrays of bytes, flattened once when the function is done: the loops repeat large pieces (the
 * product of an element), and copying them at every level made emitting them cost more than compiling them.
 */
type Code = number | readonly Code[]
const flat = (c: Code): number[] => [c].flat(Infinity as 1) as number[]

/** A balanced sum of the terms (sizes 8, 4, 2, 1), as `sumTree` builds it. */
const tree = (terms: readonly Code[]): Code =>
  terms.length === 1
    ? terms[0]!
    : [tree(terms.slice(0, terms.length / 2)), tree(terms.slice(terms.length / 2)), f64x2.add]

type Dims = NonNullable<ReturnType<typeof smallMatmul>>

/**
 * The SIMD shape of a small matmul step, a group computed from one, or a group that ends in a sum down the columns
 * of its [rows, cols] view (a bias gradient), or undefined when it keeps its JS loop.
 */
export const simdMatmulShape = (st: Step, plan: Plan): SimdShape | undefined => {
  const e = st.kind === 'group' ? st.producer : st.eqn
  const consumer = st.kind === 'group' ? st.consumer : undefined
  const mm = e === undefined ? undefined : smallMatmul(e)
  if (e !== undefined && mm === undefined) return undefined
  const r = consumer === undefined ? undefined : reduceShape(consumer)
  if (mm === undefined && r?.kind !== 'cols') return undefined // a plain group without a column sum: simd.ts
  const [m, n] = mm !== undefined ? [mm.m, mm.n] : r?.kind === 'cols' ? [r.rows, r.cols] : [0, 0]
  const dtype = (e ?? consumer)!.out.dtype
  const work = mm === undefined ? m * n : m * mm.k * n
  if ((dtype !== 'float32' && dtype !== 'float64') || n < 2 || (mm?.k ?? 0) > MAX_K) return undefined
  if (work < (mm === undefined ? 1 : 4) * simdMinElements()) return undefined
  const ab = e === undefined ? [] : (e.inputs as readonly Var[])
  if (ab.some((v) => v.dtype !== dtype)) return undefined
  const members = st.kind === 'group' ? st.eqns : []
  const local = new Set([...(e === undefined ? [] : [e.out.id]), ...members.map((q) => q.out.id)])
  const loads: Var[] = []
  const scalars: Var[] = []
  const strides = new Map<number, readonly [number, number]>()
  for (const q of members) {
    if (q.out.dtype !== dtype || exprOf(q) === undefined || table[q.prim.name] === undefined) return undefined
    for (const x of q.inputs) {
      if (x.dtype !== dtype && x.dtype !== 'weak') return undefined
      if (x.kind !== 'var' || local.has(x.id) || [...loads, ...scalars].some((v) => v.id === x.id)) continue
      if (sizeOf(x.shape) === 1) {
        scalars.push(x)
        continue
      }
      // the load's strides in the [m, n] view (a group's own shape may have more dimensions)
      const st2 =
        mm !== undefined
          ? (broadcastStrides(x.shape, [m, n]) as unknown as readonly [number, number])
          : consumerStrides((st as Group).shape, consumer!, [x])?.[0]
      if (st2 === undefined || st2[1] > 1) return undefined
      strides.set(x.id, st2)
      loads.push(x)
    }
  }
  if (consumer !== undefined) {
    const x = consumer.inputs[0]
    if (consumer.prim.name !== 'sum' || r?.kind !== 'cols' || consumer.out.dtype !== dtype) return undefined
    if (x === undefined || x.kind !== 'var' || !local.has(x.id)) return undefined
  }
  if (!simdSupported()) return undefined
  const values = [...(e === undefined ? [] : [e.out]), ...members.map((q) => q.out)].filter((v) =>
    plan.materialised.has(v.id),
  )
  const stores = consumer === undefined ? values : [...values, consumer.out]
  const shape = { dtype, arrays: [...ab, ...loads], scalars, stores }
  const view = { m, n, mm, e, strides }
  return { ...shape, func: (name) => loopFunc(view, members, consumer, shape, values, name) }
}

/** The [m, n] view a loop walks, the product computed at each element (if any), and the loads' strides in it. */
interface View {
  readonly m: number
  readonly n: number
  readonly mm: Dims | undefined
  readonly e: Equation | undefined
  readonly strides: ReadonlyMap<number, readonly [number, number]>
}

const loopFunc = (
  view: View,
  members: readonly Equation[],
  consumer: Equation | undefined,
  s: Omit<SimdShape, 'func'>,
  values: readonly Var[],
  name: string,
): FuncDef => {
  const { m, n, mm, e } = view
  const k = mm?.k ?? 0
  const ta = mm?.ta ?? false
  const tb = mm?.tb ?? false
  // the first array parameter after the product's operands
  const first = mm === undefined ? 0 : 2
  const f32 = s.dtype === 'float32'
  const es = bytesPer(s.dtype)
  const nA = s.arrays.length
  const nS = s.stores.length
  const nP = nA + nS + s.scalars.length
  // i32 locals after the parameters: row, column byte offset, A's row address, B's column address
  const [R, JB, AROW, BCOL] = [nP, nP + 1, nP + 2, nP + 3]
  let nV = 0
  const v128 = (): number => nP + 4 + nV++
  const { pre, c, where, operand } = operandsOf(f64x2, v128, s.scalars, nA + nS)
  const round: Code = f32 ? [demoteZero, promoteLow] : []
  const get = op.localGet
  // A[i, kk] in both lanes; B[kk, j], B[kk, j + 1]
  const aAt = (kk: number): Code => {
    const off = kk * (ta ? m : 1) * es
    return f32 ? [get(AROW), f32Load(off), promote, f64x2.splat] : [get(AROW), op.v128Load64Splat(off)]
  }
  const bAt = (kk: number): Code => {
    if (!tb) {
      const off = kk * n * es
      return f32
        ? [get(BCOL), simd(0x5d, 3, ...uleb(off)), promoteLow]
        : [get(BCOL), simd(0x00, 4, ...uleb(off))]
    }
    const lane = (off: number): Code => (f32 ? [get(BCOL), f32Load(off), promote] : [get(BCOL), f64Load(off)])
    return [lane(kk * es), f64x2.splat, lane((k + kk) * es), replaceLane1]
  }
  const product: Code = chunksOf(k).map(([k0, size]) => [
    tree(Array.from({ length: size }, (_, u) => [aAt(k0 + u), bAt(k0 + u), f64x2.mul])),
    f64x2.add,
  ])
  const mmLocal = v128()
  if (e !== undefined) where.set(e.out.id, mmLocal)
  const memberLocals = members.map(() => v128())
  members.forEach((q, t) => where.set(q.out.id, memberLocals[t]!))
  const loadLocals = s.arrays.slice(first).map(() => v128())
  s.arrays.slice(first).forEach((v, t) => where.set(v.id, loadLocals[t]!))
  /** `base + row·rowBytes (+ jB)`. */
  const address = (base: number, rowBytes: number, withJ: boolean): Code => [
    get(base),
    get(R),
    op.i32Const(rowBytes),
    i32.mul,
    i32.add,
    withJ ? [get(JB), i32.add] : [],
  ]
  /** Stores the low lane (`half`) or both of `local` at the address on the stack. */
  const store = (local: number, half: boolean): Code => [
    get(local),
    f32 ? demoteZero : [],
    f32
      ? half
        ? simd(0x5a, 2, ...uleb(0), 0)
        : simd(0x5b, 3, ...uleb(0), 0)
      : half
        ? simd(0x5b, 3, ...uleb(0), 0)
        : simd(0x0b, 4, ...uleb(0)),
  ]
  /** The element pair at row R without its stores: the product, then the members. */
  const compute: Code = [
    mm === undefined
      ? []
      : [address(0, ta ? es : k * es, false), op.localSet(AROW), c(0), product, round, op.localSet(mmLocal)],
    s.arrays.slice(first).map((v, t) => {
      const [s0, s1] = view.strides.get(v.id)!
      const load =
        s1 === 1
          ? f32
            ? [simd(0x5d, 3, ...uleb(0)), promoteLow]
            : simd(0x00, 4, ...uleb(0))
          : f32
            ? [f32Load(0), promote, f64x2.splat]
            : op.v128Load64Splat(0)
      return [address(first + t, s0 * es, s1 === 1), load, op.localSet(loadLocals[t]!)]
    }),
    members.map((q, t) => [
      table[q.prim.name]!(
        q.inputs.map((_, i) => operand(q, i)),
        c,
        f64x2,
        q,
      ),
      round,
      op.localSet(memberLocals[t]!),
    ]),
  ]
  /** One element pair at row R: computed, then stored (`half`: only the low lane). */
  const element = (half: boolean): Code => [
    compute,
    values.map((v, t) => [address(nA + t, n * es, true), store(where.get(v.id)!, half)]),
  ]
  const sum = consumer === undefined ? 0 : v128()
  const fours = consumer === undefined ? [] : [v128(), v128(), v128(), v128()]
  const x = consumer?.inputs[0] as Var | undefined
  /** The column pair at JB: every row, and the column sums when the group ends in one. */
  const columnPair = (half: boolean): Code => {
    const rowLoop = (step: number, body: Code): Code => [
      op.block,
      op.loop,
      get(R),
      op.i32Const(m - step + 1),
      i32.lt,
      0x45, // i32.eqz
      op.brIf(1),
      body,
      get(R),
      op.i32Const(step),
      i32.add,
      op.localSet(R),
      op.br(0),
      op.end,
      op.end,
    ]
    const head: Code = [
      op.i32Const(0),
      op.localSet(R),
      mm === undefined
        ? []
        : [get(1), tb ? [get(JB), op.i32Const(k), i32.mul] : get(JB), i32.add, op.localSet(BCOL)],
    ]
    const el = element(half)
    if (x === undefined) return [head, rowLoop(1, el)]
    const xl = where.get(x.id)!
    const four = [0, 1, 2, 3].map((d) => [
      d === 0 ? [] : [get(R), op.i32Const(1), i32.add, op.localSet(R)],
      el,
      get(xl),
      op.localSet(fours[d]!),
    ])
    const quad: Code = [
      four,
      get(R),
      op.i32Const(3),
      op.i32Sub,
      op.localSet(R),
      get(sum),
      get(fours[0]!),
      get(fours[1]!),
      f64x2.add,
      get(fours[2]!),
      get(fours[3]!),
      f64x2.add,
      f64x2.add,
      f64x2.add,
      op.localSet(sum),
    ]
    const one: Code = [el, get(sum), get(xl), f64x2.add, op.localSet(sum)]
    return [
      head,
      c(0),
      op.localSet(sum),
      rowLoop(4, quad),
      rowLoop(1, one),
      get(nA + nS - 1),
      get(JB),
      i32.add,
      store(sum, half),
    ]
  }
  const pairs = Math.floor(n / 2)
  const body: Code = [
    op.i32Const(0),
    op.localSet(JB),
    op.block,
    op.loop,
    get(JB),
    op.i32Const(pairs * 2 * es),
    op.i32Eq,
    op.brIf(1),
    columnPair(false),
    get(JB),
    op.i32Const(2 * es),
    i32.add,
    op.localSet(JB),
    op.br(0),
    op.end,
    op.end,
    n % 2 === 1 ? columnPair(true) : [],
  ]
  return {
    name,
    params: [...new Array<number>(nA + nS).fill(I32), ...new Array<number>(s.scalars.length).fill(F64)],
    locals: [
      [4, I32],
      [nV, V128],
    ],
    body: flat([pre, body]),
  }
}
