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
 * All arithmetic is in doubles. A fused group computes its float32 values in doubles too and rounds each once, when
 * it is stored (a Float32Array store rounds) or read by a member of another dtype (`Math.fround`): like the eager
 * optimiser kernels, unlike the eager element-wise ops, which round after every op, so float32 results may differ
 * from eager ones in the last units (float64 is unaffected). The reductions and matmuls round their results as the
 * kernels store them.
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
/** Compiles a loop body over `S` (named `jit_<kind>_<n>`, so profiles can tell the generated loops apart). */
const build = (kind: string, src: string): Loop =>
  (new Function(`return function jit_${kind}_${String(loopCount++)}(S) {\n${src}\n}`) as () => Loop)()
/** A loop with a private float64 accumulator of `n` elements, allocated once. */
const buildWithAcc = (kind: string, n: number, src: string): Loop =>
  (new Function('acc', `return function jit_${kind}_${String(loopCount++)}(S) {\n${src}\n}`) as (acc: Float64Array) => Loop)(
    new Float64Array(n),
  )
/* eslint-enable @typescript-eslint/no-implied-eval */

const round = (dtype: DType, expr: string): string =>
  dtype === 'float32' ? `Math.fround(${expr})` : dtype === 'int32' ? `((${expr}) | 0)` : expr

const dtypeOfAtom = (a: Atom): DType | 'weak' => (a.kind === 'var' ? a.dtype : a.dtype)

/**
 * How a fused group's member value is kept: float32 values unrounded (they are rounded once, when stored), except
 * those another member reads as a different dtype (an `astype` to float64, say), which must see the float32 value.
 */
const memberValue = (eqns: readonly Equation[]): ((e: Equation, expr: string) => string) => {
  const ids = new Set(eqns.map((e) => e.out.id))
  const crossing = new Set<number>()
  for (const e of eqns)
    for (const a of e.inputs)
      if (a.kind === 'var' && ids.has(a.id) && a.dtype === 'float32' && e.out.dtype !== 'float32') crossing.add(a.id)
  return (e, expr) => (e.out.dtype === 'float32' && !crossing.has(e.out.id) ? expr : round(e.out.dtype, expr))
}

/** Row-major strides of `shape` read as `target` (0 along broadcast dimensions, missing leading ones too). */
const broadcastStrides = (shape: readonly number[], target: readonly number[]): number[] => {
  const out = new Array<number>(target.length).fill(0)
  let acc = 1
  for (let i = shape.length - 1, j = target.length - 1; i >= 0; i--, j--) {
    const d = shape[i]!
    out[j] = d === 1 && target[j] !== 1 ? 0 : acc
    acc *= d
  }
  return out
}

/** The source of a fused group's loop (exported for the tests). */
export const groupSource = (g: Group, plan: Plan): string => {
  const inGroup = new Set(g.eqns.map((e) => e.out.id))
  const loads: Var[] = []
  for (const e of g.eqns)
    for (const a of e.inputs)
      if (a.kind === 'var' && !inGroup.has(a.id) && !loads.some((l) => l.id === a.id)) loads.push(a)
  const stores = g.eqns.map((e) => e.out).filter((v) => plan.materialised.has(v.id))
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
  const lines: string[] = []
  const slotName = (v: Var): string => `b${String(plan.slotOf.get(v.id)!)}`
  const declared = new Set<string>()
  for (const v of [...loads, ...stores]) {
    const n = slotName(v)
    if (!declared.has(n)) {
      declared.add(n)
      lines.push(`const ${n} = S[${String(plan.slotOf.get(v.id)!)}];`)
    }
  }
  const loadName = new Map<number, string>()
  loads.forEach((l, k) => {
    loadName.set(l.id, `x${String(l.id)}`)
    if (scalar(k)) lines.push(`const x${String(l.id)} = ${slotName(l)}[0];`)
  })
  // the element body
  const body: string[] = []
  loads.forEach((l, k) => {
    if (scalar(k)) return
    const index = contiguous(k) ? 'o' : `q${String(k)}_${String(nd - 1)}`
    body.push(`const x${String(l.id)} = ${slotName(l)}[${index}];`)
  })
  const operand = (e: Equation, i: number): string => {
    const a = e.inputs[i]!
    if (a.kind === 'var') return inGroup.has(a.id) ? `v${String(a.id)}` : loadName.get(a.id)!
    if (a.dtype !== 'weak') return numberSource(a.value)
    const partner = partnerOf(e, i)
    const pd = partner === undefined ? 'weak' : dtypeOfAtom(e.inputs[partner]!)
    return numberSource(pd === 'float32' ? Math.fround(a.value) : a.value)
  }
  const value = memberValue(g.eqns)
  for (const e of g.eqns) {
    const expr = exprOf(e)!(e.inputs.map((_, i) => operand(e, i)), e.params, e)
    body.push(`const v${String(e.out.id)} = ${value(e, expr)};`)
  }
  for (const v of stores) body.push(`${slotName(v)}[o] = v${String(v.id)};`)
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
  return `${lines.join('\n')}\n${src}`
}

/** True for a matmul that can run inside the loop of a group that reads it (few products per element). */
export const canProduce = (e: Equation): boolean => {
  const mm = smallMatmul(e)
  return mm !== undefined && mm.k <= 32
}

/**
 * The source of a group whose values are computed from a matmul element by element: the matmul's j-outer loop
 * (a column of B in locals, the same per-element sums as the kernel), with the group's members evaluated on each
 * product before it is stored; the product itself stays a local.
 */
export const producerGroupSource = (g: Group, plan: Plan): string => {
  const e = g.producer!
  const { m, k, n, ta, tb } = smallMatmul(e)!
  const [a, b] = e.inputs as readonly Var[]
  const inGroup = new Set([e.out.id, ...g.eqns.map((q) => q.out.id)])
  const loads: Var[] = []
  for (const q of g.eqns)
    for (const x of q.inputs)
      if (x.kind === 'var' && !inGroup.has(x.id) && !loads.some((l) => l.id === x.id)) loads.push(x)
  const stores = g.eqns.map((q) => q.out).filter((v) => plan.materialised.has(v.id))
  const slotName = (v: Var): string => `b${String(plan.slotOf.get(v.id)!)}`
  const decls = new Set<string>()
  for (const v of [...loads, ...stores]) decls.add(`const ${slotName(v)} = S[${String(plan.slotOf.get(v.id)!)}];`)
  const index = (l: Var): string => {
    const [s0, s1] = broadcastStrides(l.shape, [m, n])
    return `i * ${String(s0)} + j * ${String(s1)}`
  }
  const body: string[] = loads.map((l) => `const x${String(l.id)} = ${slotName(l)}[${index(l)}];`)
  const operand = (q: Equation, i: number): string => {
    const x = q.inputs[i]!
    if (x.kind === 'var') return inGroup.has(x.id) ? `v${String(x.id)}` : `x${String(x.id)}`
    if (x.dtype !== 'weak') return numberSource(x.value)
    const partner = partnerOf(q, i)
    const pd = partner === undefined ? 'weak' : dtypeOfAtom(q.inputs[partner]!)
    return numberSource(pd === 'float32' ? Math.fround(x.value) : x.value)
  }
  const value = memberValue(g.eqns)
  for (const q of g.eqns)
    body.push(`const v${String(q.out.id)} = ${value(q, exprOf(q)!(q.inputs.map((_, i) => operand(q, i)), q.params, q))};`)
  for (const v of stores) body.push(`${slotName(v)}[i * ${String(n)} + j] = v${String(v.id)};`)
  const bj = Array.from({ length: k }, (_, u) => `const bc${String(u)} = ${tb ? `bb[j * ${String(k)} + ${String(u)}]` : `bb[${String(u * n)} + j]`};`)
  const sums: string[] = []
  let kk = 0
  for (const step of [8, 4, 2, 1])
    while (kk + step - 1 < k) {
      sums.push(sumTree(Array.from({ length: step }, (_, u) => `${ta ? `aa[${String((kk + u) * m)} + i]` : `aa[ai + ${String(kk + u)}]`} * bc${String(kk + u)}`)))
      kk += step
      if (step < 8) break
    }
  const acc = sums.reduce((x, t) => `(${x} + ${t})`, '0')
  return `const aa = S[${String(plan.slotOf.get(a!.id)!)}], bb = S[${String(plan.slotOf.get(b!.id)!)}];
${[...decls].join('\n')}
for (let j = 0; j < ${String(n)}; j++) {
  ${bj.join(' ')}
  for (let i = 0; i < ${String(m)}; i++) {
    const ai = i * ${String(k)};
    const acc = ${acc};
    const v${String(e.out.id)} = ${e.out.dtype === 'float32' ? 'Math.fround(acc)' : 'acc'};
    ${body.join('\n    ')}
  }
}`
}

/** Compiles a fused group. */
export const groupLoop = (g: Group, plan: Plan): Loop =>
  g.producer === undefined ? build('group', groupSource(g, plan)) : build('mmgroup', producerGroupSource(g, plan))

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

/** Sizes of a 2-D matmul equation (after its transpose flags), or undefined when jit leaves it to the kernel. */
export const smallMatmul = (e: Equation): { m: number; k: number; n: number; ta: boolean; tb: boolean } | undefined => {
  if (e.prim.name !== 'matmul') return undefined
  const [a, b] = e.inputs
  if (a === undefined || b === undefined || a.kind !== 'var' || b.kind !== 'var') return undefined
  if (a.shape.length !== 2 || b.shape.length !== 2) return undefined
  const { transA, transB } = e.params as { readonly transA: boolean; readonly transB: boolean }
  const m = transA ? a.shape[1]! : a.shape[0]!
  const k = transA ? a.shape[0]! : a.shape[1]!
  const n = transB ? b.shape[0]! : b.shape[1]!
  if (m * n === 0 || k === 0 || kernelUsesWasm(e.out.dtype, m, k, n) || m * k * n > 1 << 22) return undefined
  return { m, k, n, ta: transA, tb: transB }
}


/** The source of a small matmul (exported for the tests). */
export const matmulSource = (e: Equation, plan: Plan): string => {
  const { m, k, n, ta, tb } = smallMatmul(e)!
  const [a, b] = e.inputs as readonly Var[]
  const A = `S[${String(plan.slotOf.get(a!.id)!)}]`
  const B = `S[${String(plan.slotOf.get(b!.id)!)}]`
  const C = `S[${String(plan.slotOf.get(e.out.id)!)}]`
  // general case: one output element at a time, the 8-product chunks in a loop (compact code: V8 compiles it fast)
  const aAt = (kk: string): string => (ta ? `a[(${kk}) * ${String(m)} + i]` : `a[ai + ${kk}]`)
  const bAt = (kk: string): string => (tb ? `b[bj + ${kk}]` : `b[(${kk}) * ${String(n)} + j]`)
  const chunk = (base: string, size: number): string =>
    `acc += ${sumTree(Array.from({ length: size }, (_, u) => `${aAt(`${base} + ${String(u)}`)} * ${bAt(`${base} + ${String(u)}`)}`))};`
  const parts: string[] = []
  for (let k0 = 0; k0 < k; k0 += 128) {
    const k1 = Math.min(k, k0 + 128)
    const eights = Math.floor((k1 - k0) / 8)
    if (eights > 0) parts.push(`for (let kk = ${String(k0)}; kk < ${String(k0 + 8 * eights)}; kk += 8) { ${chunk('kk', 8)} }`)
    let kk = k0 + 8 * eights
    for (const step of [4, 2, 1])
      if (kk + step - 1 < k1) {
        parts.push(chunk(String(kk), step))
        kk += step
      }
  }
  return `const a = ${A}, b = ${B}, c = ${C};
for (let i = 0; i < ${String(m)}; i++) {
  const ai = i * ${String(k)};
  for (let j = 0; j < ${String(n)}; j++) {
    const bj = j * ${String(k)};
    let acc = 0;
    ${parts.join('\n    ')}
    c[i * ${String(n)} + j] = ${e.out.dtype === 'float32' ? 'Math.fround(acc)' : 'acc'};
  }
}`
}

/** Compiles a small matmul. */
export const matmulLoop = (e: Equation, plan: Plan): Loop => build('matmul', matmulSource(e, plan))

// ---------------------------------------------------------------------------------------------------------------
// reductions

type ReduceShape =
  | { readonly kind: 'rows'; readonly rows: number; readonly cols: number } // reduce the inner dim of [rows, cols]
  | { readonly kind: 'cols'; readonly rows: number; readonly cols: number } // reduce the outer dim of [rows, cols]
  | { readonly kind: 'all'; readonly size: number }
  | { readonly kind: 'copy'; readonly size: number }

/** The kernel's collapsed view of a reduction, or undefined when it needs the general (kernel) path. */
export const reduceShape = (e: Equation): ReduceShape | undefined => {
  if (e.prim.name !== 'sum' && e.prim.name !== 'max' && e.prim.name !== 'min') return undefined
  const x = e.inputs[0]
  if (x === undefined || x.kind !== 'var') return undefined
  const { axes } = e.params as ReduceParams
  const dims: number[] = []
  const red: boolean[] = []
  x.shape.forEach((d, i) => {
    if (d === 1) return
    const r = axes.includes(i)
    const last = dims.length - 1
    if (last >= 0 && red[last] === r) dims[last]! *= d
    else {
      dims.push(d)
      red.push(r)
    }
  })
  let size = 1
  for (const d of x.shape) size *= d
  if (size === 0) return undefined
  if (dims.length === 0) return { kind: 'copy', size: 1 }
  if (dims.length === 1) return red[0] ? { kind: 'all', size: dims[0]! } : { kind: 'copy', size: dims[0]! }
  if (dims.length === 2) return red[1] ? { kind: 'rows', rows: dims[0]!, cols: dims[1]! } : { kind: 'cols', rows: dims[0]!, cols: dims[1]! }
  return undefined
}

/** The source of a reduction (exported for the tests). */
export const reduceSource = (e: Equation, plan: Plan): string => {
  const r = reduceShape(e)!
  const x = e.inputs[0] as Var
  const head = `const a = S[${String(plan.slotOf.get(x.id)!)}], out = S[${String(plan.slotOf.get(e.out.id)!)}];`
  const store = (v: string): string => (e.out.dtype === 'float32' ? `Math.fround(${v})` : v)
  const kind = e.prim.name
  // one contiguous segment [i0, i0 + n), as the kernel's `segment`, combined with the identity as `combine`
  const segment = (i0: string, n: number): string =>
    kind === 'sum'
      ? `{ let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = ${i0};
          for (const e4 = ${i0} + ${String(n - (n % 4))}; i < e4; i += 4) { s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3]; }
          for (const e1 = ${i0} + ${String(n)}; i < e1; i++) s0 += a[i];
          r = 0 + (s0 + s1 + (s2 + s3)); }`
      : `{ let m = a[${i0}];
          for (let i = ${i0} + 1, e1 = ${i0} + ${String(n)}; i < e1; i++) { const x = a[i]; if (x ${kind === 'max' ? '>' : '<'} m || x !== x) m = x; }
          const init = ${kind === 'max' ? '-Infinity' : 'Infinity'};
          r = init !== init || m !== m ? NaN : ${kind === 'max' ? 'init > m' : 'init < m'} ? init : m; }`
  switch (r.kind) {
    case 'copy':
      return `${head}\nfor (let i = 0; i < ${String(r.size)}; i++) { const x = a[i]; out[i] = ${store(
        kind === 'sum' ? '0 + x' : `(x !== x ? NaN : ${kind === 'max' ? '-Infinity > x' : 'Infinity < x'} ? ${kind === 'max' ? '-Infinity' : 'Infinity'} : x)`,
      )}; }`
    case 'all':
      return `${head}\nlet r = 0;\n${segment('0', r.size)}\nout[0] = ${store('r')};`
    case 'rows':
      return `${head}\nfor (let row = 0; row < ${String(r.rows)}; row++) { let r = 0; const base = row * ${String(r.cols)};\n${segment('base', r.cols)}\nout[row] = ${store('r')}; }`
    case 'cols': {
      const { rows, cols } = r
      const acc =
        kind === 'sum'
          ? `acc.fill(0);
let row = 0;
for (; row + 3 < ${String(rows)}; row += 4) { const p = row * ${String(cols)}; for (let j = 0; j < ${String(cols)}; j++) { const q = p + j; acc[j] += a[q] + a[q + ${String(cols)}] + (a[q + ${String(2 * cols)}] + a[q + ${String(3 * cols)}]); } }
for (; row < ${String(rows)}; row++) { const p = row * ${String(cols)}; for (let j = 0; j < ${String(cols)}; j++) acc[j] += a[p + j]; }`
          : `acc.fill(${kind === 'max' ? '-Infinity' : 'Infinity'});
for (let row = 0; row < ${String(rows)}; row++) { const p = row * ${String(cols)}; for (let j = 0; j < ${String(cols)}; j++) { const x = a[p + j]; if (x ${kind === 'max' ? '>' : '<'} acc[j] || x !== x) acc[j] = x; } }`
      return `${head}\n${acc}\nfor (let j = 0; j < ${String(cols)}; j++) out[j] = ${store('acc[j]')};`
    }
  }
}

/** Compiles a reduction. */
export const reduceLoop = (e: Equation, plan: Plan): Loop => {
  const r = reduceShape(e)!
  return r.kind === 'cols' ? buildWithAcc(e.prim.name, r.cols, reduceSource(e, plan)) : build(e.prim.name, reduceSource(e, plan))
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
 * The source of a fused cross-entropy loss or backward pass, the same arithmetic as the tensor kernels
 * (`softmaxCrossEntropyLoss`/`Backward`): per row the maximum (0 when not finite), the shifted sum of exponentials
 * in class order, then the loss `log(s) + m − x[label]` summed over the rows, or the cotangent `e·(g/s)` minus `g`
 * at the label. Returns false, computing nothing, when a label is out of range (the kernel then reports it).
 */
export const xentSource = (e: Equation, plan: Plan): string => {
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
    for (let j = 0; j < ${String(c)}; j++) s += Math.exp(x[base + j] - m);
    total += Math.log(s) + m - x[base + y[r]];
}
out[0] = ${store(reduction === 'mean' ? `total / ${String(rows)}` : 'total')};
return true;`
  const gv = g!.kind === 'lit' ? numberSource(g!.value) : `${slotOf(g!)}[0]`
  return `${head}
const g = ${reduction === 'mean' ? `${gv} / ${String(rows)}` : gv};
for (let r = 0; r < ${String(rows)}; r++) {
    const base = r * ${String(c)};
    ${shift}
    let s = 0;
    for (let j = 0; j < ${String(c)}; j++) { const v = Math.exp(x[base + j] - m); acc[j] = v; s += v; }
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
