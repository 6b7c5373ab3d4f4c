/**
 * The op cases of the public namespace of @cotangent/autodiff, as data: for each group of ops, random small
 * arguments (≤ 4 dims of size ≤ 3) and the calls `f(...args)` to check at such a point. Two test files interpret
 * the same table, each with its own seed and number of runs:
 * - packages/gradcheck/test/autodiff-ops.test.ts runs `assertGrads` at order 2 in both modes on every call;
 * - packages/autodiff/test/jit-properties.test.ts runs its `jit` checks (values, jvp, grad, Hessian–vector
 *   products, checkGrads of the jitted function) on every call.
 * A property draws its arguments from one arbitrary and checks every call at that point, so a broken rule turns
 * the property of its op red in both files. `describeOpGroups` registers the table as tests (a `describe` per
 * group, a test per property) for a file's `OpTests`: its check of one call, seed, runs and budget.
 *
 * Domains avoid kinks and singularities: positive bases for log/sqrt/pow, denominators away from 0, ReLU-like ops
 * away from 0, max/min/maximum/minimum/comparisons on values without ties. Numbers, axes, options, conditions and
 * indices are closed over; `args` are the differentiated tensors.
 *
 * `NOT_OPS` and `READOUTS` list the exports that are not ops, for the coverage tests of both files and of
 * packages/autodiff/test/values-ops.test.ts: a function export not listed there is an op and needs a case here.
 *
 * The module lives with the gradient properties (the first interpreter); autodiff's tests import it by a relative
 * path, as they already import @cotangent/gradcheck.
 */
import { describe, it } from 'vitest'
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
} from '../src/index.js'

/** One call to check: `f` applied to `args`. */
export interface OpCall {
  readonly f: (...args: Value[]) => unknown
  readonly args: readonly Value[]
}

/** A property over the ops `names`: a random point and the calls to check at it. */
export interface OpProperty {
  /** The ops the property covers (the coverage tests read them); joined, the test's title. */
  readonly names: readonly string[]
  /** The fast-check property: draws a point from the case's arbitrary and hands its calls to `check`. */
  readonly property: (check: (calls: readonly OpCall[]) => void) => fc.IPropertyWithHooks<[unknown]>
}

/** A group of properties (a `describe` block in both files); `id` lets a file add properties of its own. */
export interface OpGroup {
  readonly id: 'unary' | 'binary' | 'reductions' | 'shape' | 'matmul' | 'dtype'
  /** Completes "gradients of …" / "jit of …". */
  readonly title: string
  readonly properties: readonly OpProperty[]
}

/** An op property: `calls(x)` lists the calls to check at a point `x` drawn from `arb`. */
export const opProperty = <X>(
  names: readonly string[],
  arb: fc.Arbitrary<X>,
  calls: (x: X) => readonly OpCall[],
): OpProperty => ({
  names,
  property: (check) =>
    fc.property(arb, (x) => {
      check(calls(x))
    }),
})

/** How a test file interprets the table: its check of one call, seed, runs per property and budget per test. */
export interface OpTests {
  /** Throws unless the call passes; `label` names the ops and the call's index. */
  readonly check: (call: OpCall, label: string) => void
  readonly seed: number
  readonly numRuns: number
  /** Per-test budget in ms (a budget, not a timing assertion). */
  readonly budget: number
  /** The ops given a test so far, for the file's coverage test. */
  readonly tested: Set<string>
}

/** Registers a test titled `title` for the ops `names`, running `property()` with the file's seed and runs. */
const register = (
  t: OpTests,
  title: string,
  names: readonly string[],
  property: () => fc.IPropertyWithHooks<[unknown]>,
): void => {
  names.forEach((o) => t.tested.add(o))
  it(
    title,
    () => {
      fc.assert(property(), { seed: t.seed, numRuns: t.numRuns })
    },
    t.budget,
  )
}

/** Registers a test for one op property: `t.check` on every call at each random point. */
export const opTest = (t: OpTests, { names, property }: OpProperty): void => {
  register(t, names.join(', '), names, () =>
    property((calls) => {
      calls.forEach((call, i) => {
        t.check(call, `${names.join('/')} #${i}`)
      })
    }),
  )
}

/**
 * Registers the stopGradient test titled `title`: `check(x, f)` at random points x away from 0, for
 * f(x) = x·stopGradient(x). It is no entry of the table because its derivatives are meant to disagree with finite
 * differences (autodiff gives the JVP x·t, the numbers 2x·t), so each file states what it expects.
 */
export const stopGradientTest = (
  t: OpTests,
  title: string,
  check: (x: Tensor, f: (v: Value) => Value) => void,
): void => {
  const f = (v: Value): Value => AD.mul(v, AD.stopGradient(v))
  register(t, title, ['stopGradient'], () =>
    fc.property(
      shape().chain((s) => arbAwayFromKinks(s)),
      (x) => {
        check(x, f)
      },
    ),
  )
}

/**
 * Registers every group of `OP_GROUPS` as a `describe` titled `title(group)`, with a test per op property and
 * then the file's own tests of that group (`own[group.id]`).
 */
export const describeOpGroups = (
  t: OpTests,
  title: (group: OpGroup) => string,
  own: Partial<Record<OpGroup['id'], () => void>> = {},
): void => {
  for (const group of OP_GROUPS)
    describe(title(group), () => {
      group.properties.forEach((p) => {
        opTest(t, p)
      })
      own[group.id]?.()
    })
}

/** `f` of one argument at `x`. */
export const one = (f: (v: Value) => unknown, x: Value): OpCall => ({ f, args: [x] })
/** `f` of two arguments at `(a, b)`. */
export const two = (f: (u: Value, v: Value) => unknown, a: Value, b: Value): OpCall => ({ f, args: [a, b] })

/** `[0, 1, …, n − 1]`. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** A shape with at most 4 dims of size ≤ 3. */
export const shape = (minRank = 0, maxRank = 4): fc.Arbitrary<number[]> =>
  arbShape({ minRank, maxRank, minDim: 1, maxDim: 3 })

/** A float64 tensor of shape `s` with the default value range. */
export const tensorOf = (s: readonly number[]): fc.Arbitrary<Tensor> => arbTensor(s)

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

const SMOOTH: readonly [string, (x: Value) => Value][] = [
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

const unary: OpGroup = {
  id: 'unary',
  title: 'element-wise unary ops',
  properties: [
    ...SMOOTH.map(([name, op]) => opProperty([name], shape().chain(tensorOf), (x) => [one(op, x)])),
    opProperty(
      ['softplus (large |x|)'],
      shape(0, 2).chain((s) => arbTensor(s, { min: -40, max: 40 })),
      (x) => [one(AD.softplus, x)],
    ),
    opProperty(
      ['log', 'sqrt'],
      shape().chain((s) => arbPositiveTensor(s)),
      (x) => [one(AD.log, x), one(AD.sqrt, x)],
    ),
    opProperty(
      ['log1p'],
      shape().chain((s) => arbTensor(s, { min: -0.7, max: 3 })),
      (x) => [one(AD.log1p, x)],
    ),
    opProperty(
      ['reciprocal'],
      shape().chain((s) => arbAwayFromKinks(s, { margin: 0.3 })),
      (x) => [one(AD.reciprocal, x)],
    ),
    opProperty(
      ['abs', 'relu', 'sign'],
      shape().chain((s) => arbAwayFromKinks(s)),
      (x) => [one(AD.abs, x), one(AD.relu, x), one(AD.sign, x)],
    ),
    opProperty(
      ['leakyRelu'],
      fc.tuple(
        shape().chain((s) => arbAwayFromKinks(s)),
        fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }),
      ),
      ([x, slope]) => [one((v) => AD.leakyRelu(v, slope), x), one((v) => AD.leakyRelu(v), x)],
    ),
    opProperty(
      ['floor'],
      shape().chain((s) => arbAwayFromKinks(s, { kinks: [-3, -2, -1, 0, 1, 2, 3] })),
      (x) => [one(AD.floor, x)],
    ),
    opProperty(
      ['round'],
      shape().chain((s) => arbAwayFromKinks(s, { kinks: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5] })),
      (x) => [one(AD.round, x)],
    ),
    opProperty(['isFinite'], shape().chain(tensorOf), (x) => [one((v) => AD.add(AD.isFinite(v), v), x)]),
    opProperty(
      ['clip'],
      fc
        .tuple(fc.double({ min: -2, max: 0, noNaN: true }), fc.double({ min: 0.3, max: 2, noNaN: true }))
        .chain(([lo, w]) =>
          fc.tuple(
            fc.constant([lo, lo + w] as const),
            shape().chain((s) => arbAwayFromKinks(s, { kinks: [lo, lo + w] })),
          ),
        ),
      ([[lo, hi], x]) => [one((v) => AD.clip(v, lo, hi), x)],
    ),
  ],
}

const pairOf = (arbA: (s: number[]) => fc.Arbitrary<Tensor>, arbB: (s: number[]) => fc.Arbitrary<Tensor>) =>
  arbBroadcastShapes().chain(([sa, sb]) => fc.tuple(arbA(sa), arbB(sb)))

const binary: OpGroup = {
  id: 'binary',
  title: 'element-wise binary ops with broadcasting',
  properties: [
    opProperty(['add', 'sub', 'mul'], pairOf(tensorOf, tensorOf), ([a, b]) => [
      two(AD.add, a, b),
      two(AD.sub, a, b),
      two(AD.mul, a, b),
      // a broadcast chain ending in a reduction
      two((u, v) => AD.sum(AD.mul(AD.add(u, v), AD.sub(u, v))), a, b),
    ]),
    opProperty(
      ['div'],
      pairOf(tensorOf, (s) => arbAwayFromKinks(s, { margin: 0.5 })),
      ([a, b]) => [two(AD.div, a, b)],
    ),
    opProperty(
      ['pow'],
      pairOf(
        (s) => arbPositiveTensor(s, { min: 0.3 }),
        (s) => arbTensor(s, { min: -2, max: 2 }),
      ),
      ([a, b]) => [two(AD.pow, a, b)],
    ),
    opProperty(
      ['pow (number exponent)', 'pow (number base)'],
      fc.tuple(
        shape().chain((s) => arbAwayFromKinks(s, { margin: 0.3 })),
        fc.integer({ min: -3, max: 3 }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
      ),
      ([x, n, base]) => [one((v) => AD.pow(v, n), x), one((v) => AD.pow(base, v), x)],
    ),
    opProperty(
      ['binary ops with a plain-number operand'],
      fc.tuple(
        shape().chain((s) => arbAwayFromKinks(s, { margin: 0.5 })),
        fc.double({ min: -3, max: 3, noNaN: true }),
      ),
      ([x, c]) => [
        one(
          (v) => [
            AD.add(v, c),
            AD.add(c, v),
            AD.sub(v, c),
            AD.sub(c, v),
            AD.mul(c, v),
            AD.div(v, 2),
            AD.div(c, v),
          ],
          x,
        ),
      ],
    ),
    opProperty(['maximum', 'minimum'], distinctPair, ([a, b]) => [
      two(AD.maximum, a, b),
      two(AD.minimum, a, b),
    ]),
    opProperty(
      ['equal', 'notEqual', 'less', 'greater', 'lessEqual', 'greaterEqual'],
      distinctPair,
      ([a, b]) => [
        // Zero derivative away from ties; composing with mul checks the masks are treated as constants.
        two(
          (u, v) =>
            [AD.equal, AD.notEqual, AD.less, AD.greater, AD.lessEqual, AD.greaterEqual].map((cmp) =>
              AD.mul(cmp(u, v), AD.mul(u, v)),
            ),
          a,
          b,
        ),
      ],
    ),
    opProperty(
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
      ([c, a, b]) => [
        two((u, v) => AD.where(c, u, v), a, b),
        one((u) => [AD.where(c, u, 0), AD.where(c, 1.5, u)], a),
      ],
    ),
  ],
}

const withAxes = (arbX: (s: number[]) => fc.Arbitrary<Tensor>) =>
  shape().chain((s) => fc.tuple(arbX(s), arbAxisSpec(s.length), fc.boolean()))
const opts = (axis: number | number[] | undefined, keepdims: boolean): AD.ReduceOptions =>
  axis === undefined ? { keepdims } : { axis, keepdims }

const reductions: OpGroup = {
  id: 'reductions',
  title: 'reductions',
  properties: [
    opProperty(['sum', 'mean', 'logsumexp'], withAxes(tensorOf), ([x, axis, keepdims]) => {
      const o = opts(axis, keepdims)
      return [one((v) => [AD.sum(v, o), AD.mean(v, o), AD.logsumexp(v, o)], x)]
    }),
    opProperty(
      ['logsumexp (large values)'],
      withAxes((s) => arbTensor(s, { min: -200, max: 200 })),
      ([x, axis, keepdims]) => [one((v) => AD.logsumexp(v, opts(axis, keepdims)), x)],
    ),
    opProperty(
      ['max', 'min'],
      withAxes((s) => arbDistinct(s)),
      ([x, axis, keepdims]) => [
        one((v) => [AD.max(v, opts(axis, keepdims)), AD.min(v, opts(axis, keepdims))], x),
      ],
    ),
    opProperty(
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
        return [
          one((v) => [AD.argmax(v, o), AD.argmin(v, o)], x),
          one((v) => AD.mul(AD.sum(v), AD.sum(AD.astype(AD.argmin(v, o), 'float64'))), x),
        ]
      },
    ),
    opProperty(
      ['softmax', 'logSoftmax'],
      shape(1).chain((s) => fc.tuple(tensorOf(s), fc.integer({ min: -s.length, max: s.length - 1 }))),
      ([x, axis]) => [
        one((v) => [AD.softmax(v, axis), AD.logSoftmax(v, axis)], x),
        one((v) => [AD.softmax(v), AD.logSoftmax(v)], x),
      ],
    ),
  ],
}

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

/** A permutation of the axes of rank r (entries maybe negative), or none (reverse). */
const arbAxes = (r: number): fc.Arbitrary<number[] | undefined> =>
  fc.option(
    fc
      .tuple(
        fc.array(fc.nat(), { minLength: r, maxLength: r }),
        fc.array(fc.boolean(), { minLength: r, maxLength: r }),
      )
      .map(([keys, neg]) =>
        range(r)
          .sort((a, b) => keys[a]! - keys[b]! || a - b)
          .map((a, i) => (neg[i] ? a - r : a)),
      ),
    { nil: undefined },
  )

/** A slice range along a dim of size n (bounds out of range too), or none. */
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

/** Indices into a dim of size n: a list, or an int32 tensor of shape [2, 2]. */
const arbIndices = (n: number): fc.Arbitrary<readonly number[] | Tensor> =>
  fc.oneof(
    fc.array(fc.nat({ max: n - 1 }), { minLength: 1, maxLength: 5 }),
    fc
      .array(fc.nat({ max: n - 1 }), { minLength: 4, maxLength: 4 })
      .map((ix) => T.fromArray(ix, [2, 2], { dtype: 'int32' })),
  )

/** A tensor, an axis, indices along it, and updates of the shape `take` gives. */
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

const shapeOps: OpGroup = {
  id: 'shape',
  title: 'shape ops',
  properties: [
    opProperty(
      ['reshape'],
      shape().chain((s) => fc.tuple(tensorOf(s), arbReshape(s))),
      ([x, target]) => [one((v) => AD.reshape(AD.mul(v, v), target), x)],
    ),
    opProperty(
      ['transpose'],
      shape().chain((s) => fc.tuple(tensorOf(s), arbAxes(s.length))),
      ([x, axes]) => [one((v) => AD.transpose(AD.sin(v), axes), x)],
    ),
    opProperty(
      ['expandDims'],
      shape(0, 3).chain((s) => fc.tuple(tensorOf(s), fc.integer({ min: -(s.length + 1), max: s.length }))),
      ([x, axis]) => [one((v) => AD.expandDims(AD.sin(v), axis), x)],
    ),
    opProperty(
      ['squeeze'],
      arbShape({ minRank: 0, maxRank: 4, minDim: 1, maxDim: 2 }).chain((s) => {
        const ones = range(s.length).filter((i) => s[i] === 1)
        return fc.tuple(tensorOf(s), fc.option(fc.subarray(ones), { nil: undefined }))
      }),
      ([x, axes]) => [one((v) => AD.squeeze(AD.sin(v), axes), x)],
    ),
    opProperty(
      ['broadcastTo', 'sumToShape'],
      arbBroadcastShapes().chain(([sa, sb]) =>
        fc.tuple(tensorOf(sa), fc.constant(T.broadcastShapes('test', sa, sb))),
      ),
      ([x, full]) => [
        one((v) => AD.broadcastTo(AD.sin(v), full), x),
        one((v) => AD.sumToShape(AD.sin(AD.broadcastTo(v, full)), x.shape), x),
      ],
    ),
    opProperty(
      ['slice'],
      shape(1).chain((s) =>
        fc.tuple(
          tensorOf(s),
          fc.nat({ max: s.length }).chain((k) => fc.tuple(...s.slice(0, k).map(arbRange))),
        ),
      ),
      ([x, ranges]) => [one((v) => AD.slice(AD.mul(v, v), ranges), x)],
    ),
    opProperty(['take', 'scatterAdd'], indexed, ([x, axis, ix, updates]) => [
      one((v) => AD.take(AD.mul(v, v), ix, axis), x),
      two((b, u) => AD.scatterAdd(AD.sin(b), ix, AD.mul(u, u), axis), x, updates),
    ]),
    opProperty(
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
      ([axis, parts, same, stackAxis]) => [
        {
          f: (...xs: Value[]) =>
            AD.concat(
              xs.map((v) => AD.mul(v, v)),
              axis,
            ),
          args: parts,
        },
        {
          f: (...xs: Value[]) =>
            AD.stack(
              xs.map((v) => AD.sin(v)),
              stackAxis,
            ),
          args: same,
        },
      ],
    ),
    opProperty(
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
      ([x, axis, sections]) => [one((v) => AD.split(AD.mul(v, v), sections, axis), x)],
    ),
    opProperty(
      ['pad'],
      shape().chain((s) =>
        fc.tuple(
          tensorOf(s),
          fc.tuple(...s.map(() => fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })))),
          fc.double({ min: -2, max: 2, noNaN: true }),
        ),
      ),
      ([x, widths, value]) => [
        one((v) => AD.pad(AD.sin(v), widths, value), x),
        one((v) => AD.pad(AD.sin(v), widths), x),
      ],
    ),
  ],
}

const dims = fc.tuple(
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 1, max: 3 }),
)
/** Operand shapes of matmul: 1-d promotion on either side, plain matrices, broadcast batches. */
const matmulShapes = fc.oneof(
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

const matmul: OpGroup = {
  id: 'matmul',
  title: 'matmul and dot',
  properties: [
    opProperty(
      ['matmul', 'dot'],
      matmulShapes.chain(([sa, sb]) => fc.tuple(tensorOf(sa!), tensorOf(sb!))),
      ([a, b]) => [two(AD.matmul, a, b), two((u, v) => AD.dot(AD.sin(u), v), a, b)],
    ),
  ],
}

const dtype: OpGroup = {
  id: 'dtype',
  title: 'dtype conversion, constants and stopGradient',
  properties: [
    opProperty(
      ['astype'],
      shape(0, 3).chain((s) => arbTensor(s, { dtype: 'float32' })),
      // float32 arguments: checkGrads uses float32 step and tolerances.
      (x) => [
        one((v) => AD.mul(AD.astype(v, 'float64'), AD.astype(v, 'float64')), x),
        one((v) => AD.astype(AD.sin(AD.astype(v, 'float64')), 'float32'), x),
      ],
    ),
    opProperty(['zerosLike', 'onesLike'], shape().chain(tensorOf), (x) => [
      one((v) => AD.add(AD.mul(v, AD.onesLike(v)), AD.zerosLike(v)), x),
    ]),
    // stopGradient: see stopGradientTest
  ],
}

/** Every op property, by group. */
export const OP_GROUPS: readonly OpGroup[] = [unary, binary, reductions, shapeOps, matmul, dtype]

/**
 * Function exports of @cotangent/autodiff that are not ops: transformations, the primitive machinery and its
 * instrumentation hook, trees, staging (programs as data: makeGraph, evalGraph, printers), and jit with its switch
 * and error. A function export not listed here or in `READOUTS` is an op, and every coverage test asks for it.
 */
export const NOT_OPS: ReadonlySet<string> = new Set([
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
  // keys and random draws: no derivative by design; autodiff's random.test.ts checks them eagerly, staged and under jit
  'isStagedKey',
  'keyWords',
  'stagedKey',
  'foldKey',
  'drawUniform',
  'drawBernoulli',
  'concreteKey',
])

/**
 * Readouts of concrete values: not differentiable (nor compiled) by design, so the gradient and jit coverage
 * tests skip them; values-ops.test.ts checks their values.
 */
export const READOUTS: readonly string[] = ['toTensor', 'item', 'toArray', 'toNested']

/** The function exports of `ns` not in `exclude`: the ops a coverage test asks cases for. */
export const opExports = (ns: object, exclude: ReadonlySet<string>): string[] =>
  Object.entries(ns)
    .filter(([k, v]) => !exclude.has(k) && typeof v === 'function')
    .map(([k]) => k)
