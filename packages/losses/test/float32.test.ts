/**
 * float32 paths of the losses: float32 inputs give float32 losses and float32 gradients, with values equal to
 * closed forms evaluated in float64 (within float32 rounding), for every reduction; bce's clamp at the float32
 * bounds (eps and 1 − eps rounded to float32), bceWithLogits and softmaxCrossEntropy at extreme logits.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { bce, bceWithLogits, mse, nll, softmaxCrossEntropy } from '../src/index.js'

const f32 = (v: readonly number[], shape: readonly number[] = [v.length]): T.Tensor =>
  T.fromArray(v, shape, { dtype: 'float32' })
/** The values as float64 numbers (what the float32 tensor actually holds). */
const vals = (v: Value): number[] => Array.from(A.toArray(v))
const REL = 2e-6

const expectF32 = (got: Value, want: readonly number[], rel = REL): void => {
  expect(got.dtype).toBe('float32')
  const g = vals(got)
  expect(g.length).toBe(want.length)
  g.forEach((v, i) => {
    expect(
      Math.abs(v - want[i]!),
      `element ${String(i)}: ${String(v)} vs ${String(want[i])}`,
    ).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want[i]!)))
  })
}

const mean = (v: readonly number[]): number => v.reduce((s, q) => s + q, 0) / v.length
const total = (v: readonly number[]): number => v.reduce((s, q) => s + q, 0)
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))
const lse = (row: readonly number[]): number => {
  const m = Math.max(...row)
  return m + Math.log(total(row.map((v) => Math.exp(v - m))))
}

describe('losses on float32 inputs', () => {
  const pred = f32([0.5, -1.25, 2, 0.3, 1.1, -0.7], [2, 3])
  const target = f32([1, -1, 0.5, 0, 2, -0.2], [2, 3])

  it('mse: float32 loss for each reduction and a float32 gradient 2(p − t)/n', () => {
    const d = vals(pred).map((p, i) => (p - vals(target)[i]!) ** 2)
    expectF32(mse(pred, target), [mean(d)])
    expectF32(mse(pred, target, { reduction: 'sum' }), [total(d)])
    expectF32(mse(pred, target, { reduction: 'none' }), d)
    expectF32(
      A.grad((p: Value) => mse(p, target))(pred),
      vals(pred).map((p, i) => (2 * (p - vals(target)[i]!)) / 6),
    )
  })

  it('bce: float32 loss, the clamp at the float32-rounded eps and 1 − eps, gradient −(y/p − (1−y)/(1−p))/n', () => {
    const p = f32([0.9, 0.2, 0.5, 0, 1, 0.999])
    const y = f32([1, 0, 0.3, 0, 0, 1])
    const lo = Math.fround(1e-7)
    const hi = Math.fround(1 - 1e-7)
    const pc = vals(p).map((v) => Math.min(Math.max(v, lo), hi))
    const per = pc.map((q, i) => -(vals(y)[i]! * Math.log(q) + (1 - vals(y)[i]!) * Math.log(1 - q)))
    expectF32(bce(p, y, { reduction: 'none' }), per, 1e-5)
    expectF32(bce(p, y), [mean(per)], 1e-5)
    // a confident wrong prediction (p = 1, y = 0) costs −log(1 − hi): finite, ≈ 15.9 in float32 (16.1 in float64)
    expect(vals(bce(f32([1]), f32([0])))[0]).toBeCloseTo(-Math.log(1 - hi), 4)
    // the gradient inside the clamp, float32
    const inside = f32([0.9, 0.2, 0.5])
    const yi = f32([1, 0, 0.3])
    expectF32(
      A.grad((q: Value) => bce(q, yi))(inside),
      vals(inside).map((q, i) => -(vals(yi)[i]! / q - (1 - vals(yi)[i]!) / (1 - q)) / 3),
      1e-5,
    )
  })

  it('bceWithLogits: float32, finite at ±100, gradient (σ(z) − y)/n', () => {
    const z = f32([2, -1, 0, 100, -100, 0.5])
    const y = f32([1, 0, 0.5, 0, 1, 1])
    const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))
    const per = vals(z).map((v, i) => softplus(v) - v * vals(y)[i]!)
    expectF32(bceWithLogits(z, y, { reduction: 'none' }), per)
    expectF32(bceWithLogits(z, y, { reduction: 'sum' }), [total(per)])
    expectF32(
      A.grad((q: Value) => bceWithLogits(q, y))(z),
      vals(z).map((v, i) => (sigmoid(v) - vals(y)[i]!) / 6),
    )
  })

  it('softmaxCrossEntropy and nll: float32, integer labels and probability targets, class axis 0 or −1', () => {
    const logits = f32([2, 1, -1, 0.5, 0.5, 3, -50, 40, 1], [3, 3])
    const rows = [0, 1, 2].map((i) => vals(logits).slice(3 * i, 3 * i + 3))
    const labels = [0, 2, 1]
    const per = rows.map((r, i) => lse(r) - r[labels[i]!]!)
    expectF32(softmaxCrossEntropy(logits, labels, { reduction: 'none' }), per)
    expectF32(softmaxCrossEntropy(logits, labels), [mean(per)])
    expectF32(nll(A.logSoftmax(logits), labels, { reduction: 'sum' }), [total(per)])
    // probability targets
    const q = f32([0.7, 0.2, 0.1, 0, 0, 1, 0.5, 0.5, 0], [3, 3])
    const qr = [0, 1, 2].map((i) => vals(q).slice(3 * i, 3 * i + 3))
    const perQ = rows.map((r, i) => -total(r.map((v, j) => qr[i]![j]! * (v - lse(r)))))
    expectF32(softmaxCrossEntropy(logits, q, { reduction: 'none' }), perQ)
    // class axis 0: the same losses for the transposed logits
    expectF32(softmaxCrossEntropy(A.transpose(logits), labels, { axis: 0, reduction: 'none' }), per)
    // gradient (softmax − onehot)/B in float32
    const g = A.grad((v: Value) => softmaxCrossEntropy(v, labels))(logits)
    expectF32(
      g,
      rows.flatMap((r, i) => r.map((v, j) => (Math.exp(v - lse(r)) - (j === labels[i] ? 1 : 0)) / 3)),
    )
  })
})
