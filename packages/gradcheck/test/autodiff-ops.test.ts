/**
 * Gradient properties of every op of the public namespace: for random small arguments (≤ 4 dims of size ≤ 3),
 * `assertGrads` at order 2 in both modes — forward mode against central differences, reverse mode by the
 * dot-product identity, and the same checks on the derivative maps `x ↦ jvp(f)(x, t)` and `x ↦ vjp(f)(x)(c)`.
 * The numerical reference is independent of every rule under test; a broken JVP or transpose rule turns a
 * property red (verified by breaking `tanh`'s JVP rule on purpose).
 *
 * Domains avoid kinks and singularities: positive bases for log/sqrt/pow, denominators away from 0, ReLU-like ops
 * away from 0, max/min/maximum/minimum/comparisons on values without ties.
 */
import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as E from 'fp-ts/Either'
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
  assertGrads,
  checkGrads,
  numericalJvp,
} from '../src/index.js'

const SEED = 1337
/** Default runs per property; the slowest ops use fewer (noted where they do). */
const RUNS = 100
/**
 * Per-property budget. Each property takes 0.05–0.6 s on an idle machine and many times that on a loaded, shared
 * one (softmax/logSoftmax took 8 s there, over vitest's 5 s default). A budget, not a timing assertion.
 */
const BUDGET = 120_000

const tested = new Set<string>()

/** Registers a property for `ops`: `check` runs assertGrads on one random case. */
const prop = <X>(
  ops: readonly string[],
  arb: fc.Arbitrary<X>,
  check: (x: X) => void,
  numRuns = RUNS,
): void => {
  ops.forEach((o) => tested.add(o))
  it(
    ops.join(', '),
    () => {
      fc.assert(fc.property(arb, check), { seed: SEED, numRuns })
    },
    BUDGET,
  )
}

const grads2 = (f: (...args: never[]) => unknown, args: readonly unknown[]): void => {
  assertGrads(f, args, { order: 2, modes: ['fwd', 'rev'] })
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** A shape with at most 4 dims of size ≤ 3. */
const shape = (minRank = 0, maxRank = 4): fc.Arbitrary<number[]> =>
  arbShape({ minRank, maxRank, minDim: 1, maxDim: 3 })

const tensorOf = (s: readonly number[]): fc.Arbitrary<Tensor> => arbTensor(s)

/** Axis specifications for reductions over a tensor of rank r: all, one (maybe negative), or a list. */
const arbAxisSpec = (r: number): fc.Arbitrary<number | number[] | undefined> =>
  fc.oneof(
    fc.constant(undefined),
    ...(r > 0 ? [fc.integer({ min: -r, max: r - 1 })] : []),
    fc
      .subarray(range(r))
      .chain((axes) =>
        fc
          .array(fc.boolean(), { minLength: axes.length, maxLength: axes.length })
          .map((neg) => axes.map((a, i) => (neg[i] ? a - r : a))),
      ),
  )

/** Two tensors of broadcastable shapes whose values are all pairwise distinct (no ties between or within). */
const distinctPair = fc.tuple(arbBroadcastShapes({ maxRank: 3 }), fc.boolean()).chain(([[sa, sb], swap]) => {
  const na = T.sizeOf(sa)
  const nb = T.sizeOf(sb)
  return arbDistinct([na + nb]).map((all) => {
    const v = Array.from(T.toArray(all))
    const a = T.fromArray(v.slice(0, na), sa)
    const b = T.fromArray(v.slice(na), sb)
    return swap ? ([b, a] as const) : ([a, b] as const)
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('gradients of element-wise unary ops (order 2, fwd and rev)', () => {
  const smooth: readonly [string, (x: Value) => Value][] = [
    ['neg', AD.neg],
    ['exp', AD.exp],
    ['expm1', AD.expm1],
    ['sin', AD.sin],
    ['cos', AD.cos],
    ['tanh', AD.tanh],
    ['sigmoid', AD.sigmoid],
    ['gelu', AD.gelu],
    ['softplus', AD.softplus],
    ['square', AD.square],
  ]
  for (const [name, op] of smooth)
    prop([name], shape().chain(tensorOf), (x) => {
      grads2(op, [x])
    })

  prop(
    ['softplus (large |x|)'],
    shape(0, 2).chain((s) => arbTensor(s, { min: -40, max: 40 })),
    (x) => {
      grads2(AD.softplus, [x])
    },
  )

  prop(
    ['log', 'sqrt'],
    shape().chain((s) => arbPositiveTensor(s)),
    (x) => {
      grads2(AD.log, [x])
      grads2(AD.sqrt, [x])
    },
  )

  prop(
    ['log1p'],
    shape().chain((s) => arbTensor(s, { min: -0.7, max: 3 })),
    (x) => {
      grads2(AD.log1p, [x])
    },
  )

  prop(
    ['reciprocal'],
    shape().chain((s) => arbAwayFromKinks(s, { margin: 0.3 })),
    (x) => {
      grads2(AD.reciprocal, [x])
    },
  )

  prop(
    ['abs', 'relu', 'sign'],
    shape().chain((s) => arbAwayFromKinks(s)),
    (x) => {
      grads2(AD.abs, [x])
      grads2(AD.relu, [x])
      grads2(AD.sign, [x])
    },
  )

  prop(
    ['leakyRelu'],
    fc.tuple(
      shape().chain((s) => arbAwayFromKinks(s)),
      fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }),
    ),
    ([x, slope]) => {
      grads2((v: Value) => AD.leakyRelu(v, slope), [x])
      grads2((v: Value) => AD.leakyRelu(v), [x])
    },
  )

  prop(
    ['floor'],
    shape().chain((s) => arbAwayFromKinks(s, { kinks: [-3, -2, -1, 0, 1, 2, 3] })),
    (x) => {
      grads2(AD.floor, [x])
    },
  )

  prop(
    ['round'],
    shape().chain((s) => arbAwayFromKinks(s, { kinks: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5] })),
    (x) => {
      grads2(AD.round, [x])
    },
  )

  prop(['isFinite'], shape().chain(tensorOf), (x) => {
    grads2((v: Value) => AD.add(AD.isFinite(v), v), [x])
  })

  prop(
    ['clip'],
    fc
      .tuple(fc.double({ min: -2, max: 0, noNaN: true }), fc.double({ min: 0.3, max: 2, noNaN: true }))
      .chain(([lo, w]) =>
        fc.tuple(
          fc.constant([lo, lo + w] as const),
          shape().chain((s) => arbAwayFromKinks(s, { kinks: [lo, lo + w] })),
        ),
      ),
    ([[lo, hi], x]) => {
      grads2((v: Value) => AD.clip(v, lo, hi), [x])
    },
  )
})

describe('gradients of element-wise binary ops with broadcasting (order 2, fwd and rev)', () => {
  const pairOf = (arbA: (s: number[]) => fc.Arbitrary<Tensor>, arbB: (s: number[]) => fc.Arbitrary<Tensor>) =>
    arbBroadcastShapes().chain(([sa, sb]) => fc.tuple(arbA(sa), arbB(sb)))

  prop(['add', 'sub', 'mul'], pairOf(tensorOf, tensorOf), ([a, b]) => {
    grads2(AD.add, [a, b])
    grads2(AD.sub, [a, b])
    grads2(AD.mul, [a, b])
  })

  prop(
    ['div'],
    pairOf(tensorOf, (s) => arbAwayFromKinks(s, { margin: 0.5 })),
    ([a, b]) => {
      grads2(AD.div, [a, b])
    },
  )

  prop(
    ['pow'],
    pairOf(
      (s) => arbPositiveTensor(s, { min: 0.3 }),
      (s) => arbTensor(s, { min: -2, max: 2 }),
    ),
    ([a, b]) => {
      grads2(AD.pow, [a, b])
    },
  )

  prop(
    ['pow (number exponent)', 'pow (number base)'],
    fc.tuple(
      shape().chain((s) => arbAwayFromKinks(s, { margin: 0.3 })),
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: 0.3, max: 3, noNaN: true }),
    ),
    ([x, n, base]) => {
      grads2((v: Value) => AD.pow(v, n), [x])
      grads2((v: Value) => AD.pow(base, v), [x])
    },
  )

  prop(
    ['binary ops with a plain-number operand'],
    fc.tuple(
      shape().chain((s) => arbAwayFromKinks(s, { margin: 0.5 })),
      fc.double({ min: -3, max: 3, noNaN: true }),
    ),
    ([x, c]) => {
      grads2(
        (v: Value) => [
          AD.add(v, c),
          AD.add(c, v),
          AD.sub(v, c),
          AD.sub(c, v),
          AD.mul(c, v),
          AD.div(v, 2),
          AD.div(c, v),
        ],
        [x],
      )
    },
  )

  prop(['maximum', 'minimum'], distinctPair, ([a, b]) => {
    grads2(AD.maximum, [a, b])
    grads2(AD.minimum, [a, b])
  })

  prop(['equal', 'notEqual', 'less', 'greater', 'lessEqual', 'greaterEqual'], distinctPair, ([a, b]) => {
    // Zero derivative away from ties; composing with mul checks the masks are treated as constants.
    grads2(
      (u: Value, v: Value) =>
        [AD.equal, AD.notEqual, AD.less, AD.greater, AD.lessEqual, AD.greaterEqual].map((cmp) =>
          AD.mul(cmp(u, v), AD.mul(u, v)),
        ),
      [a, b],
    )
  })

  prop(
    ['where'],
    arbBroadcastShapes().chain(([sa, sb]) =>
      fc.tuple(
        fc
          .array(fc.boolean(), { minLength: T.sizeOf(sa), maxLength: T.sizeOf(sa) })
          .map((c) => T.fromArray(c.map(Number), sa)),
        tensorOf(sa),
        tensorOf(sb),
      ),
    ),
    ([c, a, b]) => {
      grads2((u: Value, v: Value) => AD.where(c, u, v), [a, b])
      grads2((u: Value) => [AD.where(c, u, 0), AD.where(c, 1.5, u)], [a])
    },
  )
})

describe('gradients of reductions (order 2, fwd and rev)', () => {
  const withAxes = (arbX: (s: number[]) => fc.Arbitrary<Tensor>) =>
    shape().chain((s) => fc.tuple(arbX(s), arbAxisSpec(s.length), fc.boolean()))
  const opts = (axis: number | number[] | undefined, keepdims: boolean): AD.ReduceOptions =>
    axis === undefined ? { keepdims } : { axis, keepdims }

  prop(['sum', 'mean', 'logsumexp'], withAxes(tensorOf), ([x, axis, keepdims]) => {
    const o = opts(axis, keepdims)
    grads2((v: Value) => [AD.sum(v, o), AD.mean(v, o), AD.logsumexp(v, o)], [x])
  })

  prop(
    ['logsumexp (large values)'],
    withAxes((s) => arbTensor(s, { min: -200, max: 200 })),
    ([x, axis, keepdims]) => {
      grads2((v: Value) => AD.logsumexp(v, opts(axis, keepdims)), [x])
    },
  )

  prop(
    ['max', 'min'],
    withAxes((s) => arbDistinct(s)),
    ([x, axis, keepdims]) => {
      grads2((v: Value) => [AD.max(v, opts(axis, keepdims)), AD.min(v, opts(axis, keepdims))], [x])
    },
  )

  prop(
    ['argmax', 'argmin'],
    shape().chain((s) =>
      fc.tuple(
        arbDistinct(s),
        s.length > 0
          ? fc.option(fc.integer({ min: -s.length, max: s.length - 1 }), { nil: undefined })
          : fc.constant(undefined),
        fc.boolean(),
      ),
    ),
    ([x, axis, keepdims]) => {
      const o = axis === undefined ? { keepdims } : { axis, keepdims }
      // int32 outputs: zero derivative; the product with x checks they act as constants.
      grads2(
        (v: Value) => [
          AD.argmax(v, o),
          AD.argmin(v, o),
          AD.mul(AD.sum(v), AD.sum(AD.astype(AD.argmin(v, o), 'float64'))),
        ],
        [x],
      )
    },
  )

  prop(
    ['softmax', 'logSoftmax'],
    shape(1).chain((s) => fc.tuple(tensorOf(s), fc.integer({ min: -s.length, max: s.length - 1 }))),
    ([x, axis]) => {
      grads2((v: Value) => [AD.softmax(v, axis), AD.logSoftmax(v, axis)], [x])
      grads2((v: Value) => [AD.softmax(v), AD.logSoftmax(v)], [x])
    },
  )
})

describe('gradients of shape ops (order 2, fwd and rev)', () => {
  /** A target shape of the same size: dims shuffled, some neighbours merged, 1s inserted, maybe one −1. */
  const arbReshape = (s: readonly number[]): fc.Arbitrary<number[]> =>
    fc
      .tuple(
        fc.array(fc.nat(), { minLength: s.length, maxLength: s.length }),
        fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
        fc.array(fc.nat({ max: 4 }), { maxLength: 2 }),
        fc.option(fc.nat(), { nil: undefined }),
      )
      .map(([order, merge, ones, neg]) => {
        const shuffled = s
          .map((d, i) => [order[i]!, i, d] as const)
          .sort((a, b) => a[0] - b[0] || a[1] - b[1])
          .map(([, , d]) => d)
        const merged = shuffled.reduce<number[]>(
          (acc, d, i) => (i > 0 && merge[i] ? [...acc.slice(0, -1), acc[acc.length - 1]! * d] : [...acc, d]),
          [],
        )
        const withOnes = ones.reduce<number[]>(
          (acc, at) => [...acc.slice(0, at % (acc.length + 1)), 1, ...acc.slice(at % (acc.length + 1))],
          merged,
        )
        return neg === undefined || withOnes.length === 0
          ? withOnes
          : withOnes.map((d, i) => (i === neg % withOnes.length ? -1 : d))
      })

  prop(
    ['reshape'],
    shape().chain((s) => fc.tuple(tensorOf(s), arbReshape(s))),
    ([x, target]) => {
      grads2((v: Value) => AD.reshape(AD.mul(v, v), target), [x])
    },
  )

  prop(
    ['transpose'],
    shape().chain((s) =>
      fc.tuple(
        tensorOf(s),
        fc.option(
          fc
            .tuple(
              fc.array(fc.nat(), { minLength: s.length, maxLength: s.length }),
              fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }),
            )
            .map(([keys, neg]) =>
              range(s.length)
                .sort((a, b) => keys[a]! - keys[b]! || a - b)
                .map((a, i) => (neg[i] ? a - s.length : a)),
            ),
          { nil: undefined },
        ),
      ),
    ),
    ([x, axes]) => {
      grads2((v: Value) => AD.transpose(AD.sin(v), axes), [x])
    },
  )

  prop(
    ['expandDims'],
    shape(0, 3).chain((s) => fc.tuple(tensorOf(s), fc.integer({ min: -(s.length + 1), max: s.length }))),
    ([x, axis]) => {
      grads2((v: Value) => AD.expandDims(AD.sin(v), axis), [x])
    },
  )

  prop(
    ['squeeze'],
    arbShape({ minRank: 0, maxRank: 4, minDim: 1, maxDim: 2 }).chain((s) => {
      const ones = range(s.length).filter((i) => s[i] === 1)
      return fc.tuple(tensorOf(s), fc.option(fc.subarray(ones), { nil: undefined }))
    }),
    ([x, axes]) => {
      grads2((v: Value) => AD.squeeze(AD.sin(v), axes), [x])
    },
  )

  prop(
    ['broadcastTo', 'sumToShape'],
    arbBroadcastShapes().chain(([sa, sb]) =>
      fc.tuple(tensorOf(sa), fc.constant(T.broadcastShapes('test', sa, sb))),
    ),
    ([x, full]) => {
      grads2((v: Value) => AD.broadcastTo(AD.sin(v), full), [x])
      grads2((v: Value) => AD.sumToShape(AD.sin(AD.broadcastTo(v, full)), x.shape), [x])
    },
  )

  const arbRange = (n: number): fc.Arbitrary<T.SliceRange | undefined> =>
    fc.option(
      fc.record(
        {
          start: fc.integer({ min: -n - 1, max: n + 1 }),
          stop: fc.integer({ min: -n - 1, max: n + 1 }),
          step: fc.constantFrom(-2, -1, 1, 2, 3),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    )
  prop(
    ['slice'],
    shape(1).chain((s) =>
      fc.tuple(
        tensorOf(s),
        fc.nat({ max: s.length }).chain((k) => fc.tuple(...s.slice(0, k).map(arbRange))),
      ),
    ),
    ([x, ranges]) => {
      grads2((v: Value) => AD.slice(AD.mul(v, v), ranges), [x])
    },
  )

  const arbIndices = (n: number): fc.Arbitrary<readonly number[] | Tensor> =>
    fc.oneof(
      fc.array(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 5 }),
      fc
        .array(fc.nat({ max: n - 1 }), { minLength: 4, maxLength: 4 })
        .map((ix) => T.fromArray(ix, [2, 2], { dtype: 'int32' })),
    )
  const indexed = shape(1, 3).chain((s) =>
    fc.integer({ min: -s.length, max: s.length - 1 }).chain((axis) => {
      const a = axis < 0 ? axis + s.length : axis
      return fc.tuple(tensorOf(s), fc.constant(axis), arbIndices(s[a]!)).chain(([x, ax, ix]) => {
        const ixShape = T.isTensor(ix) ? ix.shape : [ix.length]
        return fc.tuple(
          fc.constant(x),
          fc.constant(ax),
          fc.constant(ix),
          tensorOf([...s.slice(0, a), ...ixShape, ...s.slice(a + 1)]),
        )
      })
    }),
  )
  prop(['take', 'scatterAdd'], indexed, ([x, axis, ix, updates]) => {
    grads2((v: Value) => AD.take(AD.mul(v, v), ix, axis), [x])
    grads2((b: Value, u: Value) => AD.scatterAdd(AD.sin(b), ix, AD.mul(u, u), axis), [x, updates])
  })

  prop(
    ['concat', 'stack'],
    shape(1, 3).chain((s) =>
      fc.integer({ min: -s.length, max: s.length - 1 }).chain((axis) => {
        const a = axis < 0 ? axis + s.length : axis
        return fc.tuple(
          fc.constant(axis),
          fc.array(
            fc.integer({ min: 1, max: 3 }).chain((d) => tensorOf(s.map((n, i) => (i === a ? d : n)))),
            { minLength: 1, maxLength: 3 },
          ),
          fc.array(tensorOf(s), { minLength: 1, maxLength: 3 }),
          fc.integer({ min: -(s.length + 1), max: s.length }),
        )
      }),
    ),
    ([axis, parts, same, stackAxis]) => {
      grads2(
        (...xs: Value[]) =>
          AD.concat(
            xs.map((v) => AD.mul(v, v)),
            axis,
          ),
        parts,
      )
      grads2(
        (...xs: Value[]) =>
          AD.stack(
            xs.map((v) => AD.sin(v)),
            stackAxis,
          ),
        same,
      )
    },
  )

  prop(
    ['split'],
    shape(1).chain((s) =>
      fc.integer({ min: -s.length, max: s.length - 1 }).chain((axis) => {
        const n = s[axis < 0 ? axis + s.length : axis]!
        const divisors = range(n + 1).filter((d) => d > 0 && n % d === 0)
        return fc.tuple(
          tensorOf(s),
          fc.constant(axis),
          fc.oneof(
            fc.constantFrom(...divisors),
            fc.array(fc.nat({ max: n }), { maxLength: 3 }).map((c) => [...c].sort((p, q) => p - q)),
          ),
        )
      }),
    ),
    ([x, axis, sections]) => {
      grads2((v: Value) => AD.split(AD.mul(v, v), sections, axis), [x])
    },
  )

  prop(
    ['pad'],
    shape().chain((s) =>
      fc.tuple(
        tensorOf(s),
        fc.tuple(...s.map(() => fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })))),
        fc.double({ min: -2, max: 2, noNaN: true }),
      ),
    ),
    ([x, widths, value]) => {
      grads2((v: Value) => AD.pad(AD.sin(v), widths, value), [x])
      grads2((v: Value) => AD.pad(AD.sin(v), widths), [x])
    },
  )
})

describe('gradients of matmul and dot (order 2, fwd and rev)', () => {
  const dims = fc.tuple(
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 1, max: 3 }),
  )
  const cases = fc.oneof(
    dims.map(([, k]) => [[k], [k]]),
    dims.map(([, k, n]) => [[k], [k, n]]),
    dims.map(([m, k]) => [[m, k], [k]]),
    dims.map(([m, k, n]) => [
      [m, k],
      [k, n],
    ]),
    fc.tuple(dims, arbBroadcastShapes({ maxRank: 2 })).map(([[m, k, n], [ba, bb]]) => [
      [...ba, m, k],
      [...bb, k, n],
    ]),
    fc.tuple(dims, arbShape({ minRank: 1, maxRank: 2 })).map(([[, k, n], b]) => [[k], [...b, k, n]]),
    fc.tuple(dims, arbShape({ minRank: 1, maxRank: 2 })).map(([[m, k], b]) => [[...b, m, k], [k]]),
  )
  prop(
    ['matmul', 'dot'],
    cases.chain(([sa, sb]) => fc.tuple(tensorOf(sa!), tensorOf(sb!))),
    ([a, b]) => {
      grads2(AD.matmul, [a, b])
      grads2((u: Value, v: Value) => AD.dot(AD.sin(u), v), [a, b])
    },
  )
})

describe('gradients of dtype conversion, constants and stopGradient', () => {
  prop(
    ['astype'],
    shape(0, 3).chain((s) => arbTensor(s, { dtype: 'float32' })),
    (x) => {
      // float32 arguments: checkGrads uses float32 step and tolerances.
      grads2((v: Value) => AD.mul(AD.astype(v, 'float64'), AD.astype(v, 'float64')), [x])
      grads2((v: Value) => AD.astype(AD.sin(AD.astype(v, 'float64')), 'float32'), [x])
    },
  )

  prop(['zerosLike', 'onesLike'], shape().chain(tensorOf), (x) => {
    grads2((v: Value) => AD.add(AD.mul(v, AD.onesLike(v)), AD.zerosLike(v)), [x])
  })

  prop(
    ['stopGradient'],
    shape().chain((s) => arbAwayFromKinks(s)),
    (x) => {
      // Autodiff treats stopGradient(x) as a constant, so f(x) = x·stopGradient(x) has JVP x·t, while the
      // numerical derivative is 2x·t: the check must fail in fwd, and the JVP must equal the naive x·t.
      const f = (v: Value) => AD.mul(v, AD.stopGradient(v))
      const t = T.ones(x.shape)
      const [, tOut] = AD.jvp(f, [x], [t])
      expect(Array.from(AD.toArray(tOut))).toEqual(Array.from(T.toArray(x)))
      const twice = Array.from(T.toArray(numericalJvp(f, [x], [t]) as Tensor))
      twice.forEach((g, i) => {
        expect(g).toBeCloseTo(2 * T.toArray(x)[i]!, 6)
      })
      expect(E.isLeft(checkGrads(f, [x], { modes: ['fwd'] }))).toBe(true)
    },
  )
})

describe('coverage', () => {
  it('every op of the public namespace has a gradient property', () => {
    const notOps = new Set([
      // transformations, primitives machinery, trees
      'Tracer',
      'LeakedTracerError',
      'isValue',
      'definePrimitive',
      'bind',
      'unstable_setPrimitiveObserver',
      'jvp',
      'vjp',
      'linearize',
      'grad',
      'valueAndGrad',
      'jacfwd',
      'jacrev',
      'hessian',
      'jit',
      'setJitCheck',
      'JitMismatchError',
      'customJvp',
      'customVjp',
      'treeFlatten',
      'treeUnflatten',
      'treeLeaves',
      'treeMap',
      'showTreeDef',
      'treeDefEqual',
      'treePaths',
      'isPlainObject',
      // staging: programs as data (makeGraph, evalGraph, printers)
      'StageTracer',
      'StagedValueError',
      'hasAbstractRule',
      'makeGraph',
      'evalGraph',
      'evalGraphVars',
      'evalEquation',
      'showType',
      'varName',
      'showPrimitive',
      'programNames',
      'showProgram',
      'toDot',
      // readouts of concrete values (not differentiable by design)
      'toTensor',
      'item',
      'toArray',
      'toNested',
    ])
    const ops = Object.keys(AD).filter(
      (k) => !notOps.has(k) && typeof (AD as Record<string, unknown>)[k] === 'function',
    )
    expect(ops.filter((o) => !tested.has(o))).toEqual([])
  })
})
