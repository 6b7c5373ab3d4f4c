import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { grad, mul, add, sum, square, matmul, relu, mean, treeLeaves, type Value } from '@cotangent/autodiff'
import {
  adam,
  adamw,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  momentum,
  rmsprop,
  scale,
  scaleByLearningRate,
  addDecayedWeights,
  sgd,
  globalNorm,
  identity,
  type GradientTransformation,
} from '../src/index.js'

// A fixed quadratic over a two-leaf tree: f(p) = Σ ½·a·p² + c·p, so ∂f/∂p = a·p + c (computed by hand below).
const A = { b: [3], w: [2, 0.5] }
const C = { b: [0.5], w: [-1, 0.25] }
const P0 = { b: [0.7], w: [1, -2] }
type Flat = { b: number[]; w: number[] }
interface Tree {
  readonly b: Value
  readonly w: Value
}

const loss = (p: Tree): Value =>
  add(
    sum(add(mul(mul(square(p.w), 0.5), T.tensor(A.w)), mul(p.w, T.tensor(C.w)))),
    sum(add(mul(mul(square(p.b), 0.5), A.b[0]!), mul(p.b, C.b[0]!))),
  )

const toFlat = (p: Tree): Flat => ({ b: [T.item(p.b as T.Tensor)], w: Array.from(T.toArray(p.w as T.Tensor)) })

/** Runs `opt` for `steps` steps on the quadratic and returns the parameters after each step. */
const run = <S>(opt: GradientTransformation<S>, steps = 3): Flat[] => {
  let params: Tree = { b: T.scalar(P0.b[0]!), w: T.tensor(P0.w) }
  let state = opt.init(params)
  const out: Flat[] = []
  for (let i = 0; i < steps; i++) {
    const g = grad(loss)(params)
    const [u, s] = opt.update(g, state, params)
    params = applyUpdates(params, u)
    state = s
    out.push(toFlat(params))
  }
  return out
}

/**
 * The naive reference: each scalar parameter evolves independently under `step(p, g, slot, t)`, where `slot` is a
 * per-element record of buffers and `t` the 1-based step. Gradients come from the hand-written derivative.
 */
const reference = <Slot>(init: () => Slot, step: (p: number, g: number, s: Slot, t: number) => [number, Slot], steps = 3): Flat[] => {
  const keys = ['b', 'w'] as const
  const cur: Flat = { b: [...P0.b], w: [...P0.w] }
  const slots = { b: P0.b.map(init), w: P0.w.map(init) }
  const out: Flat[] = []
  for (let t = 1; t <= steps; t++) {
    for (const k of keys)
      cur[k] = cur[k].map((p, i) => {
        const g = A[k][i]! * p + C[k][i]!
        const [p1, s1] = step(p, g, slots[k][i]!, t)
        slots[k][i] = s1
        return p1
      })
    out.push({ b: [...cur.b], w: [...cur.w] })
  }
  return out
}

const expectClose = (got: Flat[], want: Flat[], digits = 13): void => {
  expect(got.length).toBe(want.length)
  got.forEach((g, t) => {
    for (const k of ['b', 'w'] as const)
      g[k].forEach((v, i) => {
        const w = want[t]![k][i]!
        expect(Math.abs(v - w)).toBeLessThanOrEqual(10 ** -digits * Math.max(1, Math.abs(w)))
      })
  })
}

describe('optimisers: first three steps on a fixed quadratic match the published update formulas', () => {
  it('sgd: p ← p − lr·g', () => {
    const want = reference(() => null, (p, g) => [p - 0.1 * g, null])
    expectClose(run(sgd(0.1)), want)
    // and the first step is exactly representable arithmetic: check one value literally
    expect(run(sgd(0.1), 1)[0]!.w[0]).toBeCloseTo(1 - 0.1 * (2 * 1 - 1), 15)
  })

  it('momentum (PyTorch SGD): v ← β·v + g; p ← p − lr·v', () => {
    const want = reference(() => 0, (p, g, v) => {
      const v1 = 0.9 * v + g
      return [p - 0.1 * v1, v1]
    })
    expectClose(run(momentum(0.1, 0.9)), want)
  })

  it('nesterov: p ← p − lr·(g + β·v) with the updated v', () => {
    const want = reference(() => 0, (p, g, v) => {
      const v1 = 0.8 * v + g
      return [p - 0.05 * (g + 0.8 * v1), v1]
    })
    expectClose(run(momentum(0.05, 0.8, { nesterov: true })), want)
    // and it differs from plain momentum from the first step on
    expect(run(momentum(0.05, 0.8, { nesterov: true }), 1)[0]!.w[0]).not.toBe(run(momentum(0.05, 0.8), 1)[0]!.w[0])
  })

  const adamRef = (lr: number, b1: number, b2: number, eps: number, wd: number) =>
    reference(
      () => ({ m: 0, v: 0 }),
      (p, g, s, t) => {
        const m = b1 * s.m + (1 - b1) * g
        const v = b2 * s.v + (1 - b2) * g * g
        const mHat = m / (1 - b1 ** t)
        const vHat = v / (1 - b2 ** t)
        const decayed = p - lr * wd * p
        return [decayed - (lr * mHat) / (Math.sqrt(vHat) + eps), { m, v }]
      },
    )

  it('adam with bias correction', () => {
    expectClose(run(adam(0.1)), adamRef(0.1, 0.9, 0.999, 1e-8, 0))
    expectClose(run(adam(0.03, { b1: 0.5, b2: 0.9, eps: 1e-3 })), adamRef(0.03, 0.5, 0.9, 1e-3, 0))
    // the first bias-corrected Adam step moves every coordinate by ≈ lr·sign(g)
    const first = run(adam(0.1), 1)[0]!
    expect(first.w[0]).toBeCloseTo(1 - 0.1, 6)
  })

  it('adamw: decoupled weight decay p ← p − lr·wd·p, then the Adam step', () => {
    expectClose(run(adamw(0.1)), adamRef(0.1, 0.9, 0.999, 1e-8, 1e-2))
    expectClose(run(adamw(0.05, { weightDecay: 0.3, b1: 0.8 })), adamRef(0.05, 0.8, 0.999, 1e-8, 0.3))
  })

  it('rmsprop (PyTorch alpha), with momentum and centered', () => {
    const plain = reference(() => 0, (p, g, s) => {
      const s1 = 0.99 * s + 0.01 * g * g
      return [p - (0.01 * g) / (Math.sqrt(s1) + 1e-8), s1]
    })
    expectClose(run(rmsprop(0.01)), plain)
    const withMom = reference(() => ({ s: 0, b: 0 }), (p, g, st) => {
      const s = 0.9 * st.s + 0.1 * g * g
      const b = 0.5 * st.b + g / (Math.sqrt(s) + 1e-6)
      return [p - 0.02 * b, { s, b }]
    })
    expectClose(run(rmsprop(0.02, { decay: 0.9, eps: 1e-6, momentum: 0.5 })), withMom)
    const centered = reference(() => ({ s: 0, a: 0 }), (p, g, st) => {
      const s = 0.9 * st.s + 0.1 * g * g
      const a = 0.9 * st.a + 0.1 * g
      return [p - (0.01 * g) / (Math.sqrt(s - a * a) + 1e-8), { s, a }]
    })
    expectClose(run(rmsprop(0.01, { decay: 0.9, centered: true })), centered)
  })

  it('clipByGlobalNorm then sgd: g · maxNorm/‖g‖ when the global norm (over all leaves) exceeds maxNorm', () => {
    const keys = ['b', 'w'] as const
    const cur: Flat = { b: [...P0.b], w: [...P0.w] }
    const want: Flat[] = []
    for (let t = 0; t < 3; t++) {
      const g = { b: cur.b.map((p, i) => A.b[i]! * p + C.b[i]!), w: cur.w.map((p, i) => A.w[i]! * p + C.w[i]!) }
      const norm = Math.sqrt([...g.b, ...g.w].reduce((s, x) => s + x * x, 0))
      const f = norm > 0.5 ? 0.5 / norm : 1
      for (const k of keys) cur[k] = cur[k].map((p, i) => p - 0.1 * g[k][i]! * f)
      want.push({ b: [...cur.b], w: [...cur.w] })
    }
    expectClose(run(chain(clipByGlobalNorm(0.5), sgd(0.1))), want)
  })

  it('clipByGlobalNorm leaves small gradients bit-identical and clips large ones to norm maxNorm', () => {
    const g = { a: T.tensor([0.3, -0.4]), b: [T.tensor([[0.0]])] }
    const [u] = clipByGlobalNorm(1).update(g, null)
    expect(treeLeaves(u).map((l) => Array.from(T.toArray(l as T.Tensor)))).toEqual([[0.3, -0.4], [0]])
    const big = { a: T.tensor([3, -4]), b: [T.tensor([[12]])] } // norm 13
    const [v] = clipByGlobalNorm(2.6).update(big, null)
    const leaves = treeLeaves(v).map((l) => Array.from(T.toArray(l as T.Tensor)))
    expect(leaves[0]![0]).toBeCloseTo(0.6, 14)
    expect(leaves[0]![1]).toBeCloseTo(-0.8, 14)
    expect(leaves[1]![0]).toBeCloseTo(2.4, 14)
    expect(T.item(globalNorm(v) as T.Tensor)).toBeCloseTo(2.6, 14)
    expect(T.item(globalNorm({}) as T.Tensor)).toBe(0)
  })
})

describe('composition and trees', () => {
  it('chain(scale(2), scaleByLearningRate(0.05)) is sgd(0.1), and chain keeps a state tuple', () => {
    const c = chain(scale(2), scaleByLearningRate(0.05))
    expectClose(run(c), run(sgd(0.1)), 15)
    const s = c.init({ w: T.zeros([2]) })
    expect(s).toEqual([null, { count: 0 }])
    expect(chain().update({ w: T.ones([1]) }, [])[0]).toEqual({ w: T.ones([1]) })
  })

  it('chain(addDecayedWeights(wd), scaleByLearningRate(lr)) decays the parameters', () => {
    const want = reference(() => null, (p, g) => [p - 0.1 * (g + 0.5 * p), null])
    expectClose(run(chain(addDecayedWeights(0.5), scaleByLearningRate(0.1))), want)
    expectClose(run(chain(identity(), sgd(0.1))), run(sgd(0.1)), 15)
  })

  it('optimisers work on nested trees: each leaf evolves as it would alone', () => {
    const k = T.splitKey(T.key(7), 5)
    const tree = {
      layers: [
        { W: T.normal(k[0]!, [3, 2]), b: T.normal(k[1]!, [2]) },
        { W: T.normal(k[2]!, [2, 1]), b: T.normal(k[3]!, [1]) },
      ],
      extra: [[T.normal(k[4]!, [])]],
    }
    const f = (t: typeof tree): Value =>
      (treeLeaves(t) as Value[]).reduce<Value>((acc, l) => add(acc, sum(mul(square(l), 1.5))), T.scalar(0))
    const opt = adam(0.1)
    let params = tree
    let state = opt.init(params)
    for (let i = 0; i < 3; i++) {
      const [u, s] = opt.update(grad(f)(params), state, params)
      params = applyUpdates(params, u)
      state = s
    }
    expect(Object.keys(params).sort()).toEqual(['extra', 'layers'])
    expect(params.layers[1]!.W.shape).toEqual([2, 1])
    // each leaf alone: d/dp 1.5·p² = 3p
    treeLeaves(tree).forEach((leaf, i) => {
      const got = Array.from(T.toArray(treeLeaves(params)[i] as T.Tensor))
      Array.from(T.toArray(leaf as T.Tensor)).forEach((p0, j) => {
        let p = p0
        let m = 0
        let v = 0
        for (let t = 1; t <= 3; t++) {
          const g = 3 * p
          m = 0.9 * m + 0.1 * g
          v = 0.999 * v + 0.001 * g * g
          p -= (0.1 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        }
        expect(got[j]).toBeCloseTo(p, 12)
      })
    })
    expect(state.count).toBe(3)
  })

  it('float32 parameters stay float32 through update and applyUpdates', () => {
    const p = { w: T.tensor([1, 2], { dtype: 'float32' }) }
    const opt = chain(clipByGlobalNorm(1), adam(0.1))
    const [u, s] = opt.update({ w: T.tensor([0.5, -3], { dtype: 'float32' }) }, opt.init(p), p)
    expect((u as { w: T.Tensor }).w.dtype).toBe('float32')
    expect((s[1].mu as { w: T.Tensor }).w.dtype).toBe('float32')
    expect(applyUpdates(p, { w: T.tensor([0.25, 0.5]) }).w.dtype).toBe('float32')
  })

  it('update is pure: replaying a step from the same state gives the same result', () => {
    const opt = momentum(0.1)
    const p = { w: T.tensor([1, 2]) }
    const s0 = opt.init(p)
    const g = { w: T.tensor([0.5, 0.5]) }
    const [, s1] = opt.update(g, s0, p)
    const [u2] = opt.update(g, s0, p)
    expect(Array.from(T.toArray((s0.velocity as { w: T.Tensor }).w))).toEqual([0, 0])
    expect(Array.from(T.toArray((u2 as { w: T.Tensor }).w))).toEqual([-0.05, -0.05])
    expect(Array.from(T.toArray((s1.velocity as { w: T.Tensor }).w))).toEqual([0.5, 0.5])
  })
})

describe('the zero-init fact', () => {
  it('a 2-layer ReLU net initialised to all zeros has all-zero gradients, and SGD leaves it exactly unchanged', () => {
    const params = {
      l1: { W: T.zeros([3, 4]), b: T.zeros([4]) },
      l2: { W: T.zeros([4, 2]), b: T.zeros([2]) },
    }
    const x = T.normal(T.key(1), [5, 3])
    const y = T.normal(T.key(2), [5, 2])
    // output = relu(x·W1 + b1)·W2 + b2; a loss whose gradient w.r.t. the output at 0 is 0: Σ (out² )
    // (with b2 = 0 and W2 = 0 the output is 0, the hidden layer is 0, and relu'(0) = 0 closes the first layer).
    const net = (p: typeof params): Value => add(matmul(relu(add(matmul(x, p.l1.W), p.l1.b)), p.l2.W), p.l2.b)
    const lossSq = (p: typeof params): Value => mean(square(net(p)))
    const g = grad(lossSq)(params)
    for (const l of treeLeaves(g)) expect(Array.from(T.toArray(l as T.Tensor)).every((v) => v === 0)).toBe(true)
    const opt = momentum(0.5)
    const [u] = opt.update(g, opt.init(params), params)
    const next = applyUpdates(params, u)
    treeLeaves(next).forEach((l, i) => {
      expect(T.toArray(l as T.Tensor)).toEqual(T.toArray(treeLeaves(params)[i] as T.Tensor))
    })
    // with a regression target, the output layer's bias does learn (the symmetry is not total) — but W1, b1, W2 stay 0
    const lossY = (p: typeof params): Value => mean(square(add(net(p), mul(y, -1))))
    const gy = grad(lossY)(params)
    expect(Array.from(T.toArray(gy.l1.W)).every((v) => v === 0)).toBe(true)
    expect(Array.from(T.toArray(gy.l1.b)).every((v) => v === 0)).toBe(true)
    expect(Array.from(T.toArray(gy.l2.W)).every((v) => v === 0)).toBe(true)
    expect(Array.from(T.toArray(gy.l2.b)).some((v) => v !== 0)).toBe(true)
  })
})

describe('errors', () => {
  it('rejects bad hyperparameters with a message naming the optimiser', () => {
    expect(() => sgd(Number.NaN)).toThrow('sgd: lr must be a finite number ≥ 0 or a schedule (a function of the step), got NaN')
    expect(() => adam(-0.1)).toThrow('adam: lr must be a finite number ≥ 0 or a schedule (a function of the step), got -0.1')
    expect(() => momentum(0.1, 1)).toThrow('momentum: beta must be in [0, 1), got 1')
    expect(() => adam(0.1, { b1: -0.1 })).toThrow('adam: b1 must be in [0, 1), got -0.1')
    expect(() => adam(0.1, { b2: 1 })).toThrow('adam: b2 must be in [0, 1), got 1')
    expect(() => adamw(0.1, { eps: -1 })).toThrow('adamw: eps must be a finite number ≥ 0, got -1')
    expect(() => adamw(0.1, { weightDecay: -1 })).toThrow('adamw: weightDecay must be a finite number ≥ 0, got -1')
    expect(() => rmsprop(0.1, { decay: 1.5 })).toThrow('rmsprop: decay must be in [0, 1), got 1.5')
    expect(() => rmsprop(0.1, { momentum: 1 })).toThrow('rmsprop: momentum must be in [0, 1), got 1')
    expect(() => clipByGlobalNorm(0)).toThrow('clipByGlobalNorm: maxNorm must be a finite number > 0, got 0')
    expect(() => scale(Infinity)).toThrow('scale: factor must be a finite number, got Infinity')
    expect(() => addDecayedWeights(-1)).toThrow('addDecayedWeights: weightDecay must be a finite number ≥ 0, got -1')
  })

  it('adamw and addDecayedWeights need the parameters', () => {
    const p = { w: T.ones([2]) }
    expect(() => adamw(0.1).update(p, adamw(0.1).init(p))).toThrow(
      'adamw: update needs the parameters for weight decay (pass them as the third argument)',
    )
    expect(() => addDecayedWeights(0.1).update(p, null)).toThrow(
      'addDecayedWeights: update needs the parameters (pass them as the third argument)',
    )
  })

  it('gradients whose structure differs from the state fail with both structures named', () => {
    const opt = adam(0.1)
    const s = opt.init({ w: T.ones([2]), b: T.ones([1]) })
    expect(() => opt.update({ w: T.ones([2]) }, s)).toThrow(
      'adam: the first moment have structure {b: *, w: *}, but the gradients have {w: *}',
    )
    expect(() => chain(sgd(0.1)).update({ w: T.ones([2]) }, [] as unknown as [{ count: number }])).toThrow(
      'chain: expected a state tuple of 1 entries (one per transformation), got 0 entries',
    )
    expect(() => applyUpdates({ w: T.ones([2]) }, { v: T.ones([2]) })).toThrow(
      'applyUpdates: the updates have structure {v: *}, but the parameters have {w: *}',
    )
  })

  it('gradients of the wrong shape name the parameter path and both shapes', () => {
    const params = { layers: [{ W: T.ones([2, 3]), b: T.ones([3]) }] }
    const grads = { layers: [{ W: T.ones([2, 3]), b: T.ones([4]) }] }
    for (const [name, opt] of [
      ['sgd', sgd(0.1)],
      ['momentum', momentum(0.1)],
      ['adam', adam(0.1)],
      ['rmsprop', rmsprop(0.1)],
    ] as const)
      expect(() => opt.update(grads, opt.init(params) as never, params)).toThrow(
        `${name}: at layers[0].b, the gradients have shape [4] but the parameters have shape [3]`,
      )
    // without the parameters, the state's buffers (shaped like them) are compared
    expect(() => adam(0.1).update(grads, adam(0.1).init(params))).toThrow(
      'adam: at layers[0].b, the first moment have shape [3] but the gradients have shape [4]',
    )
    // applyUpdates does not broadcast an update into a parameter of another shape ([1] + [3] would be [3])
    expect(() => applyUpdates({ b: T.ones([1]) }, { b: T.ones([3]) })).toThrow(
      'applyUpdates: at b, the updates have shape [3] but the parameters have shape [1]',
    )
  })

  it('a leaf that is not a tensor is named by its path; a string is not a tree (compile time too)', () => {
    const opt = sgd(0.1)
    // @ts-expect-error a string is not a parameter tree
    expect(() => opt.update('not a tree', opt.init({}))).toThrow(
      'sgd: the gradients must be a tree of tensors, but the leaf at (the root) is the string "not a tree"',
    )
    expect(() => adam(0.1).init({ w: T.ones([2]), lr: 0.1 })).toThrow(
      'adam.init: the parameters must be a tree of tensors, but the leaf at lr is number 0.1',
    )
  })

  it('a schedule returning NaN, Infinity or a negative rate is an error naming the optimiser, value and step', () => {
    const p = { w: T.ones([2]) }
    const g = { w: T.ones([2]) }
    const bad = (step: number): number => (step < 2 ? 0.1 : Number.NaN)
    const opt = adam(bad)
    const s1 = opt.update(g, opt.init(p), p)[1]
    const s2 = opt.update(g, s1, p)[1]
    expect(() => opt.update(g, s2, p)).toThrow(
      'adam: the learning-rate schedule returned NaN at step 2; a schedule must return a finite number ≥ 0 at every step',
    )
    expect(() => sgd(() => -1).update(g, { count: 0 })).toThrow('sgd: the learning-rate schedule returned -1 at step 0')
    expect(() => momentum(() => Infinity).update(g, momentum(0.1).init(p))).toThrow(
      'momentum: the learning-rate schedule returned Infinity at step 0',
    )
    expect(() => rmsprop(() => Number.NaN).update(g, rmsprop(0.1).init(p))).toThrow('rmsprop: the learning-rate schedule returned NaN at step 0')
    expect(() => scaleByLearningRate(() => Number.NaN).update(g, { count: 5 })).toThrow(
      'scaleByLearningRate: the learning-rate schedule returned NaN at step 5',
    )
  })
})

describe('per-step numbers (hyper): what a compiled step passes in', () => {
  const p = { w: T.tensor([1, -2]) }
  const g = { w: T.tensor([0.5, 0.25]) }
  const close = (got: readonly number[] | undefined, want: readonly number[]): void => {
    expect(got?.length).toBe(want.length)
    want.forEach((w, i) => expect(Math.abs(got![i]! - w)).toBeLessThanOrEqual(1e-15 * Math.abs(w)))
  }
  it('are the learning rate and bias corrections of the next update, by hand', () => {
    const sched = (step: number): number => 0.1 / (1 + step)
    expect(sgd(sched).hyper?.at({ count: 3 })).toEqual([-0.1 / 4])
    expect(momentum(0.2).hyper?.at(momentum(0.2).init(p))).toEqual([-0.2])
    // Adam at count 1 (its second update): −lr/(1 − 0.9²) and √(1 − 0.999²); AdamW adds lr·wd
    const a = adam(sched)
    close(a.hyper?.at({ ...a.init(p), count: 1 }), [-0.05 / (1 - 0.81), Math.sqrt(1 - 0.998001)])
    const w = adamw(0.01, { weightDecay: 0.5 })
    close(w.hyper?.at(w.init(p)), [-0.01 / 0.1, Math.sqrt(1 - 0.999), 0.005])
    expect(rmsprop(0.3).hyper?.size).toBe(1)
    expect(scaleByLearningRate(sched).hyper?.at({ count: 0 })).toEqual([-0.1])
    // a chain concatenates its links' numbers in order; links without any (clipping) add none
    const c = chain(clipByGlobalNorm(1), adam(0.1), scaleByLearningRate(2))
    expect(c.hyper?.size).toBe(3)
    close(c.hyper?.at(c.init(p)), [-0.1 / 0.1, Math.sqrt(1 - 0.999), -2])
    expect(chain(clipByGlobalNorm(1), scale(2)).hyper).toBeUndefined()
  })
  it('passed back, they replace what the state would give: a different rate moves the parameters by it', () => {
    const s = sgd(0.1)
    // hyper −0.5 instead of −0.1: w − 0.5·g, by hand
    const [u] = s.update(g, s.init(p), p, [-0.5])
    expect(Array.from(T.toArray((u as { w: T.Tensor }).w))).toEqual([-0.25, -0.125])
    const [u2] = s.update(g, s.init(p), p, [T.scalar(-0.5)])
    expect(Array.from(T.toArray((u2 as { w: T.Tensor }).w))).toEqual([-0.25, -0.125])
  })
  it('a wrong count or a non-scalar is a RangeError naming the optimiser', () => {
    const a = adam(0.1)
    expect(() => a.update(g, a.init(p), p, [1])).toThrow('adam: expected 2 per-step numbers (hyper), got 1')
    expect(() => a.update(g, a.init(p), p, [1, T.tensor([1, 2])])).toThrow(
      'adam: per-step number 1 (hyper) must be a number or a 0-d value, got shape [2]',
    )
    const c = chain(clipByGlobalNorm(1), sgd(0.1))
    expect(() => c.update(g, c.init(p), p, [])).toThrow('chain: expected 1 per-step numbers (hyper), got 0')
  })
})
