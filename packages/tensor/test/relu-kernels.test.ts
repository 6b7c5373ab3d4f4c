/**
 * The one-pass kernels of relu's and leaky relu's derivative rules (`reluGrad`, `leakyRelu`, `leakyReluGrad`),
 * against naive per-element loops and against the compositions of other kernels they replace.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DTypeError, NotATensorError } from '../src/errors.js'
import * as E from '../src/kernels/elementwise.js'
import { fromArray, tensor, type Tensor } from '../src/tensor.js'
import { agreesWithTiled, arbBroadcastPair, arbTensorWith, params, same, values } from './helpers.js'

const arbPair = arbBroadcastPair(3, 4).chain(([s, r]) => fc.tuple(arbTensorWith(s), arbTensorWith(r)))
const arbSame = fc
  .array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })
  .chain((s) => fc.tuple(arbTensorWith(s), arbTensorWith(s)))
const arbSlope = fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.constantFrom(0, 0.01, 0.2))

/** Both signs of zero distinguished (a -0 where +0 is expected is a difference). */
const identical = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]))

describe('reluGrad', () => {
  it('is t where x > 0 or x is NaN, +0 where x <= 0, broadcasting like every binary kernel', () => {
    fc.assert(
      fc.property(arbPair, ([x, t]) => {
        expect(agreesWithTiled(E.reluGrad(x, t), x, t, (a, b) => (a <= 0 ? 0 : b))).toBe(true)
      }),
      params(200),
    )
  })

  it('gives bitwise what where(x <= 0, 0, t) gives (the rule it replaces)', () => {
    fc.assert(
      fc.property(arbPair, ([x, t]) => {
        expect(identical(values(E.reluGrad(x, t)), values(E.where(E.lessEqual(x, 0), 0, t)))).toBe(true)
      }),
      params(200),
    )
  })

  it('the subgradient at ±0 is 0; the result takes t’s dtype', () => {
    const x = tensor([0, -0, 1e-300, -1e-300, NaN, Infinity, -Infinity])
    const t = fromArray([1, 2, 3, 4, 5, 6, 7], [7], { dtype: 'float32' })
    const g = E.reluGrad(x, t)
    expect(g.dtype).toBe('float32')
    expect(identical(values(g), [0, 0, 3, 0, 5, 6, 0])).toBe(true)
    expect(E.reluGrad(fromArray([1, -1], [2], { dtype: 'float32' }), tensor([2.5, 3])).dtype).toBe('float64')
  })

  it('refuses non-tensors with a typed error naming it', () => {
    expect(() => E.reluGrad([1, 2] as never, tensor([1, 2]))).toThrow(NotATensorError)
    expect(() => E.reluGrad([1, 2] as never, tensor([1, 2]))).toThrow(/reluGrad/)
  })
})

describe('leakyRelu', () => {
  it('is x where x > 0, x·slope elsewhere (NaN stays NaN), bitwise as where(x > 0, x, x * slope)', () => {
    fc.assert(
      fc.property(arbTensorWith([5]), arbSlope, (x, slope) => {
        const got = values(E.leakyRelu(x, slope))
        expect(
          identical(
            got,
            values(x).map((v) => (v > 0 ? v : v * slope)),
          ),
        ).toBe(true)
        expect(identical(got, values(E.where(E.greater(x, 0), x, E.mul(x, slope))))).toBe(true)
      }),
      params(200),
    )
  })

  it('rounds the slope to float32 for float32 input, as mul does; int32 gives float64', () => {
    const x = fromArray([-1, 2, -3], [3], { dtype: 'float32' })
    const y = E.leakyRelu(x, 0.1)
    expect(y.dtype).toBe('float32')
    expect(values(y)).toEqual([Math.fround(-Math.fround(0.1)), 2, Math.fround(-3 * Math.fround(0.1))])
    const i = E.leakyRelu(fromArray([-2, 3], [2], { dtype: 'int32' }), 0.5)
    expect(i.dtype).toBe('float64')
    expect(values(i)).toEqual([-1, 3])
  })

  it('refuses a non-tensor and a slope that is not a number', () => {
    expect(() => E.leakyRelu(3 as never, 0.1)).toThrow(NotATensorError)
    expect(() => E.leakyRelu(tensor([1]), '0.1' as never)).toThrow(DTypeError)
    expect(() => E.leakyRelu(tensor([1]), '0.1' as never)).toThrow(
      /leakyRelu: slope must be a number, got string/,
    )
  })
})

describe('leakyReluGrad', () => {
  const ref = (x: Tensor, t: Tensor, slope: number): Tensor => E.where(E.greater(x, 0), t, E.mul(t, slope))

  it('same shapes: t where x > 0, slope·t elsewhere (NaN x included), bitwise as the composed rule', () => {
    fc.assert(
      fc.property(arbSame, arbSlope, ([x, t], slope) => {
        const got = values(E.leakyReluGrad(x, t, slope))
        const tv = values(t)
        expect(
          identical(
            got,
            values(x).map((v, i) => (v > 0 ? tv[i]! : tv[i]! * slope)),
          ),
        ).toBe(true)
        expect(identical(got, values(ref(x, t, slope)))).toBe(true)
      }),
      params(200),
    )
  })

  it('broadcasting shapes agree with the composed rule', () => {
    fc.assert(
      fc.property(arbPair, arbSlope, ([x, t], slope) => {
        const got = E.leakyReluGrad(x, t, slope)
        const want = ref(x, t, slope)
        expect(got.shape).toEqual(want.shape)
        expect(same(values(got), values(want))).toBe(true)
      }),
      params(100),
    )
  })

  it('float32 tangents: the slope is rounded to float32 and the result is float32', () => {
    const x = tensor([-1, 1, 0])
    const t = fromArray([3, 3, 3], [3], { dtype: 'float32' })
    const g = E.leakyReluGrad(x, t, 0.1)
    expect(g.dtype).toBe('float32')
    expect(values(g)).toEqual(values(ref(x, t, 0.1)))
    expect(values(g)[2]).toBe(Math.fround(3 * Math.fround(0.1)))
  })

  it('refuses non-tensors and a non-number slope', () => {
    expect(() => E.leakyReluGrad(tensor([1]), null as never, 0.1)).toThrow(NotATensorError)
    expect(() => E.leakyReluGrad(tensor([1]), tensor([1]), null as never)).toThrow(DTypeError)
  })
})
