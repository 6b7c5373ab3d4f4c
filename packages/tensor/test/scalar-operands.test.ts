/**
 * Number operands of the element-wise kernels (written into per-position scratch instead of fresh arrays): every
 * position keeps its own value when several operands are numbers, results never share storage with a number
 * operand, and each number adopts the tensor operand's dtype — against plain arithmetic.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as E from '../src/kernels/elementwise.js'
import { fromArray, scalar, tensor } from '../src/tensor.js'
import { arbTensorWith, params, same, values } from './helpers.js'

const num = fc.double({ min: -1e6, max: 1e6, noNaN: true })

describe('number operands', () => {
  it('two numbers: each position has its own value (a − b, a / b, a < b)', () => {
    fc.assert(
      fc.property(num, num, (a, b) => {
        expect(values(E.sub(a, b))).toEqual([a - b])
        expect(values(E.div(a, b))).toEqual([a / b])
        expect(values(E.less(a, b))).toEqual([a < b ? 1 : 0])
      }),
      params(100),
    )
  })

  it('where with numbers in every position picks the right one', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, -2), num, num, (c, a, b) => {
        expect(values(E.where(c, a, b))).toEqual([c !== 0 ? a : b])
        expect(values(E.where(tensor([c, 0]), a, b))).toEqual([c !== 0 ? a : b, b])
        expect(values(E.where(tensor([c, 1]), tensor([7, 8]), b))).toEqual([c !== 0 ? 7 : b, 8])
      }),
      params(100),
    )
  })

  it('results made with a number are independent of later calls with other numbers', () => {
    const x = tensor([1, 2, 3])
    const a = E.mul(x, 2)
    const b = E.add(5, x)
    const c = E.where(E.greater(x, 1), 0, x)
    E.mul(x, 100)
    E.add(-100, x)
    E.where(E.greater(x, 1), 99, -99)
    expect(values(a)).toEqual([2, 4, 6])
    expect(values(b)).toEqual([6, 7, 8])
    expect(values(c)).toEqual([1, 0, 0])
  })

  it('a number adopts a float32 operand’s dtype (rounded once), and int32 operands compute in float64', () => {
    const f = fromArray([1, 3], [2], { dtype: 'float32' })
    const r = E.mul(f, 0.1)
    expect(r.dtype).toBe('float32')
    expect(values(r)).toEqual([Math.fround(Math.fround(0.1)), Math.fround(3 * Math.fround(0.1))])
    expect(values(E.sub(0.1, f))).toEqual([
      Math.fround(Math.fround(0.1) - 1),
      Math.fround(Math.fround(0.1) - 3),
    ])
    const i = fromArray([1, 3], [2], { dtype: 'int32' })
    expect(values(E.mul(i, 0.5))).toEqual([0.5, 1.5])
    // the sum is rounded to float32 on the store: 1 + 2⁻³⁰ is 1 in float32
    expect(values(E.add(scalar(1, { dtype: 'float32' }), 2 ** -30))).toEqual([1])
    expect(values(E.add(scalar(1), 2 ** -30))).toEqual([1 + 2 ** -30])
  })
})

describe('where over operands of the output’s shape or one element', () => {
  const arbCase = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .chain((shape) =>
      fc.tuple(
        arbTensorWith(shape, fc.constantFrom(0, 1, -1, NaN)),
        fc.oneof(arbTensorWith(shape), fc.double({ noNaN: true }), arbTensorWith([1])),
        fc.oneof(arbTensorWith(shape), fc.double({ noNaN: true }), arbTensorWith([1])),
      ),
    )
  const at = (v: ReturnType<typeof tensor> | number, i: number): number =>
    typeof v === 'number' ? v : v.size === 1 ? values(v)[0]! : values(v)[i]!

  it('picks element by element as a naive loop does (mask, x, y), (mask, x, c), (mask, c, y), …', () => {
    fc.assert(
      fc.property(arbCase, ([c, a, b]) => {
        const got = E.where(c, a, b)
        expect(got.shape).toEqual(c.shape)
        expect(
          same(
            values(got),
            values(c).map((m, i) => (m !== 0 ? at(a, i) : at(b, i))),
          ),
        ).toBe(true)
      }),
      params(200),
    )
  })
})
