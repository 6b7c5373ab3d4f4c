/**
 * The shortcuts of the shape helpers (equal shapes, a scalar side) against the general rule written out here.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ShapeError } from '../src/errors.js'
import { broadcastShapes, shapesEqual } from '../src/shape.js'
import { params } from './helpers.js'

const arbShape = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 })

/** NumPy's rule, naively: align on the right, each pair equal or one of them 1. */
const naiveBroadcast = (a: readonly number[], b: readonly number[]): number[] | null => {
  const n = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1
    const y = b[b.length - n + i] ?? 1
    if (x !== y && x !== 1 && y !== 1) return null
    out.push(x === 1 ? y : x)
  }
  return out
}

describe('shape helpers', () => {
  it('shapesEqual is element-wise equality of the lists', () => {
    fc.assert(
      fc.property(arbShape, arbShape, (a, b) => {
        expect(shapesEqual(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b))
        expect(shapesEqual(a, [...a])).toBe(true)
      }),
      params(300),
    )
  })

  it('broadcastShapes follows the naive rule, scalars and equal shapes included, and returns a fresh array', () => {
    fc.assert(
      fc.property(arbShape, fc.oneof(arbShape, fc.constant([])), (a, b) => {
        for (const [x, y] of [
          [a, b],
          [b, a],
          [a, a],
          [a, []],
          [[], a],
        ] as const) {
          const want = naiveBroadcast(x, y)
          if (want === null) expect(() => broadcastShapes('t', x, y)).toThrow(ShapeError)
          else {
            const got = broadcastShapes('t', x, y)
            expect(got).toEqual(want)
            expect(got).not.toBe(x)
            expect(got).not.toBe(y)
          }
        }
      }),
      params(300),
    )
  })
})
