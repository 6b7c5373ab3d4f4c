/**
 * Inverted dropout.
 * @module
 */
import { astype, drawBernoulli, mul } from '@cotangent/autodiff'
import { noParams, type Layer, type NoParams } from './layer.js'

/**
 * Dropout with drop probability `rate` ∈ [0, 1). In training (`ctx.train`) each element is kept with probability
 * `1 − rate` by a Bernoulli mask drawn from `ctx.key` (required: the same key gives the same mask) and the kept
 * elements are scaled by `1/(1 − rate)`, so the expected output equals the input. In evaluation (no ctx, or
 * `train: false`) it is the identity. Params `{}`. The mask is drawn with `drawBernoulli`, so it stages: a compiled
 * step given a new key draws a new mask.
 */
export const dropout = (rate: number): Layer<NoParams> => {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}`)
  return {
    init: (_key, inShape) => [inShape, noParams],
    apply: (_params, x, ctx) => {
      if (ctx?.train !== true || rate === 0) return x
      if (ctx.key === undefined)
        throw new Error(
          'dropout: training mode needs a random key; call apply with ctx = { train: true, key }',
        )
      const mask = mul(drawBernoulli(ctx.key, 1 - rate, x.shape), 1 / (1 - rate))
      return mul(x, x.dtype === 'float32' ? astype(mask, 'float32') : mask)
    },
  }
}
