/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * The compiler: an optimised program to an {@link Executable}.
 *
 * `schedule` (fuse.ts) partitions the equations into fused groups and single steps, `planBuffers` (plan.ts)
 * gives every materialised value a slot, and codegen.ts generates the loops. What has no generated loop calls its
 * primitive's kernel (`impl`) on tensors: inputs, constants and kernel results are passed as the tensors they
 * are; a scratch value a kernel needs is copied into a tensor (never the scratch array itself), so no scratch
 * storage ever escapes. Custom-rule equations are kernel calls too (they call their function).
 *
 * The generated loops run in order as small generated functions (tiny neighbours joined), which call the kernel
 * steps through a table. Large fused element-wise groups (simd.ts) and small matmuls with the
 * groups computed from them (simd-matmul.ts) run as WebAssembly SIMD loops called through the same table; the scratch
 * arrays they use are views of the program's WebAssembly memory.
 *
 * A call: bind the inputs' storage (read in place, never written), allocate a new array for every fresh output a
 * loop computes (mid-size ones as views of one new buffer), run the program, hand those arrays to the output
 * tensors without a copy (nothing writes them after the call). Scratch arrays belong to the executable and are
 * reused by every call; a re-entrant call (a jitted function reached again from inside its own custom call) runs
 * the interpreter instead.
 * @module
 */
import * as T from '@cotangent/tensor'
import type { Storage, Tensor } from '@cotangent/tensor'
import { matmulInto } from '@cotangent/tensor/internal'
import type { Equation, Program, Var } from '../staging.js'
import {
  canConsume,
  canProduce,
  groupSource,
  largeMatmul,
  matmulSource,
  reduceShape,
  reduceSource,
  smallMatmul,
  xentAgrees,
  xentShape,
  xentSource,
  type XentShare,
} from './codegen.js'
import { membersOf, schedule, type Single, type Step } from './fuse.js'
import { interpret, type Executable } from './interpret.js'
import { isView, planBuffers } from './plan.js'
import {
  regionBytes,
  simdInstance,
  simdLoop,
  simdMaxStagingBytes,
  simdMemory,
  simdShape,
  stagingBytes,
  type SimdShape,
} from './simd.js'
import { simdMatmulShape } from './simd-matmul.js'
import { adopt, allocate, bytesPer, copyToTensor, storageOf, viewOf } from './storage.js'

/** Counts of what a compiled program does per call (for the tests and the README's figures). */
export interface CompileInfo {
  /** Generated loops (fused groups, small matmuls, reductions). */
  readonly loops: number
  /** Of those, the ones that run as WebAssembly SIMD loops (simd.ts, simd-matmul.ts). */
  readonly simd: number
  /** Kernel calls (large matmuls, other primitives, custom calls). */
  readonly kernels: number
  /** Fused groups, and the equations in them. */
  readonly groups: number
  readonly fusedEqns: number
  /** Scratch arrays (reused across calls) and fresh output arrays (per call). */
  readonly scratch: number
  readonly fresh: number
  /** Cross-entropy backward passes that read their forward pass's exponentials instead of computing them. */
  readonly xentShared: number
}

/** An executable with its compile counts. */
export interface Compiled extends Executable {
  readonly info: CompileInfo
}

/** Cross-entropy equations whose generated loop agrees with their kernel (checked once per equation). */
const xentOk = new WeakMap<Equation, boolean>()
const isXent = (e: Equation): boolean => {
  if (xentShape(e) === undefined) return false
  let ok = xentOk.get(e)
  if (ok === undefined) {
    ok = xentAgrees(e)
    xentOk.set(e, ok)
  }
  return ok
}

/** Equations whose step reads and writes the plan's storage (generated loops, and large matmuls into it). */
const isGenerated = (e: Equation): boolean =>
  smallMatmul(e) !== undefined || reduceShape(e) !== undefined || isXent(e) || largeMatmul(e) !== undefined

/**
 * Generated source per function. Small functions are optimised by V8 sooner (and concurrently), which shortens the
 * warm-up of a new program (measured on W3: one step per function warms up faster than one function per program),
 * so only tiny neighbours share a function.
 */
const CHUNK_CHARS = 600
let programCount = 0

/**
 * Fresh outputs of one call whose arrays share one buffer: those over V8's on-heap limit for typed arrays (64
 * bytes; smaller ones are allocated on the heap, about ten times faster) and at most 4 KiB. An off-heap typed
 * array costs about a microsecond to allocate, one view of a shared buffer a tenth of that (W3's step returns 8 such
 * arrays). The price: a kept output of that size keeps its call's other outputs of that size alive, at most
 * 4 KiB each; a loss (one number) and large parameters still have arrays of their own.
 */
const SHARED_MIN_BYTES = 65
const SHARED_MAX_BYTES = 4096

/** Compiles an optimised program (its constants concrete tensors). */
export const compile = (p: Program): Compiled => {
  const steps = schedule(p, canProduce, canConsume)
  const plan = planBuffers(p, steps, (e) => !isGenerated(e))
  const nSlots = plan.slots.length
  const S: Storage[] = new Array<Storage>(nSlots).fill(new Float64Array(0))
  const Tn: (Tensor | undefined)[] = new Array<Tensor | undefined>(nSlots).fill(undefined)
  const slot = (v: Var): number => plan.slotOf.get(v.id)!
  // slots a generated loop reads (their storage must be bound)
  const readByLoop = new Set<number>()
  for (const s of steps) {
    const eqns = s.kind === 'group' ? membersOf(s) : isGenerated(s.eqn) ? [s.eqn] : []
    for (const e of eqns) for (const a of e.inputs) if (a.kind === 'var' && plan.slotOf.has(a.id)) readByLoop.add(slot(a))
  }
  for (const a of p.outs) if (a.kind === 'var') readByLoop.add(slot(a))
  p.constVars.forEach((v, i) => {
    const c = p.consts[i] as Tensor
    Tn[slot(v)] = c
    if (readByLoop.has(slot(v))) S[slot(v)] = storageOf(c)
  })
  // the large groups that run as SIMD loops, and the memory they share: the scratch slots they use are views of it
  // (read and written in place), followed by room for the largest group's staging regions
  const simdShapes = new Map<Step, SimdShape>()
  for (const s of steps) {
    const sh = s.kind === 'group' ? (simdShape(s, plan) ?? simdMatmulShape(s, plan)) : simdMatmulShape(s, plan)
    // staging is memory the JS loop does not need: a loop that needs too much of it keeps its JS loop
    if (sh !== undefined && stagingBytes(sh) <= simdMaxStagingBytes()) simdShapes.set(s, sh)
  }
  const resident = new Map<number, number>()
  let simdBytes = 0
  for (const sh of simdShapes.values())
    for (const v of [...sh.arrays, ...sh.stores]) {
      const i = slot(v)
      if (plan.slots[i]!.kind !== 'scratch' || resident.has(i)) continue
      resident.set(i, simdBytes)
      simdBytes += regionBytes(plan.slots[i]!.dtype, plan.slots[i]!.size)
    }
  const stagingAt = simdBytes
  for (const sh of simdShapes.values()) simdBytes = Math.max(simdBytes, stagingAt + stagingBytes(sh))
  const memory = simdShapes.size === 0 ? undefined : simdMemory(simdBytes)
  if (memory === undefined) {
    // no memory (none needed, or the engine refused one): every group keeps its JS loop
    simdShapes.clear()
    resident.clear()
  }
  plan.slots.forEach((sl, i) => {
    if (sl.kind !== 'scratch') return
    const at = resident.get(i)
    S[i] = at === undefined ? allocate(sl.dtype, sl.size) : viewOf(sl.dtype, memory!.buffer, at, sl.size)
  })
  const freshSlots = plan.slots.flatMap((sl, i) => (sl.kind === 'fresh' ? [i] : []))
  const bytesOf = (i: number): number => plan.slots[i]!.size * bytesPer(plan.slots[i]!.dtype)
  const sharable = freshSlots.filter((i) => bytesOf(i) >= SHARED_MIN_BYTES && bytesOf(i) <= SHARED_MAX_BYTES)
  // one shared buffer only pays for two or more arrays; offsets are 8-byte aligned
  const shared = sharable.length > 1 ? sharable : []
  const ownSlots = freshSlots.filter((i) => !shared.includes(i))
  const offsets: number[] = []
  let sharedBytes = 0
  for (const i of shared) {
    offsets.push(sharedBytes)
    sharedBytes += Math.ceil(bytesOf(i) / 8) * 8
  }
  const inputSlots = p.inVars.map(slot)
  const inputNeedsStorage = inputSlots.map((s) => readByLoop.has(s))
  // scratch values a kernel reads are copied into a tensor once per call (cache cleared after the call)
  const wrapIndex = new Map<number, number>()
  for (const s of steps)
    if (s.kind === 'single' && !isView(s.eqn.prim.name) && !isGenerated(s.eqn))
      for (const a of s.eqn.inputs)
        if (a.kind === 'var' && !wrapIndex.has(a.id)) wrapIndex.set(a.id, wrapIndex.size)
  const wrapped: (Tensor | undefined)[] = new Array<Tensor | undefined>(wrapIndex.size).fill(undefined)
  const frozen = (v: Var): readonly number[] => Object.freeze(v.shape.slice())
  /** The tensor a kernel gets for an operand. */
  const tensorOf = (v: Var): Tensor => {
    const t = Tn[slot(v)]
    if (t !== undefined) return T.shapesEqual(t.shape, v.shape) ? t : T.reshape(t, v.shape)
    const w = wrapIndex.get(v.id)
    if (w === undefined) return copyToTensor(S[slot(v)]!, v.shape, v.dtype)
    return (wrapped[w] ??= copyToTensor(S[slot(v)]!, v.shape, v.dtype))
  }
  const litTensors = new Map<string, Tensor>()
  /** Typed literals as 0-d tensors, made once. */
  const litTensor = (value: number, dtype: T.DType): Tensor => {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : String(value)}`
    let t = litTensors.get(key)
    if (t === undefined) {
      t = T.scalar(value, { dtype })
      litTensors.set(key, t)
    }
    return t
  }
  const operands = (e: Equation): (() => (Tensor | number)[]) => {
    const fixed = e.inputs.map((a) => (a.kind === 'lit' ? (a.dtype === 'weak' ? a.value : litTensor(a.value, a.dtype)) : null))
    return () => e.inputs.map((a, i) => fixed[i] ?? tensorOf(a as Var))
  }
  let loops = 0
  let simdLoops = 0
  let kernels = 0
  // Every step becomes a piece of source (generated loops) or a call (views, kernels) made from that source; tiny
  // neighbouring pieces share a function (see CHUNK_CHARS).
  const calls: (() => void)[] = []
  const accs: Float64Array[] = []
  const call = (f: () => void): string => {
    calls.push(f)
    return `K[${String(calls.length - 1)}]();`
  }
  /** A private float64 array of the step (allocated once), bound to `name` in its source. */
  const withAcc = (n: number, name = 'acc'): string => {
    accs.push(new Float64Array(n))
    return `const ${name} = A[${String(accs.length - 1)}];`
  }
  // a cross-entropy backward pass after the forward pass over the same logits and labels reads the forward's
  // exponentials and row sums (the buffers, bound as E and R, are made with the forward's source)
  const xentShares = new Map<Equation, { readonly share: XentShare; readonly buffers: string }>()
  steps.forEach((s, i) => {
    if (s.kind !== 'single' || !isXent(s.eqn) || !xentShape(s.eqn)!.backward) return
    const [x, y] = s.eqn.inputs as readonly Var[]
    const fwd = steps
      .slice(0, i)
      .find(
        (f): f is Single =>
          f.kind === 'single' &&
          isXent(f.eqn) &&
          !xentShape(f.eqn)!.backward &&
          (f.eqn.inputs[0] as Var).id === x!.id &&
          (f.eqn.inputs[1] as Var).id === y!.id,
      )
    if (fwd === undefined) return
    const { rows, classes } = xentShape(s.eqn)!
    const buffers = xentShares.get(fwd.eqn)?.buffers ?? `${withAcc(rows * classes, 'E')} ${withAcc(rows, 'R')}`
    xentShares.set(fwd.eqn, { share: 'store', buffers })
    xentShares.set(s.eqn, { share: 'load', buffers })
  })
  // every SIMD loop of the program in one module
  const simdSteps = [...simdShapes.keys()]
  const simdRuns = memory === undefined ? [] : simdInstance([...simdShapes.values()], memory)
  /** A SIMD loop's step: a call through the table. */
  const simdCall = (st: Step, sh: SimdShape): string => {
    simdLoops++
    const loop = simdLoop(sh, simdRuns[simdSteps.indexOf(st)]!, plan, memory!, stagingAt)
    return call(() => {
      loop(S)
    })
  }
  const pieces: string[] = steps.map((s): string => {
    if (s.kind === 'group') {
      loops++
      const sh = simdShapes.get(s)
      if (sh !== undefined) return simdCall(s, sh)
      // a consumer summing columns keeps its sums in a private array (a matmul's loop keeps each in a local)
      const r = s.consumer === undefined || s.producer !== undefined ? undefined : reduceShape(s.consumer)
      return `{ ${r?.kind === 'cols' ? withAcc(r.cols) : ''}\n${groupSource(s, plan)}\n}`
    }
    const e = s.eqn
    if (isView(e.prim.name)) {
      const from = slot(e.inputs[0] as Var)
      const to = slot(e.out)
      if (from === to) return ''
      return call(() => {
        S[to] = S[from]!
        Tn[to] = Tn[from]
      })
    }
    if (isXent(e)) {
      loops++
      const args = operands(e)
      // a label out of range: the kernel throws its typed error naming it
      const fallback = call(() => {
        e.prim.impl(args(), e.params)
      })
      const shared = xentShares.get(e)
      return `if (!(function () { ${withAcc(xentShape(e)!.classes)} ${shared?.buffers ?? ''}\n${xentSource(e, plan, shared?.share)}\n})()) ${fallback}`
    }
    if (smallMatmul(e) !== undefined) {
      loops++
      const sh = simdShapes.get(s)
      if (sh !== undefined) return simdCall(s, sh)
      return `{\n${matmulSource(e, plan)}\n}`
    }
    const big = largeMatmul(e)
    if (big !== undefined) {
      kernels++
      const { m, k, n, ta, tb } = big
      const [sa, sb] = (e.inputs as readonly Var[]).map(slot) as [number, number]
      const so = slot(e.out)
      // tensors' storage may stay in the kernel's packed-operand cache; scratch is written again by later calls
      const ofTensor = (i: number): boolean => plan.slots[i]!.kind === 'input' || plan.slots[i]!.kind === 'const'
      const [ca, cb] = [ofTensor(sa), ofTensor(sb)]
      const args = operands(e)
      return call(() => {
        const out = S[so] as Float32Array | Float64Array
        if (!matmulInto(S[sa]!, S[sb]!, m, k, n, ta, tb, out, ca, cb))
          out.set(storageOf(e.prim.impl(args(), e.params)))
      })
    }
    const r = reduceShape(e)
    if (r !== undefined) {
      loops++
      return `{ ${r.kind === 'cols' ? withAcc(r.cols) : ''}\n${reduceSource(e, plan)}\n}`
    }
    kernels++
    const out = slot(e.out)
    const needsStorage = readByLoop.has(out)
    const args = operands(e)
    return call(() => {
      const res = e.prim.impl(args(), e.params)
      Tn[out] = res
      if (needsStorage) S[out] = storageOf(res)
    })
  })
  type Chunk = (S: readonly Storage[], K: readonly (() => void)[], A: readonly Float64Array[]) => void
  const chunks: Chunk[] = []
  let body = ''
  const flush = (): void => {
    if (body === '') return
    /* eslint-disable-next-line @typescript-eslint/no-implied-eval */
    chunks.push((new Function(`return function jit_program_${String(programCount++)}(S, K, A) {\n${body}\n}`) as () => Chunk)())
    body = ''
  }
  for (const piece of pieces) {
    if (piece === '') continue
    if (body.length + piece.length > CHUNK_CHARS) flush()
    body += `${piece}\n`
  }
  flush()
  const runSteps = (): void => {
    for (const c of chunks) c(S, calls, accs)
  }
  const outputs = p.outs.map((a): (() => Tensor | number) => {
    if (a.kind === 'lit') {
      const v = a.value
      if (a.dtype === 'weak') return () => v
      const t = litTensor(v, a.dtype)
      return () => t
    }
    const s = slot(a)
    const kind = plan.slots[s]!.kind
    if (kind === 'input' || kind === 'const' || kind === 'kernel') return () => tensorOf(a)
    const shape = frozen(a)
    // this call's own array, written by a loop of this call and by nothing after it
    if (kind === 'fresh') return () => adopt(S[s]!, shape, a.dtype)
    // a view of scratch storage: copied out
    return () => adopt(S[s]!.slice(), shape, a.dtype)
  })
  const callSlots = plan.slots.flatMap((sl, i) => (sl.kind === 'input' || sl.kind === 'fresh' || sl.kind === 'kernel' ? [i] : []))
  const fallback = interpret(p)
  let busy = false
  const empty = new Float64Array(0)
  return {
    info: {
      loops,
      simd: simdLoops,
      kernels,
      groups: steps.filter((s) => s.kind === 'group').length,
      fusedEqns: steps.reduce((n, s) => n + (s.kind === 'group' ? membersOf(s).length : 0), 0),
      scratch: plan.slots.filter((s) => s.kind === 'scratch').length,
      fresh: freshSlots.length,
      xentShared: [...xentShares.values()].filter((x) => x.share === 'load').length,
    },
    run: (ins) => {
      if (busy) return fallback.run(ins)
      busy = true
      try {
        for (let i = 0; i < inputSlots.length; i++) {
          const s = inputSlots[i]!
          Tn[s] = ins[i]
          if (inputNeedsStorage[i]) S[s] = storageOf(ins[i]!)
        }
        // every fresh output of the call in a new array (it becomes the returned tensor's storage), never written
        // after this call: its own, or a view of this call's shared buffer (see SHARED_MIN_BYTES)
        for (const i of ownSlots) {
          const sl = plan.slots[i]!
          S[i] = allocate(sl.dtype, sl.size)
        }
        if (shared.length > 0) {
          const buffer = new ArrayBuffer(sharedBytes)
          for (let k = 0; k < shared.length; k++) {
            const i = shared[k]!
            const sl = plan.slots[i]!
            S[i] = viewOf(sl.dtype, buffer, offsets[k]!, sl.size)
          }
        }
        runSteps()
        return outputs.map((o) => o())
      } finally {
        // drop this call's arrays and tensors (inputs, outputs, kernel results): only scratch and constants stay
        for (const i of callSlots) {
          S[i] = empty
          Tn[i] = undefined
        }
        wrapped.fill(undefined)
        busy = false
      }
    },
  }
}
