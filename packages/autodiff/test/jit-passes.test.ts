/**
 * The jit compiler's passes, one by one: DCE, CSE and constant folding on the staged IR (checked against
 * `evalGraph` of the unoptimised program, which re-applies every equation through `bind`, and against hand-counted
 * programs), the fusion schedule (every operand defined before it is read), the buffer plan (no two values live at
 * once share a slot), and the generated loops (bit for bit against the tensor kernels, including NaN, ±0, ±∞,
 * broadcasting and the kernels' summation orders, in float64 and float32).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as T from '@cotangent/tensor'
import type { DType, Storage, Tensor } from '@cotangent/tensor'
import { dataOf } from '@cotangent/tensor/internal'
import * as A from '../src/index.js'
import type { Program, Value } from '../src/index.js'
import { cse } from '../src/jit/cse.js'
import { dce } from '../src/jit/dce.js'
import { fold } from '../src/jit/fold.js'
import { optimise } from '../src/jit/optimise.js'
import { membersOf, schedule } from '../src/jit/fuse.js'
import { planBuffers, isView } from '../src/jit/plan.js'
import { compile } from '../src/jit/compile.js'
import { interpret } from '../src/jit/interpret.js'
import { canConsume, canProduce, reduceShape, smallMatmul } from '../src/jit/codegen.js'
import { flattener, unflattener } from '../src/jit/trees.js'
import * as P from '../src/primitives.js'
import { binaryOps, special, unaryOps, valuesArb } from './elementwise-cases.js'

const SEED = 20261202
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns })

/** Bitwise equality (NaN equals NaN, −0 differs from +0), shapes and dtypes. */
const sameBits = (got: Tensor | number, want: Tensor | number): void => {
  const g = typeof got === 'number' ? T.scalar(got) : got
  const w = typeof want === 'number' ? T.scalar(want) : want
  expect(g.shape).toEqual(w.shape)
  expect(g.dtype).toBe(w.dtype)
  const a = Array.from(T.toArray(g))
  const b = Array.from(T.toArray(w))
  a.forEach((x, i) => {
    if (!Object.is(x, b[i]!)) expect({ index: i, got: x }).toEqual({ index: i, got: b[i] })
  })
}

const leaves = (p: Program, args: readonly unknown[]): Tensor[] => A.treeFlatten(args)[0] as Tensor[]

/** Runs the compiled program and the kernel interpreter on the same inputs and compares them bit for bit. */
const compiledMatchesKernels = (p: Program, ins: readonly Tensor[]): void => {
  const want = interpret(p).run(ins)
  const got = compile(p).run(ins)
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => {
    sameBits(g, want[i]!)
  })
}

const stage = <Args extends readonly unknown[]>(f: (...a: Args) => unknown, ...args: Args): Program =>
  A.makeGraph(f as (...a: readonly unknown[]) => unknown)(...args)

const x3 = T.tensor([0.5, -1.5, 2])
const y3 = T.tensor([1, 2, -3])

describe('dead-code elimination', () => {
  it('drops exactly the equations no output needs, and unused constants', () => {
    const c = T.tensor([4, 5, 6])
    const p = stage((x: Value) => {
      A.exp(x) // dead
      A.mul(x, c) // dead, reads the only constant
      return A.add(x, 1)
    }, x3)
    expect(p.eqns.length).toBe(3)
    expect(p.constVars.length).toBe(1)
    const q = dce(p)
    expect(q.eqns.map((e) => e.prim.name)).toEqual(['add'])
    expect(q.constVars.length).toBe(0)
    sameBits(A.toTensor(A.evalGraph(q, x3) as Value), A.toTensor(A.evalGraph(p, x3) as Value))
  })

  it('keeps a staged gradient exactly as evalGraph computes it', () => {
    const f = (x: Value): Value => A.sum(A.mul(A.tanh(x), A.exp(x)))
    const p = stage(A.grad(f), x3)
    const q = dce(p)
    expect(q.eqns.length).toBeLessThanOrEqual(p.eqns.length)
    sameBits(A.toTensor(A.evalGraph(q, x3) as Value), A.toTensor(A.evalGraph(p, x3) as Value))
  })
})

describe('common-subexpression elimination', () => {
  it('merges repeated equations (same primitive, parameters and operands) and nothing else', () => {
    const p = stage((x: Value, y: Value) => {
      const a = A.mul(x, y)
      const b = A.mul(x, y) // same as a
      const c = A.mul(y, x) // operands swapped: a different equation
      const d = A.sum(a, { axis: 0 })
      const e = A.sum(b, { axis: 0 }) // same as d once b is a
      return [A.add(d, e), c]
    }, x3, y3)
    const q = cse(p)
    const names = q.eqns.map((e) => e.prim.name)
    expect(names.filter((n) => n === 'mul').length).toBe(2)
    expect(names.filter((n) => n === 'sum').length).toBe(1)
    const want = A.evalGraph(p, x3, y3) as Value[]
    const got = A.evalGraph(q, x3, y3) as Value[]
    got.forEach((g, i) => {
      sameBits(A.toTensor(g), A.toTensor(want[i]!))
    })
  })

  it('parameters compare by value: sums over different axes stay apart', () => {
    const m = T.tensor([
      [1, 2],
      [3, 4],
    ])
    const p = stage((x: Value) => [A.sum(x, { axis: 0 }), A.sum(x, { axis: 1 }), A.sum(x, { axis: 0 })], m)
    expect(cse(p).eqns.length).toBe(2)
  })
})

/**
 * The program of `f(x, c)` with its last `values.length` inputs turned into constants bound to `values`: staging
 * itself computes concrete work eagerly, so equations of constants only come from programs built this way.
 */
const withConstants = (p: Program, values: readonly Value[]): Program => {
  const k = p.inVars.length - values.length
  return {
    ...p,
    inVars: p.inVars.slice(0, k),
    inTree: A.treeFlatten(Array.from({ length: k }, () => T.scalar(0)))[1],
    constVars: [...p.constVars, ...p.inVars.slice(k)],
    consts: [...p.consts, ...values],
  }
}

describe('constant folding', () => {
  it('evaluates equations of constants once, with the kernels, and keeps the rest', () => {
    const c = T.tensor([0.25, -2, 3])
    const p = withConstants(stage((x: Value, k: Value) => A.mul(x, A.add(A.exp(k), 1)), x3, c), [c])
    expect(p.eqns.map((e) => e.prim.name)).toEqual(['exp', 'add', 'mul'])
    const q = dce(fold(p))
    expect(q.eqns.map((e) => e.prim.name)).toEqual(['mul'])
    // the folded constant is exactly what the kernels compute
    sameBits(q.consts[0] as Tensor, T.add(T.exp(c), 1))
    sameBits(A.toTensor(A.evalGraph(q, x3) as Value), T.mul(x3, T.add(T.exp(c), 1)))
  })

  it('a 0-d result becomes a typed literal', () => {
    const c = T.tensor([1, 2, 3], { dtype: 'float32' })
    const x = T.tensor([1, 2], { dtype: 'float32' })
    const q = optimise(withConstants(stage((a: Value, k: Value) => A.mul(a, A.sum(k)), x, c), [c]))
    expect(q.eqns.length).toBe(1)
    const lit = q.eqns[0]!.inputs.find((a) => a.kind === 'lit')
    expect(lit).toEqual({ kind: 'lit', value: 6, dtype: 'float32' })
  })

  it('values of an enclosing transformation are not folded', () => {
    const c = T.tensor([0.25, -2, 3])
    const p = stage((x: Value, k: Value) => A.mul(x, A.exp(k)), x3, c)
    A.grad((t: Value) => {
      const q = fold(withConstants(p, [t]))
      expect(q.eqns.map((e) => e.prim.name)).toEqual(['exp', 'mul'])
      return A.sum(t)
    })(c)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Schedule and plan

/** A random program of element-wise ops, reductions, matmuls and reshapes over two [4,3] inputs. */
const programArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat(), fc.nat()), { minLength: 1, maxLength: 14 })
  .map((ops) => (x: Value, y: Value): Value[] => {
    const vals: Value[] = [x, y]
    for (const [op, i, j] of ops) {
      const a = vals[i % vals.length]!
      const b = vals[j % vals.length]!
      const same = T.shapesEqual(a.shape, b.shape)
      switch (op) {
        case 0:
          vals.push(same ? A.add(a, b) : A.exp(a))
          break
        case 1:
          vals.push(same ? A.mul(a, b) : A.neg(a))
          break
        case 2:
          vals.push(A.tanh(a))
          break
        case 3:
          vals.push(a.shape.length === 2 ? A.sum(a, { axis: 0 }) : A.sum(a))
          break
        case 4:
          vals.push(a.shape.length === 2 ? A.add(a, A.sum(a, { axis: 1, keepdims: true })) : A.mul(a, 2))
          break
        case 5:
          vals.push(a.shape.length === 2 && a.shape[1] === 3 ? A.matmul(a, A.transpose(y)) : A.sub(a, 0.5))
          break
        case 6:
          vals.push(a.shape.length === 2 ? A.reshape(a, [a.shape[1]!, a.shape[0]!]) : A.sigmoid(a))
          break
        case 7:
          vals.push(A.maximum(a, 0.1))
          break
        case 8:
          vals.push(same ? A.where(A.greater(a, b), a, b) : A.abs(a))
          break
        default:
          vals.push(a.shape.length === 2 ? A.max(a, { axis: 1 }) : A.log1p(A.abs(a)))
      }
    }
    return vals.slice(2).slice(-3)
  })

const matArb = (shape: readonly number[], dtype: DType = 'float64'): fc.Arbitrary<Tensor> =>
  fc
    .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: T.sizeOf(shape), maxLength: T.sizeOf(shape) })
    .map((v) => T.fromArray(v, shape, { dtype }))

describe('schedule', () => {
  it('every operand is produced by an earlier step (or is an input or constant)', () => {
    fc.assert(
      fc.property(programArb, matArb([4, 3]), matArb([4, 3]), (f, x, y) => {
        const p = optimise(stage(f, x, y))
        const steps = schedule(p, canProduce, canConsume)
        const defined = new Set<number>([...p.inVars, ...p.constVars].map((v) => v.id))
        let count = 0
        for (const s of steps) {
          const eqns = membersOf(s)
          const inside = new Set<number>()
          for (const e of eqns) {
            for (const a of e.inputs) if (a.kind === 'var') expect(defined.has(a.id) || inside.has(a.id)).toBe(true)
            inside.add(e.out.id)
            count++
          }
          for (const id of inside) defined.add(id)
          if (s.kind === 'group') for (const e of s.eqns) expect(e.out.shape).toEqual(s.shape)
        }
        expect(count).toBe(p.eqns.length)
      }),
      params(60),
    )
  })

  it('a small matmul read only by the next element-wise chain runs inside its loop', () => {
    const w = T.normal(T.key(3), [3, 5])
    const b = T.normal(T.key(4), [5])
    const x = T.normal(T.key(5), [4, 3])
    const p = optimise(stage((u: Value, v: Value, c: Value) => A.relu(A.add(A.matmul(u, v), c)), x, w, b))
    const steps = schedule(p, canProduce)
    expect(steps.length).toBe(1)
    expect(steps[0]!.kind === 'group' && steps[0]!.producer?.prim.name).toBe('matmul')
    compiledMatchesKernels(p, [x, w, b])
  })

  it('fuses a chain of element-wise ops into one group', () => {
    const p = stage((x: Value, y: Value) => A.tanh(A.add(A.mul(x, y), A.exp(x))), x3, y3)
    const steps = schedule(p)
    expect(steps.length).toBe(1)
    expect(steps[0]!.kind).toBe('group')
  })

  it('a large group splits into parts that share no value and no operand; a small one stays whole', () => {
    // two Adam-like updates of one shape: independent but for a 0-d step size
    const chains = (a: Value, b: Value, c: Value, s: Value): Value[] => [
      A.add(a, A.mul(A.sqrt(A.abs(b)), s)),
      A.sub(c, A.mul(A.exp(c), s)),
    ]
    const groupsOf = (n: number, shared: boolean): readonly (readonly number[])[] => {
      const [a, b, c] = [T.normal(T.key(11), [n, n]), T.normal(T.key(12), [n, n]), T.normal(T.key(13), [n, n])]
      const s = T.scalar(0.5)
      // shared: the second chain also reads a, so both parts load it
      const f = shared ? (u: Value, v: Value, w: Value, z: Value) => [...chains(u, v, w, z), A.mul(u, w)] : chains
      const p = optimise(stage(f, a, b, c, s))
      compiledMatchesKernels(p, [a, b, c, s])
      return schedule(p).flatMap((st) => (st.kind === 'group' ? [st.eqns.map((e) => e.out.id)] : []))
    }
    // 32² = 1024 elements: split in two
    expect(groupsOf(32, false).length).toBe(2)
    // a shared operand keeps one loop
    expect(groupsOf(32, true).length).toBe(1)
    // 31² < 1024: one loop, whatever they share
    expect(groupsOf(31, false).length).toBe(1)
  })
})

describe('buffer plan', () => {
  it('values that are live at the same time never share a slot; outputs get fresh slots', () => {
    fc.assert(
      fc.property(programArb, matArb([4, 3]), matArb([4, 3]), (f, x, y) => {
        const p = optimise(stage(f, x, y))
        const steps = schedule(p, canProduce, canConsume)
        const plan = planBuffers(p, steps, (e) => smallMatmul(e) === undefined && reduceShape(e) === undefined)
        // live range of each materialised variable: [defining step, last reading step]; views extend their root
        const def = new Map<number, number>()
        const last = new Map<number, number>()
        const root = new Map<number, number>()
        steps.forEach((s, i) => {
          for (const e of membersOf(s)) {
            def.set(e.out.id, i)
            if (s.kind === 'single' && isView(e.prim.name) && e.inputs[0]!.kind === 'var')
              root.set(e.out.id, root.get(e.inputs[0]!.id) ?? e.inputs[0]!.id)
            for (const a of e.inputs)
              if (a.kind === 'var' && plan.materialised.has(a.id)) {
                const r = root.get(a.id) ?? a.id
                last.set(r, Math.max(last.get(r) ?? -1, i))
              }
          }
        })
        const scratch = [...plan.materialised].filter(
          (id) => def.has(id) && !root.has(id) && plan.slots[plan.slotOf.get(id)!]!.kind === 'scratch',
        )
        for (const a of scratch)
          for (const b of scratch) {
            if (a >= b || plan.slotOf.get(a) !== plan.slotOf.get(b)) continue
            const [s1, e1] = [def.get(a)!, last.get(a) ?? def.get(a)!]
            const [s2, e2] = [def.get(b)!, last.get(b) ?? def.get(b)!]
            // sharing is allowed only when one range ends strictly before the other starts
            expect(e1 < s2 || e2 < s1).toBe(true)
          }
        for (const o of p.outs)
          if (o.kind === 'var' && def.has(o.id) && !root.has(o.id))
            expect(['fresh', 'kernel']).toContain(plan.slots[plan.slotOf.get(o.id)!]!.kind)
      }),
      params(60),
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Generated loops against the kernels

describe('fused element-wise loops equal the kernels bit for bit', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [name, op] of unaryOps)
      it(`${name} (${dtype})`, () => {
        fc.assert(
          fc.property(valuesArb(6), (v) => {
            const x = T.fromArray(v, [2, 3], { dtype })
            const p = stage((a: Value) => op(a), x)
            compiledMatchesKernels(p, [x])
          }),
          params(30),
        )
      })
    for (const [name, op] of binaryOps)
      it(`${name} (${dtype}), broadcast and with a weak number`, () => {
        fc.assert(
          fc.property(valuesArb(6), valuesArb(3), fc.constantFrom(...special, 0.1, 1 / 3), (v, w, c) => {
            const x = T.fromArray(v, [2, 3], { dtype })
            const y = T.fromArray(w, [3], { dtype })
            // a weak number adopts the other operand's dtype (in float32 it is rounded to float32 first); a float32
            // group rounds every value as the kernels store it, so float32 chains equal the kernels bit for bit too
            const f = (cw: number) => (a: Value, b: Value) => [op(a, b), op(b, a), op(a, cw), A.exp(op(a, A.neg(b)))]
            compiledMatchesKernels(stage(f(c), x, y), [x, y])
          }),
          params(30),
        )
      })
  }

  it('where, astype and a long mixed chain over [2,1,3] × [4,1] broadcasting', () => {
    fc.assert(
      fc.property(valuesArb(6), valuesArb(4), (v, w) => {
        const x = T.fromArray(v, [2, 1, 3])
        const y = T.fromArray(w, [4, 1], { dtype: 'float32' })
        const p = stage(
          (a: Value, b: Value) => {
            const s = A.add(a, b) // [2,4,3]
            const m = A.where(A.greater(s, 0), A.mul(s, 0.3), A.astype(b, 'float64'))
            return [m, A.tanh(A.sub(m, A.astype(A.mul(b, 0.1), 'float64'))), A.astype(A.mul(b, 0.7), 'float64')]
          },
          x,
          y,
        )
        compiledMatchesKernels(p, [x, y])
      }),
      params(40),
    )
  })

  it('random programs of fused groups, reductions, matmuls and views', () => {
    fc.assert(
      fc.property(programArb, matArb([4, 3]), matArb([4, 3]), (f, x, y) => {
        compiledMatchesKernels(optimise(stage(f, x, y)), [x, y])
      }),
      params(80),
    )
  })
})

describe('generated matmuls and reductions follow the kernels’ summation order', () => {
  const sizes = [1, 2, 3, 5, 8, 9, 17, 130]
  it('matmul with and without transposed operands, float64 and float32', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sizes),
        fc.constantFrom(1, 3, 16),
        fc.constantFrom(1, 4, 7),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
        fc.integer(),
        (k, m, n, ta, tb, dtype, seed) => {
          // the sizes jit generates a loop for (larger ones call the kernel)
          fc.pre(dtype === 'float32' ? m * k * n <= 1 << 16 : m * k * n < 20 ** 3)
          const [ka, kb] = T.splitKey(T.key(seed), 2)
          const a = T.normal(ka!, ta ? [k, m] : [m, k], { dtype })
          const b = T.normal(kb!, tb ? [n, k] : [k, n], { dtype })
          const p = stage((u: Value, v: Value) => A.bind(P.matmulP, [u, v], { transA: ta, transB: tb }), a, b)
          expect(smallMatmul(p.eqns[0]!)).toBeDefined()
          const want = T.matmulTransposed(a, b, { transA: ta, transB: tb })
          const got = compile(p).run([a, b])[0] as Tensor
          if (dtype === 'float64') sameBits(got, want)
          else {
            // the float32 kernel may run WebAssembly (float32 sums); jit sums in float64: equal to float32 rounding,
            // and bit for bit a float64 product of the same operands rounded once
            const exact = T.astype(T.matmulTransposed(T.astype(a, 'float64'), T.astype(b, 'float64'), { transA: ta, transB: tb }), 'float32')
            sameBits(got, exact)
            const w = T.toArray(want)
            T.toArray(got).forEach((x, i) => {
              expect(Math.abs(x - w[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w[i]!)) * Math.sqrt(k))
            })
          }
        },
      ),
      params(60),
    )
  })

  it('sum, max and min over rows, columns, everything and size-1 axes', () => {
    const shapes: readonly (readonly number[])[] = [[7, 5], [1, 9], [9, 1], [3, 1, 4], [13], [2, 3, 4], [6, 2]]
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        fc.constantFrom('sum', 'max', 'min'),
        fc.boolean(),
        fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
        fc.integer(),
        fc.nat(),
        (shape, kind, keepdims, dtype, seed, pick) => {
          const x = T.normal(T.key(seed), shape, { dtype })
          const axesChoices = [[0], [shape.length - 1], shape.map((_, i) => i), shape.length > 2 ? [0, 1] : [0]]
          const axis = axesChoices[pick % axesChoices.length]!
          const op = kind === 'sum' ? A.sum : kind === 'max' ? A.max : A.min
          const p = stage((a: Value) => op(a, { axis, keepdims }), x)
          compiledMatchesKernels(p, [x])
        },
      ),
      params(80),
    )
  })
})

describe('reductions at the end of a fused group', () => {
  const consumers = (p: Program): string[] =>
    schedule(p, canProduce, canConsume).flatMap((s) => (s.kind === 'group' && s.consumer !== undefined ? [s.consumer.prim.name] : []))
  const x = T.normal(T.key(11), [6, 5])
  const t = T.normal(T.key(12), [6, 5])

  it('logsumexp, softmax and a mean squared error each reduce inside the loop that computes the operand', () => {
    const lse = (v: Value): Value => {
      const m = A.max(v, { axis: 1, keepdims: true })
      return A.add(A.log(A.sum(A.exp(A.sub(v, m)), { axis: 1, keepdims: true })), m)
    }
    const softmax = (v: Value): Value => {
      const e = A.exp(A.sub(v, A.max(v, { axis: 1, keepdims: true })))
      return A.div(e, A.sum(e, { axis: 1, keepdims: true }))
    }
    const mse = (y: Value, u: Value): Value => A.mean(A.square(A.sub(y, u)))
    for (const [p, ins] of [
      [optimise(stage(lse, x)), [x]],
      [optimise(stage(softmax, x)), [x]],
      [optimise(stage(mse, x, t)), [x, t]],
    ] as const) {
      expect(consumers(p)).toEqual(['sum'])
      compiledMatchesKernels(p, ins)
    }
    // the squared differences are never stored: the one scratch array is the sum's single number
    const pm = optimise(stage(mse, x, t))
    expect(compile(pm).info.scratch).toBe(1)
    expect(compile(pm).info.loops).toBe(2)
    // softmax's exponentials are read again by the division: stored
    const ps = optimise(stage(softmax, x))
    const steps = schedule(ps, canProduce, canConsume)
    const g = steps.find((s) => s.kind === 'group' && s.consumer !== undefined)
    expect(g?.kind === 'group' && g.eqns.at(-1)!.prim.name).toBe('exp')
    expect(planBuffers(ps, steps, () => false).materialised.has(g!.kind === 'group' ? g!.eqns.at(-1)!.out.id : -1)).toBe(true)
  })

  it('sum, max and min over rows, columns or everything, with broadcast loads, equal the kernels bit for bit', () => {
    const shapes: readonly (readonly number[])[] = [[7, 5], [1, 9], [9, 1], [3, 1, 4], [13], [2, 3, 4], [9, 6], [5, 2, 3]]
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        fc.constantFrom('sum', 'max', 'min'),
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.integer(),
        (shape, kind, keepdims, pick, load, seed) => {
          const [k1, k2] = T.splitKey(T.key(seed), 2)
          const a = T.normal(k1!, shape)
          // the second operand broadcasts: the whole shape, its last dimension, its first as a column, or a scalar
          const loads = [shape, shape.slice(-1), [shape[0]!, ...shape.slice(1).map(() => 1)], []]
          const b = T.normal(k2!, loads[load % loads.length]!)
          const axesChoices = [[0], [shape.length - 1], shape.map((_, i) => i), shape.length > 2 ? [1, 2] : [0]]
          const axis = axesChoices[pick % axesChoices.length]!
          const op = kind === 'sum' ? A.sum : kind === 'max' ? A.max : A.min
          const f = (u: Value, v: Value): Value => op(A.tanh(A.add(A.mul(u, v), A.exp(u))), { axis, keepdims })
          const p = optimise(stage(f, a, b))
          compiledMatchesKernels(p, [a, b])
        },
      ),
      params(120),
    )
  })

  it('fuses where every load can be addressed in the kernel’s view, and only there', () => {
    const a = T.normal(T.key(13), [2, 3, 4])
    const col = T.normal(T.key(14), [2, 1, 1])
    const mid = T.normal(T.key(15), [1, 3, 1])
    const f = (u: Value, v: Value): Value => A.sum(A.mul(u, v), { axis: [1, 2] })
    // [2,1,1] is constant along the reduced (merged) dimension: fused; [1,3,1] varies inside it: the kernel's path
    const pc = optimise(stage(f, a, col))
    const pm = optimise(stage(f, a, mid))
    expect(consumers(pc)).toEqual(['sum'])
    expect(consumers(pm)).toEqual([])
    compiledMatchesKernels(pc, [a, col])
    compiledMatchesKernels(pm, [a, mid])
  })

  it('a small matmul’s group can end in its column sums (the bias gradient): bit for bit the kernels', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 4, 5, 7, 9, 120), fc.constantFrom(2, 3, 16), fc.constantFrom(1, 4, 17), fc.boolean(), fc.integer(), (m, n, k, reluGrad, seed) => {
        const [k1, k2, k3] = T.splitKey(T.key(seed), 3)
        const g = T.normal(k1!, [m, k])
        const w = T.normal(k2!, [n, k])
        const z = T.normal(k3!, [m, n])
        // dZ = (g @ wᵀ) masked by z > 0 (a ReLU's backward), and its sum over the batch
        const f = (u: Value, v: Value, q: Value): Value[] => {
          const d = reluGrad ? A.bind(P.reluGradP, [q, A.matmul(u, A.transpose(v))], undefined) : A.tanh(A.matmul(u, A.transpose(v)))
          return [d, A.sum(d, { axis: 0 })]
        }
        const p = optimise(stage(f, g, w, z))
        const steps = schedule(p, canProduce, canConsume)
        const fused = steps.some((s) => s.kind === 'group' && s.producer !== undefined && s.consumer !== undefined)
        // the kernel's view of a sum over rows is [m, n] only when both are above 1
        expect(fused).toBe(m > 1 && n > 1 && canProduce(p.eqns.find((e) => e.prim.name === 'matmul')!))
        compiledMatchesKernels(p, [g, w, z])
      }),
      params(60),
    )
  })

  it('float32: the operand rounded after every op as the kernels round it, then the float32 kernel’s reduction', () => {
    fc.assert(
      fc.property(fc.constantFrom([7, 5], [13], [6, 9]), fc.constantFrom('sum', 'max'), fc.nat(), fc.integer(), (shape, kind, pick, seed) => {
        const [k1, k2] = T.splitKey(T.key(seed), 2)
        const a = T.normal(k1!, shape, { dtype: 'float32' })
        const axis = [[0], [shape.length - 1], shape.map((_, i) => i)][pick % 3]!
        // a row broadcast down the columns, except over everything (the flat view addresses only whole or scalar loads)
        const b = T.normal(k2!, axis.length === shape.length ? shape : shape.slice(-1), { dtype: 'float32' })
        const chain = (u: Value, v: Value): Value => A.tanh(A.add(A.mul(u, v), A.exp(u)))
        const op = kind === 'sum' ? T.sum : T.max
        const p = optimise(stage((u: Value, v: Value) => (kind === 'sum' ? A.sum : A.max)(chain(u, v), { axis }), a, b))
        expect(consumers(p)).toEqual([kind])
        sameBits(compile(p).run([a, b])[0]!, op(A.toTensor(chain(a, b)), { axis }))
      }),
      params(40),
    )
  })
})

describe('fused softmax cross-entropy', () => {
  // the losses package defines these primitives over the tensor kernels; autodiff's tests cannot import it, so the
  // same definitions are made here (jit recognises them by name and checks its loop against the kernel)
  const xent = A.definePrimitive<{ readonly axis: number; readonly reduction: 'sum' | 'mean' }>({
    name: 'softmaxCrossEntropy',
    impl: ([x, y], p) => T.softmaxCrossEntropyLoss(x as Tensor, y as Tensor, p),
    jvp: () => {
      throw new Error('not used')
    },
  })
  const xentVjp = A.definePrimitive<{ readonly axis: number; readonly reduction: 'sum' | 'mean' }>({
    name: 'softmaxCrossEntropyVjp',
    impl: ([x, y, g], p) => T.softmaxCrossEntropyBackward(x as Tensor, y as Tensor, typeof g === 'number' ? T.scalar(g) : g!, p),
    jvp: () => {
      throw new Error('not used')
    },
  })
  it('loss and backward equal the kernels bit for bit (float64, float32, sum, mean, extreme logits)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
        fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
        fc.integer(),
        fc.boolean(),
        (rows, c, dtype, reduction, seed, extreme) => {
          const x = T.mul(T.normal(T.key(seed), [rows, c], { dtype }), extreme ? 1e4 : 3)
          const y = T.fromArray(Array.from({ length: rows }, (_, r) => (r * 5 + seed) % c >= 0 ? (r * 5 + (seed >>> 0)) % c : 0), [rows], { dtype: 'int32' })
          const g = T.tensor(0.75, { dtype })
          const params = { axis: 1, reduction }
          const p = stage(
            (u: Value, v: Value, w: Value) => [A.bind(xent, [u, v], params), A.bind(xentVjp, [u, v, w], params), A.bind(xentVjp, [u, v, 1.0], params)],
            x,
            y,
            g,
          )
          // both backward passes read the forward's exponentials
          expect(compile(p).info).toMatchObject({ kernels: 0, xentShared: 2 })
          compiledMatchesKernels(p, [x, y, g])
          // a backward pass alone computes them itself
          const q = stage((u: Value, v: Value, w: Value) => A.bind(xentVjp, [u, v, w], params), x, y, g)
          expect(compile(q).info.xentShared).toBe(0)
          compiledMatchesKernels(q, [x, y, g])
        },
      ),
      params(60),
    )
  })

  it('a label out of range is the kernel’s error; a primitive that only shares the name runs its own kernel', () => {
    const x = T.normal(T.key(1), [2, 3])
    const p = stage((u: Value, v: Value) => A.bind(xent, [u, v], { axis: 1, reduction: 'mean' }), x, T.fromArray([0, 1], [2], { dtype: 'int32' }))
    expect(() => compile(p).run([x, T.fromArray([0, 3], [2], { dtype: 'int32' })])).toThrow(/label 3/)
    const impostor = A.definePrimitive<{ readonly axis: number; readonly reduction: 'sum' | 'mean' }>({
      name: 'softmaxCrossEntropy',
      impl: ([u]) => T.sum(u as Tensor),
      jvp: () => {
        throw new Error('not used')
      },
    })
    const y = T.fromArray([2, 1], [2], { dtype: 'int32' })
    const q = stage((u: Value, v: Value) => A.bind(impostor, [u, v], { axis: 1, reduction: 'mean' }), x, y)
    expect(compile(q).info.kernels).toBe(1)
    sameBits(compile(q).run([x, y])[0]!, T.sum(x))
  })
})

describe('generated tree code', () => {
  const leaf = fc.constantFrom<unknown>(T.scalar(1), 2, 'a', T.tensor([1, 2]))
  const treeArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.constantFrom(null, undefined),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'W', 'x y', '__proto__x'), tie('node'), { maxKeys: 3 }),
    ),
  })).node
  it('the flattener of a structure gives treeFlatten’s leaves, and null for any other structure', () => {
    fc.assert(
      fc.property(treeArb, treeArb, (t, u) => {
        const [leaves, def] = A.treeFlatten(t)
        const flat = flattener(def)
        expect(flat(t)).toEqual(leaves)
        const [uLeaves, uDef] = A.treeFlatten(u)
        const same = A.showTreeDef(uDef) === A.showTreeDef(def)
        const got = flat(u)
        if (same) expect(got).toEqual(uLeaves)
        else expect(got).toBeNull()
        // and the unflattener rebuilds what treeUnflatten builds
        expect(unflattener(def)(leaves)).toEqual(A.treeUnflatten(def, leaves))
      }),
      params(300),
    )
  })
})

describe('the executable', () => {
  it('outputs are fresh, inputs unchanged, two calls share no storage', () => {
    const x = T.normal(T.key(1), [5, 3])
    const w = T.normal(T.key(2), [3, 4])
    const p = optimise(stage((a: Value, b: Value) => [A.tanh(A.matmul(a, b)), A.sum(A.mul(a, a), { axis: 0 })], x, w))
    const ex = compile(p)
    const before = [Array.from(T.toArray(x)), Array.from(T.toArray(w))]
    const r1 = ex.run([x, w])
    const snap = r1.map((t) => Array.from(T.toArray(t as Tensor)))
    const r2 = ex.run([w.shape[0] === 3 ? T.neg(x) : x, w])
    // the first call's results did not change when the scratch was reused
    expect(r1.map((t) => Array.from(T.toArray(t as Tensor)))).toEqual(snap)
    expect([Array.from(T.toArray(x)), Array.from(T.toArray(w))]).toEqual(before)
    r1.forEach((t, i) => {
      expect(t).not.toBe(r2[i])
    })
  })

  it('mid-size outputs of a call are disjoint views of one new buffer; tiny and large ones own theirs', () => {
    const ins: [Tensor, Tensor, Tensor] = [T.normal(T.key(3), [4, 4]), T.normal(T.key(4), [4, 4]), T.normal(T.key(5), [40, 40])]
    // outputs of 128, 128, 8, 12,800 and 128 bytes, all computed by generated loops
    const f = (a: Value, b: Value, c: Value): Value[] => [A.tanh(a), A.mul(a, b), A.sum(a), A.exp(c), A.add(b, 1)]
    const p = optimise(stage(f, ...ins))
    const ex = compile(p)
    const r1 = ex.run(ins) as Tensor[]
    const r2 = ex.run(ins) as Tensor[]
    const arrays = (r: Tensor[]): Storage[] => r.map((t) => dataOf(t, 'test'))
    const [a1, a2] = [arrays(r1), arrays(r2)]
    // values: as eager computes them
    r1.forEach((t, i) => {
      sameBits(t, A.toTensor(f(...ins)[i]!))
    })
    const mid = [0, 1, 4].filter((i) => a1[i]!.byteLength > 64 && a1[i]!.byteLength <= 4096)
    expect(mid).toEqual([0, 1, 4])
    expect(new Set(mid.map((i) => a1[i]!.buffer)).size).toBe(1)
    // disjoint byte ranges within it
    const ranges = mid.map((i) => [a1[i]!.byteOffset, a1[i]!.byteOffset + a1[i]!.byteLength] as const).sort((x, y) => x[0] - y[0])
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1])
    // the one number and the large array have buffers of their own, and no buffer is shared across calls
    for (const i of [2, 3]) expect(a1.filter((x) => x.buffer === a1[i]!.buffer).length).toBe(1)
    for (const x of a1) for (const y of a2) expect(x.buffer).not.toBe(y.buffer)
  })

  it('large matmuls write into the plan’s storage: no tensor per product, scratch operands never stale', () => {
    // two products the kernel takes (64·96·80 and 64·80·70 ≥ 20³ in float64); the second one's A is scratch
    const f = (x: Value, w: Value, v: Value): Value => A.matmul(A.relu(A.matmul(x, w)), v)
    const ws = [T.normal(T.key(7), [96, 80]), T.normal(T.key(8), [80, 70])] as const
    const ex = compile(optimise(stage(f, T.normal(T.key(6), [64, 96]), ...ws)))
    let created = 0
    T.unstable_setTensorObserver(() => {
      created++
    })
    const runs: { got: Tensor; x: Tensor; created: number }[] = []
    try {
      for (let call = 0; call < 4; call++) {
        // a new x each call: a packed copy of the scratch operand kept from an earlier call would be stale
        const x = T.normal(T.key(10 + call), [64, 96])
        created = 0
        const [got] = ex.run([x, ...ws]) as Tensor[]
        runs.push({ got: got!, x, created })
      }
    } finally {
      T.unstable_setTensorObserver(null)
    }
    for (const r of runs) {
      // only the output is a new tensor (a kernel call would make one per product)
      expect(r.created).toBe(1)
      // the same kernel on the same operands as eager: bit for bit
      sameBits(r.got, A.toTensor(f(r.x, ...ws)))
      // and close to the naive product
      const h = T.toArray(T.relu(T.matmul(r.x, ws[0])))
      const v = T.toArray(ws[1])
      const y = T.toArray(r.got)
      for (const [i, j] of [
        [0, 0],
        [13, 41],
        [63, 69],
      ] as const) {
        let s = 0
        for (let q = 0; q < 80; q++) s += h[i * 80 + q]! * v[q * 70 + j]!
        expect(Math.abs(y[i * 70 + j]! - s)).toBeLessThan(1e-12)
      }
    }
  })

  it('leaves of a program are what evalGraph binds', () => {
    const p = stage((a: Value) => A.add(a, 1), x3)
    expect(leaves(p, [x3]).length).toBe(p.inVars.length)
  })
})
