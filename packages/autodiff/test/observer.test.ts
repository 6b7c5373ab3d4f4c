/**
 * The instrumentation hook `unstable_setPrimitiveObserver`: it sees exactly the eager primitive evaluations (a
 * kernel run by `bind` with no tracer left), nothing while staging, and nothing once removed; it never changes a
 * result.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const seen: string[] = []
const watch = (): void => {
  seen.length = 0
  A.unstable_setPrimitiveObserver((p) => {
    seen.push(p.name)
  })
}
afterEach(() => {
  A.unstable_setPrimitiveObserver(null)
})

const x = T.fromArray([1, -2, 3], [3])

describe('unstable_setPrimitiveObserver', () => {
  it('sees one evaluation per eager op, with its name and parameters', () => {
    const params: unknown[] = []
    A.unstable_setPrimitiveObserver((p, ps) => {
      seen.push(p.name)
      params.push(ps)
    })
    seen.length = 0
    A.add(x, 1)
    A.sum(x, { axis: 0 })
    expect(seen).toEqual(['add', 'sum'])
    expect(params).toEqual([undefined, { axes: [0], keepdims: false }])
  })

  it('returns the observer it replaces, and null removes it', () => {
    const f = (): void => undefined
    expect(A.unstable_setPrimitiveObserver(f)).toBe(null)
    expect(A.unstable_setPrimitiveObserver(null)).toBe(f)
    seen.length = 0
    A.mul(x, x)
    expect(seen).toEqual([])
  })

  it('under jvp, sees the kernels of the primal and tangent computations, not the traced dispatch', () => {
    watch()
    // d/dx sin(x) along t: sin(x) (primal), cos(x), t·cos(x): three kernels
    A.jvp((v: Value) => A.sin(v), [x], [T.ones([3])])
    expect([...seen].sort()).toEqual(['cos', 'mul', 'sin'])
  })

  it('sees nothing while a program is staged (no kernel runs)', () => {
    watch()
    A.makeGraph((v: Value) => A.exp(A.mul(v, 2)))(x)
    expect(seen).toEqual([])
  })

  it('does not change results', () => {
    const f = (v: Value): Value => A.sum(A.mul(A.tanh(v), v))
    const g0 = A.toArray(A.grad(f)(x))
    watch()
    const g1 = A.toArray(A.grad(f)(x))
    expect(Array.from(g1)).toEqual(Array.from(g0))
    expect(seen.length).toBeGreaterThan(0)
  })

  it('refuses anything but a function or null, keeping the installed one', () => {
    const f = (): void => undefined
    A.unstable_setPrimitiveObserver(f)
    expect(() => A.unstable_setPrimitiveObserver(x as never)).toThrow(TypeError)
    expect(A.unstable_setPrimitiveObserver(null)).toBe(f)
  })
})
