/**
 * The multi-layer perceptron.
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { splitKey as split } from '@cotangent/tensor'
import type { Initializer } from './init.js'
import type { Layer } from './layer.js'
import { linear } from './linear.js'

/** Activations that {@link mlp} knows by name. */
export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'leakyRelu' | 'softplus' | 'identity'

/** One dense layer of an MLP: `W` `[in, out]`, `b` `[out]`. */
export interface DenseParams {
  readonly W: Value
  readonly b: Value
}

/** Parameters of {@link mlp}: the dense layers in order, `{ layers: [{ W, b }, …] }`. */
export interface MlpParams {
  readonly layers: readonly DenseParams[]
}

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Widths of the hidden layers; empty for a single linear layer. */
  readonly hiddenDims: readonly number[]
  /** Activation between layers (not after the last): a name or a function of a value. */
  readonly activation: ActivationName | ((x: Value) => Value)
  /** Width of the output layer. */
  readonly outDim: number
  /** Initializer of the hidden weights (default PyTorch's `nn.Linear`: `U(−1/√in, 1/√in)`). */
  readonly init?: Initializer
  /** Initializer of the output weight (default: `init` when given, else PyTorch's default). */
  readonly outInit?: Initializer
  /** Initializer of every bias (default PyTorch's `U(−1/√in, 1/√in)`). */
  readonly biasInit?: Initializer
  /** Parameter dtype (default float64). */
  readonly dtype?: 'float64' | 'float32'
}

const ACTIVATIONS: Readonly<Record<ActivationName, (x: Value) => Value>> = {
  relu: A.relu,
  tanh: A.tanh,
  sigmoid: A.sigmoid,
  gelu: A.gelu,
  leakyRelu: (x) => A.leakyRelu(x),
  softplus: A.softplus,
  identity: (x) => x,
}

/** Resolves an activation name (or passes a function through); throws on an unknown name. */
export const activationFn = (a: ActivationName | ((x: Value) => Value)): ((x: Value) => Value) => {
  if (typeof a === 'function') return a
  const f = Object.hasOwn(ACTIVATIONS, a) ? ACTIVATIONS[a] : undefined
  if (f === undefined)
    throw new Error(
      `mlp: unknown activation '${a as string}' (use one of ${Object.keys(ACTIVATIONS).join(', ')}, or a function)`,
    )
  return f
}

/**
 * Dense layers `in → hiddenDims… → outDim` with `activation` between them (none after the output layer).
 * Parameters are readable: `params.layers[i].W` has shape `[in_i, out_i]`. Inputs are `[B, in]` or `[in]`.
 */
export const mlp = (options: MlpOptions): Layer<MlpParams> => {
  const act = activationFn(options.activation)
  const widths = [...options.hiddenDims, options.outDim]
  const dense = widths.map((w, i) => {
    const last = i === widths.length - 1
    const wInit = last ? (options.outInit ?? options.init) : options.init
    return linear(w, {
      ...(wInit === undefined ? {} : { init: wInit }),
      ...(options.biasInit === undefined ? {} : { biasInit: options.biasInit }),
      ...(options.dtype === undefined ? {} : { dtype: options.dtype }),
    })
  })
  return {
    init: (key, inShape) => {
      const keys = split(key, dense.length)
      const [outShape, layers] = dense.reduce<readonly [readonly number[], readonly DenseParams[]]>(
        ([shape, ps], l, i) => {
          const [s, p] = l.init(keys[i]!, shape)
          return [s, [...ps, { W: p.W, b: p.b! }]]
        },
        [inShape, []],
      )
      return [outShape, { layers }]
    },
    apply: (params, x) => {
      if (params.layers.length !== dense.length)
        throw new Error(
          `mlp: got ${params.layers.length} layer parameter entries for ${dense.length} dense layers`,
        )
      return dense.reduce((h, l, i) => {
        const y = l.apply(params.layers[i]!, h)
        return i === dense.length - 1 ? y : act(y)
      }, x)
    },
  }
}
