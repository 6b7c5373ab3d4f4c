// The optimisers' fused eager path (one kernel pass per parameter) against two independent references, over random
// parameter trees, dtypes, hyperparameters, schedules and several steps (fast-check, fixed seed):
// - the composed path, run on purpose by staging the same call (`makeGraph`, then `evalGraph` runs each staged
//   element-wise op eagerly): float64 must agree bit for bit; float32 within the rounding the composed path adds
//   (a first-order error bound computed alongside the reference, below), since it rounds every op to float32;
// - a naive per-element loop over the published formulas (PyTorch's), whose float64 value the fused path must
//   reproduce exactly (float32: rounded once).
// - the composed path again, staged with the optimiser's per-step numbers (`hyper`) as program inputs, as a compiled
//   training step runs it: the same agreement, and a program that does not change with the step count.
// Then `applyGradients` (update and applyUpdates fused), chains, fallbacks, immutability, traceability.
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as T from '@cotangent/tensor'
import {
  evalGraph,
  grad,
  jit,
  makeGraph,
  mul,
  showProgram,
  square,
  sum,
  treeFlatten,
  treeLeaves,
  treeUnflatten,
  type Value,
} from '@cotangent/autodiff'
import {
  adam,
  adamw,
  applyGradients,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  momentum,
  rmsprop,
  scale,
  sgd,
  type GradientTransformation,
  type Params,
} from '../src/index.js'

type Float = 'float64' | 'float32'
const SEED = 20261202

// ---------------------------------------------------------------------------------------------------------------
// Running the composed path on purpose: stage the call, then evaluate the staged ops eagerly

/** Runs `f(grads, state, params)` through `makeGraph` + `evalGraph` (the state's numbers, e.g. `count`, stay static). */
const staged = <S, R>(f: (g: Params, s: S, p: Params) => R, grads: Params, state: S, params: Params): R => {
  const [leaves, def] = treeFlatten(state)
  const tensors = leaves.filter(T.isTensor)
  const run = (g: Params, ts: readonly Value[], p: Params): R => {
    let k = 0
    return f(
      g,
      treeUnflatten(
        def,
        leaves.map((l) => (T.isTensor(l) ? ts[k++] : l)),
      ) as S,
      p,
    )
  }
  const prog = makeGraph(run)(grads, tensors, params)
  // the program really is made of ops (had the fused kernel run, the outputs would be constants)
  expect(prog.eqns.length).toBeGreaterThan(0)
  return evalGraph(prog, grads, tensors, params)
}

/**
 * `applyGradients` staged with the optimiser's per-step numbers (`hyper.at(state)`, as 0-d float64 tensors) as
 * program inputs, as a compiled training step runs it; checks that the program does not depend on the state's
 * numbers (the same text with every number of the state moved by 7), then evaluates it.
 */
const stagedWithHyper = (opt: GradientTransformation<unknown>, grads: Params, state: unknown, params: Params): Params => {
  const [leaves, def] = treeFlatten(state)
  const tensors = leaves.filter(T.isTensor)
  const hyper = (opt.hyper?.at(state) ?? []).map((h) => T.scalar(h, { dtype: 'float64' }))
  expect(hyper.length).toBe(opt.hyper?.size)
  const stage = (shift: number) =>
    makeGraph((g: Params, ts: readonly Value[], p: Params, h: readonly Value[]) => {
      let k = 0
      const st = treeUnflatten(
        def,
        leaves.map((l) => (T.isTensor(l) ? ts[k++] : typeof l === 'number' ? l + shift : l)),
      )
      return applyGradients(opt, g, st, p, h)[0]
    })(grads, tensors, params, hyper)
  const prog = stage(0)
  expect(showProgram(stage(7))).toBe(showProgram(prog))
  return evalGraph(prog, grads, tensors, params, hyper) as Params
}

// ---------------------------------------------------------------------------------------------------------------
// The naive reference: per element, with a first-order bound on how far float32-per-op rounding can move each value

/** A value and a bound on the error float32 rounding after every op (and of every coefficient) adds to it. */
interface E {
  readonly v: number
  readonly e: number
}
const U = 2 ** -24 // unit roundoff of float32
const ex = (v: number): E => ({ v, e: 0 }) // a stored value: exact
const co = (v: number): E => ({ v, e: U * Math.abs(v) }) // a coefficient, rounded to float32 by the composed path
const rnd = (v: number, e: number): E => ({ v, e: e + U * Math.abs(v) })
const add = (a: E, b: E): E => rnd(a.v + b.v, a.e + b.e)
const sub = (a: E, b: E): E => rnd(a.v - b.v, a.e + b.e)
const mulE = (a: E, b: E): E => rnd(a.v * b.v, Math.abs(a.v) * b.e + Math.abs(b.v) * a.e + a.e * b.e)
const div = (a: E, b: E): E => {
  const v = a.v / b.v
  return rnd(v, Math.abs(b.v) > b.e ? (a.e + Math.abs(v) * b.e) / (Math.abs(b.v) - b.e) : Infinity)
}
const sqrt = (a: E): E => {
  const v = Math.sqrt(a.v)
  return rnd(v, a.v > 0 ? Math.min(Math.sqrt(a.e), a.e / v) : Math.sqrt(a.e))
}

/** One optimiser configuration: how to build it, its per-leaf state slots, and its per-element reference. */
interface Spec {
  readonly name: string
  readonly make: () => GradientTransformation<unknown>
  /** State fields that hold trees shaped like the parameters. */
  readonly slots: readonly string[]
  /** New slot values and the update, for one element at step `count` (0 for the first update). */
  readonly ref: (g: E, p: E, slot: Readonly<Record<string, E>>, count: number) => Readonly<Record<string, E>>
}

const sched = (step: number): number => 0.05 * 0.9 ** step // a learning-rate schedule
const lrAt = (lr: number | ((s: number) => number), step: number): number =>
  typeof lr === 'number' ? lr : lr(step)

const sgdSpec = (name: string, lr: number | ((s: number) => number), wd?: number): Spec => ({
  name,
  make: () => sgd(lr, wd === undefined ? {} : { weightDecay: wd }),
  slots: [],
  ref: (g, p, _s, t) => ({ u: mulE(wd === undefined ? g : add(g, mulE(p, co(wd))), co(-lrAt(lr, t))) }),
})

const momentumSpec = (
  name: string,
  lr: number | ((s: number) => number),
  beta: number,
  nesterov: boolean,
): Spec => ({
  name,
  make: () => momentum(lr, beta, { nesterov }),
  slots: ['velocity'],
  ref: (g, _p, s, t) => {
    const v = add(mulE(s.velocity!, co(beta)), g)
    return { velocity: v, u: mulE(nesterov ? add(g, mulE(v, co(beta))) : v, co(-lrAt(lr, t))) }
  },
})

const adamSpec = (
  name: string,
  lr: number | ((s: number) => number),
  o: { b1?: number; b2?: number; eps?: number; weightDecay?: number },
  decoupled: boolean,
): Spec => ({
  name,
  make: () => (decoupled ? adamw(lr, o) : adam(lr, o)),
  slots: ['mu', 'nu'],
  ref: (g, p, s, count) => {
    const b1 = o.b1 ?? 0.9
    const b2 = o.b2 ?? 0.999
    const eps = o.eps ?? 1e-8
    const rate = lrAt(lr, count)
    const t = count + 1
    const m = add(mulE(s.mu!, co(b1)), mulE(g, co(1 - b1)))
    const v = add(mulE(s.nu!, co(b2)), mulE(mulE(g, g), co(1 - b2)))
    const step = mulE(
      div(m, add(div(sqrt(v), co(Math.sqrt(1 - b2 ** t))), co(eps))),
      co(-rate / (1 - b1 ** t)),
    )
    const u = decoupled ? sub(step, mulE(p, co(rate * (o.weightDecay ?? 1e-2)))) : step
    return { mu: m, nu: v, u }
  },
})

const rmspropSpec = (
  name: string,
  lr: number | ((s: number) => number),
  o: { decay?: number; eps?: number; momentum?: number; centered?: boolean },
): Spec => ({
  name,
  make: () => rmsprop(lr, o),
  slots: [
    'squareAvg',
    ...(o.centered === true ? ['gradAvg'] : []),
    ...((o.momentum ?? 0) > 0 ? ['momentumBuffer'] : []),
  ],
  ref: (g, _p, s, t) => {
    const alpha = o.decay ?? 0.99
    const mom = o.momentum ?? 0
    const sq = add(mulE(s.squareAvg!, co(alpha)), mulE(mulE(g, g), co(1 - alpha)))
    const ga = o.centered === true ? add(mulE(s.gradAvg!, co(alpha)), mulE(g, co(1 - alpha))) : g
    const d = add(sqrt(o.centered === true ? sub(sq, mulE(ga, ga)) : sq), co(o.eps ?? 1e-8))
    const b = mom > 0 ? add(mulE(s.momentumBuffer!, co(mom)), div(g, d)) : div(g, d)
    return { squareAvg: sq, gradAvg: ga, momentumBuffer: b, u: mulE(b, co(-lrAt(lr, t))) }
  },
})

const SPECS: readonly Spec[] = [
  sgdSpec('sgd', 0.1),
  sgdSpec('sgd, schedule', sched),
  sgdSpec('sgd, weight decay', 0.05, 0.01),
  momentumSpec('momentum', 0.1, 0.9, false),
  momentumSpec('nesterov, schedule', sched, 0.8, true),
  adamSpec('adam', 0.01, {}, false),
  adamSpec('adam, schedule, b1/b2/eps', sched, { b1: 0.5, b2: 0.9, eps: 1e-3 }, false),
  adamSpec('adamw', 0.01, {}, true),
  adamSpec('adamw, wd 0.3', 0.05, { weightDecay: 0.3 }, true),
  adamSpec('adamw, wd 0', 0.05, { weightDecay: 0 }, true),
  rmspropSpec('rmsprop', 0.01, {}),
  rmspropSpec('rmsprop, centered', 0.01, { centered: true, decay: 0.9 }),
  rmspropSpec('rmsprop, momentum, schedule', sched, { momentum: 0.5, eps: 1e-6 }),
  rmspropSpec('rmsprop, centered + momentum', 0.02, { centered: true, momentum: 0.9, decay: 0.95 }),
]

// ---------------------------------------------------------------------------------------------------------------
// Random trees and gradient sequences

interface Case {
  readonly dtype: Float
  readonly params: Params
  readonly grads: readonly Params[]
}

const arbShape = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 })
// magnitudes below 1e-3 become exact zeros: in float32, values whose squares underflow (|x| ≲ 1e-19) make centered
// RMSprop's √(s − ḡ²) differ between one rounding (the fused pass, which may see s − ḡ² < 0: NaN) and per-op
// rounding (where ḡ² underflows to 0) — a documented edge of float32, not of the formulas
const arbValues = (n: number) =>
  fc.array(
    fc.double({ min: -3, max: 3, noNaN: true }).map((x) => (Math.abs(x) < 1e-3 ? 0 : x)),
    { minLength: n, maxLength: n },
  )

/** A tree `{ layers: [{ W, b }…], extra? }` of 1–5 leaves, and 1–4 gradient trees of the same shapes. */
const arbCase: fc.Arbitrary<Case> = fc
  .record({
    dtype: fc.constantFrom<Float>('float64', 'float32'),
    shapes: fc.array(fc.tuple(arbShape, arbShape), { minLength: 1, maxLength: 2 }),
    extra: fc.option(arbShape, { nil: undefined }),
    steps: fc.integer({ min: 1, max: 4 }),
  })
  .chain(({ dtype, shapes, extra, steps }) => {
    const leafShapes = [...shapes.flat(), ...(extra === undefined ? [] : [extra])]
    const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)
    const tree = (vals: readonly number[][]): Params => {
      const ts = vals.map((v, i) => T.fromArray(v, leafShapes[i]!, { dtype }))
      return {
        layers: shapes.map((_, l) => ({ W: ts[2 * l]!, b: ts[2 * l + 1]! })),
        ...(extra === undefined ? {} : { extra: [ts[ts.length - 1]!] }),
      }
    }
    const arbTree = fc.tuple(...leafShapes.map((s) => arbValues(size(s)))).map(tree)
    return fc.record({
      dtype: fc.constant(dtype),
      params: arbTree,
      grads: fc.array(arbTree, { minLength: steps, maxLength: steps }),
    })
  })

const leafArrays = (t: Params): number[][] => treeLeaves(t).map((l) => Array.from(T.toArray(l as T.Tensor)))
const slotArrays = (state: unknown, slots: readonly string[]): Record<string, number[][]> =>
  Object.fromEntries(slots.map((k) => [k, leafArrays((state as Record<string, Params>)[k])]))

const ulp32 = (x: number): number => {
  const a = Math.abs(Math.fround(x))
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23)
}

/** Asserts `got` (fused) against the reference and `composed` against `got`, element by element. */
const agree = (dtype: Float, what: string, got: number[][], composed: number[][], ref: E[][]): void => {
  got.forEach((leaf, i) => {
    leaf.forEach((x, j) => {
      const r = ref[i]![j]!
      const c = composed[i]![j]!
      const at = `${what}, leaf ${i}, element ${j}`
      if (dtype === 'float64') {
        expect(Object.is(x, r.v), `${at}: fused ${x} vs reference ${r.v}`).toBe(true)
        expect(Object.is(x, c), `${at}: fused ${x} vs composed ${c}`).toBe(true)
      } else {
        expect(Object.is(x, Math.fround(r.v)), `${at}: fused ${x} vs reference ${r.v} rounded once`).toBe(
          true,
        )
        // the composed path rounds each op: within the error bound of the reference, plus the fused result's ½ ulp
        const tol = 2 * r.e + ulp32(x) + 1e-38
        expect(Math.abs(x - c) <= tol, `${at}: fused ${x} vs composed ${c} (tolerance ${tol})`).toBe(true)
      }
    })
  })
}

describe('every optimiser: fused eager path = composed path = naive reference, over random trees and steps', () => {
  for (const spec of SPECS)
    it(spec.name, () => {
      fc.assert(
        fc.property(arbCase, ({ dtype, params: p0, grads }) => {
          const opt = spec.make()
          let params = p0
          let state = opt.init(params)
          grads.forEach((g, step) => {
            const before = { g: leafArrays(g), p: leafArrays(params), s: slotArrays(state, spec.slots) }
            const [u, s1] = opt.update(g, state, params)
            const [uC, s1C] = staged((gg, ss, pp) => opt.update(gg, ss, pp), g, state, params)
            const [p1, s1A] = applyGradients(opt, g, state, params)
            const [p1C] = staged((gg, ss, pp) => applyGradients(opt, gg, ss, pp), g, state, params)
            const p1H = stagedWithHyper(opt, g, state, params)
            // inputs unchanged
            expect({ g: leafArrays(g), p: leafArrays(params), s: slotArrays(state, spec.slots) }).toEqual(
              before,
            )
            // the reference, element by element
            const refs = before.g.map((gl, i) =>
              gl.map((gv, j) =>
                spec.ref(
                  ex(gv),
                  ex(before.p[i]![j]!),
                  Object.fromEntries(spec.slots.map((k) => [k, ex(before.s[k]![i]![j]!)])),
                  step,
                ),
              ),
            )
            const refOf = (k: string): E[][] => refs.map((l) => l.map((r) => r[k]!))
            agree(dtype, `${spec.name} step ${step} update`, leafArrays(u), leafArrays(uC), refOf('u'))
            for (const k of spec.slots) {
              const sl = slotArrays(s1, spec.slots)[k]!
              agree(dtype, `${spec.name} step ${step} ${k}`, sl, slotArrays(s1C, spec.slots)[k]!, refOf(k))
              expect(slotArrays(s1A, spec.slots)[k]).toEqual(sl)
            }
            const refP = refs.map((l, i) => l.map((r, j) => add(ex(before.p[i]![j]!), r.u!)))
            agree(dtype, `${spec.name} step ${step} applyGradients`, leafArrays(p1), leafArrays(p1C), refP)
            agree(dtype, `${spec.name} step ${step} applyGradients, hyper as inputs`, leafArrays(p1), leafArrays(p1H), refP)
            expect(treeLeaves(p1).map((l) => (l as T.Tensor).dtype)).toEqual(
              treeLeaves(params).map(() => dtype),
            )
            expect((s1 as { count: number }).count).toBe(step + 1)
            params = p1
            state = s1A
          })
        }),
        { seed: SEED, numRuns: 40 },
      )
    })
})

// ---------------------------------------------------------------------------------------------------------------

describe('applyGradients', () => {
  const tree = () => ({
    layers: [{ W: T.normal(T.key(1), [3, 2]), b: T.normal(T.key(2), [2]) }],
    scale: T.scalar(0.5),
  })
  const gradsOf = (i: number) => ({
    layers: [{ W: T.normal(T.key(10 + i), [3, 2]), b: T.normal(T.key(20 + i), [2]) }],
    scale: T.scalar(0.1 * i),
  })

  it("returns the parameters' type and structure", () => {
    const p = tree()
    const opt = adam(0.1)
    const [p1, s1] = applyGradients(opt, gradsOf(1), opt.init(p), p)
    expectTypeOf(p1).toEqualTypeOf<ReturnType<typeof tree>>()
    expectTypeOf(s1.count).toEqualTypeOf<number>()
    expect(Object.keys(p1)).toEqual(Object.keys(p))
    expect(p1.layers[0]!.W.shape).toEqual([3, 2])
    expect(p1.scale.shape).toEqual([])
  })

  it('chain(clipByGlobalNorm, adam) fuses its last link and equals update + applyUpdates bit for bit', () => {
    const opt = chain(clipByGlobalNorm(0.5), adam(0.05))
    expect('updateAndApply' in opt).toBe(true)
    let p = tree()
    let s = opt.init(p)
    for (let i = 1; i <= 3; i++) {
      const [u, s1] = opt.update(gradsOf(i), s, p)
      const want = applyUpdates(p, u)
      const [p1, s1b] = applyGradients(opt, gradsOf(i), s, p)
      expect(leafArrays(p1)).toEqual(leafArrays(want))
      expect(leafArrays(s1b[1].mu)).toEqual(leafArrays(s1[1].mu))
      expect(s1b[1].count).toBe(i)
      p = p1
      s = s1b
    }
  })

  it('falls back to update + applyUpdates when the last link (or a custom transformation) has no fused step', () => {
    const opt = chain(adam(0.05), scale(2))
    expect('updateAndApply' in opt).toBe(false)
    const calls: string[] = []
    const custom: GradientTransformation<null> = {
      init: () => null,
      update: (g, s) => {
        calls.push('update')
        return [scale(-0.5).update(g, null)[0], s]
      },
    }
    const p = tree()
    const [p1] = applyGradients(custom, gradsOf(1), null, p)
    expect(calls).toEqual(['update'])
    expect(leafArrays(p1)).toEqual(leafArrays(applyUpdates(p, scale(-0.5).update(gradsOf(1), null)[0])))
    const s = opt.init(p)
    const [p2] = applyGradients(opt, gradsOf(1), s, p)
    expect(leafArrays(p2)).toEqual(leafArrays(applyUpdates(p, opt.update(gradsOf(1), s, p)[0])))
  })

  it('float32 parameters with float64 gradients keep the composed path (its promotion) and stay float32', () => {
    const p = { w: T.tensor([1, -2, 3], { dtype: 'float32' }) }
    const g = { w: T.tensor([0.1, 0.2, -0.3]) }
    for (const opt of [
      sgd(0.1),
      momentum(0.1),
      adam(0.1),
      rmsprop(0.1, { centered: true, momentum: 0.5 }),
    ] as GradientTransformation<unknown>[]) {
      const s = opt.init(p)
      const [u, s1] = opt.update(g, s, p)
      const [p1, s1b] = applyGradients(opt, g, s, p)
      expect(p1.w.dtype).toBe('float32')
      expect(Array.from(T.toArray(p1.w))).toEqual(Array.from(T.toArray(applyUpdates(p, u).w)))
      const tensorsOf = (st: unknown): number[][] =>
        treeLeaves(st)
          .filter(T.isTensor)
          .map((l) => Array.from(T.toArray(l)))
      expect(tensorsOf(s1b)).toEqual(tensorsOf(s1))
    }
  })

  it('the same errors as update: structure, shapes, missing parameters', () => {
    const opt = adam(0.1)
    const s = opt.init({ w: T.ones([2]), b: T.ones([1]) })
    expect(() => applyGradients(opt, { w: T.ones([2]) }, s, { w: T.ones([2]), b: T.ones([1]) })).toThrow(
      'adam: the gradients have structure {w: *}, but the parameters have {b: *, w: *}',
    )
    expect(() =>
      applyGradients(opt, { w: T.ones([2]), b: T.ones([3]) }, s, { w: T.ones([2]), b: T.ones([1]) }),
    ).toThrow('adam: at b, the gradients have shape [3] but the parameters have shape [1]')
    expect(() => applyGradients(sgd(0.1), { w: T.ones([2]) }, { count: 0 }, undefined)).toThrow(
      'sgd: applyGradients needs the parameters (pass them as the fourth argument)',
    )
    expect(() => sgd(0.1, { weightDecay: 0.1 }).update({ w: T.ones([2]) }, { count: 0 })).toThrow(
      'sgd: update needs the parameters for weight decay (pass them as the third argument)',
    )
    expect(() => sgd(0.1, { weightDecay: -1 })).toThrow(
      'sgd: weightDecay must be a finite number ≥ 0, got -1',
    )
  })
})

describe('the composed path stays differentiable', () => {
  // d/dp of loss(p after one step): a meta-gradient through the optimiser, against central differences
  const loss = (p: { w: Value }): Value => sum(mul(square(p.w), 0.5))
  for (const [name, opt] of [
    ['sgd', sgd(0.1, { weightDecay: 0.01 })],
    ['momentum', momentum(0.1, 0.9, { nesterov: true })],
    ['adamw', adamw(0.05)],
    ['rmsprop', rmsprop(0.05, { centered: true, momentum: 0.5 })],
  ] as const)
    it(`grad through applyGradients (${name}) matches central differences`, () => {
      const o = opt as GradientTransformation<unknown>
      const w0 = T.tensor([0.7, -1.3, 2.1])
      const warm = applyGradients(o, { w: T.tensor([0.2, -0.1, 0.3]) }, o.init({ w: w0 }), { w: w0 })[1]
      const after = (w: Value): Value => {
        const p = { w }
        return loss(applyGradients(o, grad(loss)(p), warm, p)[0])
      }
      const g = Array.from(T.toArray(grad(after)(w0) as T.Tensor))
      const h = 1e-6
      g.forEach((gi, i) => {
        const bump = (d: number) =>
          T.add(
            w0,
            T.fromArray(
              [0, 1, 2].map((k) => (k === i ? d : 0)),
              [3],
            ),
          )
        const fd = (T.item(after(bump(h)) as T.Tensor) - T.item(after(bump(-h)) as T.Tensor)) / (2 * h)
        expect(Math.abs(gi - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)))
      })
    })
})

describe('under jit', () => {
  it('jit(applyGradients) stages the composed ops and equals the eager fused step bit for bit (float64)', () => {
    const p0 = {
      w: T.tensor([
        [0.5, -1],
        [2, 0.25],
      ]),
      b: T.tensor([0.1, -0.2]),
    }
    const g = {
      w: T.tensor([
        [0.3, 0.1],
        [-0.2, 0.5],
      ]),
      b: T.tensor([1, -1]),
    }
    const opts: readonly GradientTransformation<unknown>[] = [
      adam(0.1),
      adamw(0.05),
      momentum(0.1, 0.9, { nesterov: true }),
      rmsprop(0.01, { centered: true, momentum: 0.5 }),
      sgd(0.1, { weightDecay: 0.01 }),
      chain(clipByGlobalNorm(0.5), adam(0.05)),
    ]
    for (const opt of opts) {
      let state = opt.init(p0)
      let p: Params = p0
      // the state's numbers (the step count) are static: close over them, stage the tensors
      const step = (count: unknown) =>
        jit((gg: Params, ts: readonly Value[], pp: Params) => {
          const [leaves, def] = treeFlatten(count)
          let k = 0
          const st = treeUnflatten(
            def,
            leaves.map((l) => (T.isTensor(l) ? ts[k++] : l)),
          )
          const [p1, s1] = applyGradients(opt, gg, st, pp)
          return [p1, treeLeaves(s1).filter((l) => typeof l !== 'number')] as const
        })
      for (let i = 0; i < 3; i++) {
        const [pe, se]: readonly [Params, unknown] = applyGradients(opt, g, state, p)
        const [pj, sj] = step(state)(g, treeLeaves(state).filter(T.isTensor), p)
        expect(leafArrays(pj)).toEqual(leafArrays(pe))
        expect(leafArrays(sj)).toEqual(
          treeLeaves(se)
            .filter(T.isTensor)
            .map((l) => Array.from(T.toArray(l))),
        )
        p = pe
        state = se
      }
    }
  })
})
