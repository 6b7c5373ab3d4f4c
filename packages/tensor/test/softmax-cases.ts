// Immutability cases for the fused softmax cross-entropy kernels (kernels/softmax.ts), spread into the
// package-wide immutability test's table: random float logits with the class axis anywhere, valid labels, every
// reduction, and a cotangent / tangent of the right shape.
import fc from 'fast-check'
import * as T from '../src/index.js'
import type { Tensor } from '../src/index.js'
import { arbShape, arbTensorOf } from './helpers.js'

interface Case {
  readonly inputs: readonly Tensor[]
  readonly run: () => unknown
}

interface Problem {
  readonly x: Tensor
  readonly y: Tensor
  readonly g: Tensor
  readonly t: Tensor
  readonly options: T.CrossEntropyOptions
}

const problem: fc.Arbitrary<Problem> = fc
  .tuple(
    arbShape(3, 4, 1),
    fc.nat(),
    fc.constantFrom<T.CrossEntropyReduction>('none', 'sum', 'mean'),
    fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
  )
  .chain(([shape, pick, reduction, dtype]) => {
    const axis = pick % shape.length
    const batch = shape.filter((_, i) => i !== axis)
    const c = shape[axis]!
    return fc
      .tuple(
        arbTensorOf(shape),
        fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: T.sizeOf(batch), maxLength: T.sizeOf(batch) }),
        arbTensorOf(reduction === 'none' ? batch : []),
        arbTensorOf(shape),
      )
      .map(([x, ys, g, t]) => ({
        x: T.astype(x, dtype),
        y: T.fromArray(ys, batch, { dtype: 'int32' }),
        g: T.astype(g, dtype),
        t: T.astype(t, dtype),
        options: { axis, reduction },
      }))
  })

export const softmaxCases: Record<string, fc.Arbitrary<Case>> = {
  softmaxCrossEntropyLoss: problem.map(({ x, y, options }) => ({
    inputs: [x, y],
    run: () => T.softmaxCrossEntropyLoss(x, y, options),
  })),
  softmaxCrossEntropyBackward: problem.map(({ x, y, g, options }) => ({
    inputs: [x, y, g],
    run: () => T.softmaxCrossEntropyBackward(x, y, g, options),
  })),
  softmaxCrossEntropyTangent: problem.map(({ x, y, t, options }) => ({
    inputs: [x, y, t],
    run: () => T.softmaxCrossEntropyTangent(x, y, t, options),
  })),
}
