/**
 * The layer abstraction (stax style): a layer is a pair of pure functions over plain data.
 *
 * - `init(key, inShape)` returns the output shape and freshly initialised parameters. Shapes exclude the batch
 *   dimension: `linear(16).init(k, [4])` gives `[[16], { W: [4,16], b: [16] }]`.
 * - `apply(params, x, ctx?)` runs the layer on a batch `[B, ...inShape]` (most layers also take an unbatched
 *   input). It is written with the ops of `@cotangent/autodiff`, so it can be differentiated with respect to the
 *   parameters and the input alike.
 *
 * Parameters are plain trees (records and arrays of tensors), so `grad` returns gradients of the same shape and
 * optimisers can map over them. Parameter-free layers (activations, dropout) have the empty record `{}`.
 * @module
 */
import { add } from '@cotangent/autodiff'
import { foldKey, type AnyKey, type Value } from '@cotangent/autodiff'
import { splitKey as split, ShapeError, shapesEqual, showShape, type Key } from '@cotangent/tensor'

/**
 * The context of one call of `apply`: `train` switches training-only behaviour (dropout) on; `key` feeds the
 * random layers. Combinators derive a distinct key per child, so one key serves a whole model. The key is a
 * concrete `Key`, or inside a compiled step a `StagedKey` (its words are a value of the program): draw from it
 * with `drawBernoulli`/`drawUniform` and derive keys with `foldKey` of `@cotangent/autodiff`, which take both.
 */
export interface Ctx {
  readonly train: boolean
  readonly key?: AnyKey
}

/** A layer: `init` builds parameters for an input shape (batch dimension excluded); `apply` runs it. */
export interface Layer<P, X = Value> {
  readonly init: (key: Key, inShape: readonly number[]) => readonly [readonly number[], P]
  readonly apply: (params: P, x: X, ctx?: Ctx) => Value
}

/** The parameters of parameter-free layers: the empty record `{}` (a tree with no leaves). */
export type NoParams = Readonly<Record<string, never>>

/** The shared empty parameter record. */
export const noParams: NoParams = Object.freeze({})

/** Any layer, whatever its parameter and input types (for the combinators' constraints). */
export interface AnyLayer {
  readonly init: (key: Key, inShape: readonly number[]) => readonly [readonly number[], unknown]
  readonly apply: (params: never, x: never, ctx?: Ctx) => Value
}

/** The parameter type of a layer. */
export type ParamsOf<L> = L extends Layer<infer P, infer _X> ? P : never

/** The input type of a layer. */
export type InputOf<L> = L extends Layer<infer _P, infer X> ? X : never

/** The parameter tuple of a list of layers. */
export type ParamsOfAll<Ls extends readonly AnyLayer[]> = { readonly [K in keyof Ls]: ParamsOf<Ls[K]> }

type ErasedApply = (params: unknown, x: unknown, ctx?: Ctx) => Value

const applyOf = (l: AnyLayer): ErasedApply => l.apply as ErasedApply

/** The context handed to child `i` of a combinator: the same, with the key folded with `i` (when there is one). */
export const childCtx = (ctx: Ctx | undefined, i: number): Ctx | undefined =>
  ctx?.key === undefined ? ctx : { train: ctx.train, key: foldKey(ctx.key, i) }

/**
 * Layers in sequence. The parameters are the array of the children's parameters (`params[i]` belongs to
 * `layers[i]`; parameter-free children hold `{}`). `init` splits the key into one key per child; in `apply`
 * child `i` receives `ctx.key` folded with `i`, so two dropout layers draw different masks. `serial()` with no
 * layers is the identity.
 */
export const serial = <const Ls extends readonly AnyLayer[]>(
  ...layers: Ls
): Layer<ParamsOfAll<Ls>, Ls extends readonly [infer F, ...unknown[]] ? InputOf<F> : Value> => ({
  init: (key, inShape) => {
    const keys = layers.length === 0 ? [] : split(key, layers.length)
    const [outShape, params] = layers.reduce<readonly [readonly number[], readonly unknown[]]>(
      ([shape, ps], l, i) => {
        const [s, p] = l.init(keys[i]!, shape)
        return [s, [...ps, p]]
      },
      [inShape, []],
    )
    return [outShape, params as ParamsOfAll<Ls>]
  },
  apply: (params, x, ctx) => {
    const ps = params as readonly unknown[]
    if (ps.length !== layers.length)
      throw new Error(`serial: got ${ps.length} parameter entries for ${layers.length} layers`)
    return layers.reduce<unknown>((h, l, i) => applyOf(l)(ps[i], h, childCtx(ctx, i)), x) as Value
  },
})

/**
 * `x + layer(x)`. The parameters are the inner layer's own (not wrapped). The inner layer must keep the shape:
 * `init` throws a ShapeError otherwise, as does `apply` when the shapes of `x` and `layer(x)` differ.
 */
export const residual = <P>(layer: Layer<P>): Layer<P> => ({
  init: (key, inShape) => {
    const [outShape, params] = layer.init(key, inShape)
    if (!shapesEqual(outShape, inShape))
      throw new ShapeError(
        'residual',
        `the inner layer maps ${showShape(inShape)} to ${showShape(outShape)}; a residual block needs equal shapes`,
      )
    return [outShape, params]
  },
  apply: (params, x, ctx) => {
    const y = layer.apply(params, x, ctx)
    if (!shapesEqual(y.shape, x.shape))
      throw new ShapeError(
        'residual',
        `the inner layer maps ${showShape(x.shape)} to ${showShape(y.shape)}; a residual block needs equal shapes`,
      )
    return add(x, y)
  },
})
