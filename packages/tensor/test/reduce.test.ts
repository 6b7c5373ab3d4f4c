import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ShapeError } from '../src/errors.js'
import { add, mul } from '../src/kernels/elementwise.js'
import {
  argmax,
  argmin,
  max,
  mean,
  min,
  prod,
  sum,
  sumToShape,
  type ReduceOptions,
} from '../src/kernels/reduce.js'
import { fromArray, tensor, zeros, type Tensor } from '../src/tensor.js'
import {
  allClose,
  arbBroadcastPair,
  arbShape,
  arbTensorOf,
  params,
  ravel,
  unravel,
  values,
} from './helpers.js'

type Kind = 'sum' | 'mean' | 'prod' | 'max' | 'min'
const impl: Record<Kind, (a: Tensor, o?: ReduceOptions) => Tensor> = { sum, mean, prod, max, min }

/** Naive reference: visit every input element, find its output cell by dropping/zeroing the reduced indices. */
const reference = (
  kind: Kind,
  data: readonly number[],
  shape: readonly number[],
  axes: readonly number[],
  keepdims: boolean,
): { shape: number[]; values: number[] } => {
  const isReduced = (d: number): boolean => axes.includes(d)
  const outShape = keepdims
    ? shape.map((s, d) => (isReduced(d) ? 1 : s))
    : shape.filter((_, d) => !isReduced(d))
  const outSize = outShape.reduce((a, b) => a * b, 1)
  const init = kind === 'prod' ? 1 : kind === 'max' ? -Infinity : kind === 'min' ? Infinity : 0
  const acc = new Array<number>(outSize).fill(init)
  const counts = new Array<number>(outSize).fill(0)
  for (let k = 0; k < data.length; k++) {
    const idx = unravel(k, shape)
    const outIdx = keepdims ? idx.map((i, d) => (isReduced(d) ? 0 : i)) : idx.filter((_, d) => !isReduced(d))
    const o = ravel(outIdx, outShape)
    const x = data[k]!
    counts[o]!++
    if (kind === 'sum' || kind === 'mean') acc[o]! += x
    else if (kind === 'prod') acc[o]! *= x
    else if (kind === 'max') acc[o] = Math.max(acc[o]!, x)
    else acc[o] = Math.min(acc[o]!, x)
  }
  return { shape: outShape, values: kind === 'mean' ? acc.map((s, o) => s / counts[o]!) : acc }
}

/** A random `axis` option for a given rank: undefined, one (maybe negative) axis, or a shuffled list of distinct axes. */
const arbAxis = (ndim: number): fc.Arbitrary<number | number[] | undefined> => {
  const one = (a: number, neg: boolean): number => (neg ? a - ndim : a)
  const options: fc.Arbitrary<number | number[] | undefined>[] = [
    fc.constant(undefined),
    fc
      .shuffledSubarray(Array.from({ length: ndim }, (_, i) => i))
      .chain((axes) =>
        fc
          .array(fc.boolean(), { minLength: axes.length, maxLength: axes.length })
          .map((negs) => axes.map((a, i) => one(a, negs[i]!))),
      ),
  ]
  if (ndim > 0)
    options.push(fc.tuple(fc.integer({ min: 0, max: ndim - 1 }), fc.boolean()).map(([a, neg]) => one(a, neg)))
  return fc.oneof(...options)
}

const normalized = (axis: number | number[] | undefined, ndim: number): number[] =>
  axis === undefined
    ? Array.from({ length: ndim }, (_, i) => i)
    : (typeof axis === 'number' ? [axis] : axis).map((a) => (a < 0 ? a + ndim : a))

const arbCase = (maxRank: number, maxDim: number, lim: number) =>
  arbShape(maxRank, maxDim).chain((shape) =>
    fc.record({ x: arbTensorOf(shape, lim), axis: arbAxis(shape.length), keepdims: fc.boolean() }),
  )

const checkAgainstReference = (
  kind: Kind,
  x: Tensor,
  axis: number | number[] | undefined,
  keepdims: boolean,
): boolean => {
  const got = impl[kind](x, { ...(axis === undefined ? {} : { axis }), keepdims })
  const want = reference(kind, values(x), x.shape, normalized(axis, x.ndim), keepdims)
  expect(got.shape).toEqual(want.shape)
  return allClose(values(got), want.values, 1e-9, 1e-9)
}

describe('sum / mean / prod / max / min', () => {
  for (const kind of ['sum', 'mean', 'prod', 'max', 'min'] as const) {
    it(`${kind} equals a naive loop for every axis spec (small dims)`, () => {
      fc.assert(
        fc.property(arbCase(4, 4, kind === 'prod' ? 2 : 10), ({ x, axis, keepdims }) =>
          checkAgainstReference(kind, x, axis, keepdims),
        ),
        params(150),
      )
    })
    it(`${kind} equals a naive loop on longer axes (unrolled loops and remainders)`, () => {
      fc.assert(
        fc.property(arbCase(3, 11, kind === 'prod' ? 1.5 : 10), ({ x, axis, keepdims }) =>
          checkAgainstReference(kind, x, axis, keepdims),
        ),
        params(100),
      )
    })
  }

  it('handles zero-size dimensions like NumPy (sum 0, prod 1, mean NaN)', () => {
    const arbZeroCase = fc
      .array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })
      .filter((s) => s.includes(0))
      .chain((shape) =>
        fc.record({ x: arbTensorOf(shape), axis: arbAxis(shape.length), keepdims: fc.boolean() }),
      )
    fc.assert(
      fc.property(arbZeroCase, ({ x, axis, keepdims }) =>
        (['sum', 'mean', 'prod'] as const).every((kind) => checkAgainstReference(kind, x, axis, keepdims)),
      ),
      params(100),
    )
    expect(values(sum(zeros([0])))).toEqual([0])
    expect(values(prod(zeros([2, 0]), { axis: 1 }))).toEqual([1, 1])
    expect(Number.isNaN(values(mean(zeros([0, 2])))[0])).toBe(true)
    expect(max(zeros([0, 3]), { axis: 1 }).shape).toEqual([0])
  })

  it('reduces a scalar to itself and size-1 dims correctly', () => {
    expect(values(sum(tensor(5)))).toEqual([5])
    expect(sum(tensor(5)).shape).toEqual([])
    expect(values(max(tensor([[[7]]]), { axis: 1, keepdims: true }))).toEqual([7])
    expect(max(tensor([[[7]]]), { axis: 1, keepdims: true }).shape).toEqual([1, 1, 1])
  })

  it('sum reduces a known example', () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ])
    expect(values(sum(x))).toEqual([21])
    expect(values(sum(x, { axis: 0 }))).toEqual([5, 7, 9])
    expect(values(sum(x, { axis: -1 }))).toEqual([6, 15])
    expect(sum(x, { axis: 1, keepdims: true }).shape).toEqual([2, 1])
    expect(values(mean(x, { axis: [0, 1] }))).toEqual([3.5])
    expect(values(prod(x, { axis: 0 }))).toEqual([4, 10, 18])
    expect(values(max(x, { axis: 0 }))).toEqual([4, 5, 6])
    expect(values(min(x, { axis: 1 }))).toEqual([1, 4])
  })

  it('result dtypes: sum/mean/prod are floating, max/min keep the dtype', () => {
    const i = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'int32' },
    )
    expect(sum(i).dtype).toBe('float64')
    expect(mean(i, { axis: 0 }).dtype).toBe('float64')
    expect(values(mean(i, { axis: 0 }))).toEqual([2, 3])
    expect(prod(i).dtype).toBe('float64')
    expect(max(i).dtype).toBe('int32')
    expect(values(min(i, { axis: 1 }))).toEqual([1, 3])
    const f = tensor([0.1, 0.2, 0.3], { dtype: 'float32' })
    expect(sum(f).dtype).toBe('float32')
    expect(values(sum(f))[0]).toBeCloseTo(0.6, 6)
    expect(max(f).dtype).toBe('float32')
    expect(sumToShape(f, [1]).dtype).toBe('float32')
  })

  it('max/min propagate NaN like the naive loop (Math.max/Math.min) for every axis spec', () => {
    const arbNaNCase = arbShape(4, 3).chain((shape) =>
      fc.record({
        x: fc
          .array(fc.oneof(fc.constant(NaN), fc.integer({ min: -3, max: 3 })), {
            minLength: shape.reduce((a, b) => a * b, 1),
            maxLength: shape.reduce((a, b) => a * b, 1),
          })
          .map((v) => fromArray(v, shape)),
        axis: arbAxis(shape.length),
        keepdims: fc.boolean(),
      }),
    )
    fc.assert(
      fc.property(arbNaNCase, ({ x, axis, keepdims }) =>
        (['max', 'min'] as const).every((kind) => checkAgainstReference(kind, x, axis, keepdims)),
      ),
      params(150),
    )
  })

  it('max/min propagate a single NaN from any position of a [2,2,2] tensor through every axis subset', () => {
    const subsets = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]
    for (let pos = 0; pos < 8; pos++) {
      const v = [1, 2, 3, 4, 5, 6, 7, 8]
      v[pos] = NaN
      const x = fromArray(v, [2, 2, 2])
      for (const axis of subsets)
        for (const kind of ['max', 'min'] as const)
          expect(checkAgainstReference(kind, x, axis, false)).toBe(true)
    }
  })

  it('max/min propagate NaN wherever it is', () => {
    for (let pos = 0; pos < 6; pos++) {
      const v = [3, -1, 4, 1, -5, 9]
      v[pos] = NaN
      const x = fromArray(v, [2, 3])
      expect(Number.isNaN(values(max(x))[0])).toBe(true)
      expect(Number.isNaN(values(min(x))[0])).toBe(true)
      const row = Math.floor(pos / 3)
      const col = pos % 3
      for (const f of [max, min]) {
        expect(values(f(x, { axis: 1 })).map(Number.isNaN)).toEqual([row === 0, row === 1])
        expect(values(f(x, { axis: 0 })).map(Number.isNaN)).toEqual([0, 1, 2].map((c) => c === col))
        expect(values(f(x, { axis: [0, 1] })).map(Number.isNaN)).toEqual([true])
      }
    }
  })
})

/** Naive argmax/argmin: for each output cell scan along the axis, replacing only on strict improvement. */
const argReference = (isMax: boolean, x: Tensor, axis: number | undefined): number[] => {
  const data = values(x)
  if (axis === undefined) {
    let bi = 0
    for (let k = 1; k < data.length; k++) if (isMax ? data[k]! > data[bi]! : data[k]! < data[bi]!) bi = k
    return [bi]
  }
  const ax = axis < 0 ? axis + x.ndim : axis
  const outShape = x.shape.filter((_, d) => d !== ax)
  const outSize = outShape.reduce((a, b) => a * b, 1)
  const out: number[] = []
  for (let o = 0; o < outSize; o++) {
    const oi = unravel(o, outShape)
    const at = (j: number): number => data[ravel([...oi.slice(0, ax), j, ...oi.slice(ax)], x.shape)]!
    let bi = 0
    for (let j = 1; j < x.shape[ax]!; j++) if (isMax ? at(j) > at(bi) : at(j) < at(bi)) bi = j
    out.push(bi)
  }
  return out
}

describe('argmax / argmin', () => {
  // few distinct values, so ties are common and "first occurrence" is exercised
  const arbTies = arbShape(4, 4).chain((shape) =>
    fc.record({
      x: fc
        .array(fc.integer({ min: 0, max: 2 }), {
          minLength: shape.reduce((a, b) => a * b, 1),
          maxLength: shape.reduce((a, b) => a * b, 1),
        })
        .map((v) => fromArray(v, shape)),
      axis:
        shape.length === 0
          ? fc.constant(undefined)
          : fc.option(fc.integer({ min: -shape.length, max: shape.length - 1 }), { nil: undefined }),
      keepdims: fc.boolean(),
    }),
  )
  for (const [name, f, isMax] of [
    ['argmax', argmax, true],
    ['argmin', argmin, false],
  ] as const) {
    it(`${name} equals a naive scan (ties pick the first) for every axis`, () => {
      fc.assert(
        fc.property(arbTies, ({ x, axis, keepdims }) => {
          const got = f(x, { ...(axis === undefined ? {} : { axis }), keepdims })
          expect(got.dtype).toBe('int32')
          const ax = axis === undefined ? undefined : axis < 0 ? axis + x.ndim : axis
          const wantShape =
            ax === undefined
              ? keepdims
                ? x.shape.map(() => 1)
                : []
              : keepdims
                ? x.shape.map((d, i) => (i === ax ? 1 : d))
                : x.shape.filter((_, i) => i !== ax)
          expect(got.shape).toEqual(wantShape)
          expect(values(got)).toEqual(argReference(isMax, x, axis))
        }),
        params(150),
      )
    })
  }

  it('known examples, flattened index without axis', () => {
    const x = tensor([
      [1, 9, 9],
      [9, 0, 0],
    ])
    expect(values(argmax(x))).toEqual([1])
    expect(values(argmin(x))).toEqual([4])
    expect(values(argmax(x, { axis: 0 }))).toEqual([1, 0, 0])
    expect(values(argmin(x, { axis: -1 }))).toEqual([0, 1])
  })

  it('a NaN counts as the extreme (the first NaN wins), as in NumPy', () => {
    expect(values(argmax(tensor([1, NaN, 3, NaN])))).toEqual([1])
    expect(values(argmin(tensor([1, NaN, -3, NaN])))).toEqual([1])
    expect(values(argmax(tensor([NaN, 5])))).toEqual([0])
    expect(
      values(
        argmax(
          tensor([
            [1, 2],
            [NaN, 0],
            [7, NaN],
          ]),
          { axis: 0 },
        ),
      ),
    ).toEqual([1, 2])
  })
})

describe('sumToShape', () => {
  it('equals a naive projection-sum for every broadcastable pair', () => {
    fc.assert(
      fc.property(
        arbBroadcastPair(4, 4).chain(([small, other]) => {
          const big = broadcast(small, other)
          return fc.record({ x: arbTensorOf(big), small: fc.constant(small) })
        }),
        ({ x, small }) => {
          const got = sumToShape(x, small)
          expect(got.shape).toEqual(small)
          const want = new Array<number>(small.reduce((a, b) => a * b, 1)).fill(0)
          const off = x.ndim - small.length
          values(x).forEach((v, k) => {
            const idx = unravel(k, x.shape).slice(off)
            want[
              ravel(
                idx.map((i, d) => (small[d] === 1 ? 0 : i)),
                small,
              )
            ]! += v
          })
          return allClose(values(got), want, 1e-9, 1e-9)
        },
      ),
      params(150),
    )
  })

  it('is the transpose of broadcasting: sumToShape(y broadcast to S) = y · (|S| / |y|), and <bcast(y), x> = <y, sumToShape(x)>', () => {
    fc.assert(
      fc.property(
        arbBroadcastPair(4, 4).chain(([small, other]) => {
          const big = broadcast(small, other)
          return fc.record({ y: arbTensorOf(small), x: arbTensorOf(big), big: fc.constant(big) })
        }),
        ({ y, x, big }) => {
          const by = add(y, zeros(big)) // broadcasting by the element-wise definition
          const ratio = x.size / y.size
          const back = sumToShape(by, y.shape)
          const lhs = values(mul(by, x)).reduce((a, b) => a + b, 0)
          const rhs = values(mul(y, sumToShape(x, y.shape))).reduce((a, b) => a + b, 0)
          return (
            allClose(
              values(back),
              values(y).map((v) => v * ratio),
              1e-9,
              1e-9,
            ) && Math.abs(lhs - rhs) <= 1e-9 * (1 + Math.abs(lhs))
          )
        },
      ),
      params(100),
    )
  })

  it('returns the input itself when the shape already matches', () => {
    const x = tensor([[1, 2]])
    expect(sumToShape(x, [1, 2])).toBe(x)
    expect(values(sumToShape(x, []))).toEqual([3])
    const i = tensor([1, 2], { dtype: 'int32' })
    expect(sumToShape(i, [2]).dtype).toBe('float64')
  })
})

/** NumPy broadcast of two shapes that are known to broadcast. */
const broadcast = (a: readonly number[], b: readonly number[]): number[] => {
  const n = Math.max(a.length, b.length)
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1
    const db = b[b.length - n + i] ?? 1
    return da === 1 ? db : da
  })
}

describe('errors', () => {
  const x = zeros([2, 3])
  it('bad axis', () => {
    expect(() => sum(x, { axis: 2 })).toThrow('sum: axis 2 is out of range for shape [2,3] (ndim 2)')
    expect(() => mean(x, { axis: -3 })).toThrow('mean: axis -3 is out of range for shape [2,3] (ndim 2)')
    expect(() => max(x, { axis: [0, 5] })).toThrow('max: axis 5 is out of range for shape [2,3] (ndim 2)')
    expect(() => prod(x, { axis: 0.5 })).toThrow(ShapeError)
    expect(() => argmax(x, { axis: 2 })).toThrow('argmax: axis 2 is out of range for shape [2,3] (ndim 2)')
    expect(() => argmin(tensor(1), { axis: 0 })).toThrow(
      'argmin: axis 0 is out of range for shape [] (ndim 0)',
    )
  })
  it('repeated axis', () => {
    expect(() => sum(x, { axis: [0, -2] })).toThrow('sum: repeated axis in [0,-2]')
    expect(() => min(x, { axis: [1, 1] })).toThrow('min: repeated axis in [1,1]')
  })
  it('max/min/argmax/argmin of an empty axis', () => {
    expect(() => max(zeros([0, 3]))).toThrow(
      'max: cannot reduce an empty axis of shape [0,3] (axis [0,1]); max has no identity',
    )
    expect(() => min(zeros([0, 3]), { axis: 0 })).toThrow(
      'min: cannot reduce an empty axis of shape [0,3] (axis 0); min has no identity',
    )
    expect(() => max(zeros([0]))).toThrow(ShapeError)
    expect(() => argmax(zeros([0]))).toThrow('argmax: cannot take argmax of an empty tensor of shape [0]')
    expect(() => argmin(zeros([2, 0]), { axis: 1 })).toThrow(
      'argmin: cannot take argmin along empty axis 1 of shape [2,0]',
    )
  })
  it('sumToShape to a shape that does not broadcast', () => {
    expect(() => sumToShape(x, [4])).toThrow(
      'sumToShape: cannot sum [2,3] down to [4] ([4] does not broadcast to [2,3])',
    )
    expect(() => sumToShape(x, [2])).toThrow(
      'sumToShape: cannot sum [2,3] down to [2] ([2] does not broadcast to [2,3])',
    )
    expect(() => sumToShape(x, [1, 2, 3])).toThrow(
      'sumToShape: cannot sum [2,3] down to [1,2,3] ([1,2,3] does not broadcast to [2,3])',
    )
    expect(() => sumToShape(zeros([3]), [0])).toThrow(ShapeError)
  })
})
