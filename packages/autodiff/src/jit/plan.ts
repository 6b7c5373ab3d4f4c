/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * The buffer plan: where every variable of a scheduled program lives while it runs.
 *
 * - inputs and constants: their tensors' storage (read only);
 * - program outputs computed by generated loops: a *fresh* array per call (it becomes the returned tensor);
 * - outputs of kernel calls: the tensor the kernel returns (its storage read only if a loop needs it);
 * - every other materialised intermediate: a *scratch* array allocated once and reused across calls. Liveness
 *   (the step that writes a value to the last step that reads it) lets values whose lifetimes do not overlap share
 *   one array of the same dtype and size; an array is handed out again only after the step that last reads it.
 * - a reshape is a view: it shares its operand's slot, and extends that slot's lifetime.
 * @module
 */
import type { DType } from '@cotangent/tensor'
import type { Equation, Program, Var } from '../staging.js'
import { membersOf, type Step } from './fuse.js'
import { sizeOfVar } from './program.js'

/** How a slot gets its storage. */
export type SlotKind = 'input' | 'const' | 'fresh' | 'scratch' | 'kernel'

/** One storage slot of the plan. */
export interface Slot {
  readonly kind: SlotKind
  readonly dtype: DType
  readonly size: number
}

/** The plan: a slot per materialised variable (views share their operand's), and what each slot is. */
export interface Plan {
  readonly slots: readonly Slot[]
  /** Slot of each materialised variable id. */
  readonly slotOf: ReadonlyMap<number, number>
  /** Variables that live in memory (others are loop locals of their group). */
  readonly materialised: ReadonlySet<number>
}

/** True for an equation that jit runs as a view of its operand. */
export const isView = (prim: string): boolean => prim === 'reshape'

/** Builds the plan of a schedule. */
export const planBuffers = (p: Program, steps: readonly Step[], isKernel: (e: Equation) => boolean): Plan => {
  const outIds = new Set(p.outs.flatMap((a) => (a.kind === 'var' ? [a.id] : [])))
  // which step defines each variable, and which group it belongs to
  const defStep = new Map<number, number>()
  const groupOf = new Map<number, number>()
  steps.forEach((s, i) => {
    if (s.kind === 'group')
      for (const e of membersOf(s)) {
        defStep.set(e.out.id, i)
        groupOf.set(e.out.id, i)
      }
    else defStep.set(s.eqn.out.id, i)
  })
  // views: the root variable whose storage a variable shares
  const root = new Map<number, Var>()
  const rootOf = (v: Var): Var => root.get(v.id) ?? v
  // last step reading each root (outputs are read "after" the last step)
  const lastUse = new Map<number, number>()
  const materialised = new Set<number>([...p.inVars, ...p.constVars].map((v) => v.id))
  const use = (v: Var, at: number): void => {
    const r = rootOf(v)
    lastUse.set(r.id, Math.max(lastUse.get(r.id) ?? -1, at))
  }
  steps.forEach((s, i) => {
    for (const e of membersOf(s))
      for (const a of e.inputs) {
        if (a.kind !== 'var') continue
        if (s.kind === 'group' && groupOf.get(a.id) === i) continue
        materialised.add(a.id)
        use(a, i)
      }
    if (s.kind === 'single') {
      materialised.add(s.eqn.out.id)
      const a = s.eqn.inputs[0]
      if (isView(s.eqn.prim.name) && a !== undefined && a.kind === 'var') root.set(s.eqn.out.id, rootOf(a))
    }
  })
  for (const id of outIds) materialised.add(id)
  const end = steps.length
  for (const a of p.outs) if (a.kind === 'var') use(a, end)

  const slots: Slot[] = []
  const slotOf = new Map<number, number>()
  const newSlot = (kind: SlotKind, v: Var): number => {
    slots.push({ kind, dtype: v.dtype, size: sizeOfVar(v) })
    return slots.length - 1
  }
  for (const v of p.inVars) slotOf.set(v.id, newSlot('input', v))
  for (const v of p.constVars) slotOf.set(v.id, newSlot('const', v))
  // scratch pool by dtype and size; a slot freed at step t is reusable from step t + 1
  const pool = new Map<string, number[]>()
  const freeAt = new Map<number, number[]>()
  const kernelOut = (i: number): boolean => {
    const s = steps[i]!
    return s.kind === 'single' && !isView(s.eqn.prim.name) && isKernel(s.eqn)
  }
  steps.forEach((s, i) => {
    const defined = membersOf(s).map((e) => e.out)
    for (const v of defined) {
      if (!materialised.has(v.id)) continue
      const r = rootOf(v)
      if (r !== v) {
        slotOf.set(v.id, slotOf.get(r.id)!)
        continue
      }
      let slot: number
      if (kernelOut(i)) slot = newSlot('kernel', v)
      else if (outIds.has(v.id)) slot = newSlot('fresh', v)
      else {
        const key = `${v.dtype}:${String(sizeOfVar(v))}`
        const free = pool.get(key)
        slot = free !== undefined && free.length > 0 ? free.pop()! : newSlot('scratch', v)
        const last = lastUse.get(v.id) ?? i
        const list = freeAt.get(last) ?? []
        list.push(slot)
        freeAt.set(last, list)
        pool.set(key, pool.get(key) ?? [])
      }
      slotOf.set(v.id, slot)
    }
    for (const slot of freeAt.get(i) ?? []) {
      const sl = slots[slot]!
      const key = `${sl.dtype}:${String(sl.size)}`
      pool.get(key)!.push(slot)
    }
  })
  return { slots, slotOf, materialised }
}
