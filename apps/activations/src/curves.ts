/**
 * The activation functions of the library and their derivatives, computed by `grad` at every point of a grid
 * (no derivative formula anywhere in this module).
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import {
  gelu,
  leakyRelu,
  noParams,
  relu,
  sigmoid,
  softplus,
  tanh,
  type Layer,
  type NoParams,
} from '@cotangent/layers'
import * as T from '@cotangent/tensor'

/** The activations the app plots, in order. */
export const ACTIVATION_NAMES = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'softplus', 'gelu'] as const

/** One of {@link ACTIVATION_NAMES}. */
export type ActivationName = (typeof ACTIVATION_NAMES)[number]

/** The slope of leaky ReLU on the negative side. */
export const LEAKY_SLOPE = 0.01

/** The library's activation layers (`@cotangent/layers`), by name. */
export const ACTIVATION_LAYERS: Readonly<Record<ActivationName, Layer<NoParams>>> = {
  sigmoid,
  tanh,
  relu,
  leakyRelu: leakyRelu(LEAKY_SLOPE),
  softplus,
  gelu,
}

/** How the report names each activation. */
export const ACTIVATION_TITLES: Readonly<Record<ActivationName, string>> = {
  sigmoid: 'sigmoid σ(x)',
  tanh: 'tanh(x)',
  relu: 'ReLU max(0, x)',
  leakyRelu: `leaky ReLU (slope ${String(LEAKY_SLOPE)})`,
  softplus: 'softplus log(1 + eˣ)',
  gelu: 'GELU (tanh approximation)',
}

/** The activation as a function of a value (the layer applied with its empty parameters). */
export const activation =
  (name: ActivationName) =>
  (x: Value): Value =>
    ACTIVATION_LAYERS[name].apply(noParams, x)

/** `n` evenly spaced points on `[lo, hi]`, ends included. */
export const grid = (lo: number, hi: number, n: number): readonly number[] =>
  Array.from(T.toArray(T.linspace(lo, hi, n)))

/** f and f′ on a grid: f′(x) is `grad(f)` evaluated at the 0-d tensor x, one call per point. */
export interface Curve {
  readonly name: ActivationName
  readonly xs: readonly number[]
  readonly f: readonly number[]
  readonly df: readonly number[]
}

/** The value and the `grad` derivative of one activation at every point of `xs`. */
export const curve = (name: ActivationName, xs: readonly number[]): Curve => {
  const f = activation(name)
  const df = A.grad((x: Value) => f(x))
  return {
    name,
    xs,
    f: xs.map((x) => A.item(f(T.scalar(x)))),
    df: xs.map((x) => A.item(df(T.scalar(x)))),
  }
}

/** The derivative at one point, read off a curve (the grid must contain the point). */
export const derivativeAt = (c: Curve, x: number): number => {
  const i = c.xs.findIndex((v) => Math.abs(v - x) < 1e-12)
  if (i < 0) throw new RangeError(`derivativeAt: ${String(x)} is not on the grid of ${c.name}`)
  return c.df[i]!
}

/** The largest derivative on the grid and where it is. */
export const maxDerivative = (c: Curve): { readonly x: number; readonly value: number } =>
  c.df.reduce((best, v, i) => (v > best.value ? { x: c.xs[i]!, value: v } : best), {
    x: c.xs[0]!,
    value: c.df[0]!,
  })
