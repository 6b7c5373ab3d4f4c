/**
 * Regression tests from a review: the checks must fail (not pass, not compare a prefix) when a rule returns a
 * tangent or cotangent of the wrong shape. User-defined primitives (`definePrimitive` + `bind`) are not shape
 * checked by autodiff, so gradcheck is the place that must catch them.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/Either'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { checkJvp, checkVjp } from '../src/index.js'

const x = T.tensor([0.3, -0.7, 1.2])

/** Identity whose JVP rule keeps only the first tangent entry (shape [1] for an output of shape [3]). */
const badJvpP: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
  name: 'badJvp',
  impl: ([a]) => a as T.Tensor,
  jvp: ([a], [t]) => [AD.bind(badJvpP, [a!], undefined), !t ? null : AD.slice(t, [{ start: 0, stop: 1 }])],
})

/** Broadcast [3] → [2, 3] whose transpose forgets to sum the cotangent back to [3]. */
const badTransposeP: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
  name: 'badTranspose',
  impl: ([a]) => T.broadcastTo(a as T.Tensor, [2, 3]),
  jvp: ([a], [t]) => [AD.bind(badTransposeP, [a!], undefined), !t ? null : AD.bind(badTransposeP, [t], undefined)],
  linear: { positions: [0] },
  shape: () => ({ shape: [2, 3], dtype: 'float64' }),
  transpose: (ct) => [ct],
})

describe('wrongly shaped derivatives are reported', () => {
  it('checkJvp fails when the JVP has a different shape than the output (it compared a prefix and passed)', () => {
    const r = checkJvp((v: Value) => AD.bind(badJvpP, [v], undefined), [x])
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) expect(r.left.message).toMatch(/shape \[1\].*\[3\]/)
  })
  it('checkVjp fails naming the shapes when a cotangent is not shaped like its argument', () => {
    const r = checkVjp((v: Value) => AD.bind(badTransposeP, [v], undefined), [x])
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) {
      expect(r.left.argument).toBe('argument 0')
      expect(r.left.message).toMatch(/cotangent of shape \[2,3\].*\[3\]/)
    }
  })
})
