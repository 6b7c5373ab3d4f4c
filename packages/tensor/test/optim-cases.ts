// Immutability cases for the fused optimizer steps (kernels/optim.ts), spread into the package-wide
// immutability test's table: random float operands of one shape and dtype, every output mode and variant.
import fc from 'fast-check'
import * as T from '../src/index.js'
import type { Tensor } from '../src/index.js'
import { arbShape, arbTensorOf } from './helpers.js'

interface Case {
  readonly inputs: readonly Tensor[]
  readonly run: () => unknown
}

/** `n` tensors of one random shape and float dtype (values in [-10, 10]; squared averages made ≥ 0 by the caller). */
const operands = (n: number): fc.Arbitrary<Tensor[]> =>
  fc
    .tuple(arbShape(3, 4), fc.constantFrom<'float64' | 'float32'>('float64', 'float32'))
    .chain(([s, dtype]) =>
      fc
        .tuple(...Array.from({ length: n }, () => arbTensorOf(s)))
        .map((ts) => ts.map((t) => T.astype(t, dtype))),
    )

/** The tensors of a step's result record (the immutability test checks arrays of results). */
const outs = (r: object): unknown[] => Object.values(r)

const output = fc.constantFrom<T.FusedOutput>('updates', 'params')

export const optimCases: Record<string, fc.Arbitrary<Case>> = {
  sgdStep: fc.tuple(operands(2), output, fc.boolean()).map(([[g, p], o, wd]) => ({
    inputs: [g!, p!],
    run: () => T.sgdStep({ grad: g!, param: p!, lr: 0.1, weightDecay: wd ? 0.01 : undefined, output: o }),
  })),
  momentumStep: fc.tuple(operands(3), output, fc.boolean()).map(([[g, v, p], o, nesterov]) => ({
    inputs: [g!, v!, p!],
    run: () =>
      outs(T.momentumStep({ grad: g!, velocity: v!, param: p!, lr: 0.1, beta: 0.9, nesterov, output: o })),
  })),
  adamStep: fc.tuple(operands(4), output, fc.boolean()).map(([[g, m, v, p], o, decoupled]) => {
    const nu = T.abs(v!)
    return {
      inputs: [g!, m!, nu, p!],
      run: () =>
        outs(
          T.adamStep({
            grad: g!,
            mu: m!,
            nu,
            param: p!,
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            stepSize: 0.01,
            sqrtBc2: 0.5,
            decay: decoupled ? 1e-3 : undefined,
            output: o,
          }),
        ),
    }
  }),
  rmspropStep: fc
    .tuple(operands(5), output, fc.boolean(), fc.boolean())
    .map(([[g, s, ga, b, p], o, centered, withMomentum]) => {
      const sq = T.add(T.abs(s!), T.square(ga!))
      return {
        inputs: [g!, sq, ga!, b!, p!],
        run: () =>
          outs(
            T.rmspropStep({
              grad: g!,
              squareAvg: sq,
              gradAvg: centered ? ga! : undefined,
              momentumBuffer: withMomentum ? b! : undefined,
              param: p!,
              lr: 0.01,
              decay: 0.99,
              eps: 1e-8,
              momentum: 0.5,
              output: o,
            }),
          ),
      }
    }),
}
