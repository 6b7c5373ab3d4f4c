// Regression tests from an adversarial review: each block pins one bug a NumPy/PyTorch/JAX user would hit.
import { describe, expect, it } from 'vitest'
import { ShapeError } from '../src/errors.js'
import * as E from '../src/kernels/elementwise.js'
import { pad } from '../src/kernels/manip.js'
import { key, uniform } from '../src/random.js'
import { arange, tensor, toArray } from '../src/tensor.js'

const values = (t: Parameters<typeof toArray>[0]): number[] => Array.from(toArray(t))

describe('where with a plain number and an int32 tensor', () => {
  const c = tensor([1, 0])
  const i = tensor([1, 2], { dtype: 'int32' })

  it('a non-integer number does not truncate to int32 (NumPy: weak float + int32 → float64)', () => {
    const r = E.where(c, 2.5, i)
    expect(r.dtype).toBe('float64')
    expect(values(r)).toEqual([2.5, 2])
    const s = E.where(c, i, -0.75)
    expect(s.dtype).toBe('float64')
    expect(values(s)).toEqual([1, -0.75])
  })

  it('numbers int32 cannot hold (NaN, Infinity, out of range) promote too', () => {
    expect(values(E.where(c, NaN, i))).toEqual([NaN, 2])
    expect(values(E.where(c, i, Infinity))).toEqual([1, Infinity])
    expect(values(E.where(c, 2 ** 31, i))).toEqual([2 ** 31, 2])
  })

  it('an integer number in range keeps int32', () => {
    const r = E.where(c, 7, i)
    expect(r.dtype).toBe('int32')
    expect(values(r)).toEqual([7, 2])
  })
})

describe('arange with a non-finite bound', () => {
  it('throws a ShapeError naming arange instead of returning shape [NaN] or a RangeError', () => {
    expect(() => arange(NaN)).toThrow(ShapeError)
    expect(() => arange(NaN)).toThrow(/^arange: /)
    expect(() => arange(0, Infinity)).toThrow(ShapeError)
    expect(() => arange(-Infinity, 0)).toThrow(/^arange: .*finite/)
  })
})

describe('round', () => {
  it('rounds halves to even, as NumPy, PyTorch and JAX do', () => {
    const r = values(E.round(tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999999999999996, 0.49999999999999994])))
    expect(r).toEqual([0, 2, 2, 4, -0, -2, -2, 2, 0])
    expect(Object.is(r[4], -0)).toBe(true)
  })

  it('keeps non-half values, huge values, NaN and infinities as Math.round does', () => {
    const x = [1.2, -1.7, 2 ** 53, -(2 ** 52) - 0.5, NaN, Infinity, -Infinity, -0.3]
    expect(values(E.round(tensor(x)))).toEqual([1, -2, 2 ** 53, -(2 ** 52), NaN, Infinity, -Infinity, -0])
  })

  it('float32 stays float32', () => {
    const r = E.round(tensor([2.5, 3.5], { dtype: 'float32' }))
    expect(r.dtype).toBe('float32')
    expect(values(r)).toEqual([2, 4])
  })
})

describe('pow follows IEEE 754 / C pow (as NumPy, PyTorch, JAX), not Math.pow, at its special cases', () => {
  it('pow(1, y) is 1 for every y, NaN included; pow(-1, ±Infinity) is 1', () => {
    expect(values(E.pow(tensor([1, 1, 1, -1, -1]), tensor([NaN, Infinity, -Infinity, Infinity, -Infinity])))).toEqual(
      [1, 1, 1, 1, 1],
    )
    expect(values(E.pow(1, tensor([NaN])))).toEqual([1])
  })

  it('other cases are unchanged', () => {
    expect(values(E.pow(tensor([NaN, 2, -8, 0, -1]), tensor([0, NaN, 1 / 3, -1, 3])))).toEqual([
      1,
      NaN,
      NaN,
      Infinity,
      -1,
    ])
  })
})

describe('uniform over a range wider than the largest double', () => {
  it('spreads samples over [low, high) instead of clamping all of them to just below high', () => {
    const u = values(uniform(key(0), [200], { low: -1.7e308, high: 1.7e308 }))
    for (const x of u) {
      expect(Number.isFinite(x)).toBe(true)
      expect(x >= -1.7e308 && x < 1.7e308).toBe(true)
    }
    expect(u.some((x) => x < 0)).toBe(true)
    expect(u.some((x) => x > 0)).toBe(true)
    // the same draws as the ordinary formula, scaled: u_i = (x_i - low) / (high - low)
    const unit = values(uniform(key(0), [200]))
    u.forEach((x, i) => expect(x / 1.7e308).toBeCloseTo(2 * unit[i]! - 1, 12))
  })
})

describe('pad with -0', () => {
  it('writes -0 like full does (fresh storage is +0)', () => {
    const r = values(pad(tensor([1]), [[1, 1]], -0))
    expect(Object.is(r[0], -0)).toBe(true)
    expect(Object.is(r[2], -0)).toBe(true)
  })
})
