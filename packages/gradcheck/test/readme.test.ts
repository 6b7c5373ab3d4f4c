// The README's example, run as written (so the documentation cannot rot).
import { expect, it } from 'vitest'
import * as E from 'fp-ts/Either'
import * as fc from 'fast-check'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import { arbShape, arbTensor, assertGrads, checkGrads, formatFailure } from '@cotangent/gradcheck'

it('the README example runs and passes', () => {
  const predict = (params: { W: AD.Value; b: AD.Value }, x: AD.Value): AD.Value =>
    AD.tanh(AD.add(AD.matmul(x, params.W), params.b))

  const params = { W: T.normal(T.key(1), [3, 2]), b: T.zeros([2]) }
  const x = T.normal(T.key(2), [4, 3])

  const result = checkGrads(predict, [params, x], { order: 2 })
  if (E.isLeft(result)) console.error(formatFailure(result.left))
  expect(result).toEqual(E.right(undefined))

  assertGrads(predict, [params, x], { modes: ['rev'], order: 2 })

  fc.assert(
    fc.property(
      arbShape({ minRank: 1 }).chain((s) => arbTensor(s)),
      (logits) => {
        assertGrads((z: AD.Value) => AD.softmax(z), [logits], { order: 2 })
      },
    ),
    { seed: 42, numRuns: 100 },
  )
  // a budget (~1.5 s idle, many times that on a loaded shared machine), not a timing assertion
}, 120_000)
