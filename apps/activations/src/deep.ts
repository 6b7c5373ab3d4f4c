/**
 * The vanishing-gradient measurement: the norm of the gradient that reaches each layer of a deep sigmoid and a
 * deep ReLU network at initialisation.
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { init as initializers, mlp, type Initializer, type MlpParams } from '@cotangent/layers'
import { softmaxCrossEntropy } from '@cotangent/losses'
import * as T from '@cotangent/tensor'
import type { Key } from '@cotangent/tensor'

/** The weight initialisations the comparison can use. */
export const INITS = ['matched', 'xavier', 'he', 'torch'] as const

/**
 * One of {@link INITS}: `matched` gives each activation its standard init (Xavier/Glorot normal for sigmoid, He
 * normal for ReLU); the others use the same init for both networks.
 */
export type InitName = (typeof INITS)[number]

/** The two activations compared. */
export const DEEP_ACTIVATIONS = ['sigmoid', 'relu'] as const

/** One of {@link DEEP_ACTIVATIONS}. */
export type DeepActivation = (typeof DEEP_ACTIVATIONS)[number]

/** The initializer of the weights for an activation under an init choice (biases start at 0). */
export const initializerFor = (init: InitName, act: DeepActivation): Initializer => {
  switch (init) {
    case 'matched':
      return act === 'sigmoid' ? initializers.xavierNormal() : initializers.heNormal
    case 'xavier':
      return initializers.xavierNormal()
    case 'he':
      return initializers.heNormal
    case 'torch':
      return initializers.torchLinear()
  }
}

/** The readable name of the init used for an activation. */
export const initLabel = (init: InitName, act: DeepActivation): string =>
  init === 'matched'
    ? act === 'sigmoid'
      ? 'Xavier normal'
      : 'He normal'
    : { xavier: 'Xavier normal', he: 'He normal', torch: "PyTorch's default U(±1/√in)" }[init]

/** Settings of the measurement. */
export interface DeepOptions {
  /** Dense layers in total (the last is the output layer). */
  readonly depth: number
  /** Width of the input and of every hidden layer. */
  readonly width: number
  readonly classes: number
  readonly batch: number
  /** Independent inits (and batches) averaged, geometrically. */
  readonly trials: number
  readonly init: InitName
}

/** Per dense layer (1 = the first, nearest the input): ‖∂L/∂W‖₂ (Frobenius), geometric mean over the trials. */
export interface DeepGradients {
  readonly activation: DeepActivation
  readonly initLabel: string
  readonly norms: readonly number[]
  /** The same for every trial (trial-major). */
  readonly perTrial: readonly (readonly number[])[]
  readonly loss: number
}

const frobenius = (v: Value): number => Math.sqrt(A.item(A.sum(A.square(v))))

/** One trial's net, initial parameters, inputs and labels. */
export interface DeepTrial {
  readonly net: ReturnType<typeof mlp>
  readonly params: MlpParams
  readonly x: T.Tensor
  readonly labels: T.Tensor
}

/**
 * Trial `t`: `depth` dense layers (`depth − 1` hidden layers of `width` units with `act`, then a linear output of
 * `classes` logits; biases 0), a batch x ~ N(0, 1) and random labels, all drawn from `fold(key, t)`.
 */
export const deepTrial = (act: DeepActivation, o: DeepOptions, key: Key, t: number): DeepTrial => {
  const net = mlp({
    hiddenDims: Array.from({ length: o.depth - 1 }, () => o.width),
    activation: act,
    outDim: o.classes,
    init: initializerFor(o.init, act),
    biasInit: initializers.zeros,
  })
  const [kInit, kx, ky] = T.splitKey(T.fold(key, t), 3)
  const [, params] = net.init(kInit!, [o.width])
  return {
    net,
    params,
    x: T.normal(kx!, [o.batch, o.width]),
    labels: T.randint(ky!, [o.batch], 0, o.classes),
  }
}

/**
 * Measures, over `trials` trials of {@link deepTrial}, the gradient of the softmax cross-entropy with respect to
 * every weight matrix — at initialisation, before any step.
 */
export const deepGradients = (act: DeepActivation, o: DeepOptions, key: Key): DeepGradients => {
  const trials = Array.from({ length: o.trials }, (_, t) => {
    const { net, params, x, labels } = deepTrial(act, o, key, t)
    const [loss, g] = A.valueAndGrad((p: MlpParams) => softmaxCrossEntropy(net.apply(p, x), labels))(params)
    return { loss: A.item(loss), norms: g.layers.map((l) => frobenius(l.W)) }
  })
  const perTrial = trials.map((t) => t.norms)
  const norms = perTrial[0]!.map((_, l) =>
    Math.exp(perTrial.reduce((s, n) => s + Math.log(n[l]!), 0) / perTrial.length),
  )
  return {
    activation: act,
    initLabel: initLabel(o.init, act),
    norms,
    perTrial,
    loss: trials.reduce((s, t) => s + t.loss, 0) / trials.length,
  }
}
