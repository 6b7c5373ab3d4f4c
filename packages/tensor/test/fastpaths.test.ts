/**
 * The small-tensor fast paths of the element-wise kernels (tensor ⊕ number, number ⊕ tensor, two-dimensional
 * broadcasting such as a bias row or a per-row column) against naive per-element references.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DType } from '../src/dtype.js'
import * as E from '../src/kernels/elementwise.js'
import { broadcastTo, reshape } from '../src/kernels/manip.js'
import * as R from '../src/kernels/reduce.js'
import { fromArray, type Tensor } from '../src/tensor.js'
import { agreesWithTiled, arbEdgeValue as arbValue, arbTensorWith, params, same, size, tile, values } from './helpers.js'

const refs: [string, (a: Tensor | number, b: Tensor | number) => Tensor, (x: number, y: number) => number][] = [
  ['add', E.add, (x, y) => x + y],
  ['sub', E.sub, (x, y) => x - y],
  ['mul', E.mul, (x, y) => x * y],
  ['div', E.div, (x, y) => x / y],
  ['maximum', E.maximum, (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y))],
]

/** Pairs of 2-D-result shapes: [B,n] with [n], [B,1], [1,n], [1,1], [B,n]; and [B,1] with [n] or [1,n]. */
const arbMatrixPair: fc.Arbitrary<[number[], number[]]> = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.nat(6), fc.boolean())
  .map(([b, n, k, swap]) => {
    const pairs: [number[], number[]][] = [
      [[b, n], [n]],
      [[b, n], [b, 1]],
      [[b, n], [1, n]],
      [[b, n], [1, 1]],
      [[b, n], [b, n]],
      [[b, 1], [n]],
      [[b, 1], [1, n]],
    ]
    const [x, y] = pairs[k]!
    return swap ? [y, x] : [x, y]
  })

describe('two-dimensional broadcasting fast path', () => {
  const arbPair = arbMatrixPair.chain(([sa, sb]) => fc.tuple(arbTensorWith(sa), arbTensorWith(sb)))
  for (const [name, op, ref] of refs)
    it(`${name} of bias rows and per-row columns equals the tiled per-element formula`, () => {
      fc.assert(
        fc.property(arbPair, ([a, b]) => {
          const rows = (t: Tensor): number => (t.ndim === 2 ? t.shape[0]! : 1)
          const shape = [Math.max(rows(a), rows(b)), Math.max(a.shape.at(-1)!, b.shape.at(-1)!)]
          const c = op(a, b)
          expect(c.shape).toEqual(shape)
          return agreesWithTiled(c, a, b, ref)
        }),
        params(100),
      )
    })
})

describe('tensor ⊕ number fast path', () => {
  const dtypes: DType[] = ['float64', 'float32', 'int32']
  const arbCase = fc.tuple(
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    fc.constantFrom(...dtypes),
    fc.double({ min: -5, max: 5, noNaN: true }),
  )
  for (const [name, op, ref] of refs)
    it(`${name} with a number on either side equals the operation with a broadcast 0-d tensor of the same dtype`, () => {
      fc.assert(
        fc.property(arbCase, ([shape, dtype, s]) => {
          const a = fromArray(
            Array.from({ length: size(shape) }, (_, i) => (i * 7) % 5 - 2.25),
            shape,
            { dtype },
          )
          // the number adopts the tensor's dtype (float64 for int32): the slow path's reference
          const sd: DType = dtype === 'int32' ? 'float64' : dtype
          const st = fromArray([s], [], { dtype: sd })
          const left = op(a, s)
          const right = op(s, a)
          expect(left.shape).toEqual(shape)
          expect(right.shape).toEqual(shape)
          expect(left.dtype).toBe(dtype === 'float32' ? 'float32' : 'float64')
          expect(right.dtype).toBe(left.dtype)
          const av = values(a)
          const sv = values(st)[0]!
          const round = (x: number): number => (left.dtype === 'float32' ? Math.fround(x) : x)
          return (
            same(values(left), av.map((x) => round(ref(x, sv)))) &&
            same(values(right), av.map((x) => round(ref(sv, x)))) &&
            same(values(left), values(op(a, st))) &&
            same(values(right), values(op(st, a)))
          )
        }),
        params(100),
      )
    })
})

describe('shapes', () => {
  it('a result shares a frozen shape and never aliases a mutable one', () => {
    const a = fromArray([1, 2, 3, 4, 5, 6], [2, 3])
    const b = E.add(a, a)
    expect(Object.isFrozen(b.shape)).toBe(true)
    expect(b.shape).toEqual([2, 3])
    const s = [3, 2]
    const c = fromArray([1, 2, 3, 4, 5, 6], s)
    s[0] = 6
    expect(c.shape).toEqual([3, 2])
    expect(Object.isFrozen(c.shape)).toBe(true)
  })
})

describe('where fast path (operands of the output shape or single elements)', () => {
  const arbCase = fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(3), { minLength: 3, maxLength: 3 }))
    .chain(([r, c, kinds]) => {
      const shapeOf = (k: number): number[] => (k === 0 ? [r, c] : k === 1 ? [1, 1] : k === 2 ? [] : [1])
      // at least one operand has the output shape [r, c]
      const [kc, ka0, kb] = kinds as [number, number, number]
      const ka = kc !== 0 && kb !== 0 ? 0 : ka0
      return fc.tuple(
        fc.constant([r, c]),
        fc
          .array(fc.constantFrom(0, 1, -2, NaN, -0), { minLength: size(shapeOf(kc)), maxLength: size(shapeOf(kc)) })
          .map((xs) => fromArray(xs, shapeOf(kc))),
        arbTensorWith(shapeOf(ka)),
        arbTensorWith(shapeOf(kb)),
      )
    })
  it('picks a where cond ≠ 0, else b, as the tiled reference', () => {
    fc.assert(
      fc.property(arbCase, ([shape, c, a, b]) => {
        const r = E.where(c, a, b)
        expect(r.shape).toEqual(shape)
        const tc = tile(c, shape)
        const ta = tile(a, shape)
        const tb = tile(b, shape)
        return same(
          values(r),
          tc.map((x, i) => (x !== 0 ? ta[i]! : tb[i]!)),
        )
      }),
      params(150),
    )
  })
  it('keeps the dtype rules: float32 rounding, int32 with int32', () => {
    const c = fromArray([1, 0, 1, 0], [2, 2])
    const f = fromArray([0.1, 0.2, 0.3, 0.4], [2, 2], { dtype: 'float32' })
    const i = fromArray([1, 2, 3, 4], [2, 2], { dtype: 'int32' })
    const r = E.where(c, f, 0.7)
    expect(r.dtype).toBe('float32')
    expect(values(r)).toEqual([Math.fround(0.1), Math.fround(0.7), Math.fround(0.3), Math.fround(0.7)])
    const ri = E.where(c, i, 9)
    expect(ri.dtype).toBe('int32')
    expect(values(ri)).toEqual([1, 9, 3, 9])
  })
})

describe('broadcastTo of short columns (a per-row value repeated along a short last axis)', () => {
  it('equals the tiled reference for every dtype, above and below the bulk-fill width', () => {
    const dtypes: DType[] = ['float64', 'float32', 'int32']
    for (const dtype of dtypes)
      for (const c of [1, 3, 31, 32, 40]) {
        const col = fromArray(dtype === 'int32' ? [0, -2, 3, 7] : [0.1, -2, 3.5, NaN], [4, 1], { dtype })
        const r = broadcastTo(col, [4, c])
        expect(r.dtype).toBe(dtype)
        expect(same(values(r), tile(col, [4, c]))).toBe(true)
      }
  })
})

/** An edge value int32 holds (int32 creation rejects NaN, ±Infinity and values beyond ±2³¹). */
const int32Safe = (v: number): number => (Number.isFinite(v) ? Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v)) : 0)

describe('matrix reductions over one axis', () => {
  const kinds = [
    ['sum', R.sum],
    ['mean', R.mean],
    ['prod', R.prod],
    ['max', R.max],
    ['min', R.min],
  ] as const
  const arbCase = fc
    .tuple(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 2, max: 9 }), fc.constantFrom<DType>('float64', 'float32', 'int32'))
    .chain(([r, c, dtype]) =>
      fc.tuple(
        fc.constant([r, c]),
        fc.array(arbValue, { minLength: r * c, maxLength: r * c }).map((xs) => fromArray(dtype === 'int32' ? xs.map(int32Safe) : xs, [r, c], { dtype })),
        fc.boolean(),
      ),
    )
  for (const [name, op] of kinds)
    it(`${name} of [R,C] over axis 0 or 1 equals, bit for bit, the general driver on the [R,1,C] / [R,C,1] view`, () => {
      fc.assert(
        fc.property(arbCase, ([[r, c], x, keepdims]) => {
          const rows = op(x, { axis: 1, keepdims })
          const rowsRef = op(reshape(x, [r, 1, c]), { axis: 2, keepdims })
          const cols = op(x, { axis: 0, keepdims })
          const colsRef = op(reshape(x, [r, c, 1]), { axis: 0, keepdims })
          expect(rows.shape).toEqual(keepdims ? [r, 1] : [r])
          expect(cols.shape).toEqual(keepdims ? [1, c] : [c])
          const bits = (a: Tensor, b: Tensor): boolean =>
            values(a).every((v, i) => Object.is(v, values(b)[i]))
          return bits(rows, rowsRef) && bits(cols, colsRef) && rows.dtype === rowsRef.dtype
        }),
        params(150),
      )
    })
})
