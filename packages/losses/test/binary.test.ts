import { describe, expect, it } from 'vitest'
import { tensor } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { bce, bceWithLogits } from '../src/index.js'
import { close, flat } from './helpers.js'

const naiveBce = (p: number, y: number): number => -(y * Math.log(p) + (1 - y) * Math.log(1 - p))
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))

describe('bce', () => {
  const prob = tensor([0.9, 0.2, 0.6, 0.35])
  const target = tensor([1, 0, 0, 0.3])
  const ls = flat(prob).map((p, i) => naiveBce(p, flat(target)[i]!))
  it('against the formula, all reductions', () => {
    close(bce(prob, target), ls.reduce((a, b) => a + b, 0) / 4)
    close(
      bce(prob, target, { reduction: 'sum' }),
      ls.reduce((a, b) => a + b, 0),
    )
    close(bce(prob, target, { reduction: 'none' }), ls)
  })
  it('clamps probabilities to [eps, 1 − eps] (default eps 1e-7)', () => {
    const l = bce(tensor([0, 1, 1, 0]), tensor([1, 0, 1, 0]), { reduction: 'none' })
    close(l, [-Math.log(1e-7), -Math.log(1e-7), -Math.log(1 - 1e-7), -Math.log(1 - 1e-7)], 1e-9)
    close(bce(tensor([0]), tensor([1]), { eps: 1e-3 }), -Math.log(1e-3), 1e-12)
    const g = flat(A.grad((p: Value) => bce(p, tensor([1, 0])))(tensor([0, 1])))
    expect(g.every(Number.isFinite)).toBe(true)
  })
  it('errors', () => {
    expect(() => bce(prob, tensor([1, 0]))).toThrow('bce: prob [4] and target [2] must have the same shape')
    expect(() => bce(prob, target, { eps: 0.5 })).toThrow('bce: eps must be in (0, 0.5) and large enough that 1 − eps < 1 in float64, got 0.5')
  })
  it('probabilities and targets outside [0, 1] are errors naming the value and index, not a negative loss', () => {
    // unchecked, a logit 2.5 read as a probability with target 1 costs −log(2.5) < 0 (a negative loss)
    expect(() => bce(tensor([0.5, 2.5]), tensor([1, 1]))).toThrow(
      'bce: prob must lie in [0, 1], got 2.5 at index [1] of prob [2]: bce takes probabilities; for logits use bceWithLogits, or apply sigmoid first',
    )
    expect(() => bce(tensor([[0.5], [0.2]]), tensor([[1], [-1]]))).toThrow(
      'bce: target must lie in [0, 1], got -1 at index [1,0] of target [2,1]',
    )
    // inside grad the primal is checked
    expect(() => A.grad((p: Value) => bce(p, tensor([1])))(tensor([-0.1]))).toThrow('bce: prob must lie in [0, 1], got -0.1 at index [0]')
    expect(() => bceWithLogits(tensor([3]), tensor([2]))).toThrow('bceWithLogits: target must lie in [0, 1], got 2 at index [0]')
    // NaN passes through (fit reports a NaN loss as divergence)
    expect(Number.isNaN(A.item(bce(tensor([NaN]), tensor([1]))))).toBe(true)
  })
  it('gradcheck w.r.t. prob and target (order 2)', () => {
    // targets inside (0, 1): central differences step past 0 and 1 otherwise, and targets outside [0, 1] are errors
    assertGrads((p: Value, t: Value) => bce(p, t), [prob, tensor([0.8, 0.1, 0.4, 0.3])], { order: 2 })
  })
})

describe('bceWithLogits', () => {
  const logits = tensor([
    [2.0, -1.0],
    [0.3, -4.0],
  ])
  const target = tensor([
    [1, 0],
    [0.5, 1],
  ])
  it('equals bce(sigmoid(x), y) for moderate logits', () => {
    const want = flat(logits).map((x, i) => naiveBce(sigmoid(x), flat(target)[i]!))
    close(bceWithLogits(logits, target, { reduction: 'none' }), want, 1e-12)
    close(bceWithLogits(logits, target), want.reduce((a, b) => a + b, 0) / 4, 1e-12)
  })
  it('extreme logits ±1e4: exact finite loss and gradient sigmoid(x) − y', () => {
    const x = tensor([1e4, -1e4, 1e4, -1e4])
    const y = tensor([1, 0, 0, 1])
    close(bceWithLogits(x, y, { reduction: 'none' }), [0, 0, 1e4, 1e4])
    const g = flat(A.grad((v: Value) => bceWithLogits(v, y, { reduction: 'sum' }))(x))
    expect(g).toEqual([0, 0, 1, -1])
  })
  it('gradient is (sigmoid(x) − y)/n', () => {
    const g = A.grad((v: Value) => bceWithLogits(v, target))(logits)
    close(
      g,
      flat(logits).map((x, i) => (sigmoid(x) - flat(target)[i]!) / 4),
      1e-12,
    )
  })
  it('errors name both shapes', () => {
    expect(() => bceWithLogits(logits, tensor([1, 0]))).toThrow(
      'bceWithLogits: logits [2,2] and target [2] must have the same shape',
    )
  })
  it('gradcheck w.r.t. logits and target (order 2)', () => {
    const inner = tensor([
      [0.9, 0.1],
      [0.5, 0.7],
    ])
    assertGrads((x: Value, t: Value) => bceWithLogits(x, t), [logits, inner], { order: 2 })
  })
})
