import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as E from 'fp-ts/Either'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import {
  argumentNames,
  arbShape,
  arbTensor,
  assertGrads,
  checkGrads,
  checkJvp,
  checkVjp,
  formatFailure,
  numericalJvp,
  type GradCheckFailure,
} from '../src/index.js'

const SEED = 20240611

const vals = (v: unknown): number[] => Array.from(AD.toArray(v as Value))

const leftOf = (r: E.Either<GradCheckFailure, void>): GradCheckFailure => {
  if (E.isRight(r)) throw new Error('expected the check to fail, but it passed')
  return r.left
}

// ---------------------------------------------------------------------------------------------------------------
// Throwaway primitives with deliberately wrong rules

/** x³ whose JVP claims 2x²·t (should be 3x²·t). */
const badCubeP: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
  name: 'badCube',
  impl: ([a]) => T.mul(T.mul(a!, a!), a!),
  jvp: ([x], [t]) => [badCube(x as Value), t ? AD.mul(t, AD.mul(AD.square(x as Value), 2)) : null],
})
const badCube = (x: Value): Value => AD.bind(badCubeP, [x], undefined)

/** x³ with a correct first derivative 3x²·t, but computed through stopGradient: its second derivative is wrong (0). */
const flatCubeP: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
  name: 'flatCube',
  impl: ([a]) => T.mul(T.mul(a!, a!), a!),
  jvp: ([x], [t]) => [
    flatCube(x as Value),
    t ? AD.mul(t, AD.mul(AD.square(AD.stopGradient(x as Value)), 3)) : null,
  ],
})
const flatCube = (x: Value): Value => AD.bind(flatCubeP, [x], undefined)

/** 3·x, linear, with a transpose claiming 2·ct (should be 3·ct). */
const badScaleP: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
  name: 'badScale',
  impl: ([a]) => T.mul(a!, 3),
  jvp: ([x], [t]) => [badScale(x as Value), t ? badScale(t) : null],
  linear: { positions: [0] },
  shape: ([a]) => ({ shape: a!.shape, dtype: 'float64' }),
  transpose: (ct) => [AD.mul(ct, 2)],
})
const badScale = (x: Value): Value => AD.bind(badScaleP, [x], undefined)

/** Reverses a vector, linear, with a transpose that forgets to reverse back (should be the reversal again). */
const badReverseP: AD.Primitive<undefined> = AD.definePrimitive<undefined>({
  name: 'badReverse',
  impl: ([a]) => T.tensor([...T.toArray(a as T.Tensor)].reverse()),
  jvp: ([x], [t]) => [badReverse(x as Value), t ? badReverse(t) : null],
  linear: { positions: [0] },
  shape: ([a]) => ({ shape: a!.shape, dtype: 'float64' }),
  transpose: (ct) => [ct],
})
const badReverse = (x: Value): Value => AD.bind(badReverseP, [x], undefined)

// ---------------------------------------------------------------------------------------------------------------

describe('numericalJvp', () => {
  it('matches the known derivative of sin along random directions (independent reference: cos(x)·t)', () => {
    fc.assert(
      fc.property(
        arbShape({ maxRank: 3 }).chain((s) => fc.tuple(arbTensor(s), arbTensor(s))),
        ([x, t]) => {
          const got = vals(numericalJvp((a: Value) => AD.sin(a), [x], [t]))
          const xs = vals(x)
          const ts = vals(t)
          got.forEach((g, i) => {
            expect(Math.abs(g - Math.cos(xs[i]!) * ts[i]!)).toBeLessThan(1e-8)
          })
        },
      ),
      { seed: SEED, numRuns: 100 },
    )
  })

  it('works over trees of arguments and outputs (product rule, sum)', () => {
    const x = T.tensor([1, 2, 3])
    const p = {
      a: T.tensor([0.5, -1, 2]),
      b: T.tensor([
        [1, 2],
        [3, 4],
      ]),
    }
    const tx = T.tensor([1, 0, -1])
    const tp = {
      a: T.tensor([2, 1, 0]),
      b: T.tensor([
        [1, 1],
        [0, 1],
      ]),
    }
    const f = (x0: Value, q: { a: Value; b: Value }) => ({ prod: AD.mul(x0, q.a), total: [AD.sum(q.b)] })
    const out = numericalJvp(f, [x, p], [tx, tp]) as { prod: T.Tensor; total: [T.Tensor] }
    // d(x·a) = tx·a + x·ta ; d(sum b) = sum tb
    const expected = [1 * 0.5 + 1 * 2, 0 * -1 + 2 * 1, -1 * 2 + 3 * 0]
    vals(out.prod).forEach((g, i) => {
      expect(g).toBeCloseTo(expected[i]!, 8)
    })
    expect(AD.item(out.total[0])).toBeCloseTo(3, 8)
    expect(out.prod.dtype).toBe('float64')
  })

  it('is exact (up to O(eps²)) on a cubic: d/dx x³ = 3x²', () => {
    const out = numericalJvp((a: Value) => AD.mul(AD.mul(a, a), a), [T.tensor([2])], [T.tensor([1])], 1e-4)
    expect(Math.abs(vals(out)[0]! - 12)).toBeLessThan(1e-7) // error is eps² = 1e-8
  })

  it('does not perturb integer leaves, and returns float64 for float32 functions', () => {
    const idx = T.tensor([0, 1], { dtype: 'int32' })
    const x = T.tensor([1, 2], { dtype: 'float32' })
    const out = numericalJvp(
      (a: Value, i: Value) => AD.mul(a, AD.astype(i, 'float32')),
      [x, idx],
      [T.ones([2]), T.ones([2])],
    )
    expect((out as T.Tensor).dtype).toBe('float64')
    expect(vals(out)[0]).toBeCloseTo(0, 6)
    expect(vals(out)[1]).toBeCloseTo(1, 3)
  })

  it('rejects tangents of the wrong shape or structure, and leaves that are not tensors', () => {
    const sq = (a: Value) => AD.square(a)
    expect(() => numericalJvp(sq, [T.zeros([2, 3])], [T.zeros([3, 2])])).toThrow(
      'numericalJvp: the tangent of argument 0 has shape [3,2] but the primal has shape [2,3]',
    )
    expect(() =>
      numericalJvp((a: Value, b: Value) => AD.add(a, b), [T.zeros([2]), T.zeros([2])], [
        T.zeros([2]),
      ] as never),
    ).toThrow('numericalJvp: 1 tangent leaves for 2 primal leaves')
    expect(() => numericalJvp(sq, [{ w: 'x' }] as never, [T.zeros([2])] as never)).toThrow(
      'numericalJvp: the arguments must be trees of tensors, but the leaf at argument 0 (.w) is string x',
    )
    expect(() => numericalJvp(sq, [T.zeros([2])], [T.zeros([2])], 0)).toThrow(
      'numericalJvp: eps must be a positive finite number, got 0',
    )
  })
})

describe('checkGrads on correct functions', () => {
  const key = T.key(7)
  const x = T.normal(T.fold(key, 0), [4, 3])
  const params = {
    layers: [
      { W: T.normal(T.fold(key, 1), [3, 5]), b: T.normal(T.fold(key, 2), [5]) },
      { W: T.normal(T.fold(key, 3), [5, 2]), b: T.normal(T.fold(key, 4), [2]) },
    ],
  }
  type Params = typeof params
  const mlp = (p: { layers: readonly { W: Value; b: Value }[] }, input: Value): Value =>
    p.layers.reduce<Value>((h, l, i) => {
      const z = AD.add(AD.matmul(h, l.W), l.b)
      return i === p.layers.length - 1 ? z : AD.tanh(z)
    }, input)

  it('passes on an MLP with a parameter tree, both modes, order 2', () => {
    expect(
      checkGrads((p: Params, xs: Value) => AD.mean(AD.square(mlp(p, xs))), [params, x], { order: 2 }),
    ).toEqual(E.right(undefined))
  })

  it('passes on functions with several arguments returning trees', () => {
    const f = (a: Value, b: Value, c: { s: Value }) => ({
      y: [AD.mul(AD.sin(a), b), AD.exp(AD.mul(c.s, a))],
      z: AD.sum(b),
    })
    const args = [T.tensor([0.5, -1, 2]), T.tensor([[1], [2]]), { s: T.scalar(0.3) }] as const
    expect(checkGrads(f, args, { order: 2 })).toEqual(E.right(undefined))
    expect(checkJvp(f, args)).toEqual(E.right(undefined))
    expect(checkVjp(f, args)).toEqual(E.right(undefined))
    expect(() => {
      assertGrads(f, args, { order: 2, modes: ['rev'] })
    }).not.toThrow()
  })

  it('passes on random smooth compositions (property)', () => {
    fc.assert(
      fc.property(
        arbShape({ minRank: 1, maxRank: 3 }).chain((s) =>
          fc.tuple(arbTensor(s), arbTensor(s), fc.integer({ min: 0, max: 100 })),
        ),
        ([a, b, seed]) => {
          const f = (u: Value, v: Value) => AD.sum(AD.mul(AD.tanh(u), AD.sigmoid(AD.mul(u, v))))
          expect(checkGrads(f, [a, b], { order: 2, seed })).toEqual(E.right(undefined))
        },
      ),
      { seed: SEED, numRuns: 40 },
    )
    // a budget for a property of order-2 checks on a loaded machine, not a timing assertion
  }, 60_000)

  it('uses float32 defaults for float32 arguments (float64 tolerances would be too tight)', () => {
    const a = T.tensor([0.3, -1.2, 2.5], { dtype: 'float32' })
    const f = (u: Value) => AD.tanh(AD.mul(u, u))
    expect(checkGrads(f, [a], { order: 2 })).toEqual(E.right(undefined))
    expect(E.isLeft(checkGrads(f, [a], { atol: 1e-12, rtol: 1e-12 }))).toBe(true)
  })

  it('accepts plain numbers as argument leaves (as float64 scalars)', () => {
    expect(checkGrads((u: Value) => AD.exp(u), [1.5], { order: 2 })).toEqual(E.right(undefined))
  })

  it('is deterministic for a seed', () => {
    const f = (u: Value) => badCube(u)
    const a = leftOf(checkGrads(f, [T.tensor([1, 2])], { seed: 3 }))
    const b = leftOf(checkGrads(f, [T.tensor([1, 2])], { seed: 3 }))
    expect(a).toEqual(b)
  })
})

describe('checkGrads catches wrong rules', () => {
  const x = T.tensor([0.7, -1.3, 2.1])

  it('a wrong JVP rule fails forward mode, naming the argument, with expected 3x²t vs got 2x²t', () => {
    const fail = leftOf(checkGrads((a: Value) => badCube(a), [x], { modes: ['fwd'] }))
    expect(fail.mode).toBe('fwd')
    expect(fail.order).toBe(1)
    expect(fail.argument).toBe('argument 0')
    const got = fail.got as number[]
    const expected = fail.expected as number[]
    got.forEach((g, i) => {
      expect(g / expected[i]!).toBeCloseTo(2 / 3, 5)
    })
    expect(fail.message).toContain('the JVP of f along a random direction disagrees with central differences')
    expect(fail.message).toContain('max abs error')
  })

  it('a wrong JVP rule also fails reverse mode (the numerical side of the dot-product identity disagrees)', () => {
    const fail = leftOf(checkGrads((a: Value) => badCube(a), [x], { modes: ['rev'] }))
    expect(fail.mode).toBe('rev')
    expect(typeof fail.got).toBe('number')
    expect(fail.message).toContain('dot-product identity')
    expect(fail.message).toContain('the VJP agrees with the autodiff JVP')
    expect(fail.message).toContain('a JVP rule')
  })

  it('names the argument leaf inside a parameter tree', () => {
    const f = (input: Value, p: { W: Value; b: Value }) => AD.add(AD.mul(input, badCube(p.W)), AD.square(p.b))
    const args = [x, { W: T.tensor([0.5, 1.5, -2]), b: T.tensor([1, 2, 3]) }] as const
    expect(leftOf(checkGrads(f, args)).argument).toBe('argument 1 (.W)')
    expect(leftOf(checkGrads(f, args, { modes: ['rev'] })).argument).toBe('argument 1 (.W)')
    expect(argumentNames(args)).toEqual(['argument 0', 'argument 1 (.W)', 'argument 1 (.b)'])
  })

  it('a wrong second derivative passes order 1 and fails order 2 in both modes', () => {
    const f = (a: Value) => AD.sum(flatCube(a))
    expect(checkGrads(f, [x], { order: 1 })).toEqual(E.right(undefined))
    for (const mode of ['fwd', 'rev'] as const) {
      const fail = leftOf(checkGrads(f, [x], { order: 2, modes: [mode] }))
      expect(fail.order).toBe(2)
      expect(fail.message).toContain(mode === 'fwd' ? 'jvp(f)(x, t)' : 'vjp(f)(x)(c)')
    }
  })

  it('a wrong transpose rule passes forward mode and fails reverse mode, blaming the transpose', () => {
    for (const g of [badScale, badReverse]) {
      const f = (a: Value) => AD.sin(g(a))
      expect(checkGrads(f, [x], { modes: ['fwd'], order: 2 })).toEqual(E.right(undefined))
      const fail = leftOf(checkGrads(f, [x]))
      expect(fail.mode).toBe('rev')
      expect(fail.order).toBe(1)
      expect(fail.message).toContain('a transpose rule is inconsistent with its JVP')
    }
  })

  it('assertGrads throws the readable report', () => {
    expect(() => {
      assertGrads((a: Value) => badCube(a), [x])
    }).toThrow(/^gradcheck failed: forward mode \(fwd\), order 1, argument 0\n {2}the JVP of f/)
    const fail = leftOf(checkGrads((a: Value) => badCube(a), [x], { modes: ['rev'] }))
    expect(() => {
      assertGrads((a: Value) => badCube(a), [x], { modes: ['rev'] })
    }).toThrow(formatFailure(fail))
  })

  it('stopGradient fails the check (autodiff says 0, the numerical derivative is 1)', () => {
    expect(leftOf(checkGrads((a: Value) => AD.stopGradient(a), [x])).mode).toBe('fwd')
  })

  it('fails on non-finite derivatives', () => {
    const fail = leftOf(checkGrads((a: Value) => AD.sqrt(a), [T.tensor([0, 1])], { modes: ['fwd'] }))
    expect(fail.message).toContain('max abs error')
  })
})

describe('formatFailure', () => {
  it('renders the mode, order, argument, message, expected and got', () => {
    const text = formatFailure({
      mode: 'rev',
      order: 2,
      argument: 'argument 1 (.W)',
      expected: [1, 2.5],
      got: 0.125,
      message: 'something is off',
    })
    expect(text).toBe(
      [
        'gradcheck failed: reverse mode (rev), order 2, argument 1 (.W)',
        '  something is off',
        '  expected (numerical): [1, 2.50000]',
        '  got (autodiff):       0.125000',
      ].join('\n'),
    )
  })
})

describe('errors', () => {
  const sq = (a: Value) => AD.square(a)
  const args = [T.tensor([1, 2])]
  it('rejects bad options', () => {
    expect(() => checkGrads(sq, args, { order: 3 as never })).toThrow(
      'checkGrads: order must be 1 or 2, got 3',
    )
    expect(() => checkGrads(sq, args, { modes: [] })).toThrow(
      "checkGrads: modes must be a non-empty list of 'fwd' and 'rev', got []",
    )
    expect(() => checkGrads(sq, args, { modes: ['up' as never] })).toThrow(
      `checkGrads: modes must be a non-empty list of 'fwd' and 'rev', got ["up"]`,
    )
    expect(() => checkGrads(sq, args, { eps: -1 })).toThrow(
      'checkGrads: eps must be a positive finite number, got -1',
    )
    expect(() => checkJvp(sq, args, { atol: -1 })).toThrow(
      'checkJvp: atol must be a non-negative number, got -1',
    )
    expect(() => checkVjp(sq, args, { rtol: Number.NaN })).toThrow(
      'checkVjp: rtol must be a non-negative number, got NaN',
    )
    expect(() => checkGrads(sq, args, { seed: 0.5 })).toThrow('checkGrads: seed must be an integer, got 0.5')
  })

  it('rejects arguments that are not trees of tensors', () => {
    expect(() => checkGrads(sq, T.tensor([1]) as never)).toThrow(
      'checkGrads: args must be an array of arguments',
    )
    expect(() => checkGrads(sq, [{ a: [T.tensor([1]), 'no'] }])).toThrow(
      'checkGrads: the arguments must be trees of tensors, but the leaf at argument 0 (.a[1]) is string no',
    )
    expect(() => checkGrads(sq, [T.tensor([1]), new Map()])).toThrow(
      'checkGrads: the arguments must be trees of tensors, but the leaf at argument 1 is an object that is not a tensor',
    )
  })

  it('rejects outputs that are not trees of tensors', () => {
    expect(() => checkJvp(() => 'nope', args)).toThrow('gradcheck (fwd, order 1) threw')
  })

  it('reports errors thrown by the function with the check that ran it', () => {
    const boom = (_a: Value): Value => {
      throw new Error('boom')
    }
    expect(() => checkGrads(boom, args)).toThrow('gradcheck (fwd, order 1, f) threw: boom')
  })
})
