import { describe, expect, it } from 'vitest'
import { fromArray, toArray, NotATensorError } from '../src/index.js'
import { dataOf, wrap } from '../src/internal.js'

describe('@cotangent/tensor/internal (unstable, for Cotangent packages)', () => {
  it('wrap adopts the given array as storage (no copy) and dataOf returns that same array', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6])
    const t = wrap(a, [2, 3])
    expect(t.dtype).toBe('float32')
    expect(t.shape).toEqual([2, 3])
    expect(dataOf(t)).toBe(a)
    expect(Array.from(toArray(t))).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('dataOf reads a tensor in place, unlike toArray (a copy)', () => {
    const t = fromArray([1, 2, 3], [3], { dtype: 'int32' })
    expect(dataOf(t)).toBe(dataOf(t))
    expect(toArray(t)).not.toBe(dataOf(t))
    expect(Array.from(dataOf(t))).toEqual([1, 2, 3])
  })

  it('dataOf of something that is not a tensor throws the typed error naming the operation', () => {
    expect(() => dataOf([1, 2] as never, 'jit')).toThrow(NotATensorError)
    expect(() => dataOf([1, 2] as never, 'jit')).toThrow(/jit/)
  })
})
