/**
 * `jit` over every op of the public namespace, on the op cases of the gradient properties
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
 * The cases (arbitraries, domains away from kinks and singularities, the calls at each point) are the table that
 * the gradient properties interpret too (packages/gradcheck/test/op-cases.ts); this file adds cases of its own
 * (fused chains, closed-over constants, stopGradient, larger shapes). Each property runs fewer cases than the
 * gradient properties (RUNS) because every case compiles several programs; the seed is fixed.
 */
import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as AD from '../src/index.js'
import type { Value } from '../src/index.js'
import { arbShape, arbTensor, checkGrads, formatFailure } from '@cotangent/gradcheck'
import {
  NOT_OPS,
  READOUTS,
  describeOpGroups,
  one,
  opExports,
  opProperty,
  opTest,
  range,
  shape,
  stopGradientTest,
  tensorOf,
  two,
} from '../../gradcheck/test/op-cases.js'
import type { OpGroup, OpTests } from '../../gradcheck/test/op-cases.js'

const SEED = 20261202
const RUNS = 12
const BUDGET = 300_000

type Fn = (...args: Value[]) => unknown

const tested = new Set<string>()

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

/** This file's interpretation of the op table: every jit property of each call. */
const jitTests: OpTests = {
  check: ({ f, args }, label) => {
    checkJit(label, f, args)
  },
  seed: SEED,
  numRuns: RUNS,
  budget: BUDGET,
  tested,
}

/** Properties of this file only, by group: programs the compiler treats specially, and stopGradient. */
const own: Partial<Record<OpGroup['id'], () => void>> = {
  unary: () => {
    // a chain of them (the case the compiler fuses into one loop), of ops with bounded derivatives so that the
    // finite differences of its second derivative stay accurate
    opTest(
      jitTests,
      opProperty(['chain of unary ops'], shape().chain(tensorOf), (x) => [
        one(
          (v) => AD.mul(AD.sigmoid(AD.tanh(AD.cos(AD.sin(AD.gelu(AD.neg(AD.softplus(AD.tanh(v)))))))), 0.9),
          x,
        ),
        one((v) => AD.exp(AD.neg(AD.square(AD.sin(v)))), x),
      ]),
    )
  },
  matmul: () => {
    // a constant weight matrix closed over (the compiler may pre-pack it) and a layer-shaped product
    opTest(
      jitTests,
      opProperty(
        ['matmul with a closed-over constant'],
        fc
          .tuple(
            fc.integer({ min: 1, max: 5 }),
            fc.integer({ min: 1, max: 5 }),
            fc.integer({ min: 1, max: 5 }),
          )
          .chain(([m, k, n]) => fc.tuple(tensorOf([m, k]), tensorOf([k, n]), tensorOf([n]))),
        ([x, w, b]) => [
          one((v) => AD.tanh(AD.add(AD.matmul(v, w), b)), x),
          two((v, ww) => AD.matmul(v, ww), x, w),
        ],
      ),
    )
  },
  dtype: () => {
    stopGradientTest(
      jitTests,
      'stopGradient: jit keeps it a constant for autodiff (x·stopGradient(x) has JVP x·t, not 2x·t)',
      (x, f) => {
        const t = T.ones(x.shape)
        expectTreeClose('jit(stopGradient)', AD.jit(f)(x), T.mul(x, x))
        expectTreeClose('jvp(jit(stopGradient))', AD.jvp(AD.jit(f), [x], [t])[1], x)
        expectTreeClose('jit(jvp(stopGradient))', AD.jit((v: Value) => AD.jvp(f, [v], [t])[1])(x), x)
        expectTreeClose('grad(jit(stopGradient))', AD.grad((v: Value) => AD.sum(AD.jit(f)(v)))(x), x)
        expectTreeClose('jit(grad(stopGradient))', AD.jit(AD.grad((v: Value) => AD.sum(f(v))))(x), x)
      },
    )
  },
}

describeOpGroups(jitTests, (group) => `jit of ${group.title}`, own)

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
      `element-wise chains with broadcasting equal eager bit for bit (${dtype}), and their gradients agree`,
      () => {
        tested.add('element-wise chains (large)')
        fc.assert(
          fc.property(big(dtype), ([a, b, c]) => {
            const f = (u: Value, v: Value, w: Value) => elementwise(u, v, w)
            const jf = AD.jit(f)
            // float32 too: a fused loop rounds every float32 value as the eager kernels round what they store
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
    const ops = opExports(AD, new Set([...NOT_OPS, ...READOUTS]))
    expect(ops.filter((o) => !tested.has(o))).toEqual([])
  })
})
