/**
 * The instrumentation hook `unstable_setTensorObserver`: called once with each tensor the package creates (kernel
 * results and creation functions), nothing once removed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as T from '../src/index.js'

afterEach(() => {
  T.unstable_setTensorObserver(null)
})

describe('unstable_setTensorObserver', () => {
  it('sees every tensor created, the result itself, once', () => {
    const seen: T.Tensor[] = []
    T.unstable_setTensorObserver((t) => {
      seen.push(t)
    })
    const a = T.tensor([1, 2, 3])
    const b = T.add(a, 1)
    const c = T.sum(b)
    expect(seen).toEqual([a, b, c])
    expect(seen[1]).toBe(b)
  })

  it('returns the observer it replaces; null removes it', () => {
    const f = (): void => undefined
    expect(T.unstable_setTensorObserver(f)).toBe(null)
    expect(T.unstable_setTensorObserver(null)).toBe(f)
    let n = 0
    T.unstable_setTensorObserver(null)
    T.mul(T.ones([2]), 3)
    expect(n).toBe(0)
    T.unstable_setTensorObserver(() => {
      n++
    })
    T.mul(T.ones([2]), 3)
    expect(n).toBe(2)
  })

  it('refuses anything but a function or null, keeping the installed one', () => {
    const f = (): void => undefined
    T.unstable_setTensorObserver(f)
    expect(() => T.unstable_setTensorObserver(T.ones([1]) as never)).toThrow(TypeError)
    expect(T.unstable_setTensorObserver(null)).toBe(f)
  })
})
