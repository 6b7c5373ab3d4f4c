/**
 * The two-layer net of the deep-learning homework, `linear1 → f → linear2 → g`, in three settings: (ReLU, identity)
 * with MSE, (sigmoid, sigmoid) with BCE and (ReLU, sigmoid) with BCE. The hand-written modules of `modules.ts`
 * are compared with `grad` of the same net built from the library's layers and losses.
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { linear, relu, serial, sigmoid, identity } from '@cotangent/layers'
import { bce, mse } from '@cotangent/losses'
import * as T from '@cotangent/tensor'
import type { Key, Tensor } from '@cotangent/tensor'
import {
  bceModule,
  identityModule,
  mseModule,
  reluModule,
  sigmoidModule,
  twoLayerBackprop,
  type ElementwiseModule,
  type LossModule,
  type TwoLayerParams,
  type TwoLayerTrace,
} from './modules.js'

/** The three (f, g, loss) settings of the homework. */
export const SETTINGS = [
  { name: 'relu-identity-mse', f: 'relu', g: 'identity', loss: 'mse' },
  { name: 'sigmoid-sigmoid-bce', f: 'sigmoid', g: 'sigmoid', loss: 'bce' },
  { name: 'relu-sigmoid-bce', f: 'relu', g: 'sigmoid', loss: 'bce' },
] as const

/** One of {@link SETTINGS}. */
export type Setting = (typeof SETTINGS)[number]

/** Sizes of the comparison (the homework's: batch 10, in 2, hidden 20, out 5). */
export interface TwoLayerSizes {
  readonly batch: number
  readonly inDim: number
  readonly hidden: number
  readonly outDim: number
}

const MODULES: Readonly<Record<'relu' | 'sigmoid' | 'identity', ElementwiseModule>> = {
  relu: reluModule,
  sigmoid: sigmoidModule,
  identity: identityModule,
}
const LAYERS = { relu, sigmoid, identity } as const
const LOSS_MODULES: Readonly<Record<'mse' | 'bce', LossModule>> = { mse: mseModule, bce: bceModule }
const LOSSES: Readonly<Record<'mse' | 'bce', (p: Value, y: Value) => Value>> = {
  mse: (p, y) => mse(p, y),
  bce: (p, y) => bce(p, y),
}

/** The library's version of the net: `serial(linear(hidden), f, linear(out), g)`. */
export const libraryNet = (s: Setting, sizes: TwoLayerSizes) =>
  serial(linear(sizes.hidden), LAYERS[s.f], linear(sizes.outDim), LAYERS[s.g])

/** Inputs and targets as in the homework: x ~ N(0,1); MSE targets ~ N(0,1), BCE targets `[N(0,1) < 0.5]`. */
export const homeworkBatch = (
  s: Setting,
  sizes: TwoLayerSizes,
  key: Key,
): { readonly x: Tensor; readonly y: Tensor } => {
  const [kx, ky] = T.splitKey(key, 2)
  const x = T.normal(kx!, [sizes.batch, sizes.inDim])
  const noise = T.normal(ky!, [sizes.batch, sizes.outDim])
  return { x, y: s.loss === 'mse' ? noise : T.less(noise, 0.5) }
}

/** The comparison of one setting: both gradients, their distances, and the hand-written pass's intermediates. */
export interface Comparison {
  readonly setting: Setting
  readonly params: TwoLayerParams
  /** The batch's targets (its inputs are `manual.x`). */
  readonly target: Tensor
  readonly manual: TwoLayerTrace
  readonly autodiffLoss: number
  readonly autodiff: TwoLayerParams
  /** Per parameter: max |manual − autodiff| over its elements. */
  readonly maxAbsDiff: Readonly<Record<keyof TwoLayerParams, number>>
}

/** The parameter names of the two-layer net. */
export const TWO_LAYER_PARAMS = ['W1', 'b1', 'W2', 'b2'] as const

/** Largest absolute element-wise difference of two same-shaped tensors. */
export const maxAbsDiff = (a: Tensor, b: Tensor): number => {
  if (!T.shapesEqual(a.shape, b.shape))
    throw new T.ShapeError(
      'maxAbsDiff',
      `${T.showShape(a.shape)} and ${T.showShape(b.shape)} must have the same shape`,
    )
  return a.size === 0 ? 0 : T.item(T.max(T.abs(T.sub(a, b))))
}

/** Initialises the library net, runs the hand-written pass and `grad` on the same batch, and compares them. */
export const compareSetting = (s: Setting, sizes: TwoLayerSizes, key: Key): Comparison => {
  const [kInit, kData] = T.splitKey(key, 2)
  const net = libraryNet(s, sizes)
  const [, libParams] = net.init(kInit!, [sizes.inDim])
  const { x, y } = homeworkBatch(s, sizes, kData!)
  const objective = (p: typeof libParams): Value => LOSSES[s.loss](net.apply(p, x), y)
  const [lossValue, g] = A.valueAndGrad(objective)(libParams)
  const params: TwoLayerParams = {
    W1: A.toTensor(libParams[0].W),
    b1: A.toTensor(libParams[0].b!),
    W2: A.toTensor(libParams[2].W),
    b2: A.toTensor(libParams[2].b!),
  }
  const autodiff: TwoLayerParams = {
    W1: A.toTensor(g[0].W),
    b1: A.toTensor(g[0].b!),
    W2: A.toTensor(g[2].W),
    b2: A.toTensor(g[2].b!),
  }
  const manual = twoLayerBackprop(params, MODULES[s.f], MODULES[s.g], LOSS_MODULES[s.loss], x, y)
  const diffs = Object.fromEntries(TWO_LAYER_PARAMS.map((n) => [n, maxAbsDiff(manual.grads[n], autodiff[n])]))
  return {
    setting: s,
    params,
    target: y,
    manual,
    autodiffLoss: A.item(lossValue),
    autodiff,
    maxAbsDiff: diffs as Record<keyof TwoLayerParams, number>,
  }
}

/** One row of the shapes table: a quantity of the homework, its shape, and what it is. */
export interface ShapeRow {
  readonly name: string
  readonly shape: readonly number[]
  readonly meaning: string
}

/** The shapes of every intermediate of a hand-written pass, read off the tensors it computed. */
export const shapeTable = (c: Comparison): readonly ShapeRow[] => {
  const m = c.manual
  const f = c.setting.f
  const g = c.setting.g
  return [
    { name: 'x', shape: m.x.shape, meaning: 'input batch' },
    {
      name: 'W1',
      shape: c.params.W1.shape,
      meaning: 'linear1 weight ([in, out]; PyTorch stores its transpose)',
    },
    { name: 'b1', shape: c.params.b1.shape, meaning: 'linear1 bias' },
    { name: 'z1', shape: m.z1.shape, meaning: 'linear1(x) = x·W1 + b1' },
    { name: 'z2', shape: m.z2.shape, meaning: `f(z1), f = ${f}` },
    { name: 'W2', shape: c.params.W2.shape, meaning: 'linear2 weight' },
    { name: 'b2', shape: c.params.b2.shape, meaning: 'linear2 bias' },
    { name: 'z3', shape: m.z3.shape, meaning: 'linear2(z2) = z2·W2 + b2' },
    { name: 'ŷ', shape: m.yHat.shape, meaning: `g(z3), g = ${g}` },
    { name: 'J', shape: [], meaning: `${c.setting.loss} loss (mean over every element)` },
    { name: 'dJ/dŷ', shape: m.dYHat.shape, meaning: 'from the loss module' },
    { name: 'dJ/dz3', shape: m.dZ3.shape, meaning: "dJ/dŷ ⊙ g'(z3)" },
    { name: 'dJ/dW2', shape: m.grads.W2.shape, meaning: 'z2ᵀ·dJ/dz3' },
    { name: 'dJ/db2', shape: m.grads.b2.shape, meaning: 'Σ over the batch of dJ/dz3' },
    { name: 'dJ/dz2', shape: m.dZ2.shape, meaning: 'dJ/dz3·W2ᵀ' },
    { name: 'dJ/dz1', shape: m.dZ1.shape, meaning: "dJ/dz2 ⊙ f'(z1)" },
    { name: 'dJ/dW1', shape: m.grads.W1.shape, meaning: 'xᵀ·dJ/dz1' },
    { name: 'dJ/db1', shape: m.grads.b1.shape, meaning: 'Σ over the batch of dJ/dz1' },
  ]
}
