/**
 * Gradient properties of every op of the public namespace: for random small arguments (≤ 4 dims of size ≤ 3),
 * `assertGrads` at order 2 in both modes — forward mode against central differences, reverse mode by the
 * dot-product identity, and the same checks on the derivative maps `x ↦ jvp(f)(x, t)` and `x ↦ vjp(f)(x)(c)`.
 * The numerical reference is independent of every rule under test; a broken JVP or transpose rule turns a
 * property red (verified by breaking `tanh`'s JVP rule on purpose).
 *
 * The cases (arbitraries, domains away from kinks and singularities, the calls at each point) are the table of
 * `op-cases.ts`, which the jit properties of @cotangent/autodiff interpret too; this file runs `assertGrads` on
 * each call, and checks stopGradient on its own.
 */
import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import { assertGrads, checkGrads, numericalJvp } from '../src/index.js'
import { NOT_OPS, READOUTS, describeOpGroups, opExports, stopGradientTest } from './op-cases.js'
import type { OpGroup, OpTests } from './op-cases.js'

const SEED = 1337
/** Runs per property. */
const RUNS = 100
/**
 * Per-property budget. Each property takes 0.05–0.6 s on an idle machine and many times that on a loaded, shared
 * one (softmax/logSoftmax took 8 s there, over vitest's 5 s default). A budget, not a timing assertion.
 */
const BUDGET = 120_000

const tested = new Set<string>()

const grads2 = (f: (...args: never[]) => unknown, args: readonly unknown[]): void => {
  assertGrads(f, args, { order: 2, modes: ['fwd', 'rev'] })
}

/** This file's interpretation of the op table: `grads2` on each call. */
const gradTests: OpTests = {
  check: ({ f, args }) => {
    grads2(f, args)
  },
  seed: SEED,
  numRuns: RUNS,
  budget: BUDGET,
  tested,
}

/** Properties of this file only, by group. */
const own: Partial<Record<OpGroup['id'], () => void>> = {
  dtype: () => {
    stopGradientTest(gradTests, 'stopGradient', (x, f) => {
      // Autodiff treats stopGradient(x) as a constant, so f(x) = x·stopGradient(x) has JVP x·t, while the
      // numerical derivative is 2x·t: the check must fail in fwd, and the JVP must equal the naive x·t.
      const t = T.ones(x.shape)
      const [, tOut] = AD.jvp(f, [x], [t])
      expect(Array.from(AD.toArray(tOut))).toEqual(Array.from(T.toArray(x)))
      const twice = Array.from(T.toArray(numericalJvp(f, [x], [t]) as Tensor))
      twice.forEach((g, i) => {
        expect(g).toBeCloseTo(2 * T.toArray(x)[i]!, 6)
      })
      expect(E.isLeft(checkGrads(f, [x], { modes: ['fwd'] }))).toBe(true)
    })
  },
}

describeOpGroups(gradTests, (group) => `gradients of ${group.title} (order 2, fwd and rev)`, own)

describe('coverage', () => {
  it('every op of the public namespace has a gradient property', () => {
    const ops = opExports(AD, new Set([...NOT_OPS, ...READOUTS]))
    expect(ops.filter((o) => !tested.has(o))).toEqual([])
    // and the lists of non-ops name exports
    expect([...NOT_OPS, ...READOUTS].filter((k) => !(k in AD))).toEqual([])
  })
})
