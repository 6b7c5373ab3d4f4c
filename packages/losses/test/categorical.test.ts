import { describe, expect, it } from 'vitest'
import { fromArray, oneHot, tensor, transpose } from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { nll, softmaxCrossEntropy } from '../src/index.js'
import { close, flat, naiveLogSoftmaxRows } from './helpers.js'

const logits = tensor([
  [2.0, -1.0, 0.5],
  [0.1, 0.2, 0.3],
  [-3.0, 1.5, 4.0],
  [1.0, 1.0, -2.0],
])
const labels = [0, 2, 1, 1]
const lp = naiveLogSoftmaxRows(flat(logits), 3)
const perExample = labels.map((y, i) => -lp[i * 3 + y]!)
const meanOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

describe('softmaxCrossEntropy', () => {
  it('integer labels against the formula −log softmax(x)[y], all reductions', () => {
    close(softmaxCrossEntropy(logits, labels), meanOf(perExample))
    expect(softmaxCrossEntropy(logits, labels).shape).toEqual([])
    close(
      softmaxCrossEntropy(logits, labels, { reduction: 'sum' }),
      perExample.reduce((a, b) => a + b, 0),
    )
    const none = softmaxCrossEntropy(logits, labels, { reduction: 'none' })
    expect(none.shape).toEqual([4])
    close(none, perExample)
  })
  it('labels as number[], int32 tensor and float tensor of integers agree', () => {
    const want = meanOf(perExample)
    close(softmaxCrossEntropy(logits, fromArray(labels, [4], { dtype: 'int32' })), want)
    close(softmaxCrossEntropy(logits, tensor(labels)), want)
  })
  it('integer labels equal the one-hot form; probability targets against the formula', () => {
    close(softmaxCrossEntropy(logits, oneHot(labels, 3)), meanOf(perExample), 1e-14)
    const probs = tensor([
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0.25, 0.25, 0.5],
      [0, 0.9, 0.1],
    ])
    const p = flat(probs)
    const want = [0, 1, 2, 3].map((i) => -[0, 1, 2].reduce((s, c) => s + p[i * 3 + c]! * lp[i * 3 + c]!, 0))
    close(softmaxCrossEntropy(logits, probs, { reduction: 'none' }), want)
  })
  it('axis option: classes along axis 0 equal the transposed problem', () => {
    close(softmaxCrossEntropy(transpose(logits), labels, { axis: 0 }), meanOf(perExample), 1e-14)
    close(
      softmaxCrossEntropy(transpose(logits), transpose(oneHot(labels, 3)), { axis: 0 }),
      meanOf(perExample),
      1e-14,
    )
  })
  it('unbatched logits [C] with a scalar label', () => {
    close(softmaxCrossEntropy(tensor([2.0, -1.0, 0.5]), tensor(0)), perExample[0]!)
  })
  it('gradient is (softmax(x) − onehot(y))/B', () => {
    const g = A.grad((x: Value) => softmaxCrossEntropy(x, labels))(logits)
    const oh = flat(oneHot(labels, 3))
    close(
      g,
      lp.map((l, i) => (Math.exp(l) - oh[i]!) / 4),
      1e-12,
    )
  })
  it('extreme logits ±1e4: loss ≈ 0 when confidently right, ≈ 2e4 when confidently wrong; finite gradients', () => {
    const x = tensor([
      [1e4, -1e4],
      [1e4, -1e4],
      [-1e4, 1e4],
    ])
    const y = [0, 1, 0]
    close(softmaxCrossEntropy(x, y, { reduction: 'none' }), [0, 2e4, 2e4])
    const g = flat(A.grad((v: Value) => softmaxCrossEntropy(v, y, { reduction: 'sum' }))(x))
    expect(g.every(Number.isFinite)).toBe(true)
    close(g, [0, 0, 1, -1, -1, 1])
    const gp = flat(A.grad((v: Value) => softmaxCrossEntropy(v, oneHot(y, 2), { reduction: 'sum' }))(x))
    close(gp, [0, 0, 1, -1, -1, 1])
  })
  it('errors name the shapes', () => {
    expect(() => softmaxCrossEntropy(logits, [0, 1, 2])).toThrow(
      'softmaxCrossEntropy: logits [4,3] and labels [3] do not match (integer labels need shape [4]; probability targets need [4,3])',
    )
    expect(() => softmaxCrossEntropy(logits, [0, 1, 3, 0])).toThrow(
      'softmaxCrossEntropy: label 3 at flat position 2 of labels [4] is outside [0, 3) for logits [4,3]',
    )
    expect(() => softmaxCrossEntropy(logits, [0, 1, 0.5, 0])).toThrow(
      'softmaxCrossEntropy: labels must be integers, got 0.5 at flat position 2 of labels [4]',
    )
    expect(() =>
      softmaxCrossEntropy(logits, fromArray(new Array<number>(12).fill(0), [4, 3], { dtype: 'int32' })),
    ).toThrow('softmaxCrossEntropy: probability targets [4,3] must be float, got int32')
    expect(() => softmaxCrossEntropy(tensor(1), [0])).toThrow(
      'softmaxCrossEntropy: logits must have a class axis, got shape []',
    )
  })
  it('gradcheck w.r.t. logits (integer labels) and w.r.t. logits and targets (probabilities), order 2', () => {
    assertGrads((x: Value) => softmaxCrossEntropy(x, labels), [logits], { order: 2 })
    const probs = tensor([
      [0.2, 0.3, 0.5],
      [1, 0, 0],
      [0.25, 0.25, 0.5],
      [0, 0.9, 0.1],
    ])
    assertGrads((x: Value, p: Value) => softmaxCrossEntropy(x, p, { reduction: 'none' }), [logits, probs], {
      order: 2,
    })
  })
})

describe('nll', () => {
  const logp = A.logSoftmax(logits)
  it('−logProbs[label], and nll(logSoftmax(x)) = softmaxCrossEntropy(x)', () => {
    close(nll(logp, labels, { reduction: 'none' }), perExample)
    close(nll(logp, labels), meanOf(perExample))
    close(
      nll(logp, labels, { reduction: 'sum' }),
      perExample.reduce((a, b) => a + b, 0),
    )
  })
  it('a −∞ log-probability at another class does no harm (value and gradient)', () => {
    const lpInf = tensor([
      [Math.log(0.5), Math.log(0.5), -Infinity],
      [-Infinity, 0, -Infinity],
    ])
    close(nll(lpInf, [0, 1], { reduction: 'none' }), [Math.log(2), 0])
    const g = flat(A.grad((v: Value) => nll(v, [0, 1], { reduction: 'sum' }))(lpInf))
    expect(g).toEqual([-1, 0, 0, 0, -1, 0])
  })
  it('axis option', () => {
    close(nll(transpose(A.toTensor(logp)), labels, { axis: 0, reduction: 'none' }), perExample)
  })
  it('errors name the shapes', () => {
    expect(() => nll(logp, [0, 1])).toThrow(
      'nll: logProbs [4,3] and labels [2] do not match (labels need shape [4])',
    )
    expect(() => nll(logp, [0, 1, 2, -1])).toThrow(
      'nll: label -1 at flat position 3 of labels [4] is outside [0, 3) for logProbs [4,3]',
    )
    expect(() => nll(tensor(0), [0])).toThrow('nll: logProbs must have a class axis, got shape []')
  })
  it('gradcheck w.r.t. logProbs (order 2)', () => {
    assertGrads((v: Value) => nll(v, labels), [A.toTensor(logp)], { order: 2 })
  })
})

describe('nll rejects what is not a log-probability', () => {
  it('a positive value (logits or probabilities passed by mistake) names the value and index', () => {
    expect(() => nll(tensor([[-0.1, 0.7], [-2, -0.2]]), [0, 1])).toThrow(
      'nll: logProbs must be log-probabilities (≤ 0), got 0.7 at index [0,1] of logProbs [2,2]: for logits use softmaxCrossEntropy, or pass logSoftmax(logits)',
    )
    // −∞ (a class with probability 0) and 0 (probability 1) are fine
    expect(Number.isFinite(A.item(nll(tensor([[0, -Infinity]]), [0])))).toBe(true)
  })
})
