import * as T from '@cotangent/tensor'
import { add, concreteKey, matmul, mean, mul, softplus, square, sub, type Value } from '@cotangent/autodiff'
import type { EpochRecord, Model } from '../src/index.js'

/** A linear model `x·W + b`; when a key is given in training mode, adds small key-driven noise (so keys matter). */
export interface LinParams {
  readonly W: Value
  readonly b: Value
}
export const linearModel = (noise = 0): Model<LinParams> => ({
  apply: (p, x, ctx) => {
    const out = add(matmul(x, p.W), p.b)
    return noise > 0 && ctx?.train === true && ctx.key !== undefined
      ? add(out, T.mul(T.normal(concreteKey('linearModel', ctx.key), out.shape), noise))
      : out
  },
})

export const initLin = (inDim: number, outDim: number, seed = 0): LinParams => ({
  W: T.mul(T.normal(T.key(seed), [inDim, outDim]), 0.1),
  b: T.zeros([outDim]),
})

/** Mean squared error written by hand (independent of @cotangent/losses). */
export const mseLoss = (out: Value, y: T.Tensor): Value => mean(square(sub(out, y)))

/** Binary logistic loss on logits written by hand: mean(softplus(z) − z·y). */
export const logisticLoss = (out: Value, y: T.Tensor): Value => mean(sub(softplus(out), mul(out, y)))

/** Binary accuracy on logits `[B,1]` against `{0,1}` labels `[B,1]`, computed naively. */
export const binaryAccuracy = (out: Value, y: T.Tensor): number => {
  const o = T.toArray(out as T.Tensor)
  const t = T.toArray(y)
  let k = 0
  for (let i = 0; i < o.length; i++) if ((o[i]! > 0 ? 1 : 0) === t[i]) k++
  return k / o.length
}

/** A linearly separable 2-D toy problem: label 1 when x0 + 2·x1 > 0. */
export const toyData = (n: number, seed: number): { x: T.Tensor; y: T.Tensor } => {
  const x = T.normal(T.key(seed), [n, 2])
  const xs = T.toArray(x)
  const ys = Array.from({ length: n }, (_, i) => (xs[2 * i]! + 2 * xs[2 * i + 1]! > 0 ? 1 : 0))
  return { x, y: T.fromArray(ys, [n, 1]) }
}

/** A history without its wall-time fields. */
export const timeless = (h: readonly EpochRecord[]): unknown[] =>
  h.map(({ seconds: _s, samplesPerSecond: _p, ...rest }) => rest)
