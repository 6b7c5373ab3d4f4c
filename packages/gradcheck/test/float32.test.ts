/**
 * The checker on float32 arguments (its looser float32 step and tolerances must still catch a rule that is 10%
 * wrong, and pass the right one): over many random float32 inputs and seeds, in each mode separately, at first
 * and second order, for wrong JVP rules and wrong transpose rules.
 *
 * Before the reverse check also used the aligned cotangent (see `revCheck`), a 10%-wrong JVP rule passed
 * reverse mode on ~8% of random float32 inputs: a random output cotangent nearly cancelled the inner product.
 */
import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { arbShape, arbTensor, checkGrads } from '../src/index.js'

/** sin with a JVP rule scaled by k (k = 1: right; k = 1.1: 10% wrong). */
const scaledSin = (k: number): ((x: Value) => Value) => {
  const p: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
    name: `sin×${String(k)}`,
    impl: ([a]) => T.sin(a as T.Tensor),
    jvp: ([x], [t]) => [
      AD.bind(p, [x as Value], undefined),
      t ? AD.mul(AD.mul(t, AD.cos(x as Value)), k) : null,
    ],
  })
  return (x: Value) => AD.bind(p, [x], undefined)
}

/** 3·x, linear, whose transpose is scaled by k (k = 1 right, 1.1 wrong by 10%). */
const scaledTriple = (k: number): ((x: Value) => Value) => {
  const p: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
    name: `triple×${String(k)}`,
    impl: ([a]) => T.mul(a!, 3),
    jvp: ([x], [t]) => [AD.bind(p, [x as Value], undefined), t ? AD.bind(p, [t], undefined) : null],
    linear: { positions: [0] },
    shape: ([a]) => ({ shape: a!.shape, dtype: a!.dtype === 'int32' ? 'float64' : a!.dtype }),
    transpose: (ct) => [AD.mul(ct, 3 * k)],
  })
  return (x: Value) => AD.bind(p, [x], undefined)
}

/** x³ whose first derivative is right (3x²) but computed by a square whose own JVP is scaled by k. */
const cubeWithScaledSecond = (k: number): ((x: Value) => Value) => {
  const sq: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
    name: `sq×${String(k)}`,
    impl: ([a]) => T.mul(a!, a!),
    jvp: ([x], [t]) => [
      AD.bind(sq, [x as Value], undefined),
      t ? AD.mul(AD.mul(t, x as Value), 2 * k) : null,
    ],
  })
  const cube: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
    name: `cube(sq×${String(k)})`,
    impl: ([a]) => T.mul(T.mul(a!, a!), a!),
    jvp: ([x], [t]) => [
      AD.bind(cube, [x as Value], undefined),
      t ? AD.mul(t, AD.mul(AD.bind(sq, [x as Value], undefined), 3)) : null,
    ],
  })
  return (x: Value) => AD.bind(cube, [x], undefined)
}

const f32 = (s: readonly number[], max = 2): fc.Arbitrary<T.Tensor> =>
  arbTensor(s, { dtype: 'float32', min: -max, max })
/**
 * float32 tensors of rank 1–4 (sizes 1…81) and a checker seed. Values in [−1.2, 1.2] keep sin' = cos ≥ 0.36, so a
 * 10% error of the derivative is ≥ 0.036·|u| — detectable above float32's atol 1e-2 for every direction the
 * checker draws (RMS 1). Where a derivative is ~0 no tolerance-based check can see a relative error of it.
 */
const cases = fc.tuple(
  arbShape({ minRank: 1, maxRank: 4 }).chain((s) => f32(s, 1.2)),
  fc.nat({ max: 1000 }),
)
/** The same shapes with values in [−2, 2]. */
const wide = fc.tuple(
  arbShape({ minRank: 1, maxRank: 4 }).chain((s) => f32(s)),
  fc.nat({ max: 1000 }),
)
const RUNS = 150
const BUDGET = 120_000

const fails = (r: E.Either<unknown, void>): boolean => E.isLeft(r)

describe('checkGrads on float32 inputs', () => {
  it(
    'fails a 10%-wrong JVP rule in forward mode and in reverse mode, and passes the right rule (order 2)',
    () => {
      const bad = scaledSin(1.1)
      const good = scaledSin(1)
      fc.assert(
        fc.property(cases, ([x, seed]) => {
          expect(x.dtype).toBe('float32')
          expect(fails(checkGrads(bad, [x], { modes: ['fwd'], seed })), 'fwd').toBe(true)
          expect(fails(checkGrads(bad, [x], { modes: ['rev'], seed })), 'rev').toBe(true)
          expect(checkGrads(good, [x], { order: 2, seed })).toEqual(E.right(undefined))
        }),
        { seed: 4242, numRuns: RUNS },
      )
    },
    BUDGET,
  )

  it(
    'fails a 10%-wrong transpose rule in reverse mode (forward mode cannot see it), passes the right one',
    () => {
      const bad = scaledTriple(1.1)
      const good = scaledTriple(1)
      fc.assert(
        fc.property(wide, ([x, seed]) => {
          // exp(3x / 3): derivative eˣ ≥ e⁻² on [−2, 2], so the error is never under the absolute tolerance
          const f = (v: Value): Value => AD.exp(AD.div(bad(v), 3))
          expect(checkGrads(f, [x], { modes: ['fwd'], seed })).toEqual(E.right(undefined))
          expect(fails(checkGrads(f, [x], { modes: ['rev'], seed })), 'rev').toBe(true)
          expect(checkGrads((v: Value) => AD.exp(AD.div(good(v), 3)), [x], { order: 2, seed })).toEqual(
            E.right(undefined),
          )
        }),
        { seed: 4243, numRuns: RUNS },
      )
    },
    BUDGET,
  )

  it(
    'fails a 10%-wrong second derivative at order 2 in each mode, passes it at order 1',
    () => {
      const bad = cubeWithScaledSecond(1.1)
      const good = cubeWithScaledSecond(1)
      // |x| ≥ 0.5 so that the second derivative 6x is not lost under the absolute tolerance
      const away = arbShape({ minRank: 1, maxRank: 3 }).chain((s) =>
        f32(s).map((t) =>
          T.fromArray(
            Array.from(T.toArray(t), (v) => (v < 0 ? v - 0.5 : v + 0.5)),
            s,
            { dtype: 'float32' },
          ),
        ),
      )
      fc.assert(
        fc.property(away, fc.nat({ max: 1000 }), (x, seed) => {
          expect(checkGrads(bad, [x], { order: 1, seed })).toEqual(E.right(undefined))
          expect(fails(checkGrads(bad, [x], { order: 2, modes: ['fwd'], seed })), 'fwd order 2').toBe(true)
          expect(fails(checkGrads(bad, [x], { order: 2, modes: ['rev'], seed })), 'rev order 2').toBe(true)
          expect(checkGrads(good, [x], { order: 2, seed })).toEqual(E.right(undefined))
        }),
        { seed: 4244, numRuns: 60 },
      )
    },
    BUDGET,
  )

  it('uses the float32 defaults (a float32 argument anywhere in the tree), and reports the failing mode', () => {
    const x = T.tensor([0.3, -1.2, 2.5, 0.9], { dtype: 'float32' })
    const r = checkGrads(
      (p: { w: Value; b: Value }) => AD.add(scaledSin(1.1)(p.w), p.b),
      [{ w: x, b: T.zeros([4]) }],
    )
    expect(E.isLeft(r) && r.left.mode).toBe('fwd')
    expect(E.isLeft(r) && r.left.argument).toBe('argument 0 (.w)')
    const rr = checkGrads((v: Value) => scaledSin(1.1)(v), [x], { modes: ['rev'] })
    expect(E.isLeft(rr) && rr.left.mode).toBe('rev')
  })
})
