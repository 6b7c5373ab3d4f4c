import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'

/** Central differences of a scalar function of one tensor, element by element (independent of autodiff). */
export const numericGrad = (f: (x: Tensor) => number, x: Tensor, h = 1e-6): Tensor => {
  const base = T.toArray(x)
  const g = Array.from(base, (_, i) => {
    const plus = Float64Array.from(base)
    const minus = Float64Array.from(base)
    plus[i] = base[i]! + h
    minus[i] = base[i]! - h
    return (f(T.fromArray(plus, x.shape)) - f(T.fromArray(minus, x.shape))) / (2 * h)
  })
  return T.fromArray(g, x.shape)
}

/** max |a − b| / max(1, max |b|). */
export const relErr = (a: Tensor, b: Tensor): number => {
  const x = T.toArray(a)
  const y = T.toArray(b)
  const scale = Math.max(1, ...Array.from(y, Math.abs))
  return Math.max(0, ...Array.from(x, (v, i) => Math.abs(v - y[i]!))) / scale
}
