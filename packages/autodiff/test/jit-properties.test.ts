/**
 * `jit` over every op of the public namespace, by the same arbitraries as the gradient properties
 * (packages/gradcheck/test/autodiff-ops.test.ts): for random small arguments (≤ 4 dims of size ≤ 3), each case
 * checks that
 * - `jit(f)(x)` equals `f(x)` (eager kernels, a different interpreter) bit for bit (see BITWISE; at least to 1e-12
 *   in float64), on the compiling call and on a cached call, and so does `jit(grad(s∘f))`;
 * - reverse mode: `jit(grad(s∘f))` and `grad(s∘jit(f))` equal the eager `grad(s∘f)`, with `s` a fixed non-linear
 *   scalarisation (Σ sum(sin(leaf)) over the float outputs), so that even linear ops have a non-zero Hessian;
 * - forward mode: `jvp(jit(f))` equals `jvp(f)`;
 * - order 2: the Hessian–vector product `jvp(grad(s∘f))` equals `jvp(jit(grad(s∘f)))`, `jit(jvp(grad(s∘f)))` and
 *   `jvp(grad(s∘jit(f)))`;
 * - `checkGrads(jit(f), x, { order: 2, modes: ['fwd', 'rev'] })` passes (finite differences of the jitted function:
 *   independent of every rule and of the compiler).
 *
 * Domains avoid kinks and singularities exactly as the gradient properties do. Each property runs fewer cases than
 * the gradient properties (RUNS) because every case compiles several programs; the seed is fixed.
 */
import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as AD from '../src/index.js'
import type { Value } from '../src/index.js'
import {
  arbAwayFromKinks,
  arbBroadcastShapes,
  arbDistinct,
  arbPositiveTensor,
  arbShape,
  arbTensor,
  checkGrads,
  formatFailure,
} from '@cotangent/gradcheck'

const SEED = 20261202
const RUNS = 12
const BUDGET = 300_000

type Fn = (...args: Value[]) => unknown

const tested = new Set<string>()

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Leaves of a result tree that are values (tensors or tracers). */
const valueLeaves = (t: unknown): Value[] => AD.treeLeaves(t).filter(AD.isValue)

/** Tolerance for a leaf: 1e-12 relative in float64 (and int32), 1e-6 in float32. */
const tolOf = (v: Value): number => (v.dtype === 'float32' ? 1e-6 : 1e-12)

/** Throws (with the op, leaf, index and both numbers) unless `got` equals `want` leaf by leaf within tolerance. */
const expectTreeClose = (what: string, got: unknown, want: unknown): void => {
  const g = valueLeaves(got)
  const w = valueLeaves(want)
  if (g.length !== w.length) throw new Error(`${what}: ${g.length} leaves, expected ${w.length}`)
  g.forEach((gl, i) => {
    const wl = w[i]!
    if (gl.shape.join(',') !== wl.shape.join(','))
      throw new Error(
        `${what}: leaf ${i} has shape [${gl.shape.join(',')}], expected [${wl.shape.join(',')}]`,
      )
    if (gl.dtype !== wl.dtype)
      throw new Error(`${what}: leaf ${i} has dtype ${gl.dtype}, expected ${wl.dtype}`)
    const ga = AD.toArray(gl)
    const wa = AD.toArray(wl)
    const tol = tolOf(wl)
    for (let k = 0; k < wa.length; k++) {
      const x = ga[k]!
      const y = wa[k]!
      const ok = Number.isNaN(y) ? Number.isNaN(x) : Math.abs(x - y) <= tol * Math.max(1, Math.abs(y))
      if (!ok)
        throw new Error(`${what}: leaf ${i} [${gl.shape.join(',')}] element ${k} is ${x}, expected ${y}`)
    }
  })
}

/**
 * The compiler keeps the eager kernels' summation order (generated loops for small matmuls and reductions are written
 * in the kernels' order; larger ones call the kernels), so a jitted program equals eager evaluation bit for bit, and
 * the forward values and `jit(grad)` are asserted exactly. Should a pass ever reorder sums, set this to false: the
 * 1e-12 comparison then applies (the bound), bitwise only for element-wise chains (tested below).
 */
const BITWISE = true

/** Bitwise equality of every leaf (NaN equals NaN), after the shape/dtype/1e-12 check. */
const expectExact = (what: string, got: unknown, want: unknown): void => {
  expectTreeClose(what, got, want)
  if (!BITWISE) return
  const g = valueLeaves(got)
  const w = valueLeaves(want)
  g.forEach((gl, i) => {
    const ga = AD.toArray(gl)
    const wa = AD.toArray(w[i]!)
    for (let k = 0; k < wa.length; k++)
      if (!Object.is(ga[k], wa[k]) && !(Number.isNaN(ga[k]) && Number.isNaN(wa[k])))
        throw new Error(`${what}: leaf ${i} element ${k} is ${ga[k]}, eager ${wa[k]} (not bitwise equal)`)
  })
}

/** s∘f: Σ sum(sin(leaf)) over the float leaves of f's result (int32 leaves carry no derivative). */
const scalarize =
  (f: Fn) =>
  (...a: Value[]): Value =>
    valueLeaves(f(...a))
      .filter((l) => l.dtype !== 'int32')
      .reduce<Value>((acc, l) => AD.add(acc, AD.astype(AD.sum(AD.sin(l)), 'float64')), T.scalar(0))

/** A fixed tangent for an argument: a deterministic pattern of the argument's shape and dtype. */
const tangentFor = (x: Value): Tensor => {
  const n = T.sizeOf(x.shape)
  return T.fromArray(
    range(n).map((i) => Math.cos(1 + 1.7 * i)),
    x.shape,
    { dtype: x.dtype === 'float32' ? 'float32' : 'float64' },
  )
}

/** Every jit property of one function at one point (see the module comment). */
const checkJit = (name: string, f: Fn, args: readonly Value[]): void => {
  const jf = AD.jit(f)
  const want = f(...args)
  expectExact(`${name}: jit(f)(x), first call`, jf(...args), want)
  expectExact(`${name}: jit(f)(x), cached call`, jf(...args), want)

  const hasFloat = valueLeaves(want).some((l) => l.dtype !== 'int32')
  const argnums = range(args.length)
  const ts = args.map(tangentFor)

  const [, tWant] = AD.jvp(f, [...args], ts)
  expectTreeClose(`${name}: jvp(jit(f))`, AD.jvp(jf, [...args], ts)[1], tWant)
  if (!hasFloat) return

  const s = scalarize(f)
  const sj = scalarize(jf)
  const g = AD.grad(s, { argnums })
  const gWant = g(...args)
  expectExact(`${name}: jit(grad(s∘f))`, AD.jit(g)(...args), gWant)
  expectTreeClose(`${name}: grad(s∘jit(f))`, AD.grad(sj, { argnums })(...args), gWant)
  expectTreeClose(`${name}: jit(grad(s∘jit(f)))`, AD.jit(AD.grad(sj, { argnums }))(...args), gWant)

  const hvp =
    (h: (...a: Value[]) => unknown) =>
    (...a: Value[]) =>
      AD.jvp(h, a, ts)[1]
  const hWant = hvp(g)(...args)
  expectTreeClose(`${name}: jvp(jit(grad(s∘f)))`, hvp(AD.jit(g))(...args), hWant)
  expectTreeClose(`${name}: jit(jvp(grad(s∘f)))`, AD.jit(hvp(g))(...args), hWant)
  expectTreeClose(`${name}: jvp(grad(s∘jit(f)))`, hvp(AD.grad(sj, { argnums }))(...args), hWant)

  const r = checkGrads(jf, args, { order: 2, modes: ['fwd', 'rev'] })
  if (r._tag === 'Left') throw new Error(`${name}: checkGrads(jit(f)) failed: ${formatFailure(r.left)}`)
}

/** Registers a property for `ops`: `cases(x)` lists the functions and arguments to check at one random point. */
const prop = <X>(
  ops: readonly string[],
  arb: fc.Arbitrary<X>,
  cases: (x: X) => readonly (readonly [Fn, readonly Value[]])[],
  numRuns = RUNS,
): void => {
  ops.forEach((o) => tested.add(o))
  it(
    ops.join(', '),
    () => {
      fc.assert(
        fc.property(arb, (x) => {
          cases(x).forEach(([f, args], i) => {
            checkJit(`${ops.join('/')} #${i}`, f, args)
          })
        }),
        { seed: SEED, numRuns },
      )
    },
    BUDGET,
  )
}

/** A shape with at most 4 dims of size ≤ 3. */
const shape = (minRank = 0, maxRank = 4): fc.Arbitrary<number[]> =>
  arbShape({ minRank, maxRank, minDim: 1, maxDim: 3 })

const tensorOf = (s: readonly number[]): fc.Arbitrary<Tensor> => arbTensor(s)

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

const one = (f: (v: Value) => unknown, x: Value): readonly [Fn, readonly Value[]] => [f, [x]]
const two = (f: (u: Value, v: Value) => unknown, a: Value, b: Value): readonly [Fn, readonly Value[]] => [
  f,
  [a, b],
]

// ---------------------------------------------------------------------------------------------------------------

describe('jit of element-wise unary ops', () => {
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
  prop(
    smooth.map(([n]) => n),
    shape().chain(tensorOf),
    (x) => smooth.map(([, op]) => one(op, x)),
  )
  // a chain of them (the case the compiler fuses into one loop), of ops with bounded derivatives so that the
  // finite differences of its second derivative stay accurate
  prop(['chain of unary ops'], shape().chain(tensorOf), (x) => [
    one((v) => AD.mul(AD.sigmoid(AD.tanh(AD.cos(AD.sin(AD.gelu(AD.neg(AD.softplus(AD.tanh(v)))))))), 0.9), x),
    one((v) => AD.exp(AD.neg(AD.square(AD.sin(v)))), x),
  ])
  prop(
    ['softplus (large |x|)'],
    shape(0, 2).chain((s) => arbTensor(s, { min: -40, max: 40 })),
    (x) => [one(AD.softplus, x)],
  )
  prop(
    ['log', 'sqrt'],
    shape().chain((s) => arbPositiveTensor(s)),
    (x) => [one(AD.log, x), one(AD.sqrt, x)],
  )
  prop(
    ['log1p'],
    shape().chain((s) => arbTensor(s, { min: -0.7, max: 3 })),
    (x) => [one(AD.log1p, x)],
  )
  prop(
    ['reciprocal'],
    shape().chain((s) => arbAwayFromKinks(s, { margin: 0.3 })),
    (x) => [one(AD.reciprocal, x)],
  )
  prop(
    ['abs', 'relu', 'sign'],
    shape().chain((s) => arbAwayFromKinks(s)),
    (x) => [one(AD.abs, x), one(AD.relu, x), one(AD.sign, x)],
  )
  prop(
    ['leakyRelu'],
    fc.tuple(
      shape().chain((s) => arbAwayFromKinks(s)),
      fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }),
    ),
    ([x, slope]) => [one((v) => AD.leakyRelu(v, slope), x), one((v) => AD.leakyRelu(v), x)],
  )
  prop(
    ['floor'],
    shape().chain((s) => arbAwayFromKinks(s, { kinks: [-3, -2, -1, 0, 1, 2, 3] })),
    (x) => [one(AD.floor, x)],
  )
  prop(
    ['round'],
    shape().chain((s) => arbAwayFromKinks(s, { kinks: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5] })),
    (x) => [one(AD.round, x)],
  )
  prop(['isFinite'], shape().chain(tensorOf), (x) => [one((v) => AD.add(AD.isFinite(v), v), x)])
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
    ([[lo, hi], x]) => [one((v) => AD.clip(v, lo, hi), x)],
  )
})

describe('jit of element-wise binary ops with broadcasting', () => {
  const pairOf = (arbA: (s: number[]) => fc.Arbitrary<Tensor>, arbB: (s: number[]) => fc.Arbitrary<Tensor>) =>
    arbBroadcastShapes().chain(([sa, sb]) => fc.tuple(arbA(sa), arbB(sb)))

  prop(['add', 'sub', 'mul'], pairOf(tensorOf, tensorOf), ([a, b]) => [
    two(AD.add, a, b),
    two(AD.sub, a, b),
    two(AD.mul, a, b),
    // a broadcast chain ending in a reduction
    two((u, v) => AD.sum(AD.mul(AD.add(u, v), AD.sub(u, v))), a, b),
  ])
  prop(
    ['div'],
    pairOf(tensorOf, (s) => arbAwayFromKinks(s, { margin: 0.5 })),
    ([a, b]) => [two(AD.div, a, b)],
  )
  prop(
    ['pow'],
    pairOf(
      (s) => arbPositiveTensor(s, { min: 0.3 }),
      (s) => arbTensor(s, { min: -2, max: 2 }),
    ),
    ([a, b]) => [two(AD.pow, a, b)],
  )
  prop(
    ['pow (number exponent)', 'pow (number base)'],
    fc.tuple(
      shape().chain((s) => arbAwayFromKinks(s, { margin: 0.3 })),
      fc.integer({ min: -3, max: 3 }),
      fc.double({ min: 0.3, max: 3, noNaN: true }),
    ),
    ([x, n, base]) => [one((v) => AD.pow(v, n), x), one((v) => AD.pow(base, v), x)],
  )
  prop(
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
  )
  prop(['maximum', 'minimum'], distinctPair, ([a, b]) => [two(AD.maximum, a, b), two(AD.minimum, a, b)])
  prop(['equal', 'notEqual', 'less', 'greater', 'lessEqual', 'greaterEqual'], distinctPair, ([a, b]) => [
    two(
      (u, v) =>
        [AD.equal, AD.notEqual, AD.less, AD.greater, AD.lessEqual, AD.greaterEqual].map((cmp) =>
          AD.mul(cmp(u, v), AD.mul(u, v)),
        ),
      a,
      b,
    ),
  ])
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
    ([c, a, b]) => [
      two((u, v) => AD.where(c, u, v), a, b),
      one((u) => [AD.where(c, u, 0), AD.where(c, 1.5, u)], a),
    ],
  )
})

describe('jit of reductions', () => {
  const withAxes = (arbX: (s: number[]) => fc.Arbitrary<Tensor>) =>
    shape().chain((s) => fc.tuple(arbX(s), arbAxisSpec(s.length), fc.boolean()))
  const opts = (axis: number | number[] | undefined, keepdims: boolean): AD.ReduceOptions =>
    axis === undefined ? { keepdims } : { axis, keepdims }

  prop(['sum', 'mean', 'logsumexp'], withAxes(tensorOf), ([x, axis, keepdims]) => {
    const o = opts(axis, keepdims)
    return [one((v) => [AD.sum(v, o), AD.mean(v, o), AD.logsumexp(v, o)], x)]
  })
  prop(
    ['logsumexp (large values)'],
    withAxes((s) => arbTensor(s, { min: -200, max: 200 })),
    ([x, axis, keepdims]) => [one((v) => AD.logsumexp(v, opts(axis, keepdims)), x)],
  )
  prop(
    ['max', 'min'],
    withAxes((s) => arbDistinct(s)),
    ([x, axis, keepdims]) => [
      one((v) => [AD.max(v, opts(axis, keepdims)), AD.min(v, opts(axis, keepdims))], x),
    ],
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
      return [
        one((v) => [AD.argmax(v, o), AD.argmin(v, o)], x),
        one((v) => AD.mul(AD.sum(v), AD.sum(AD.astype(AD.argmin(v, o), 'float64'))), x),
      ]
    },
  )
  prop(
    ['softmax', 'logSoftmax'],
    shape(1).chain((s) => fc.tuple(tensorOf(s), fc.integer({ min: -s.length, max: s.length - 1 }))),
    ([x, axis]) => [
      one((v) => [AD.softmax(v, axis), AD.logSoftmax(v, axis)], x),
      one((v) => [AD.softmax(v), AD.logSoftmax(v)], x),
    ],
  )
})

describe('jit of shape ops', () => {
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
    ([x, target]) => [one((v) => AD.reshape(AD.mul(v, v), target), x)],
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
    ([x, axes]) => [one((v) => AD.transpose(AD.sin(v), axes), x)],
  )
  prop(
    ['expandDims'],
    shape(0, 3).chain((s) => fc.tuple(tensorOf(s), fc.integer({ min: -(s.length + 1), max: s.length }))),
    ([x, axis]) => [one((v) => AD.expandDims(AD.sin(v), axis), x)],
  )
  prop(
    ['squeeze'],
    arbShape({ minRank: 0, maxRank: 4, minDim: 1, maxDim: 2 }).chain((s) => {
      const ones = range(s.length).filter((i) => s[i] === 1)
      return fc.tuple(tensorOf(s), fc.option(fc.subarray(ones), { nil: undefined }))
    }),
    ([x, axes]) => [one((v) => AD.squeeze(AD.sin(v), axes), x)],
  )
  prop(
    ['broadcastTo', 'sumToShape'],
    arbBroadcastShapes().chain(([sa, sb]) =>
      fc.tuple(tensorOf(sa), fc.constant(T.broadcastShapes('test', sa, sb))),
    ),
    ([x, full]) => [
      one((v) => AD.broadcastTo(AD.sin(v), full), x),
      one((v) => AD.sumToShape(AD.sin(AD.broadcastTo(v, full)), x.shape), x),
    ],
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
    ([x, ranges]) => [one((v) => AD.slice(AD.mul(v, v), ranges), x)],
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
  prop(['take', 'scatterAdd'], indexed, ([x, axis, ix, updates]) => [
    one((v) => AD.take(AD.mul(v, v), ix, axis), x),
    two((b, u) => AD.scatterAdd(AD.sin(b), ix, AD.mul(u, u), axis), x, updates),
  ])

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
    ([axis, parts, same, stackAxis]) => [
      [
        (...xs: Value[]) =>
          AD.concat(
            xs.map((v) => AD.mul(v, v)),
            axis,
          ),
        parts,
      ],
      [
        (...xs: Value[]) =>
          AD.stack(
            xs.map((v) => AD.sin(v)),
            stackAxis,
          ),
        same,
      ],
    ],
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
    ([x, axis, sections]) => [one((v) => AD.split(AD.mul(v, v), sections, axis), x)],
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
    ([x, widths, value]) => [
      one((v) => AD.pad(AD.sin(v), widths, value), x),
      one((v) => AD.pad(AD.sin(v), widths), x),
    ],
  )
})

describe('jit of matmul and dot', () => {
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
    ([a, b]) => [two(AD.matmul, a, b), two((u, v) => AD.dot(AD.sin(u), v), a, b)],
  )
  // a constant weight matrix closed over (the compiler may pre-pack it) and a layer-shaped product
  prop(
    ['matmul with a closed-over constant'],
    fc
      .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }))
      .chain(([m, k, n]) => fc.tuple(tensorOf([m, k]), tensorOf([k, n]), tensorOf([n]))),
    ([x, w, b]) => [
      one((v) => AD.tanh(AD.add(AD.matmul(v, w), b)), x),
      two((v, ww) => AD.matmul(v, ww), x, w),
    ],
  )
})

describe('jit of dtype conversion, constants and stopGradient', () => {
  prop(
    ['astype'],
    shape(0, 3).chain((s) => arbTensor(s, { dtype: 'float32' })),
    (x) => [
      one((v) => AD.mul(AD.astype(v, 'float64'), AD.astype(v, 'float64')), x),
      one((v) => AD.astype(AD.sin(AD.astype(v, 'float64')), 'float32'), x),
    ],
  )
  prop(['zerosLike', 'onesLike'], shape().chain(tensorOf), (x) => [
    one((v) => AD.add(AD.mul(v, AD.onesLike(v)), AD.zerosLike(v)), x),
  ])
  it(
    'stopGradient: jit keeps it a constant for autodiff (x·stopGradient(x) has JVP x·t, not 2x·t)',
    () => {
      tested.add('stopGradient')
      fc.assert(
        fc.property(
          shape().chain((s) => arbAwayFromKinks(s)),
          (x) => {
            const f = (v: Value) => AD.mul(v, AD.stopGradient(v))
            const t = T.ones(x.shape)
            expectTreeClose('jit(stopGradient)', AD.jit(f)(x), T.mul(x, x))
            expectTreeClose('jvp(jit(stopGradient))', AD.jvp(AD.jit(f), [x], [t])[1], x)
            expectTreeClose('jit(jvp(stopGradient))', AD.jit((v: Value) => AD.jvp(f, [v], [t])[1])(x), x)
            expectTreeClose('grad(jit(stopGradient))', AD.grad((v: Value) => AD.sum(AD.jit(f)(v)))(x), x)
            expectTreeClose('jit(grad(stopGradient))', AD.jit(AD.grad((v: Value) => AD.sum(f(v))))(x), x)
          },
        ),
        { seed: SEED, numRuns: RUNS },
      )
    },
    BUDGET,
  )
})

describe('larger shapes (generated loops, merged dims, kernel calls) and bitwise agreement', () => {
  /** Bitwise equality of every leaf (NaN equals NaN): for programs whose summation order is the eager one. */
  const expectBitwise = (what: string, got: unknown, want: unknown): void => {
    const g = valueLeaves(got)
    const w = valueLeaves(want)
    if (g.length !== w.length) throw new Error(`${what}: ${g.length} leaves, expected ${w.length}`)
    g.forEach((gl, i) => {
      const ga = AD.toArray(gl)
      const wa = AD.toArray(w[i]!)
      if (gl.dtype !== w[i]!.dtype)
        throw new Error(`${what}: leaf ${i} has dtype ${gl.dtype}, expected ${w[i]!.dtype}`)
      for (let k = 0; k < wa.length; k++)
        if (!Object.is(ga[k], wa[k]) && !(Number.isNaN(ga[k]) && Number.isNaN(wa[k])))
          throw new Error(`${what}: leaf ${i} element ${k} is ${ga[k]}, eager ${wa[k]} (not bitwise equal)`)
    })
  }
  const big = (dtype: 'float64' | 'float32') =>
    arbShape({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 24 }).chain((s) =>
      fc.tuple(
        arbTensor(s, { dtype }),
        arbTensor(s.slice(1), { dtype }),
        arbTensor(
          s.map((d, i) => (i === 0 ? 1 : d)),
          { dtype },
        ),
      ),
    )
  const elementwise = (a: Value, b: Value, c: Value): Value[] => [
    AD.tanh(AD.add(AD.mul(a, b), c)),
    AD.sigmoid(AD.sub(AD.exp(AD.mul(b, 0.5)), AD.sin(a))),
    AD.where(AD.greater(a, c), AD.square(a), AD.neg(c)),
    AD.relu(AD.add(a, AD.mul(c, 2))),
    AD.div(a, AD.add(AD.abs(b), 1)),
  ]
  for (const dtype of ['float64', 'float32'] as const)
    it(
      `element-wise chains with broadcasting are bitwise equal to eager (${dtype}), and their gradients agree`,
      () => {
        tested.add('element-wise chains (large)')
        fc.assert(
          fc.property(big(dtype), ([a, b, c]) => {
            const f = (u: Value, v: Value, w: Value) => elementwise(u, v, w)
            const jf = AD.jit(f)
            expectBitwise(`jit(elementwise) ${dtype}`, jf(a, b, c), f(a, b, c))
            expectBitwise(`jit(elementwise) ${dtype}, cached`, jf(a, b, c), f(a, b, c))
            const s = scalarize(f)
            const g = AD.grad(s, { argnums: [0, 1, 2] })
            expectTreeClose(`jit(grad) ${dtype}`, AD.jit(g)(a, b, c), g(a, b, c))
            expectTreeClose(
              `grad(jit) ${dtype}`,
              AD.grad(scalarize(jf), { argnums: [0, 1, 2] })(a, b, c),
              g(a, b, c),
            )
          }),
          { seed: SEED, numRuns: 25 },
        )
      },
      BUDGET,
    )

  it(
    'reductions, softmax heads and matmuls of larger shapes agree with eager (1e-12), with their gradients',
    () => {
      fc.assert(
        fc.property(
          fc
            .tuple(
              fc.integer({ min: 1, max: 40 }),
              fc.integer({ min: 1, max: 40 }),
              fc.integer({ min: 1, max: 40 }),
            )
            .chain(([m, k, n]) =>
              fc.tuple(tensorOf([m, k]), tensorOf([k, n]), tensorOf([n]), tensorOf([m, n])),
            ),
          ([x, w, b, y]) => {
            const f = (xx: Value, ww: Value, bb: Value): Value[] => {
              const z = AD.add(AD.matmul(AD.tanh(xx), ww), bb)
              return [
                z,
                AD.softmax(z),
                AD.logsumexp(z, { axis: 0 }),
                AD.mean(AD.sum(AD.mul(y, AD.logSoftmax(z)), { axis: -1 })),
                AD.max(z, { axis: -1 }),
                AD.matmul(AD.transpose(xx), AD.tanh(z)),
              ]
            }
            const jf = AD.jit(f)
            expectExact('jit(head)', jf(x, w, b), f(x, w, b))
            const s = scalarize(f)
            const g = AD.grad(s, { argnums: [0, 1, 2] })
            expectTreeClose('jit(grad(head))', AD.jit(g)(x, w, b), g(x, w, b))
            expectTreeClose(
              'grad(jit(head))',
              AD.grad(scalarize(jf), { argnums: [0, 1, 2] })(x, w, b),
              g(x, w, b),
            )
          },
        ),
        { seed: SEED, numRuns: 25 },
      )
    },
    BUDGET,
  )
})

describe('coverage', () => {
  it('every op of the public namespace has a jit property', () => {
    const notOps = new Set([
      'Tracer',
      'LeakedTracerError',
      'isValue',
      'definePrimitive',
      'bind',
      'jvp',
      'vjp',
      'linearize',
      'grad',
      'valueAndGrad',
      'jacfwd',
      'jacrev',
      'hessian',
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
      'toTensor',
      'item',
      'toArray',
      'toNested',
      // jit itself and its switches
      'jit',
      'setJitCheck',
      'JitMismatchError',
    ])
    // exports that are not computing ops (instrumentation hooks, error classes, switches) are named unstable_*,
    // *Error or set*/is*; the rest must be ops with a jit property
    const ops = Object.keys(AD).filter(
      (k) =>
        !notOps.has(k) &&
        !k.startsWith('unstable_') &&
        !k.endsWith('Error') &&
        typeof (AD as Record<string, unknown>)[k] === 'function',
    )
    expect(ops.filter((o) => !tested.has(o))).toEqual([])
  })
})
