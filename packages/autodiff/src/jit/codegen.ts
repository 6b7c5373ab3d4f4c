/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * Code generation: JS source for the loops of a schedule, compiled once with `new Function`.
 *
 * - A fused group becomes one loop nest over its shape (adjacent dimensions merged when every operand allows):
 *   each element loads its operands once (broadcast operands through strides, scalars hoisted), evaluates the
 *   members' expressions as local variables, and stores only the values that are read elsewhere.
 * - A small 2-D matmul becomes a loop with the sizes baked in, summing every output element in exactly the JS
 *   kernel's order (blocks of 128 along k, then steps of 8, 4, 2 and 1 products added as balanced trees), so a
 *   float64 product the kernel runs in JS is bit for bit the kernel's (see `kernelUsesWasm` for float32).
 * - A sum, max or min over one side of a matrix (or over everything) repeats the reduce kernel's order (four
 *   accumulators along a row, four rows at a time down a column).
 * All arithmetic is in doubles. A fused group rounds each float32 value to float32 (`Math.fround`) as soon as it is
 * computed, as the eager element-wise ops round each result when they store it, so a fused float32 chain equals the
 * eager chain bit for bit (for `+ − × ÷ √` the double result rounded once is the float32 operation's result). The
 * reductions and matmuls round their results as the kernels store them. A large element-wise group (simd.ts), and a
 * small matmul or a group computed from one (simd-matmul.ts), runs as a WebAssembly SIMD loop instead, which computes
 * the same bits as the loop generated here.
 * @module
 */
import * as T from '@cotangent/tensor'
import type { DType } from '@cotangent/tensor'
import { sumTree } from '@cotangent/tensor/internal'
import type { ReduceParams } from '../primitives.js'
import type { Atom, Equation, Var } from '../staging.js'
import { exprOf, numberSource, partnerOf } from './exprs.js'
import type { Group } from './fuse.js'
import type { Plan } from './plan.js'

/** A generated loop: reads and writes the slot arrays of the plan. */
export type Loop = (S: readonly (Float64Array | Float32Array | Int32Array)[]) => void

/* eslint-disable @typescript-eslint/no-implied-eval */
let loopCount = 0
/**
 * Compiles a loop body over `S` with a private float64 accumulator `acc` of `n` elements, allocated once (named
 * `jit_<kind>_<n>`, so profiles can tell the generated loops apart).
 */
const buildWithAcc = (kind: string, n: number, src: string): Loop =>
  (new Function('acc', `return function jit_${kind}_${String(loopCount++)}(S) {\n${src}\n}`) as (acc: Float64Array) => Loop)(
    new Float64Array(n),
  )
/* eslint-enable @typescript-eslint/no-implied-eval */

const round = (dtype: DType, expr: string): string =>
  dtype === 'float32' ? `Math.fround(${expr})` : dtype === 'int32' ? `((${expr}) | 0)` : expr

const dtypeOfAtom = (a: Atom): DType | 'weak' => (a.kind === 'var' ? a.dtype : a.dtype)

/** Row-major strides of `shape` read as `target` (0 along broadcast dimensions, missing leading ones too). */
export const broadcastStrides = (shape: readonly number[], target: readonly number[]): number[] => {
  const out = new Array<number>(target.length).fill(0)
  let acc = 1
  for (let i = shape.length - 1, j = target.length - 1; i >= 0; i--, j--) {
    const d = shape[i]!
    out[j] = d === 1 && target[j] !== 1 ? 0 : acc
    acc *= d
  }
  return out
}

/** The name a generated loop gives a materialised value's slot array. */
const slotVar = (plan: Plan, v: Var): string => `b${String(plan.slotOf.get(v.id)!)}`

/** The values of earlier steps a group's members read (each once, in order of first use). */
const loadsOf = (eqns: readonly Equation[], local: ReadonlySet<number>): Var[] => {
  const loads: Var[] = []
  for (const e of eqns)
    for (const a of e.inputs) if (a.kind === 'var' && !local.has(a.id) && !loads.some((l) => l.id === a.id)) loads.push(a)
  return loads
}

/**
 * What a group's loop reads and writes: the values of earlier steps it loads (each once), the members it stores
 * (those read elsewhere) and the declarations binding their slot arrays. `local` holds the loop's own values.
 */
const groupIO = (
  eqns: readonly Equation[],
  local: ReadonlySet<number>,
  plan: Plan,
): { readonly loads: readonly Var[]; readonly decls: readonly string[] } => {
  const loads = loadsOf(eqns, local)
  const stores = eqns.map((e) => e.out).filter((v) => plan.materialised.has(v.id))
  const decls = [...new Set([...loads, ...stores].map((v) => `const ${slotVar(plan, v)} = S[${String(plan.slotOf.get(v.id)!)}];`))]
  return { loads, decls }
}

/**
 * The code of one element of a group: each load read at `index(k)` (undefined: a scalar hoisted out of the loop as
 * `x<id>`), each member's value as a local `v<id><sfx>`, then the members read elsewhere stored at `flat`.
 */
const elementLines = (
  eqns: readonly Equation[],
  local: ReadonlySet<number>,
  loads: readonly Var[],
  plan: Plan,
  index: (k: number) => string | undefined,
  flat: string,
  sfx: string,
): string[] => {
  const lines: string[] = []
  const loadName = new Map<number, string>()
  loads.forEach((l, k) => {
    const at = index(k)
    loadName.set(l.id, at === undefined ? `x${String(l.id)}` : `x${String(l.id)}${sfx}`)
    if (at !== undefined) lines.push(`const x${String(l.id)}${sfx} = ${slotVar(plan, l)}[${at}];`)
  })
  const operand = (e: Equation, i: number): string => {
    const a = e.inputs[i]!
    if (a.kind === 'var') return local.has(a.id) ? `v${String(a.id)}${sfx}` : loadName.get(a.id)!
    if (a.dtype !== 'weak') return numberSource(a.value)
    const partner = partnerOf(e, i)
    const pd = partner === undefined ? 'weak' : dtypeOfAtom(e.inputs[partner]!)
    return numberSource(pd === 'float32' ? Math.fround(a.value) : a.value)
  }
  for (const e of eqns)
    lines.push(`const v${String(e.out.id)}${sfx} = ${round(e.out.dtype, exprOf(e)!(e.inputs.map((_, i) => operand(e, i)), e.params, e))};`)
  for (const e of eqns) if (plan.materialised.has(e.out.id)) lines.push(`${slotVar(plan, e.out)}[${flat}] = v${String(e.out.id)}${sfx};`)
  return lines
}

/** The declarations of the scalar loads of a group (read once, before its loop). */
const hoistedLines = (loads: readonly Var[], plan: Plan, scalar: (k: number) => boolean): string[] =>
  loads.flatMap((l, k) => (scalar(k) ? [`const x${String(l.id)} = ${slotVar(plan, l)}[0];`] : []))

/** The source of a fused group's loop (exported for the tests). */
export const groupSource = (g: Group, plan: Plan): string => {
  if (g.producer !== undefined) return producerGroupSource(g, plan)
  if (g.consumer !== undefined) return consumerGroupSource(g, plan)
  const local = new Set(g.eqns.map((e) => e.out.id))
  const { loads, decls } = groupIO(g.eqns, local, plan)
  const shape = g.shape
  // merge dimensions: drop size-1 ones, join neighbours when every load is contiguous across them
  const strides0 = loads.map((l) => broadcastStrides(l.shape, shape))
  const dims: number[] = []
  const st: number[][] = loads.map(() => [])
  shape.forEach((d, i) => {
    if (d === 1) return
    const last = dims.length - 1
    if (last >= 0 && strides0.every((s, k) => st[k]![last] === s[i]! * d)) {
      dims[last]! *= d
      strides0.forEach((s, k) => {
        st[k]![last] = s[i]!
      })
    } else {
      dims.push(d)
      strides0.forEach((s, k) => st[k]!.push(s[i]!))
    }
  })
  const nd = dims.length
  const contiguous = (k: number): boolean => {
    let acc = 1
    for (let d = nd - 1; d >= 0; d--) {
      if (st[k]![d] !== acc) return false
      acc *= dims[d]!
    }
    return true
  }
  const scalar = (k: number): boolean => st[k]!.every((s) => s === 0)
  const body = elementLines(g.eqns, local, loads, plan, (k) => (scalar(k) ? undefined : contiguous(k) ? 'o' : `q${String(k)}_${String(nd - 1)}`), 'o', '')
  // the loop nest
  const needsQ = loads.map((_, k) => !scalar(k) && !contiguous(k))
  let src = 'let o = 0;\n'
  const open: string[] = []
  for (let d = 0; d < nd; d++) {
    const qs = loads
      .map((_, k) => {
        if (!needsQ[k]) return ''
        const prev = d === 0 ? '0' : `q${String(k)}_${String(d - 1)}`
        return `const q${String(k)}_${String(d)} = ${prev} + i${String(d)} * ${String(st[k]![d]!)};`
      })
      .join(' ')
    open.push(`for (let i${String(d)} = 0; i${String(d)} < ${String(dims[d]!)}; i${String(d)}++) { ${qs}`)
  }
  src += open.join('\n') + '\n' + body.join('\n') + '\no++;\n' + '}'.repeat(nd)
  return `${[...decls, ...hoistedLines(loads, plan, scalar)].join('\n')}\n${src}`
}

/** True for a matmul that can run inside the loop of a group that reads it (few products per element). */
export const canProduce = (e: Equation): boolean => {
  const mm = smallMatmul(e)
  return mm !== undefined && mm.k <= 32
}

/**
 * The source of a group whose values are computed from a matmul element by element: the matmul's j-outer loop
 * (a column of B in locals, the same per-element sums as the kernel), with the group's members evaluated on each
 * product before it is stored; the product itself stays a local. A consumer (a sum down the columns, the bias
 * gradient of a layer) is accumulated per column as the reduce kernel does: four rows at a time, then one by one.
 */
export const producerGroupSource = (g: Group, plan: Plan): string => {
  const e = g.producer!
  const { m, k, n, ta, tb } = smallMatmul(e)!
  const [a, b] = e.inputs as readonly Var[]
  const local = new Set([e.out.id, ...g.eqns.map((q) => q.out.id)])
  const { loads, decls } = groupIO(g.eqns, local, plan)
  /** The product at row `row` of column `j` and the group's values on it (locals suffixed `sfx`). */
  const element = (row: string, sfx: string): string[] => {
    const index = (q: number): string => {
      const [s0, s1] = broadcastStrides(loads[q]!.shape, [m, n])
      return `(${row}) * ${String(s0)} + j * ${String(s1)}`
    }
    const sums: string[] = []
    let kk = 0
    for (const step of [8, 4, 2, 1])
      while (kk + step - 1 < k) {
        sums.push(
          sumTree(
            Array.from(
              { length: step },
              (_, u) => `${ta ? `aa[${String((kk + u) * m)} + ${row}]` : `aa[ai${sfx} + ${String(kk + u)}]`} * bc${String(kk + u)}`,
            ),
          ),
        )
        kk += step
        if (step < 8) break
      }
    const mm = sums.reduce((x, t) => `(${x} + ${t})`, '0')
    return [
      `const ai${sfx} = (${row}) * ${String(k)};`,
      `const v${String(e.out.id)}${sfx} = ${e.out.dtype === 'float32' ? `Math.fround(${mm})` : mm};`,
      ...elementLines(g.eqns, local, loads, plan, index, `(${row}) * ${String(n)} + j`, sfx),
    ]
  }
  const bj = Array.from({ length: k }, (_, u) => `const bc${String(u)} = ${tb ? `bb[j * ${String(k)} + ${String(u)}]` : `bb[${String(u * n)} + j]`};`)
  const head = `const aa = S[${String(plan.slotOf.get(a!.id)!)}], bb = S[${String(plan.slotOf.get(b!.id)!)}];
${decls.join('\n')}`
  const c = g.consumer
  if (c === undefined)
    return `${head}
for (let j = 0; j < ${String(n)}; j++) {
  ${bj.join(' ')}
  for (let i = 0; i < ${String(m)}; i++) {
    ${element('i', '').join('\n    ')}
  }
}`
  const x = c.inputs[0] as Var
  const value = (sfx: string): string => (x.dtype === 'float32' ? `Math.fround(v${String(x.id)}${sfx})` : `v${String(x.id)}${sfx}`)
  const four = [0, 1, 2, 3].map((u) => element(u === 0 ? 'i' : `i + ${String(u)}`, `_${String(u)}`))
  return `${head}
const out = S[${String(plan.slotOf.get(c.out.id)!)}];
for (let j = 0; j < ${String(n)}; j++) {
  ${bj.join(' ')}
  let s = 0, i = 0;
  for (; i + 3 < ${String(m)}; i += 4) {
    ${four.flat().join('\n    ')}
    s += ${value('_0')} + ${value('_1')} + (${value('_2')} + ${value('_3')});
  }
  for (; i < ${String(m)}; i++) {
    ${element('i', '').join('\n    ')}
    s += ${value('')};
  }
  out[j] = ${c.out.dtype === 'float32' ? 'Math.fround(s)' : 's'};
}`
}

// ---------------------------------------------------------------------------------------------------------------
// matmul

/**
 * Whether jit leaves a single 2-D product to the kernel. float64: from the tensor package's WebAssembly threshold
 * (m·k·n ≥ 20³), so below it the generated loop is the JS kernel's arithmetic, bit for bit. float32: the kernel
 * runs WebAssembly (accumulating in float32) from m·k·n ≥ 8³; jit keeps its float64-accumulating loop up to 2¹⁶
 * products (a kernel call would copy its operands into tensors), a little more accurate than eager, not bitwise.
 */
const kernelUsesWasm = (dtype: DType, m: number, k: number, n: number): boolean =>
  dtype === 'float32' ? m * k * n > 1 << 16 : m * k * n >= 20 ** 3

/** Sizes of a 2-D matmul equation of two variables (after its transpose flags), or undefined for any other. */
const matmulDims = (e: Equation): { m: number; k: number; n: number; ta: boolean; tb: boolean } | undefined => {
  if (e.prim.name !== 'matmul') return undefined
  const [a, b] = e.inputs
  if (a === undefined || b === undefined || a.kind !== 'var' || b.kind !== 'var') return undefined
  if (a.shape.length !== 2 || b.shape.length !== 2) return undefined
  const { transA, transB } = e.params as { readonly transA: boolean; readonly transB: boolean }
  const m = transA ? a.shape[1]! : a.shape[0]!
  const k = transA ? a.shape[0]! : a.shape[1]!
  const n = transB ? b.shape[0]! : b.shape[1]!
  return m * n === 0 || k === 0 ? undefined : { m, k, n, ta: transA, tb: transB }
}

/** Sizes of a 2-D matmul equation that jit runs as a generated loop, or undefined when it calls the kernel. */
export const smallMatmul = (e: Equation): { m: number; k: number; n: number; ta: boolean; tb: boolean } | undefined => {
  const d = matmulDims(e)
  return d === undefined || kernelUsesWasm(e.out.dtype, d.m, d.k, d.n) || d.m * d.k * d.n > 1 << 22 ? undefined : d
}

/**
 * Sizes of a float 2-D matmul equation that jit leaves to the kernel, which then writes into the plan's storage
 * (`matmulInto`: no fresh result per call), or undefined.
 */
export const largeMatmul = (e: Equation): { m: number; k: number; n: number; ta: boolean; tb: boolean } | undefined =>
  (e.out.dtype === 'float32' || e.out.dtype === 'float64') && smallMatmul(e) === undefined ? matmulDims(e) : undefined


/** The source of a small matmul (exported for the tests). */
export const matmulSource = (e: Equation, plan: Plan): string => {
  const { m, k, n, ta, tb } = smallMatmul(e)!
  const [a, b] = e.inputs as readonly Var[]
  const A = `S[${String(plan.slotOf.get(a!.id)!)}]`
  const B = `S[${String(plan.slotOf.get(b!.id)!)}]`
  const C = `S[${String(plan.slotOf.get(e.out.id)!)}]`
  // up to four outputs of a row at a time, sharing each chunk's loads of A; each output sums its products in the
  // kernel's order (blocks of 128 along k, chunks of 8, then 4, 2, 1, each a balanced tree), the 8-product chunks in a
  // loop (compact code: V8 compiles it fast)
  const W = Math.min(4, n)
  const aAt = (kk: string): string => (ta ? `a[(${kk}) * ${String(m)} + i]` : `a[ai + ${kk}]`)
  const bAt = (kk: string, t: number): string =>
    tb ? `b[(j + ${String(t)}) * ${String(k)} + ${kk}]` : `b[(${kk}) * ${String(n)} + j + ${String(t)}]`
  const chunk = (base: string, size: number, width: number): string => {
    const as = Array.from({ length: size }, (_, u) => `const a${String(u)} = ${aAt(`${base} + ${String(u)}`)};`)
    const sums = Array.from(
      { length: width },
      (_, t) => `acc${String(t)} += ${sumTree(Array.from({ length: size }, (_, u) => `a${String(u)} * ${bAt(`${base} + ${String(u)}`, t)}`))};`,
    )
    return `{ ${as.join(' ')} ${sums.join(' ')} }`
  }
  const block = (width: number): string => {
    const parts: string[] = []
    for (let k0 = 0; k0 < k; k0 += 128) {
      const k1 = Math.min(k, k0 + 128)
      const eights = Math.floor((k1 - k0) / 8)
      if (eights > 0) parts.push(`for (let kk = ${String(k0)}; kk < ${String(k0 + 8 * eights)}; kk += 8) ${chunk('kk', 8, width)}`)
      let kk = k0 + 8 * eights
      for (const step of [4, 2, 1])
        if (kk + step - 1 < k1) {
          parts.push(chunk(String(kk), step, width))
          kk += step
        }
    }
    const accs = Array.from({ length: width }, (_, t) => `acc${String(t)} = 0`).join(', ')
    const stores = Array.from(
      { length: width },
      (_, t) => `c[ci + ${String(t)}] = ${e.out.dtype === 'float32' ? `Math.fround(acc${String(t)})` : `acc${String(t)}`};`,
    )
    return `{ const ci = i * ${String(n)} + j; let ${accs};
    ${parts.join('\n    ')}
    ${stores.join(' ')} }`
  }
  const rest = n % W
  return `const a = ${A}, b = ${B}, c = ${C};
for (let i = 0; i < ${String(m)}; i++) {
  const ai = i * ${String(k)};
  let j = 0;
  for (; j < ${String(n - rest)}; j += ${String(W)}) ${block(W)}
  ${rest > 0 ? block(rest) : ''}
}`
}

// ---------------------------------------------------------------------------------------------------------------
// reductions

type ReduceShape =
  | { readonly kind: 'rows'; readonly rows: number; readonly cols: number } // reduce the inner dim of [rows, cols]
  | { readonly kind: 'cols'; readonly rows: number; readonly cols: number } // reduce the outer dim of [rows, cols]
  | { readonly kind: 'all'; readonly size: number }
  | { readonly kind: 'copy'; readonly size: number }

/**
 * A shape as the reduce kernel sees it: size-1 dimensions dropped and neighbours that are both reduced (or both
 * kept) merged. `of[i]` is the merged dimension of dimension `i` (−1 for a size-1 one).
 */
interface Collapsed {
  readonly dims: readonly number[]
  readonly reduced: readonly boolean[]
  readonly of: readonly number[]
}

const collapse = (shape: readonly number[], axes: readonly number[]): Collapsed => {
  const dims: number[] = []
  const reduced: boolean[] = []
  const of = shape.map((d, i) => {
    if (d === 1) return -1
    const r = axes.includes(i)
    const last = dims.length - 1
    if (last >= 0 && reduced[last] === r) dims[last]! *= d
    else {
      dims.push(d)
      reduced.push(r)
    }
    return dims.length - 1
  })
  return { dims, reduced, of }
}

/** The kernel's collapsed view of a reduction, or undefined when it needs the general (kernel) path. */
export const reduceShape = (e: Equation): ReduceShape | undefined => {
  if (e.prim.name !== 'sum' && e.prim.name !== 'max' && e.prim.name !== 'min') return undefined
  const x = e.inputs[0]
  if (x === undefined || x.kind !== 'var') return undefined
  const { dims, reduced } = collapse(x.shape, (e.params as ReduceParams).axes)
  let size = 1
  for (const d of x.shape) size *= d
  if (size === 0) return undefined
  if (dims.length === 0) return { kind: 'copy', size: 1 }
  if (dims.length === 1) return reduced[0] ? { kind: 'all', size: dims[0]! } : { kind: 'copy', size: dims[0]! }
  if (dims.length === 2)
    return reduced[1] ? { kind: 'rows', rows: dims[0]!, cols: dims[1]! } : { kind: 'cols', rows: dims[0]!, cols: dims[1]! }
  return undefined
}

/**
 * How a reduction reads element `flat` of its operand, at `row` and `col` of the [rows, cols] view (row 0 when it
 * reduces everything): the lines that compute it (none for a value in memory) and its value. `sfx` tells apart the
 * elements a loop iteration reads together.
 */
type Element = (row: string, col: string, flat: string, sfx: string) => { readonly lines: string; readonly value: string }

const fromMemory: Element = (_row, _col, flat) => ({ lines: '', value: `a[${flat}]` })

/**
 * The source of a reduction (exported for the tests): the reduce kernel's order, each element read by `element`
 * (from the operand's slot, or computed by the fused group the reduction ends, see `consumerGroupSource`).
 */
export const reduceSource = (e: Equation, plan: Plan, element: Element = fromMemory): string => {
  const r = reduceShape(e)!
  const x = e.inputs[0] as Var
  const out = `const out = S[${String(plan.slotOf.get(e.out.id)!)}];`
  const head = element === fromMemory ? `const a = S[${String(plan.slotOf.get(x.id)!)}]; ${out}` : out
  const store = (v: string): string => (e.out.dtype === 'float32' ? `Math.fround(${v})` : v)
  const kind = e.prim.name
  const plus = (i: string, u: number): string => (u === 0 ? i : `${i} + ${String(u)}`)
  // one contiguous segment [i0, i0 + n) of row `row`, as the kernel's `segment`, combined with the identity as `combine`
  const segment = (row: string, i0: string, n: number): string => {
    const at = (i: string, u: number, sfx: string): ReturnType<Element> =>
      element(row, i0 === '0' ? plus(i, u) : `${plus(i, u)} - ${i0}`, plus(i, u), sfx)
    if (kind === 'sum') {
      const four = [0, 1, 2, 3].map((u) => at('i', u, `_${String(u)}`))
      const one = at('i', 0, '')
      return `{ let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = ${i0};
          for (const e4 = ${i0} + ${String(n - (n % 4))}; i < e4; i += 4) { ${four.map((q) => q.lines).join(' ')} ${four.map((q, u) => `s${String(u)} += ${q.value};`).join(' ')} }
          for (const e1 = ${i0} + ${String(n)}; i < e1; i++) { ${one.lines} s0 += ${one.value}; }
          r = 0 + (s0 + s1 + (s2 + s3)); }`
    }
    const first = at(i0, 0, '_f')
    const next = at('i', 0, '')
    return `{ ${first.lines} let m = ${first.value};
          for (let i = ${i0} + 1, e1 = ${i0} + ${String(n)}; i < e1; i++) { ${next.lines} const x = ${next.value}; if (x ${kind === 'max' ? '>' : '<'} m || x !== x) m = x; }
          const init = ${kind === 'max' ? '-Infinity' : 'Infinity'};
          r = init !== init || m !== m ? NaN : ${kind === 'max' ? 'init > m' : 'init < m'} ? init : m; }`
  }
  switch (r.kind) {
    case 'copy': {
      const el = element('0', 'i', 'i', '')
      return `${head}\nfor (let i = 0; i < ${String(r.size)}; i++) { ${el.lines} const x = ${el.value}; out[i] = ${store(
        kind === 'sum' ? '0 + x' : `(x !== x ? NaN : ${kind === 'max' ? '-Infinity > x' : 'Infinity < x'} ? ${kind === 'max' ? '-Infinity' : 'Infinity'} : x)`,
      )}; }`
    }
    case 'all':
      return `${head}\nlet r = 0;\n${segment('0', '0', r.size)}\nout[0] = ${store('r')};`
    case 'rows':
      return `${head}\nfor (let row = 0; row < ${String(r.rows)}; row++) { let r = 0; const base = row * ${String(r.cols)};\n${segment('row', 'base', r.cols)}\nout[row] = ${store('r')}; }`
    case 'cols': {
      const { rows, cols } = r
      let acc: string
      if (kind === 'sum') {
        const four = [0, 1, 2, 3].map((u) => element(plus('row', u), 'j', u === 0 ? 'q' : `q + ${String(u * cols)}`, `_${String(u)}`))
        const one = element('row', 'j', 'p + j', '')
        acc = `acc.fill(0);
let row = 0;
for (; row + 3 < ${String(rows)}; row += 4) { const p = row * ${String(cols)}; for (let j = 0; j < ${String(cols)}; j++) { const q = p + j; ${four.map((q) => q.lines).join(' ')} acc[j] += ${four[0]!.value} + ${four[1]!.value} + (${four[2]!.value} + ${four[3]!.value}); } }
for (; row < ${String(rows)}; row++) { const p = row * ${String(cols)}; for (let j = 0; j < ${String(cols)}; j++) { ${one.lines} acc[j] += ${one.value}; } }`
      } else {
        const one = element('row', 'j', 'p + j', '')
        acc = `acc.fill(${kind === 'max' ? '-Infinity' : 'Infinity'});
for (let row = 0; row < ${String(rows)}; row++) { const p = row * ${String(cols)}; for (let j = 0; j < ${String(cols)}; j++) { ${one.lines} const x = ${one.value}; if (x ${kind === 'max' ? '>' : '<'} acc[j] || x !== x) acc[j] = x; } }`
      }
      return `${head}\n${acc}\nfor (let j = 0; j < ${String(cols)}; j++) out[j] = ${store('acc[j]')};`
    }
  }
}

/**
 * The strides of each load of a group in the [rows, cols] view of the reduction `e` that ends it (row stride 0
 * when it reduces everything), or undefined when a load cannot be addressed that way (a broadcast inside a merged
 * dimension) or the reduction is not one the kernel's order covers.
 */
export const consumerStrides = (shape: readonly number[], e: Equation, loads: readonly Var[]): (readonly [number, number])[] | undefined => {
  const r = reduceShape(e)
  if (r === undefined || r.kind === 'copy') return undefined
  const { of } = collapse(shape, (e.params as ReduceParams).axes)
  const out: (readonly [number, number])[] = []
  for (const l of loads) {
    const st = broadcastStrides(l.shape, shape)
    const view = [0, 0]
    const seen = [false, false]
    // walking inwards: within a merged dimension each stride is the next one's times that one's size
    for (let i = shape.length - 1; i >= 0; i--) {
      const m = of[i]!
      if (m < 0) continue
      const v = r.kind === 'all' ? 1 : m
      if (!seen[v]) {
        seen[v] = true
        view[v] = st[i]!
      } else if (st[i] !== view[v]! * span(shape, of, i)) return undefined
    }
    out.push([view[0]!, view[1]!])
  }
  return out
}

/** The product of the sizes of the dimensions after `i` that merge with it. */
const span = (shape: readonly number[], of: readonly number[], i: number): number => {
  let n = 1
  for (let j = i + 1; j < shape.length; j++) if (of[j] === of[i]) n *= shape[j]!
  return n
}

/** True when the reduction `e`, whose operand is a value of the group `g`, can be accumulated in `g`'s loop. */
export const canConsume = (g: Group, e: Equation): boolean => {
  if (g.producer !== undefined) {
    // a matmul's loop runs down the columns: it can end in a sum over the rows of its [m, n] result
    const r = reduceShape(e)
    const mm = smallMatmul(g.producer)
    return e.prim.name === 'sum' && mm !== undefined && r?.kind === 'cols' && r.rows === mm.m && r.cols === mm.n
  }
  return consumerStrides(g.shape, e, loadsOf(g.eqns, new Set(g.eqns.map((q) => q.out.id)))) !== undefined
}

/**
 * The source of a group that ends in a reduction: the reduction's loop in the kernel's order (`reduceSource`),
 * each element of its operand computed by the group's members where the kernel would read it, and the members
 * read elsewhere stored as they are computed. The reduced operand itself is never stored unless something else
 * reads it (softmax's `exp(x − m)` is; logsumexp's and a mean squared error's are not).
 */
export const consumerGroupSource = (g: Group, plan: Plan): string => {
  const e = g.consumer!
  const local = new Set(g.eqns.map((q) => q.out.id))
  const { loads, decls } = groupIO(g.eqns, local, plan)
  const strides = consumerStrides(g.shape, e, loads)!
  const x = e.inputs[0] as Var
  const scalar = (k: number): boolean => strides[k]![0] === 0 && strides[k]![1] === 0
  const r = reduceShape(e)!
  const cols = r.kind === 'all' ? r.size : r.kind === 'copy' ? 1 : r.cols
  const term = (at: string, stride: number): string[] => (stride === 0 ? [] : stride === 1 ? [`(${at})`] : [`(${at}) * ${String(stride)}`])
  const element: Element = (row, col, flat, sfx) => {
    const index = (k: number): string | undefined => {
      if (scalar(k)) return undefined
      const [sr, sc] = strides[k]!
      if (sc === 1 && (sr === cols || r.kind === 'all')) return flat
      return [...term(row, sr), ...term(col, sc)].join(' + ')
    }
    const lines = elementLines(g.eqns, local, loads, plan, index, flat, sfx)
    const v = `v${String(x.id)}${sfx}`
    return { lines: lines.join(' '), value: x.dtype === 'float32' ? `Math.fround(${v})` : v }
  }
  return `${[...decls, ...hoistedLines(loads, plan, scalar)].join('\n')}\n${reduceSource(e, plan, element)}`
}

// ---------------------------------------------------------------------------------------------------------------
// fused softmax cross-entropy (the losses package's primitives), for [rows, classes] logits and int32 labels

interface XentShape {
  readonly rows: number
  readonly classes: number
  readonly backward: boolean
  readonly reduction: 'sum' | 'mean'
}

/** The case of a softmax cross-entropy equation jit generates a loop for, or undefined (the kernel runs). */
export const xentShape = (e: Equation): XentShape | undefined => {
  const backward = e.prim.name === 'softmaxCrossEntropyVjp'
  if (e.prim.name !== 'softmaxCrossEntropy' && !backward) return undefined
  const { axis, reduction } = e.params as { readonly axis: number; readonly reduction: string }
  const [x, y, g] = e.inputs
  if (x === undefined || y === undefined || x.kind !== 'var' || y.kind !== 'var') return undefined
  if (x.shape.length !== 2 || axis !== 1 || y.dtype !== 'int32' || y.shape.length !== 1 || y.shape[0] !== x.shape[0])
    return undefined
  if (reduction !== 'sum' && reduction !== 'mean') return undefined
  if (x.dtype === 'int32' || x.shape[1] === 0) return undefined
  if (backward && (g === undefined || (g.kind === 'var' && g.shape.length !== 0))) return undefined
  return { rows: x.shape[0]!, classes: x.shape[1]!, backward, reduction }
}

/**
 * What a cross-entropy loop shares with its partner (the forward and backward pass over the same logits and
 * labels, when a program has both): the forward stores each row's shifted exponentials in `E` and their sum in
 * `R`, and the backward reads them instead of computing them again — the same values, so the same bits.
 */
export type XentShare = 'store' | 'load'

/**
 * The source of a fused cross-entropy loss or backward pass, the same arithmetic as the tensor kernels
 * (`softmaxCrossEntropyLoss`/`Backward`): per row the maximum (0 when not finite), the shifted sum of exponentials
 * in class order, then the loss `log(s) + m − x[label]` summed over the rows, or the cotangent `e·(g/s)` minus `g`
 * at the label. Returns false, computing nothing, when a label is out of range (the kernel then reports it).
 */
export const xentSource = (e: Equation, plan: Plan, share?: XentShare): string => {
  const { rows, classes: c, backward, reduction } = xentShape(e)!
  const [x, y, g] = e.inputs
  const slotOf = (a: Atom): string => `S[${String(plan.slotOf.get((a as Var).id)!)}]`
  const head = `const x = ${slotOf(x!)}, y = ${slotOf(y!)}, out = ${slotOf(e.out)};
for (let r = 0; r < ${String(rows)}; r++) { const v = y[r]; if (!(v >= 0 && v < ${String(c)})) return false; }`
  const shift = `let m = x[base];
    for (let j = 1; j < ${String(c)}; j++) { const v = x[base + j]; if (v > m || v !== v) m = v; }
    m = m - m === 0 ? m : 0;`
  const store = (v: string): string => (e.out.dtype === 'float32' ? `Math.fround(${v})` : v)
  if (!backward)
    return `${head}
let total = 0;
for (let r = 0; r < ${String(rows)}; r++) {
    const base = r * ${String(c)};
    ${shift}
    let s = 0;
    for (let j = 0; j < ${String(c)}; j++) ${share === 'store' ? '{ const v = Math.exp(x[base + j] - m); E[base + j] = v; s += v; }' : 's += Math.exp(x[base + j] - m);'}
    ${share === 'store' ? 'R[r] = s;' : ''}
    total += Math.log(s) + m - x[base + y[r]];
}
out[0] = ${store(reduction === 'mean' ? `total / ${String(rows)}` : 'total')};
return true;`
  const gv = g!.kind === 'lit' ? numberSource(g!.value) : `${slotOf(g!)}[0]`
  const exps =
    share === 'load'
      ? `const s = R[r];
    for (let j = 0; j < ${String(c)}; j++) acc[j] = E[base + j];`
      : `${shift}
    let s = 0;
    for (let j = 0; j < ${String(c)}; j++) { const v = Math.exp(x[base + j] - m); acc[j] = v; s += v; }`
  return `${head}
const g = ${reduction === 'mean' ? `${gv} / ${String(rows)}` : gv};
for (let r = 0; r < ${String(rows)}; r++) {
    const base = r * ${String(c)};
    ${exps}
    const w = g / s;
    const yr = y[r];
    for (let j = 0; j < ${String(c)}; j++) out[base + j] = ${store('j === yr ? acc[j] * w - g : acc[j] * w')};
}
return true;`
}

/**
 * True when the generated loop computes what the equation's own kernel computes, bit for bit, on a sample input
 * (the primitives are recognised by name, so a user primitive that shares the name is caught here).
 */
export const xentAgrees = (e: Equation): boolean => {
  const { rows, classes, backward } = xentShape(e)!
  const [x, , g] = e.inputs
  const xv = x as Var
  const n = rows * classes
  const xs = xv.dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)
  for (let i = 0; i < n; i++) xs[i] = Math.sin(i * 12.9898 + 1) * 7 - (i % 5 === 0 ? 40 : 0)
  const ys = new Int32Array(rows)
  for (let r = 0; r < rows; r++) ys[r] = (r * 7 + 3) % classes
  const gs = new Float64Array([g !== undefined && g.kind === 'lit' ? g.value : 1.25])
  const ids = [xv.id, (e.inputs[1] as Var).id, g !== undefined && g.kind === 'var' ? g.id : -1, e.out.id]
  const fake: Plan = { slots: [], slotOf: new Map(ids.map((id, i) => [id, i])), materialised: new Set(ids) }
  const outN = backward ? n : 1
  const out = e.out.dtype === 'float32' ? new Float32Array(outN) : new Float64Array(outN)
  const gStore = g !== undefined && g.kind === 'var' && g.dtype === 'float32' ? new Float32Array(gs) : gs
  try {
    if (!xentLoop(e, fake)([xs, ys, gStore, out])) return false
    const tensors = [T.fromArray(xs, xv.shape, { dtype: xv.dtype }), T.fromArray(ys, [rows], { dtype: 'int32' })]
    if (backward) tensors.push(g!.kind === 'lit' ? T.scalar(g!.value, { dtype: g!.dtype === 'weak' ? 'float64' : g!.dtype }) : T.fromArray(gStore, [], { dtype: g!.dtype }))
    const want = T.toArray(e.prim.impl(tensors, e.params))
    if (want.length !== out.length) return false
    for (let i = 0; i < out.length; i++) if (!Object.is(want[i], out[i])) return false
    return true
  } catch {
    return false
  }
}

/** Compiles a fused cross-entropy step: it returns false when a label is out of range. */
export const xentLoop = (e: Equation, plan: Plan): ((S: readonly (Float64Array | Float32Array | Int32Array)[]) => boolean) =>
  buildWithAcc('xent', xentShape(e)!.classes, xentSource(e, plan)) as unknown as (
    S: readonly (Float64Array | Float32Array | Int32Array)[],
  ) => boolean
