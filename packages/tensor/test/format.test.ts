// Exact NumPy-like strings for every layout the formatter handles, plus a round-trip property: the printed text
// of small tensors parses back to the same nested values.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toString } from '../src/format.js'
import { fromArray, scalar, tensor, toNested, zeros, type NestedArray } from '../src/tensor.js'
import { params } from './helpers.js'

const ints = (n: number, shape: readonly number[]) =>
  fromArray(
    Array.from({ length: n }, (_, i) => i),
    shape,
    { dtype: 'int32' },
  )

describe('toString: exact strings', () => {
  it('scalars', () => {
    expect(toString(scalar(3.5))).toBe('tensor(3.5)')
    expect(toString(scalar(3))).toBe('tensor(3.)')
    expect(toString(scalar(-0.25))).toBe('tensor(-0.25)')
    expect(toString(scalar(1 / 3))).toBe('tensor(0.3333)')
    expect(toString(scalar(1e-5))).toBe('tensor(1.e-05)')
    expect(toString(scalar(NaN))).toBe('tensor(nan)')
    expect(toString(scalar(-Infinity))).toBe('tensor(-inf)')
    expect(toString(scalar(7, { dtype: 'int32' }))).toBe('tensor(7, dtype=int32)')
    expect(toString(scalar(0.1, { dtype: 'float32' }))).toBe('tensor(0.1, dtype=float32)')
  })

  it('1-D', () => {
    expect(toString(tensor([1, 2, 3]))).toBe('tensor([1., 2., 3.])')
    expect(toString(tensor([0.5, 0.25]))).toBe('tensor([0.50, 0.25])')
    expect(toString(tensor([1 / 3, 2 / 3]))).toBe('tensor([0.3333, 0.6667])')
    expect(toString(tensor([7]))).toBe('tensor([7.])')
  })

  it('2-D, with columns aligned across rows', () => {
    expect(
      toString(
        tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])')
    expect(
      toString(
        tensor([
          [1 / 3, -2 / 3],
          [10, 0],
        ]),
      ),
    ).toBe('tensor([[ 0.3333, -0.6667],\n        [10.0000,  0.0000]])')
  })

  it('negative numbers share one width with the positives', () => {
    expect(
      toString(
        tensor([
          [1.5, -2.25],
          [3, 4],
        ]),
      ),
    ).toBe('tensor([[ 1.50, -2.25],\n        [ 3.00,  4.00]])')
    expect(toString(tensor([-1, 2]))).toBe('tensor([-1.,  2.])')
  })

  it('3-D, with a blank line between blocks', () => {
    const t = fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2])
    expect(toString(t)).toBe(
      'tensor([[[1., 2.],\n' +
        '         [3., 4.]],\n' +
        '\n' +
        '        [[5., 6.],\n' +
        '         [7., 8.]]])',
    )
  })

  it('int32 and float32 carry a dtype suffix', () => {
    expect(toString(tensor([1, -20, 300], { dtype: 'int32' }))).toBe('tensor([  1, -20, 300], dtype=int32)')
    expect(toString(ints(6, [2, 3]))).toBe('tensor([[0, 1, 2],\n        [3, 4, 5]], dtype=int32)')
    expect(toString(tensor([0.1, 0.25], { dtype: 'float32' }))).toBe('tensor([0.10, 0.25], dtype=float32)')
    expect(toString(tensor([1, 2], { dtype: 'float32' }))).toBe('tensor([1., 2.], dtype=float32)')
  })

  it('empty tensors', () => {
    expect(toString(zeros([0, 3]))).toBe('tensor([], shape=[0, 3])')
    expect(toString(zeros([0]))).toBe('tensor([])')
    expect(toString(zeros([2, 0], { dtype: 'int32' }))).toBe('tensor([], shape=[2, 0], dtype=int32)')
  })

  it('scientific notation when magnitudes are tiny, huge or far apart', () => {
    expect(toString(tensor([1.5e-5, 2]))).toBe('tensor([1.5e-05, 2.0e+00])')
    expect(toString(tensor([1e9, -2e9]))).toBe('tensor([ 1.e+09, -2.e+09])')
    expect(toString(tensor([1, 2000]))).toBe('tensor([1.e+00, 2.e+03])')
    expect(toString(tensor([1e-5, 1, 1e100]))).toBe('tensor([1.e-005, 1.e+000, 1.e+100])')
    expect(toString(tensor([0, 1, 999]))).toBe('tensor([  0.,   1., 999.])')
  })

  it('non-finite values and negative zero', () => {
    expect(toString(tensor([NaN, Infinity, -Infinity, 1.5, -0]))).toBe(
      'tensor([ nan,  inf, -inf,  1.5, -0.0])',
    )
    expect(toString(tensor([NaN, 2]))).toBe('tensor([nan,  2.])')
  })

  it('precision option', () => {
    const t = tensor([1 / 3, 2 / 3])
    expect(toString(t, { precision: 2 })).toBe('tensor([0.33, 0.67])')
    expect(toString(t, { precision: 8 })).toBe('tensor([0.33333333, 0.66666667])')
    expect(toString(t, { precision: 0 })).toBe('tensor([0., 1.])')
  })

  it('summarises large tensors with ... (edgeItems per axis)', () => {
    expect(toString(ints(2000, [2000]))).toBe(
      'tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)',
    )
    expect(toString(ints(10000, [100, 100]))).toBe(
      [
        'tensor([[   0,    1,    2, ...,   97,   98,   99],',
        '        [ 100,  101,  102, ...,  197,  198,  199],',
        '        [ 200,  201,  202, ...,  297,  298,  299],',
        '        ...,',
        '        [9700, 9701, 9702, ..., 9797, 9798, 9799],',
        '        [9800, 9801, 9802, ..., 9897, 9898, 9899],',
        '        [9900, 9901, 9902, ..., 9997, 9998, 9999]], dtype=int32)',
      ].join('\n'),
    )
    expect(toString(ints(2400, [2, 3, 400]))).toBe(
      [
        'tensor([[[   0,    1,    2, ...,  397,  398,  399],',
        '         [ 400,  401,  402, ...,  797,  798,  799],',
        '         [ 800,  801,  802, ..., 1197, 1198, 1199]],',
        '',
        '        [[1200, 1201, 1202, ..., 1597, 1598, 1599],',
        '         [1600, 1601, 1602, ..., 1997, 1998, 1999],',
        '         [2000, 2001, 2002, ..., 2397, 2398, 2399]]], dtype=int32)',
      ].join('\n'),
    )
    expect(toString(ints(10, [10]), { threshold: 5, edgeItems: 2 })).toBe(
      'tensor([0, 1, ..., 8, 9], dtype=int32)',
    )
    expect(toString(ints(10, [10]))).toBe('tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], dtype=int32)')
    // the width comes from the printed elements only: 10^6 in the hidden middle does not widen the columns
    const v = Array.from({ length: 1001 }, (_, i) => (i === 500 ? 1e6 : i % 3))
    expect(toString(fromArray(v, [1001], { dtype: 'int32' }))).toBe(
      'tensor([0, 1, 2, ..., 2, 0, 1], dtype=int32)',
    )
    // summarised 3-D along the first axis: "...," then a blank line
    expect(toString(ints(64, [8, 2, 4]), { threshold: 10, edgeItems: 1 })).toBe(
      [
        'tensor([[[ 0, ...,  3],',
        '         [ 4, ...,  7]],',
        '',
        '        ...,',
        '',
        '        [[56, ..., 59],',
        '         [60, ..., 63]]], dtype=int32)',
      ].join('\n'),
    )
  })

  it('wraps long rows under the first element', () => {
    const t = fromArray(
      Array.from({ length: 40 }, (_, i) => i * 1.5),
      [40],
    )
    expect(toString(t)).toBe(
      [
        'tensor([ 0.0,  1.5,  3.0,  4.5,  6.0,  7.5,  9.0, 10.5, 12.0, 13.5, 15.0,',
        '        16.5, 18.0, 19.5, 21.0, 22.5, 24.0, 25.5, 27.0, 28.5, 30.0, 31.5,',
        '        33.0, 34.5, 36.0, 37.5, 39.0, 40.5, 42.0, 43.5, 45.0, 46.5, 48.0,',
        '        49.5, 51.0, 52.5, 54.0, 55.5, 57.0, 58.5])',
      ].join('\n'),
    )
    expect(toString(ints(6, [6]), { lineWidth: 16 })).toBe('tensor([0, 1, 2,\n        3, 4, 5], dtype=int32)')
  })

  it('String(t), template literals and t.toString() use the formatter', () => {
    const t = tensor([1, 2])
    expect(String(t)).toBe('tensor([1., 2.])')
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point of the test
    expect(`${t}`).toBe('tensor([1., 2.])')
    expect(t.toString()).toBe('tensor([1., 2.])')
  })

  it('rejects bad options, naming the option', () => {
    const t = tensor([1])
    expect(() => toString(t, { precision: -1 })).toThrow(
      'toString: precision must be an integer in [0, 20], got -1',
    )
    expect(() => toString(t, { precision: 1.5 })).toThrow(
      'toString: precision must be an integer in [0, 20], got 1.5',
    )
    expect(() => toString(t, { edgeItems: 0 })).toThrow('toString: edgeItems must be an integer in [1, ')
    expect(() => toString(t, { threshold: -1 })).toThrow('toString: threshold must be an integer in [0, ')
    expect(() => toString(t, { lineWidth: 0 })).toThrow('toString: lineWidth must be an integer in [1, ')
  })
})

/** Parses our printed text back into nested numbers: drop the `tensor(`/suffix, turn `1.` into `1`, JSON.parse. */
const parse = (s: string): NestedArray => {
  const body = s.replace(/^tensor\(/, '').replace(/(, dtype=\w+)?\)$/, '')
  return JSON.parse(body.replace(/(\d)\.(?!\d)/g, '$1').replace(/\s+/g, '')) as NestedArray
}

describe('toString: round trip', () => {
  it('small float64 and int32 tensors print their exact values, within the line width', () => {
    const arb = fc
      .tuple(
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
      )
      .map(([outer, last, scalarShape]) => (scalarShape ? [] : [...outer, last]))
      .chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          fc.array(fc.integer({ min: -80, max: 80 }), {
            minLength: shape.reduce((a, b) => a * b, 1),
            maxLength: shape.reduce((a, b) => a * b, 1),
          }),
          fc.boolean(),
        ),
      )
    fc.assert(
      fc.property(arb, ([shape, q, asInt]) => {
        // quarters in [-20, 20]: at most two decimals, magnitudes within a ratio of 80, so fixed notation
        const t = asInt
          ? fromArray(q, shape, { dtype: 'int32' })
          : fromArray(
              q.map((x) => x / 4),
              shape,
            )
        const s = toString(t)
        expect(parse(s)).toEqual(toNested(t))
        for (const line of s.split('\n'))
          expect(line.replace(/(\]|\))+,?( dtype=\w+\))?$/, '').length).toBeLessThanOrEqual(75)
      }),
      params(200),
    )
  })
})
