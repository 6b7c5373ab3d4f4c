/**
 * softmaxCrossEntropy with integer labels runs as fused primitives (one kernel forward, one backward). These tests
 * hold it to the composed formula written here independently — `−logSoftmax(x)` gathered at the labels with
 * `take` — in value and in every derivative the library offers: first order in both modes, grad of grad,
 * Hessian-vector products forward-over-reverse and reverse-over-reverse, `hessian`, numerical checks at order 2,
 * on random shapes, labels, class axes and reductions; plus extreme logits, float32, and staged programs.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as T from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { softmaxCrossEntropy, type Reduction } from '../src/index.js'
import { close, flat } from './helpers.js'

const SEED = 20260
const REDUCTIONS: readonly Reduction[] = ['none', 'sum', 'mean']

/** The composed reference: classes moved last, logSoftmax, flattened, one entry per row taken at its label. */
const reference = (x: Value, labels: readonly number[], axis: number, reduction: Reduction): Value => {
  const n = x.shape.length
  const last = A.transpose(x, [...Array(n).keys()].filter((i) => i !== axis).concat([axis]))
  const c = x.shape[axis]!
  const batch = x.shape.filter((_, i) => i !== axis)
  const lp = A.reshape(A.logSoftmax(last, -1), [-1])
  const per = A.reshape(A.neg(A.take(lp, labels.map((y, r) => r * c + y))), batch)
  return reduction === 'none' ? per : reduction === 'sum' ? A.sum(per) : A.mean(per)
}

/** A random problem: logits of 1–3 dims (classes on a random axis), labels, a reduction, directions u and w. */
interface Case {
  readonly x: T.Tensor
  readonly labels: number[]
  readonly axis: number
  readonly reduction: Reduction
  readonly u: T.Tensor
  readonly w: T.Tensor
}

const arbCase: fc.Arbitrary<Case> = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 }),
    classes: fc.integer({ min: 1, max: 6 }),
    axisPick: fc.nat(),
    reduction: fc.constantFrom(...REDUCTIONS),
    seed: fc.integer({ min: 0, max: 1e6 }),
    scale: fc.constantFrom(0.5, 3, 20),
  })
  .map(({ batch, classes, axisPick, reduction, seed, scale }) => {
    const axis = axisPick % (batch.length + 1)
    const shape = [...batch.slice(0, axis), classes, ...batch.slice(axis)]
    const [k1, k2, k3, k4] = T.splitKey(T.key(seed), 4)
    const c = shape[axis]!
    const rows = T.sizeOf(shape) / c
    const labels = Array.from(T.toArray(T.randint(k2!, [rows], 0, c)))
    return {
      x: T.mul(T.normal(k1!, shape), scale),
      labels,
      axis,
      reduction,
      u: T.normal(k3!, shape),
      w: T.normal(k4!, reduction === 'none' ? shape.filter((_, i) => i !== axis) : []),
    }
  })

/** The labels as an int32 tensor of the logits' shape without the class axis. */
const labelTensor = (x: T.Tensor, labels: readonly number[], axis: number): T.Tensor =>
  T.fromArray(labels, x.shape.filter((_, i) => i !== axis), { dtype: 'int32' })
const fused = (c: Case) => {
  const y = labelTensor(c.x, c.labels, c.axis)
  return (x: Value): Value => softmaxCrossEntropy(x, y, { axis: c.axis, reduction: c.reduction })
}
const composed = (c: Case) => (x: Value): Value => reference(x, c.labels, c.axis, c.reduction)
/** ⟨w, f(x)⟩: a scalar whatever the reduction. */
const scalarOf = (f: (x: Value) => Value, w: T.Tensor) => (x: Value): Value => A.sum(A.mul(f(x), w))

const property = (name: string, check: (c: Case) => void, numRuns = 40): void => {
  it(name, () => {
    fc.assert(fc.property(arbCase, check), { seed: SEED, numRuns })
  })
}

describe('fused softmaxCrossEntropy against the composed logSoftmax + gather (float64, 1e-12)', () => {
  property('values, every reduction and class axis', (c) => {
    const got = fused(c)(c.x)
    const want = composed(c)(c.x)
    expect(got.shape).toEqual(want.shape)
    expect(got.dtype).toBe('float64')
    close(got, flat(want), 1e-12)
  })
  property('gradient (reverse mode) of ⟨w, loss⟩', (c) => {
    close(A.grad(scalarOf(fused(c), c.w))(c.x), flat(A.grad(scalarOf(composed(c), c.w))(c.x)), 1e-12)
  })
  property('forward mode: jvp in direction u', (c) => {
    const [y1, t1] = A.jvp(fused(c), [c.x], [c.u])
    const [y2, t2] = A.jvp(composed(c), [c.x], [c.u])
    close(y1, flat(y2), 1e-12)
    close(t1, flat(t2), 1e-12)
  })
  property('vjp with an arbitrary cotangent', (c) => {
    const [, back1] = A.vjp(fused(c), c.x)
    const [, back2] = A.vjp(composed(c), c.x)
    close(back1(c.w)[0], flat(back2(c.w)[0]), 1e-12)
  })
  property('Hessian-vector products: reverse-over-reverse, forward-over-reverse, reverse-over-forward', (c) => {
    const g1 = A.grad(scalarOf(fused(c), c.w))
    const g2 = A.grad(scalarOf(composed(c), c.w))
    const want = flat(A.jvp(g2, [c.x], [c.u])[1])
    // forward over reverse
    close(A.jvp(g1, [c.x], [c.u])[1], want, 1e-12)
    // reverse over reverse: grad of ⟨grad f, u⟩
    close(A.grad((x: Value) => A.sum(A.mul(g1(x), c.u)))(c.x), want, 1e-12)
    // reverse over forward: grad of the directional derivative
    close(A.grad((x: Value) => A.jvp(scalarOf(fused(c), c.w), [x], [c.u])[1])(c.x), want, 1e-12)
    // forward over forward: the second directional derivative u'Hu
    const dd = (f: (x: Value) => Value) => (x: Value): Value => A.jvp(f, [x], [c.u])[1]
    close(
      A.jvp(dd(scalarOf(fused(c), c.w)), [c.x], [c.u])[1],
      flat(A.jvp(dd(scalarOf(composed(c), c.w)), [c.x], [c.u])[1]),
      1e-12,
    )
  }, 30)
  property('third order: the derivative of the Hessian-vector product', (c) => {
    const hvp = (f: (x: Value) => Value) => (x: Value): Value =>
      A.sum(A.mul(A.jvp(A.grad(scalarOf(f, c.w)), [x], [c.u])[1], c.u))
    close(A.grad(hvp(fused(c)))(c.x), flat(A.grad(hvp(composed(c)))(c.x)), 1e-11)
  }, 15)
})

describe('fused softmaxCrossEntropy: fixed cases', () => {
  const x = T.tensor([
    [0.3, -1.2, 2.0, 0.1],
    [1.5, 0.5, -0.5, -2.0],
    [0.0, 0.2, 0.4, 3.0],
  ])
  const labels = [2, 0, 1]
  it('hessian (jacfwd of jacrev) equals the composed one, every reduction', () => {
    for (const reduction of REDUCTIONS) {
      const f = (v: Value): Value => A.sum(softmaxCrossEntropy(v, labels, { reduction }))
      const g = (v: Value): Value => A.sum(reference(v, labels, 1, reduction))
      const h = A.hessian(f)(x)
      expect(h.shape).toEqual([3, 4, 3, 4])
      close(h, flat(A.hessian(g)(x)), 1e-12)
    }
  })
  it('checkGrads order 2, forward and reverse modes, every reduction, classes last and first', () => {
    for (const reduction of REDUCTIONS) {
      assertGrads((v: Value) => softmaxCrossEntropy(v, labels, { reduction }), [x], { order: 2, modes: ['fwd', 'rev'] })
      assertGrads((v: Value) => softmaxCrossEntropy(v, labels, { reduction, axis: 0 }), [T.transpose(x)], {
        order: 2,
        modes: ['fwd', 'rev'],
      })
    }
    // classes in the middle of a 3-d tensor
    const x3 = T.normal(T.key(3), [2, 3, 2])
    const y3 = labelTensor(x3, [0, 2, 1, 1], 1)
    assertGrads((v: Value) => softmaxCrossEntropy(v, y3, { axis: 1, reduction: 'none' }), [x3], {
      order: 2,
    })
  })
  it('labels as int32 tensor, float tensor of integers and number[] agree, including 2-d labels', () => {
    const want = A.item(reference(x, labels, 1, 'mean'))
    close(softmaxCrossEntropy(x, T.fromArray(labels, [3], { dtype: 'int32' })), want, 1e-14)
    close(softmaxCrossEntropy(x, T.tensor(labels)), want, 1e-14)
    const x3 = T.normal(T.key(4), [2, 2, 3])
    const y3 = T.fromArray([0, 2, 1, 1], [2, 2], { dtype: 'int32' })
    close(softmaxCrossEntropy(x3, y3, { reduction: 'none' }), flat(reference(x3, [0, 2, 1, 1], 2, 'none')), 1e-12)
  })
  it('extreme logits ±1e4 in float64 and float32: finite loss, gradient and Hessian with the closed forms', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const big = T.tensor(
        [
          [1e4, -1e4, 0],
          [1e4, -1e4, 1e4],
          [-1e4, 1e4, -1e4],
        ],
        { dtype },
      )
      const y = [0, 2, 0]
      const per = softmaxCrossEntropy(big, y, { reduction: 'none' })
      expect(per.dtype).toBe(dtype)
      const tol = dtype === 'float32' ? 1e-6 : 1e-12
      close(per, [0, Math.log(2), 2e4], tol)
      const g = A.grad((v: Value) => softmaxCrossEntropy(v, y, { reduction: 'sum' }))(big)
      expect(g.dtype).toBe(dtype)
      close(g, [0, 0, 0, 0.5, 0, -0.5, -1, 1, 0], tol)
      const h = flat(A.hessian((v: Value) => softmaxCrossEntropy(v, y, { reduction: 'sum' }))(big))
      expect(h.every(Number.isFinite)).toBe(true)
      // row 1: p = (1/2, 0, 1/2), so ∂²/∂x₀² = p₀(1 − p₀) = 1/4 and ∂²/∂x₀∂x₂ = −p₀p₂ = −1/4 (second order goes
      // through softmax of the float32 logits, whose spacing at 1e4 is 1e-3: hence the float32 tolerance)
      close([h[3 * 9 + 3]!, h[3 * 9 + 5]!], [0.25, -0.25], dtype === 'float32' ? 2e-3 : 1e-12)
      const [, t] = A.jvp((v: Value) => softmaxCrossEntropy(v, y), [big], [T.onesLike(big)])
      close(t, [0], 1e-6)
    }
  })
  it('float32 logits give float32 losses and gradients equal to the float64 formula within float32 rounding', () => {
    const x32 = T.astype(x, 'float32')
    const x64 = T.astype(x32, 'float64')
    for (const reduction of REDUCTIONS) {
      const got = softmaxCrossEntropy(x32, labels, { reduction })
      expect(got.dtype).toBe('float32')
      close(got, flat(reference(x64, labels, 1, reduction)), 1e-6)
      const g = A.grad((v: Value) => A.sum(softmaxCrossEntropy(v, labels, { reduction })))(x32)
      expect(g.dtype).toBe('float32')
      close(g, flat(A.grad((v: Value) => A.sum(reference(v, labels, 1, reduction)))(x64)), 1e-6)
    }
  })
  it('mean over zero examples is NaN, sum is 0, none is empty (as the composed path)', () => {
    const empty = T.zeros([0, 3])
    expect(Number.isNaN(A.item(softmaxCrossEntropy(empty, [])))).toBe(true)
    expect(A.item(softmaxCrossEntropy(empty, [], { reduction: 'sum' }))).toBe(0)
    expect(softmaxCrossEntropy(empty, [], { reduction: 'none' }).shape).toEqual([0])
  })
  it('int32 labels inside the differentiated tree: zero gradient for them, the same derivatives for the logits', () => {
    const y = T.fromArray(labels, [3], { dtype: 'int32' })
    const f = (b: { x: Value; y: Value }): Value => softmaxCrossEntropy(b.x, b.y)
    const g = A.grad(f)({ x, y })
    expect(flat(g.y)).toEqual([0, 0, 0])
    close(g.x, flat(A.grad((v: Value) => reference(v, labels, 1, 'mean'))(x)), 1e-12)
    const h = A.hessian(f)({ x, y })
    close(h.x.x, flat(A.hessian((v: Value) => reference(v, labels, 1, 'mean'))(x)), 1e-12)
  })
  it('a labels tensor checked once is still checked against each new class count', () => {
    const y = T.fromArray([0, 2, 1], [3], { dtype: 'int32' })
    close(softmaxCrossEntropy(x, y), A.item(reference(x, [0, 2, 1], 1, 'mean')), 1e-14)
    const x3 = T.normal(T.key(5), [3, 3])
    close(softmaxCrossEntropy(x3, y), A.item(reference(x3, [0, 2, 1], 1, 'mean')), 1e-14)
    const x2 = T.normal(T.key(6), [3, 2])
    expect(() => softmaxCrossEntropy(x2, y)).toThrow(
      'softmaxCrossEntropy: label 2 at flat position 1 of labels [3] is outside [0, 2) for logits [3,2]',
    )
    const yf = T.tensor([0, 1.5, 1])
    expect(() => softmaxCrossEntropy(x3, yf)).toThrow('softmaxCrossEntropy: labels must be integers, got 1.5')
    expect(() => softmaxCrossEntropy(x, yf)).toThrow('softmaxCrossEntropy: labels must be integers, got 1.5')
  })
  it('an unknown reduction is still the losses error', () => {
    expect(() => softmaxCrossEntropy(x, labels, { reduction: 'avg' as Reduction })).toThrow(
      "softmaxCrossEntropy: unknown reduction 'avg' (use 'mean', 'sum' or 'none')",
    )
  })
})

describe('staged: makeGraph and evalGraph', () => {
  const w = T.normal(T.key(7), [5, 3])
  const xb = T.normal(T.key(8), [4, 5])
  const labels = [2, 0, 1, 2]
  const loss = (p: Value, xs: Value): Value => softmaxCrossEntropy(A.matmul(xs, p), labels)
  const ref = (p: Value, xs: Value): Value => reference(A.matmul(xs, p), labels, 1, 'mean')

  it('the loss is one equation; grad(loss) has one fused backward equation and no one-hot mask', () => {
    const fwd = A.makeGraph(loss)(w, xb)
    expect(fwd.eqns.map((e) => e.prim.name)).toEqual(['matmul', 'softmaxCrossEntropy'])
    const prog = A.makeGraph(A.grad(loss))(w, xb)
    const names = prog.eqns.map((e) => e.prim.name)
    expect(names.filter((n) => n === 'softmaxCrossEntropyVjp')).toHaveLength(1)
    expect(names).not.toContain('where')
    expect(A.showProgram(prog)).toContain('softmaxCrossEntropyVjp[axis=1 reduction=mean]')
    close(A.evalGraph(prog, w, xb), flat(A.grad(ref)(w, xb)), 1e-12)
  })
  it('evalGraph of the staged gradient is differentiable again (Hessian-vector product)', () => {
    const prog = A.makeGraph(A.grad(loss))(w, xb)
    const u = T.normal(T.key(9), [5, 3])
    const [, hvp] = A.jvp((p: Value) => A.evalGraph(prog, p, xb), [w], [u])
    close(hvp, flat(A.jvp((p: Value) => A.grad(ref)(p, xb), [w], [u])[1]), 1e-12)
  })
  it('labels may be an input of the program: one staged gradient serves every batch of labels', () => {
    const lossY = (p: Value, xs: Value, y: Value): Value => softmaxCrossEntropy(A.matmul(xs, p), y)
    const prog = A.makeGraph(A.grad(lossY))(w, xb, T.fromArray(labels, [4], { dtype: 'int32' }))
    for (const ys of [labels, [0, 0, 1, 1], [2, 1, 0, 2]]) {
      const got = A.evalGraph(prog, w, xb, T.fromArray(ys, [4], { dtype: 'int32' }))
      close(got, flat(A.grad((p: Value) => reference(A.matmul(xb, p), ys, 1, 'mean'))(w)), 1e-12)
    }
    // labels that turn out to be out of range when the program runs are the kernel's ShapeError
    expect(() => A.evalGraph(prog, w, xb, T.fromArray([0, 3, 0, 0], [4], { dtype: 'int32' }))).toThrow(
      'softmaxCrossEntropyLoss: label 3 at flat position 1 of labels [4] is outside [0, 3) for logits [4,3]',
    )
  })
  it('jit of valueAndGrad with the labels as an argument: one compiled step, right for every batch of labels', () => {
    const lossY = (p: Value, xs: Value, y: Value): Value => softmaxCrossEntropy(A.matmul(xs, p), y)
    const step = A.jit(A.valueAndGrad(lossY))
    for (const ys of [labels, [0, 0, 1, 1], [2, 1, 0, 2]]) {
      const [v, g] = step(w, xb, T.fromArray(ys, [4], { dtype: 'int32' }))
      const refLoss = (p: Value): Value => reference(A.matmul(xb, p), ys, 1, 'mean')
      close(v, A.item(refLoss(w)), 1e-12)
      close(g, flat(A.grad(refLoss)(w)), 1e-12)
    }
  })
})
