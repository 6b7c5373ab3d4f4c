/**
 * `relu` and `leakyRelu` as primitives (one kernel pass; derivatives through `reluGrad`/`leakyReluGrad`): values
 * and derivatives at every order equal those of the compositions they replace, `where(x <= 0, 0, x)` and
 * `where(x > 0, x, x * slope)`, written here from the other primitives; the subgradient at 0; closed forms of
 * first and second derivatives; staging; and the kernel count the primitive exists for.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const PARAMS = { seed: 20261202, numRuns: 60 }

/** The compositions relu and leakyRelu were before they became primitives: the reference. */
const reluRef = (x: Value): Value => A.where(A.lessEqual(x, 0), 0, x)
const leakyRef = (x: Value, slope: number): Value => A.where(A.greater(x, 0), x, A.mul(x, slope))

/** Both signs of zero distinguished; NaN equals NaN. */
const bits = (v: Value): number[] => Array.from(A.toArray(v))
const identical = (a: Value, b: Value): void => {
  expect(a.shape).toEqual(b.shape)
  expect(a.dtype).toBe(b.dtype)
  const x = bits(a)
  const y = bits(b)
  expect(x.length).toBe(y.length)
  x.forEach((v, i) => {
    expect(Object.is(v, y[i]) || (Number.isNaN(v) && Number.isNaN(y[i]))).toBe(true)
  })
}

/** Values with many exact zeros (the kink), both signs, and NaN now and then. */
const arbValue = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 1, -1) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
)
const arbX = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 })
  .chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(arbValue, {
        minLength: shape.reduce((a, b) => a * b, 1),
        maxLength: shape.reduce((a, b) => a * b, 1),
      }),
      fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
    ),
  )
  .map(([shape, xs, dtype]) => T.fromArray(xs, shape, { dtype }))
const arbSlope = fc.constantFrom(0.01, 0.2, 0, 1.5)

/** A scalar loss that weights each element differently, so every element's derivative shows. */
const weights = (x: Value): T.Tensor =>
  T.fromArray(
    Array.from({ length: x.size }, (_, i) => 1 + i),
    x.shape,
    { dtype: x.dtype },
  )
const loss = (act: (x: Value) => Value) => (x: Value) => A.sum(A.mul(act(x), weights(x)))
/** A loss whose second derivative is not zero: act(x)² weighted. */
const loss2 = (act: (x: Value) => Value) => (x: Value) => A.sum(A.mul(A.square(act(x)), weights(x)))

describe('relu equals where(x <= 0, 0, x), bitwise', () => {
  it('values (float64, float32), shapes and dtypes, with ±0 and NaN', () => {
    fc.assert(
      fc.property(arbX, (x) => {
        identical(A.relu(x), reluRef(x))
      }),
      PARAMS,
    )
  })

  it('int32 stays int32, as the composition gave', () => {
    const x = T.tensor([-2, 0, 3], { dtype: 'int32' })
    identical(A.relu(x), reluRef(x))
    expect(A.relu(x).dtype).toBe('int32')
  })

  it('gradient, forward derivative and vjp, with the subgradient 0 at ±0', () => {
    fc.assert(
      fc.property(arbX, (x) => {
        identical(A.grad(loss(A.relu))(x), A.grad(loss(reluRef))(x))
        const t = weights(x)
        identical(A.jvp(A.relu, [x], [t])[1], A.jvp(reluRef, [x], [t])[1])
        identical(A.vjp(A.relu, x)[1](t)[0], A.vjp(reluRef, x)[1](t)[0])
      }),
      PARAMS,
    )
  })

  it('second order: grad of grad, hessian and jvp of grad agree with the composition', () => {
    fc.assert(
      fc.property(arbX, (x) => {
        const g = (f: (v: Value) => Value) => (v: Value) => A.sum(A.mul(A.grad(loss2(f))(v), v))
        identical(A.grad(g(A.relu))(x), A.grad(g(reluRef))(x))
        const t = weights(x)
        identical(A.jvp(A.grad(loss2(A.relu)), [x], [t])[1], A.jvp(A.grad(loss2(reluRef)), [x], [t])[1])
      }),
      { ...PARAMS, numRuns: 30 },
    )
    const x = T.tensor([-1, 0, 2, -0, 0.5])
    identical(A.hessian(loss2(A.relu))(x), A.hessian(loss2(reluRef))(x))
  })
})

describe('relu: closed forms', () => {
  it('relu′ is 1 above 0 and 0 at and below it; relu″ is 0', () => {
    const x = T.tensor([-2, -1e-300, -0, 0, 1e-300, 3])
    expect(bits(A.grad((v: Value) => A.sum(A.relu(v)))(x))).toEqual([0, 0, 0, 0, 1, 1])
    const second = A.grad((v: Value) => A.sum(A.grad((u: Value) => A.sum(A.relu(u)))(v)))(x)
    expect(bits(second).map((z) => z + 0)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('the hessian of Σ w·relu(x)² is diag(2w) where x > 0, 0 elsewhere', () => {
    const x = T.tensor([1.5, -2, 0, 0.25])
    const h = A.hessian(loss2(A.relu))(x)
    const w = [1, 2, 3, 4]
    const xs = [1.5, -2, 0, 0.25]
    const want = Array.from({ length: 16 }, (_, k) => {
      const i = Math.floor(k / 4)
      return i === k % 4 && xs[i]! > 0 ? 2 * w[i]! : 0
    })
    expect(h.shape).toEqual([4, 4])
    expect(bits(h).map((z) => z + 0)).toEqual(want)
  })

  it('a float32 input gets a float32 gradient', () => {
    const x = T.tensor([1, -1], { dtype: 'float32' })
    expect(A.grad((v: Value) => A.sum(A.relu(v)))(x).dtype).toBe('float32')
  })
})

describe('leakyRelu equals where(x > 0, x, x * slope), bitwise', () => {
  it('values, first and second derivatives', () => {
    fc.assert(
      fc.property(arbX, arbSlope, (x, slope) => {
        const f = (v: Value): Value => A.leakyRelu(v, slope)
        const r = (v: Value): Value => leakyRef(v, slope)
        identical(f(x), r(x))
        identical(A.grad(loss(f))(x), A.grad(loss(r))(x))
        const t = weights(x)
        identical(A.jvp(f, [x], [t])[1], A.jvp(r, [x], [t])[1])
        identical(A.jvp(A.grad(loss2(f)), [x], [t])[1], A.jvp(A.grad(loss2(r)), [x], [t])[1])
      }),
      PARAMS,
    )
  })

  it('the default slope is 0.01, the derivative at 0 is the slope, int32 input gives float64', () => {
    const x = T.tensor([-1, 0, 2])
    expect(bits(A.leakyRelu(x))).toEqual([-0.01, 0, 2])
    expect(bits(A.grad((v: Value) => A.sum(A.leakyRelu(v, 0.3)))(x))).toEqual([0.3, 0.3, 1])
    const i = T.tensor([-2, 3], { dtype: 'int32' })
    identical(A.leakyRelu(i, 0.5), leakyRef(i, 0.5))
  })
})

describe('staging and kernel counts', () => {
  afterEach(() => {
    A.unstable_setPrimitiveObserver(null)
  })

  it('relu and leakyRelu stage as one equation each, with the abstract value of their kernels', () => {
    for (const dtype of ['float64', 'float32', 'int32'] as const) {
      const x = T.tensor([[-1, 2, 0]], { dtype })
      const pr = A.makeGraph((v: Value) => A.relu(v))(x)
      expect(pr.eqns.map((e) => e.prim.name)).toEqual(['relu'])
      const pl = A.makeGraph((v: Value) => A.leakyRelu(v, 0.2))(x)
      expect(pl.eqns.map((e) => e.prim.name)).toEqual(['leakyRelu'])
      identical(A.evalGraph(pr, x), reluRef(x))
      identical(A.evalGraph(pl, x), leakyRef(x, 0.2))
    }
  })

  it('the staged gradient evaluates like the eager one', () => {
    const x = T.tensor([-1, 0, 2, 0.5])
    const g = A.makeGraph(A.grad(loss(A.relu)))(x)
    identical(A.evalGraph(g, x), A.grad(loss(reluRef))(x))
    expect(g.eqns.map((e) => e.prim.name)).toContain('reluGrad')
  })

  it('forward relu is one kernel; its gradient one more (no comparison mask, no where)', () => {
    const names: string[] = []
    A.unstable_setPrimitiveObserver((p) => {
      names.push(p.name)
    })
    const x = T.tensor([-1, 0, 2])
    A.relu(x)
    expect(names).toEqual(['relu'])
    names.length = 0
    A.vjp(A.relu, x)[1](T.ones([3]))
    expect(names.sort()).toEqual(['relu', 'reluGrad'])
    names.length = 0
    A.vjp((v: Value) => A.leakyRelu(v, 0.1), x)[1](T.ones([3]))
    expect(names.sort()).toEqual(['leakyRelu', 'leakyReluGrad'])
  })
})
