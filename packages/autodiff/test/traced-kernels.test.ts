/**
 * A raw kernel of `@cotangent/tensor` handed a real traced value (inside grad, jvp, vjp) throws a TracedValueError
 * naming the op and the differentiable op to import instead — and that op exists here and works on the same
 * input. This is the failure the one-namespace rule replaces: `Cannot read private member #data`.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { NotATensorError, TracedValueError } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const x0 = T.tensor([0.5, -1, 2])
const m = T.tensor([
  [1, 2, 3],
  [4, 5, 6],
  [7, 8, 9],
])

/** Kernel calls on a traced `v` (shape [3]), one or more per kernel family. */
const kernelCalls: readonly (readonly [string, (v: never) => unknown])[] = [
  ['exp', (v) => T.exp(v)],
  ['add', (v) => T.add(v, x0)],
  ['mul', (v) => T.mul(v, 2)],
  ['div', (v) => T.div(1, v)],
  ['where', (v) => T.where(T.greater(x0, 0), v, 0)],
  ['sum', (v) => T.sum(v)],
  ['max', (v) => T.max(v, { axis: 0 })],
  ['argmax', (v) => T.argmax(v)],
  ['matmul', (v) => T.matmul(m, v)],
  ['reshape', (v) => T.reshape(v, [3, 1])],
  ['transpose', (v) => T.transpose(v)],
  ['slice', (v) => T.slice(v, [{ start: 1 }])],
  ['take', (v) => T.take(v, [2, 0])],
  ['concat', (v) => T.concat([v, x0])],
  ['toArray', (v) => T.toArray(v)],
  ['item', (v) => T.item(v, [0])],
]

const caught = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

/** Runs `body` on the traced input of each transformation kind. */
const underEach = (body: (v: Value) => void): void => {
  const f = (v: Value): Value => {
    body(v)
    return A.sum(A.mul(v, v))
  }
  A.grad(f)(x0)
  A.jvp(f, [x0], [T.ones([3])])
  A.vjp(f, x0)
}

describe('raw kernels refuse traced values with the op to use', () => {
  for (const [op, call] of kernelCalls)
    it(`tensor.${op} inside grad, jvp and vjp`, () => {
      let seen = 0
      underEach((v) => {
        const e = caught(() => call(v as never))
        expect(e).toBeInstanceOf(TracedValueError)
        expect(e).toBeInstanceOf(NotATensorError)
        expect((e as TracedValueError).op).toBe(op)
        expect((e as Error).message).toBe(
          `tensor.${op} received a traced value (inside grad/jvp/vjp or another transformation): use ${op} from 'cotangent' or '@cotangent/autodiff' instead of '@cotangent/tensor'`,
        )
        seen++
      })
      expect(seen).toBe(3)
    })

  it('every op a TracedValueError suggests is exported here (checked over every tensor export)', () => {
    const suggested = new Set<string>()
    underEach((v) => {
      for (const [name, f] of Object.entries(T)) {
        if (typeof f !== 'function' || /^[A-Z]/.test(name)) continue
        // call with the traced value in first position (and a tensor or number for the rest)
        const e = caught(() => (f as (...a: unknown[]) => unknown)(v, x0, 0))
        if (!(e instanceof TracedValueError)) continue
        const use = /: use (\w+) from 'cotangent'/.exec(e.message)
        if (use !== null) suggested.add(use[1]!)
      }
    })
    expect(suggested.size).toBeGreaterThan(30)
    const missing = [...suggested].filter((n) => typeof (A as Record<string, unknown>)[n] !== 'function')
    expect(missing).toEqual([])
  })

  it('the suggested ops compute the same values as the kernels on concrete inputs', () => {
    // the replacement is a drop-in: same name, same arguments, same result
    const pairs: readonly (readonly [unknown, unknown])[] = [
      [A.exp(x0), T.exp(x0)],
      [A.add(x0, x0), T.add(x0, x0)],
      [A.sum(m, { axis: 1 }), T.sum(m, { axis: 1 })],
      [A.matmul(m, x0), T.matmul(m, x0)],
      [A.take(m, [2, 0], 1), T.take(m, [2, 0], 1)],
      [A.concat([x0, x0]), T.concat([x0, x0])],
    ]
    for (const [a, b] of pairs)
      expect(Array.from(A.toArray(a as Value))).toEqual(Array.from(T.toArray(b as T.Tensor)))
  })
})
