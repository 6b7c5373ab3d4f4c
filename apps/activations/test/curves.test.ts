import fc from 'fast-check'
import * as T from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import {
  ACTIVATION_NAMES,
  activation,
  curve,
  derivativeAt,
  grid,
  maxDerivative,
  type ActivationName,
} from '../src/curves.js'

const sig = (x: number): number => 1 / (1 + Math.exp(-x))
const C = Math.sqrt(2 / Math.PI)
const K = 0.044715

/** The closed forms, written from the definitions (independent of the library and of autodiff). */
const closed: Readonly<
  Record<ActivationName, { readonly f: (x: number) => number; readonly df: (x: number) => number }>
> = {
  sigmoid: { f: sig, df: (x) => sig(x) * (1 - sig(x)) },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  relu: { f: (x) => Math.max(0, x), df: (x) => (x > 0 ? 1 : 0) },
  leakyRelu: { f: (x) => (x > 0 ? x : 0.01 * x), df: (x) => (x > 0 ? 1 : 0.01) },
  softplus: { f: (x) => Math.log1p(Math.exp(x)), df: sig },
  gelu: {
    // the tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
    f: (x) => 0.5 * x * (1 + Math.tanh(C * (x + K * x ** 3))),
    df: (x) => {
      const t = Math.tanh(C * (x + K * x ** 3))
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * K * x * x)
    },
  },
}

const kinks: Readonly<Record<ActivationName, readonly number[]>> = {
  sigmoid: [],
  tanh: [],
  relu: [0],
  leakyRelu: [0],
  softplus: [],
  gelu: [],
}

describe('activation derivatives by grad against the closed forms', () => {
  const xs = grid(-5, 5, 201)

  it.each(ACTIVATION_NAMES)('%s: f and f′ on the 201-point grid of [−5, 5], away from kinks', (name) => {
    const c = curve(name, xs)
    expect(c.xs.length).toBe(201)
    expect(c.xs[0]).toBe(-5)
    expect(c.xs[200]).toBe(5)
    c.xs.forEach((x, i) => {
      expect(c.f[i]).toBeCloseTo(closed[name].f(x), 12)
      if (kinks[name].every((k) => Math.abs(x - k) > 1e-9))
        expect(c.df[i]).toBeCloseTo(closed[name].df(x), 12)
    })
  })

  it.each(ACTIVATION_NAMES)('%s: f′ by grad equals the closed form at random points', (name) => {
    const f = (x: number): number => curve(name, [x]).df[0]!
    fc.assert(
      fc.property(
        fc
          .double({ min: -5, max: 5, noNaN: true })
          .filter((x) => kinks[name].every((k) => Math.abs(x - k) > 1e-6)),
        (x) => Math.abs(f(x) - closed[name].df(x)) <= 1e-12 * Math.max(1, Math.abs(closed[name].df(x))),
      ),
      { numRuns: 50 },
    )
  })

  it('at the kinks grad returns the left derivative (ReLU 0, leaky ReLU 0.01)', () => {
    expect(curve('relu', [0]).df[0]).toBe(0)
    expect(curve('leakyRelu', [0]).df[0]).toBe(0.01)
  })

  it('the activations are the library layers applied element-wise', () => {
    const x = T.tensor([-1, 0.5, 2])
    for (const name of ACTIVATION_NAMES) {
      const y = T.toArray(activation(name)(x) as T.Tensor)
      Array.from(T.toArray(x)).forEach((v, i) => {
        expect(y[i]).toBeCloseTo(closed[name].f(v), 12)
      })
    }
  })

  it('derivativeAt and maxDerivative read the grid', () => {
    const c = curve('sigmoid', xs)
    expect(derivativeAt(c, 0)).toBeCloseTo(0.25, 15)
    expect(maxDerivative(c)).toEqual({ x: 0, value: c.df[100] })
    expect(() => derivativeAt(c, 0.001)).toThrow(/not on the grid/)
    // tanh′ peaks at 1 at x = 0; GELU′ peaks above 1 near x ≈ 1.4 (the overshoot of the tanh approximation)
    expect(maxDerivative(curve('tanh', xs)).value).toBeCloseTo(1, 15)
    const g = maxDerivative(curve('gelu', xs))
    expect(g.value).toBeGreaterThan(1.1)
    expect(Math.abs(g.x - 1.4)).toBeLessThan(0.11)
  })
})
