import { describe, expect, it } from 'vitest'
import { tensor } from '@cotangent/tensor'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import { mse } from '../src/index.js'
import { close } from './helpers.js'

describe('mse', () => {
  const pred = tensor([
    [1, 2],
    [3, 4],
    [0.5, -1],
  ])
  const target = tensor([
    [1.5, 2],
    [2, 6],
    [0, 0],
  ])
  const sq = [0.25, 0, 1, 4, 0.25, 1]
  it('mean (default), sum, none against the formula', () => {
    const s = sq.reduce((a, b) => a + b, 0)
    const m = mse(pred, target)
    expect(m.shape).toEqual([])
    close(m, s / 6)
    close(mse(pred, target, { reduction: 'mean' }), s / 6)
    close(mse(pred, target, { reduction: 'sum' }), s)
    const none = mse(pred, target, { reduction: 'none' })
    expect(none.shape).toEqual([3, 2])
    close(none, sq)
  })
  it('shape mismatches name both shapes (no broadcasting)', () => {
    expect(() => mse(pred, tensor([1, 2, 3]))).toThrow(
      'mse: pred [3,2] and target [3] must have the same shape',
    )
    expect(() => mse(tensor([[1], [2]]), tensor([1, 2]))).toThrow(
      'mse: pred [2,1] and target [2] must have the same shape',
    )
  })
  it('unknown reduction is an error', () => {
    expect(() => mse(pred, target, { reduction: 'avg' as 'mean' })).toThrow(
      "mse: unknown reduction 'avg' (use 'mean', 'sum' or 'none')",
    )
  })
  it('gradcheck w.r.t. pred and target, every reduction (order 2)', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const)
      assertGrads((p: Value, t: Value) => mse(p, t, { reduction }), [pred, target], { order: 2 })
  })
})
