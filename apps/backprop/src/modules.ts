/**
 * Hand-written forward/backward modules over plain tensors, in the manner of the deep-learning homework's
 * `mlp.py`: each module has a `forward` and a `backward` that maps the gradient of the loss with respect to the
 * module's output (plus what the forward pass saw — the homework's cache: the input, and for element-wise modules
 * the output too) to the gradients with respect to its input and its parameters. `twoLayerBackprop` keeps every
 * intermediate of one pass. Only tensor kernels are used here — no autodiff — so these are an independent derivation
 * to set beside `grad`.
 *
 * Weights are stored `[in, out]` (`z = x·W + b`), the library's layout; PyTorch's `nn.Linear.weight` is the
 * transpose, `[out, in]`.
 * @module
 */
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'

/** Parameters of one linear layer: `W` `[in, out]`, `b` `[out]`. */
export interface LinearParams {
  readonly W: Tensor
  readonly b: Tensor
}

/** Gradients of one linear layer and of its input. */
export interface LinearGrads {
  readonly dx: Tensor
  readonly dW: Tensor
  readonly db: Tensor
}

/** Linear forward `z = x·W + b` for a batch `x` `[B, in]` (its backward needs `x`). */
export const linearForward = (p: LinearParams, x: Tensor): Tensor => {
  if (
    x.ndim !== 2 ||
    p.W.ndim !== 2 ||
    x.shape[1] !== p.W.shape[0] ||
    p.b.ndim !== 1 ||
    p.b.shape[0] !== p.W.shape[1]
  )
    throw new T.ShapeError(
      'linearForward',
      `x ${T.showShape(x.shape)}, W ${T.showShape(p.W.shape)} and b ${T.showShape(p.b.shape)} do not fit (need [B, in], [in, out], [out])`,
    )
  return T.add(T.matmul(x, p.W), p.b)
}

/** Linear backward: `dx = dz·Wᵀ`, `dW = xᵀ·dz`, `db = Σ_batch dz`. */
export const linearBackward = (p: LinearParams, x: Tensor, dz: Tensor): LinearGrads => ({
  dx: T.matmul(dz, T.transpose(p.W)),
  dW: T.matmul(T.transpose(x), dz),
  db: T.sum(dz, { axis: 0 }),
})

/** A parameter-free element-wise module: `forward(x)` and `backward(x, y, dy) → dx` (given input and output). */
export interface ElementwiseModule {
  readonly name: string
  readonly forward: (x: Tensor) => Tensor
  readonly backward: (x: Tensor, y: Tensor, dy: Tensor) => Tensor
}

/** ReLU: `y = max(x, 0)`, `dx = dy·[x > 0]` (derivative 0 at 0, as PyTorch). */
export const reluModule: ElementwiseModule = {
  name: 'relu',
  forward: (x) => T.relu(x),
  backward: (x, _y, dy) => T.mul(dy, T.greater(x, 0)),
}

/** Sigmoid: `y = 1 / (1 + e^−x)`, `dx = dy·y(1 − y)`. */
export const sigmoidModule: ElementwiseModule = {
  name: 'sigmoid',
  forward: (x) => T.sigmoid(x),
  backward: (_x, y, dy) => T.mul(dy, T.mul(y, T.sub(1, y))),
}

/** Identity: `y = x`, `dx = dy`. */
export const identityModule: ElementwiseModule = {
  name: 'identity',
  forward: (x) => x,
  backward: (_x, _y, dy) => dy,
}

/** A loss module: the loss value and its gradient with respect to the prediction. */
export interface LossModule {
  readonly name: string
  readonly forward: (yHat: Tensor, y: Tensor) => { readonly loss: number; readonly dYHat: Tensor }
}

const checkSame = (op: string, yHat: Tensor, y: Tensor): void => {
  if (!T.shapesEqual(yHat.shape, y.shape))
    throw new T.ShapeError(
      op,
      `prediction ${T.showShape(yHat.shape)} and target ${T.showShape(y.shape)} must have the same shape`,
    )
}

/** Mean squared error over every element, `J = mean((ŷ − y)²)` (PyTorch's `MSELoss()`), `dJ/dŷ = 2(ŷ − y)/N`. */
export const mseModule: LossModule = {
  name: 'mse',
  forward: (yHat, y) => {
    checkSame('mseModule', yHat, y)
    const diff = T.sub(yHat, y)
    return { loss: T.item(T.mean(T.square(diff))), dYHat: T.mul(diff, 2 / yHat.size) }
  },
}

/** The probability clamp of the library's `bce` (Keras' epsilon): `p ∈ [ε, 1 − ε]`. */
export const BCE_EPS = 1e-7

/**
 * Binary cross-entropy over every element, `J = −mean(y·log p + (1 − y)·log(1 − p))` with `p` = ŷ clamped to
 * `[ε, 1 − ε]` (PyTorch's `BCELoss()` up to the clamp); `dJ/dŷ = (p − y) / (p(1 − p)·N)` inside the clamp, 0
 * outside it.
 */
export const bceModule: LossModule = {
  name: 'bce',
  forward: (yHat, y) => {
    checkSame('bceModule', yHat, y)
    const p = T.clip(yHat, BCE_EPS, 1 - BCE_EPS)
    const perElement = T.neg(T.add(T.mul(y, T.log(p)), T.mul(T.sub(1, y), T.log(T.sub(1, p)))))
    const inside = T.mul(T.greaterEqual(yHat, BCE_EPS), T.lessEqual(yHat, 1 - BCE_EPS))
    const dYHat = T.mul(T.div(T.sub(p, y), T.mul(T.mul(p, T.sub(1, p)), yHat.size)), inside)
    return { loss: T.item(T.mean(perElement)), dYHat }
  },
}

/** Parameters of the two-layer net, named as in the homework. */
export interface TwoLayerParams {
  readonly W1: Tensor
  readonly b1: Tensor
  readonly W2: Tensor
  readonly b2: Tensor
}

/** Every intermediate of one forward and backward pass (the homework asks for their shapes). */
export interface TwoLayerTrace {
  readonly x: Tensor
  /** `z1 = linear1(x)` */
  readonly z1: Tensor
  /** `z2 = f(z1)` */
  readonly z2: Tensor
  /** `z3 = linear2(z2)` */
  readonly z3: Tensor
  /** `ŷ = g(z3)` */
  readonly yHat: Tensor
  readonly loss: number
  readonly dYHat: Tensor
  readonly dZ3: Tensor
  readonly dZ2: Tensor
  readonly dZ1: Tensor
  readonly grads: TwoLayerParams
}

/** The hand-written net `linear1 → f → linear2 → g` with a loss module: forward, then backward. */
export const twoLayerBackprop = (
  p: TwoLayerParams,
  f: ElementwiseModule,
  g: ElementwiseModule,
  lossModule: LossModule,
  x: Tensor,
  y: Tensor,
): TwoLayerTrace => {
  const l1 = { W: p.W1, b: p.b1 }
  const l2 = { W: p.W2, b: p.b2 }
  const z1 = linearForward(l1, x)
  const z2 = f.forward(z1)
  const z3 = linearForward(l2, z2)
  const yHat = g.forward(z3)
  const { loss, dYHat } = lossModule.forward(yHat, y)
  const dZ3 = g.backward(z3, yHat, dYHat)
  const back2 = linearBackward(l2, z2, dZ3)
  const dZ2 = back2.dx
  const dZ1 = f.backward(z1, z2, dZ2)
  const back1 = linearBackward(l1, x, dZ1)
  return {
    x,
    z1,
    z2,
    z3,
    yHat,
    loss,
    dYHat,
    dZ3,
    dZ2,
    dZ1,
    grads: { W1: back1.dW, b1: back1.db, W2: back2.dW, b2: back2.db },
  }
}
