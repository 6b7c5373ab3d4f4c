import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import { item, mul, sum, type Value } from '@cotangent/autodiff'
import { checkGrads } from '../src/index.js'

describe('checkGrads of a function that returns no tensor', () => {
  const x = T.tensor([1, 2])
  it('a number made by item() from a traced value: a clear error, not a blamed derivative rule', () => {
    expect(() => checkGrads((v: Value) => item(sum(mul(v, v))), [x])).toThrow(
      'checkGrads: f returned the plain number 5, which carries no derivative: return a tensor instead (e.g. sum(x) rather than item(sum(x)); a constant as scalar(c))',
    )
  })
  it('a constant number, and a number inside an output tree, named by path', () => {
    expect(() => checkGrads(() => 3, [x])).toThrow('checkGrads: f returned the plain number 3, which carries no derivative')
    expect(() => checkGrads((v: Value) => ({ loss: sum(v), n: 2 }), [x])).toThrow(
      "checkGrads: f's output n is the plain number 2, which carries no derivative",
    )
  })
  it('no output at all would pass vacuously: an error', () => {
    expect(() => checkGrads(() => undefined, [x])).toThrow(
      'checkGrads: f returned undefined, so there is nothing to check: return the tensor(s) to differentiate',
    )
    expect(() => checkGrads(() => ({}), [x])).toThrow('checkGrads: f returned a tree without tensors')
  })
  it('a tensor output still checks (the scalar form of the same function passes)', () => {
    expect(E.isRight(checkGrads((v: Value) => sum(mul(v, v)), [x]))).toBe(true)
  })
})
