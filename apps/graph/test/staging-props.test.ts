/**
 * Property tests of the staged-program evaluator over the arbitraries gradcheck uses (they live here because
 * autodiff's own tests cannot depend on gradcheck, which depends on autodiff).
 *
 * For random shapes and values: a function staged at one point and evaluated at another equals calling the
 * function there, bit for bit (so no value was baked into the program and every primitive is covered); its
 * gradient through the program (grad of evalGraph, and the staged gradient program) equals the eager gradient.
 */
import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import {
  arbAwayFromKinks,
  arbBroadcastShapes,
  arbDistinct,
  arbPositiveTensor,
  arbShape,
  arbTensor,
} from '@cotangent/gradcheck'

const SEED = 4242
const RUNS = 40

const leaves = (x: unknown): Value[] => AD.treeLeaves(x) as Value[]

const bitwise = (got: unknown, want: unknown, what: string): void => {
  const [g, w] = [leaves(got), leaves(want)]
  expect(g.length, what).toBe(w.length)
  g.forEach((x, i) => {
    const [a, b] = [AD.toTensor(x), AD.toTensor(w[i]!)]
    expect(a.shape, what).toEqual(b.shape)
    expect(a.dtype, what).toBe(b.dtype)
    expect(Array.from(T.toArray(a)), what).toEqual(Array.from(T.toArray(b)))
  })
}

const close = (got: unknown, want: unknown, what: string): void => {
  const [g, w] = [leaves(got), leaves(want)]
  expect(g.length, what).toBe(w.length)
  g.forEach((x, i) => {
    const [a, b] = [T.toArray(AD.toTensor(x)), T.toArray(AD.toTensor(w[i]!))]
    expect(a.length, what).toBe(b.length)
    a.forEach((v, j) => {
      expect(Math.abs(v - b[j]!), what).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[j]!)))
    })
  })
}

/** A scalar from every float leaf of an output tree (weights keep the leaves apart). */
const scalarize = (out: unknown): Value =>
  leaves(out)
    .filter((l) => l.dtype !== 'int32')
    .reduce<Value>((s, l, i) => AD.add(s, AD.mul(AD.sum(l), i + 1)), T.scalar(0))

type Fn = (...xs: Value[]) => unknown

/** Stages `f` at `at`, evaluates at `args`; compares with eager `f(args)`; with `grads`, compares gradients too. */
const agree = (f: Fn, at: readonly Tensor[], args: readonly Tensor[], grads: boolean): void => {
  const p = AD.makeGraph(f)(...at)
  bitwise(AD.evalGraph(p, ...args), f(...args), 'evalGraph = f')
  if (!grads) return
  const argnums = args.map((_, i) => i)
  const F = (...xs: Value[]): Value => scalarize(f(...xs))
  const want = AD.grad(F, { argnums })(...args)
  close(
    AD.grad((...xs: Value[]) => scalarize(AD.evalGraph(p, ...xs)), { argnums })(...args),
    want,
    'grad(evalGraph) = grad(f)',
  )
  close(
    AD.evalGraph(AD.makeGraph(AD.grad(F, { argnums }))(...at), ...args),
    want,
    'evalGraph(makeGraph(grad f)) = grad(f)',
  )
}

const shape = (minRank = 0, maxRank = 3): fc.Arbitrary<number[]> =>
  arbShape({ minRank, maxRank, minDim: 1, maxDim: 3 })

/** Two independent draws of the same shapes: the staging point and the evaluation point. */
const twice = <X>(arb: fc.Arbitrary<X>): fc.Arbitrary<[X, X]> => fc.tuple(arb, arb)

const prop = <A extends readonly Tensor[]>(
  name: string,
  arb: (s: number[]) => fc.Arbitrary<A>,
  f: Fn,
  grads = true,
  shapes = shape(),
): void => {
  it(name, () => {
    fc.assert(
      fc.property(
        shapes.chain((s) => twice(arb(s))),
        ([at, args]) => {
          agree(f, at, args, grads)
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })
}

const one = (a: (s: number[]) => fc.Arbitrary<Tensor>) => (s: number[]) => a(s).map((x) => [x] as const)

describe('evalGraph equals the function, and gradients through the IR equal eager ones', () => {
  prop('smooth unary ops', one(arbTensor), (x) => [
    AD.neg(x),
    AD.exp(x),
    AD.expm1(x),
    AD.sin(x),
    AD.cos(x),
    AD.tanh(x),
    AD.sigmoid(x),
    AD.gelu(x),
    AD.softplus(x),
    AD.square(x),
  ])
  prop(
    'log, sqrt, log1p on positive values',
    one((s) => arbPositiveTensor(s)),
    (x) => [AD.log(x), AD.sqrt(x), AD.log1p(x), AD.reciprocal(x)],
  )
  prop(
    'kinked ops away from kinks',
    one((s) => arbAwayFromKinks(s)),
    (x) => [AD.abs(x), AD.relu(x), AD.leakyRelu(x), AD.sign(x), AD.clip(x, -1, 1)],
  )
  prop(
    'zero-derivative ops',
    one((s) => arbAwayFromKinks(s, { kinks: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5] })),
    (x) => [AD.floor(x), AD.round(x), AD.isFinite(x), AD.stopGradient(x)],
  )

  it('binary ops with broadcasting (and plain-number operands)', () => {
    fc.assert(
      fc.property(
        arbBroadcastShapes({ maxRank: 3 }).chain(([sa, sb]) =>
          twice(
            fc.tuple(
              arbTensor(sa),
              arbAwayFromKinks(sb, { margin: 0.5 }),
              arbPositiveTensor(sa, { min: 0.3 }),
            ),
          ),
        ),
        ([at, args]) => {
          agree(
            (a, b, c) => [
              AD.add(a, b),
              AD.sub(a, b),
              AD.mul(a, b),
              AD.div(a, b),
              AD.pow(c, b),
              AD.add(a, 2),
              AD.sub(3, b),
              AD.div(1.5, b),
              AD.pow(c, 3),
            ],
            at,
            args,
            true,
          )
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('maximum, minimum and comparisons on values without ties', () => {
    fc.assert(
      fc.property(
        shape().chain((s) =>
          twice(
            arbDistinct([2 * T.sizeOf(s)]).map(
              (all) =>
                [
                  T.reshape(T.slice(all, [{ stop: T.sizeOf(s) }]), s),
                  T.reshape(T.slice(all, [{ start: T.sizeOf(s) }]), s),
                ] as const,
            ),
          ),
        ),
        ([at, args]) => {
          agree(
            (a, b) => [
              AD.maximum(a, b),
              AD.minimum(a, b),
              AD.equal(a, b),
              AD.notEqual(a, b),
              AD.less(a, b),
              AD.greater(a, b),
              AD.lessEqual(a, b),
              AD.greaterEqual(a, b),
              AD.where(AD.less(a, b), a, b),
            ],
            at,
            args,
            true,
          )
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('reductions over random axes (sum, mean, logsumexp, max, min, argmax, softmax)', () => {
    fc.assert(
      fc.property(
        shape(1, 3).chain((s) =>
          fc.tuple(fc.integer({ min: -s.length, max: s.length - 1 }), fc.boolean(), twice(arbDistinct(s))),
        ),
        ([axis, keepdims, [at, args]]) => {
          const o = { axis, keepdims }
          agree(
            (x) => [
              AD.sum(x, o),
              AD.mean(x, o),
              AD.logsumexp(x, o),
              AD.max(x, o),
              AD.min(x, o),
              AD.softmax(x, axis),
              AD.logSoftmax(x, axis),
              AD.argmax(x, { axis }),
            ],
            [at],
            [args],
            true,
          )
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('movement: reshape, transpose, slice, take, concat, pad, broadcastTo', () => {
    fc.assert(
      fc.property(
        shape(2, 3).chain((s) => twice(arbTensor(s))),
        ([at, args]) => {
          agree(
            (x) => {
              const n = x.shape[0]!
              return [
                AD.reshape(x, [-1]),
                AD.transpose(x),
                AD.slice(x, [{ start: 0, stop: n, step: 2 }]),
                AD.take(x, [n - 1, 0, n - 1], 0),
                AD.concat([x, x], 1),
                AD.pad(
                  x,
                  x.shape.map(() => [1, 0] as const),
                  0.5,
                ),
                AD.broadcastTo(AD.sum(x, { axis: 0, keepdims: true }), x.shape),
                AD.scatterAdd(AD.zerosLike(x), [n - 1, 0], AD.take(x, [0, n - 1], 0), 0),
              ]
            },
            [at],
            [args],
            true,
          )
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('matmul of random compatible shapes (matrix, vector, batched) and astype', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 2 }),
          )
          .chain(([m, k, n, b]) =>
            twice(fc.tuple(arbTensor([m, k]), arbTensor([k, n]), arbTensor([k]), arbTensor([b, m, k]))),
          ),
        ([at, args]) => {
          agree(
            (A, B, v, C) => [
              AD.matmul(A, B),
              AD.matmul(A, v),
              AD.matmul(v, B),
              AD.matmul(C, B),
              AD.astype(AD.matmul(A, B), 'float32'),
            ],
            at,
            args,
            true,
          )
        },
      ),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
