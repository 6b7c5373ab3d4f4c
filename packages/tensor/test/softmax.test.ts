/**
 * The fused softmax cross-entropy kernels against naive loops written here (classes moved last by index
 * arithmetic, log-sum-exp per row), the adjoint identity between the backward and tangent kernels, non-finite
 * logits, dtypes and the typed errors.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  DTypeError,
  ShapeError,
  fromArray,
  key,
  normal,
  randint,
  scalar,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyLoss,
  softmaxCrossEntropyTangent,
  splitKey,
  tensor,
  toArray,
  zeros,
  type CrossEntropyReduction,
  type Tensor,
} from '../src/index.js'

const vals = (t: Tensor): number[] => Array.from(toArray(t))

/** Rows of `x` along `axis` as plain arrays, with the flat index of each entry, in row-major order of the rest. */
const rowsOf = (x: Tensor, axis: number): { v: number[]; at: number[] }[] => {
  const s = x.shape
  const c = s[axis]!
  const inner = s.slice(axis + 1).reduce((a, b) => a * b, 1)
  const outer = s.slice(0, axis).reduce((a, b) => a * b, 1)
  const d = vals(x)
  const out: { v: number[]; at: number[] }[] = []
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = Array.from({ length: c }, (_, j) => (o * c + j) * inner + i)
      out.push({ v: at.map((k) => d[k]!), at })
    }
  return out
}
const lse = (r: readonly number[]): number => {
  const m = Math.max(...r)
  return m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0))
}
const reduceNaive = (per: number[], r: CrossEntropyReduction): number[] => {
  const s = per.reduce((a, b) => a + b, 0)
  return r === 'none' ? per : r === 'sum' ? [s] : [s / per.length]
}
const naiveLoss = (x: Tensor, y: readonly number[], axis: number, r: CrossEntropyReduction): number[] =>
  reduceNaive(
    rowsOf(x, axis).map(({ v }, k) => lse(v) - v[y[k]!]!),
    r,
  )
const naiveBackward = (x: Tensor, y: readonly number[], g: readonly number[], axis: number, r: CrossEntropyReduction): number[] => {
  const out = new Array<number>(x.size).fill(0)
  const rows = rowsOf(x, axis)
  rows.forEach(({ v, at }, k) => {
    const s = r === 'none' ? g[k]! : r === 'sum' ? g[0]! : g[0]! / rows.length
    const l = lse(v)
    at.forEach((idx, j) => {
      out[idx] = (Math.exp(v[j]! - l) - (j === y[k] ? 1 : 0)) * s
    })
  })
  return out
}

const near = (got: readonly number[], want: readonly number[], tol = 1e-12): void => {
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => {
    expect(Math.abs(g - want[i]!), `element ${i}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)))
  })
}

const arbProblem = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
    axisPick: fc.nat(),
    reduction: fc.constantFrom<CrossEntropyReduction>('none', 'sum', 'mean'),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .map(({ shape, axisPick, reduction, seed }) => {
    const axis = axisPick % shape.length
    const batch = shape.filter((_, i) => i !== axis)
    const [k1, k2, k3, k4] = splitKey(key(seed), 4)
    const c = shape[axis]!
    return {
      x: normal(k1!, shape, { std: 4 }),
      y: randint(k2!, batch, 0, c),
      t: normal(k3!, shape),
      g: normal(k4!, reduction === 'none' ? batch : []),
      axis,
      reduction,
    }
  })

describe('fused softmax cross-entropy kernels', () => {
  it('loss, backward and tangent equal the naive loops on random shapes, axes and reductions', () => {
    fc.assert(
      fc.property(arbProblem, ({ x, y, t, g, axis, reduction }) => {
        const o = { axis, reduction }
        const ys = vals(y)
        near(vals(softmaxCrossEntropyLoss(x, y, o)), naiveLoss(x, ys, axis, reduction))
        near(vals(softmaxCrossEntropyBackward(x, y, g, o)), naiveBackward(x, ys, vals(g), axis, reduction))
        // the tangent is ⟨∇ per-row loss, t⟩ reduced: the backward with unit cotangents, dotted row by row
        const ones = reduction === 'none' ? new Array<number>(y.size).fill(1) : [1]
        const grad = naiveBackward(x, ys, ones, axis, 'none' === reduction ? 'none' : 'sum')
        const td = vals(t)
        const perRow = rowsOf(x, axis).map(({ at }) => at.reduce((s, k) => s + grad[k]! * td[k]!, 0))
        near(vals(softmaxCrossEntropyTangent(x, y, t, o)), reduceNaive(perRow, reduction))
      }),
      { seed: 31, numRuns: 60 },
    )
  })
  it('backward and tangent are adjoint: ⟨backward(g), t⟩ = ⟨g, tangent(t)⟩', () => {
    fc.assert(
      fc.property(arbProblem, ({ x, y, t, g, axis, reduction }) => {
        const o = { axis, reduction }
        const b = vals(softmaxCrossEntropyBackward(x, y, g, o))
        const lhs = b.reduce((s, v, i) => s + v * vals(t)[i]!, 0)
        const tan = vals(softmaxCrossEntropyTangent(x, y, t, o))
        const rhs = tan.reduce((s, v, i) => s + v * vals(g)[i]!, 0)
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(lhs)))
      }),
      { seed: 32, numRuns: 40 },
    )
  })
  it('default options: classes last, mean reduction', () => {
    const x = tensor([
      [1, 2, 3],
      [0, 0, 5],
    ])
    const y = fromArray([2, 0], [2], { dtype: 'int32' })
    near(vals(softmaxCrossEntropyLoss(x, y)), naiveLoss(x, [2, 0], 1, 'mean'))
    near(vals(softmaxCrossEntropyBackward(x, y, scalar(1))), naiveBackward(x, [2, 0], [1], 1, 'mean'))
  })
  it('stable at logits ±1e4 in float64 and float32; float32 in gives float32 out', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = tensor([[1e4, -1e4, 1e4], [-1e4, 1e4, -1e4]], { dtype })
      const y = fromArray([1, 1], [2], { dtype: 'int32' })
      const loss = softmaxCrossEntropyLoss(x, y, { reduction: 'none' })
      expect(loss.dtype).toBe(dtype)
      near(vals(loss), [2e4 + Math.log(2), 0], 1e-7)
      const b = softmaxCrossEntropyBackward(x, y, fromArray([1, 1], [2], { dtype }), { reduction: 'none' })
      expect(b.dtype).toBe(dtype)
      near(vals(b), [0.5, -1, 0.5, 0, 0, 0], 1e-7)
    }
  })
  it('non-finite logits propagate as in logSoftmax (a −∞ class is harmless, NaN stays NaN)', () => {
    const x = tensor([[0, -Infinity, 0], [NaN, 0, 1]])
    const y = fromArray([0, 2], [2], { dtype: 'int32' })
    const l = vals(softmaxCrossEntropyLoss(x, y, { reduction: 'none' }))
    near([l[0]!], [Math.log(2)])
    expect(Number.isNaN(l[1])).toBe(true)
    const b = vals(softmaxCrossEntropyBackward(x, y, fromArray([1, 1], [2]), { reduction: 'none' }))
    near(b.slice(0, 3), [-0.5, 0, 0.5])
  })
  it('labels may be a float tensor of integers', () => {
    const x = normal(key(1), [3, 4])
    near(vals(softmaxCrossEntropyLoss(x, tensor([3, 0, 1]))), naiveLoss(x, [3, 0, 1], 1, 'mean'))
  })
  it('typed errors name the operation and shapes', () => {
    const x = zeros([2, 3])
    const y = fromArray([0, 1], [2], { dtype: 'int32' })
    expect(() => softmaxCrossEntropyLoss(x, fromArray([0, 1, 2], [3], { dtype: 'int32' }))).toThrow(
      new ShapeError('softmaxCrossEntropyLoss', 'logits [2,3] need labels of shape [2] (the class axis 1 removed), got [3]'),
    )
    expect(() => softmaxCrossEntropyLoss(x, fromArray([0, 3], [2], { dtype: 'int32' }))).toThrow(
      'softmaxCrossEntropyLoss: label 3 at flat position 1 of labels [2] is outside [0, 3) for logits [2,3]',
    )
    expect(() => softmaxCrossEntropyLoss(x, tensor([0, 1.5]))).toThrow(DTypeError)
    expect(() => softmaxCrossEntropyLoss(scalar(1), scalar(0))).toThrow(
      'softmaxCrossEntropyLoss: logits must have a class axis, got shape []',
    )
    expect(() => softmaxCrossEntropyLoss(x, y, { axis: 2 })).toThrow(ShapeError)
    expect(() => softmaxCrossEntropyBackward(x, y, zeros([2]))).toThrow(
      "softmaxCrossEntropyBackward: the cotangent of a 'mean' cross-entropy must have shape [], got [2]",
    )
    expect(() => softmaxCrossEntropyTangent(x, y, zeros([3, 2]))).toThrow(
      "softmaxCrossEntropyTangent: the tangent must have the logits' shape [2,3], got [3,2]",
    )
    expect(() => softmaxCrossEntropyLoss(x, y, { reduction: 'avg' as CrossEntropyReduction })).toThrow(
      "softmaxCrossEntropyLoss: unknown reduction 'avg'",
    )
    expect(() => softmaxCrossEntropyLoss([1, 2] as unknown as Tensor, y)).toThrow('softmaxCrossEntropyLoss')
  })
  it('inputs are not modified', () => {
    const x = normal(key(2), [2, 3])
    const before = vals(x)
    const y = fromArray([1, 2], [2], { dtype: 'int32' })
    softmaxCrossEntropyBackward(x, y, scalar(1))
    softmaxCrossEntropyTangent(x, y, x)
    expect(vals(x)).toEqual(before)
  })
})
