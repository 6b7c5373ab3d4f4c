/**
 * The 3-4-2 network of the PyTorch homework, its data, its loss, and a backward pass written by hand with the
 * homework's formulas (plain tensor kernels, no autodiff) to set beside `grad` of the same loss.
 *
 *   z1 = X·W1 + B1,  h = relu(z1),  z2 = h·W2 + B2,  ŷ = σ(z2),  L = Σ (ŷ − Y)²
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import * as T from '@cotangent/tensor'
import type { Key, Tensor } from '@cotangent/tensor'

/** A data set: inputs `X` `[n, 3]` and 0/1 targets `Y` `[n, 2]`. */
export interface Data342 {
  readonly X: Tensor
  readonly Y: Tensor
}

/** The threshold of both labels. */
export const LABEL_THRESHOLD = 1.33

/**
 * The two labels of one input, as in the homework:
 * `y0 = |(x0 + x1)·[x2 > 0] + (x0 − x1)·[x2 < 0]| > 1.33` and `y1 = ‖x‖ > 1.33`.
 */
export const labelOf = (x0: number, x1: number, x2: number): readonly [number, number] => {
  const mixed = (x0 + x1) * (x2 > 0 ? 1 : 0) + (x0 - x1) * (x2 < 0 ? 1 : 0)
  return [Math.abs(mixed) > LABEL_THRESHOLD ? 1 : 0, Math.hypot(x0, x1, x2) > LABEL_THRESHOLD ? 1 : 0]
}

/** `n` points with X ~ N(0, 1)³ drawn from `key`, labelled by {@link labelOf}. */
export const generateData = (n: number, key: Key): Data342 => {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`generateData: n must be a positive integer, got ${String(n)}`)
  const X = T.normal(key, [n, 3])
  const x = T.toArray(X)
  const y = Array.from({ length: n }, (_, i) => labelOf(x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!)).flat()
  return { X, Y: T.fromArray(y, [n, 2]) }
}

/** Parameters of the 3-4-2 net: `W1` `[3,4]`, `B1` `[1,4]`, `W2` `[4,2]`, `B2` `[1,2]` (row-vector biases). */
export interface Params342<V = Tensor> {
  readonly W1: V
  readonly B1: V
  readonly W2: V
  readonly B2: V
}

/** The homework's initialisation: every parameter N(0, 1)·0.2, from four independent keys. */
export const initParams342 = (key: Key): Params342 => {
  const [k1, k2, k3, k4] = T.splitKey(key, 4)
  const draw = (k: Key | undefined, shape: readonly number[]): Tensor => T.mul(T.normal(k!, shape), 0.2)
  return { W1: draw(k1, [3, 4]), B1: draw(k2, [1, 4]), W2: draw(k3, [4, 2]), B2: draw(k4, [1, 2]) }
}

/** The forward pass with its intermediates, written with the differentiable ops (works under `grad`). */
export interface Forward342<V = Value> {
  readonly z1: V
  readonly h: V
  readonly z2: V
  readonly yHat: V
}

/** Forward pass of the 3-4-2 net. */
export const forward342 = (p: Params342<Value>, X: Value): Forward342 => {
  const z1 = A.add(A.matmul(X, p.W1), p.B1)
  const h = A.relu(z1)
  const z2 = A.add(A.matmul(h, p.W2), p.B2)
  return { z1, h, z2, yHat: A.sigmoid(z2) }
}

/** The homework's loss `L = Σ (ŷ − Y)²` (a sum over the batch and both outputs). */
export const loss342 = (p: Params342<Value>, X: Value, Y: Value): Value =>
  A.sum(A.square(A.sub(forward342(p, X).yHat, Y)))

/** Mean squared error `mean((ŷ − Y)²)` over every element (`L / (2n)`). */
export const meanMse342 = (p: Params342<Value>, data: Data342): number =>
  A.item(A.mean(A.square(A.sub(forward342(p, data.X).yHat, data.Y))))

/**
 * The backward pass by hand, with the homework's formulas over concrete tensors (tensor kernels, no tracing):
 * dL/dŷ = 2(ŷ − Y), dL/dz2 = dL/dŷ·ŷ(1 − ŷ), dL/dW2 = hᵀ·dL/dz2, dL/dB2 = Σ_batch dL/dz2, dL/dh = dL/dz2·W2ᵀ,
 * dL/dz1 = dL/dh·[z1 > 0], dL/dW1 = Xᵀ·dL/dz1, dL/dB1 = Σ_batch dL/dz1.
 */
export const manualGrads342 = (p: Params342, X: Tensor, Y: Tensor): Params342 => {
  const z1 = T.add(T.matmul(X, p.W1), p.B1)
  const h = T.relu(z1)
  const z2 = T.add(T.matmul(h, p.W2), p.B2)
  const yHat = T.sigmoid(z2)
  const dYHat = T.mul(2, T.sub(yHat, Y))
  const dZ2 = T.mul(dYHat, T.mul(yHat, T.sub(1, yHat)))
  const dW2 = T.matmul(T.transpose(h), dZ2)
  const dB2 = T.sum(dZ2, { axis: 0, keepdims: true })
  const dH = T.matmul(dZ2, T.transpose(p.W2))
  const dZ1 = T.mul(dH, T.greater(z1, 0))
  const dW1 = T.matmul(T.transpose(X), dZ1)
  const dB1 = T.sum(dZ1, { axis: 0, keepdims: true })
  return { W1: dW1, B1: dB1, W2: dW2, B2: dB2 }
}

/** The gradient of {@link loss342} by reverse-mode autodiff. */
export const autodiffGrads342 = (p: Params342, X: Tensor, Y: Tensor): Params342 => {
  const g = A.grad(loss342)(p, X, Y)
  return { W1: A.toTensor(g.W1), B1: A.toTensor(g.B1), W2: A.toTensor(g.W2), B2: A.toTensor(g.B2) }
}

/** The Euclidean (Frobenius) distance `‖a − b‖₂` between two tensors of the same shape (PyTorch's `torch.dist`). */
export const distance = (a: Tensor, b: Tensor): number => {
  if (!T.shapesEqual(a.shape, b.shape))
    throw new T.ShapeError(
      'distance',
      `${T.showShape(a.shape)} and ${T.showShape(b.shape)} must have the same shape`,
    )
  return Math.sqrt(T.item(T.sum(T.square(T.sub(a, b)))))
}

/** The parameter names in the homework's order. */
export const PARAM_NAMES_342 = ['W1', 'B1', 'W2', 'B2'] as const

/** One plain gradient step `p ← p − lr·∇L`. */
export const sgdStep342 = (p: Params342, g: Params342, lr: number): Params342 => ({
  W1: T.sub(p.W1, T.mul(lr, g.W1)),
  B1: T.sub(p.B1, T.mul(lr, g.B1)),
  W2: T.sub(p.W2, T.mul(lr, g.W2)),
  B2: T.sub(p.B2, T.mul(lr, g.B2)),
})

/** Number of parameters of the 3-4-2 net: 3·4 + 4 + 4·2 + 2. */
export const PARAMETER_COUNT_342 = 3 * 4 + 4 + 4 * 2 + 2
