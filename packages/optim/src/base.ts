/**
 * The shape of every optimiser (Optax's): a `GradientTransformation` is a pair of pure functions over trees.
 *
 * - `init(params)` builds the optimiser state (plain data: trees of tensors and a step count).
 * - `update(grads, state, params?)` returns `[updates, newState]`. Updates are what gets **added** to the
 *   parameters (so plain gradient descent returns `−lr·g`); apply them with {@link applyUpdates}.
 *
 * Transformations compose with {@link chain}: `chain(clipByGlobalNorm(1), adam(1e-3))` clips the gradients, then
 * feeds them to Adam. Nothing is mutated: the state you pass in stays valid, so a step can be replayed.
 *
 * {@link applyGradients} is `update` followed by `applyUpdates` in one call; a transformation that carries an
 * `updateAndApply` (the optimisers of this package, and a `chain` ending in one) does both in one pass per
 * parameter, never building the updates.
 *
 * A transformation whose arithmetic depends on its step count (a learning-rate schedule, Adam's bias corrections)
 * can expose those per-step numbers through `hyper` and take them back as the last argument of `update` and
 * `updateAndApply`: a compiled training step (`jit`) computes them outside the program at every step and passes
 * them in as 0-d tensors, so one program serves every step.
 * @module
 */
import { add, astype, treeFlatten, treeMap, type Value } from '@cotangent/autodiff'
import { checkAgainst } from './leaves.js'

/**
 * A tree of values: a tensor (or traced value), or nested arrays and plain records whose leaves are tensors, with
 * `null` (or `undefined`) for an empty subtree. Plain numbers and strings are not trees, so `update('not a tree', state)` does not
 * compile. (TypeScript cannot require every field of an `interface` to be a tree, so any object type is accepted
 * here; the structure, the leaves and their shapes are checked at run time, naming the offending path.)
 */
export type Params = Value | readonly unknown[] | object | null | undefined

/**
 * The per-step numbers of a transformation (see {@link GradientTransformation.hyper}), each a plain number or a 0-d
 * value (a tensor, or a traced value inside `jit`); a 0-d value is cast to each leaf's dtype where it is used.
 */
export type Hyper = readonly (number | Value)[]

/**
 * A gradient transformation with state `S`. `update` is declared as a method so that a transformation with a
 * specific state type is also a `GradientTransformation<unknown>` (what {@link chain} accepts).
 */
export interface GradientTransformation<S> {
  /** Builds the initial state for a parameter tree. */
  readonly init: (params: Params) => S
  /**
   * Maps gradients (shaped like the parameters) to updates; `params` is needed by weight decay only. `hyper`, when
   * given, replaces the numbers `hyper(state)` would compute (see {@link GradientTransformation.hyper}).
   */
  update(grads: Params, state: S, params?: Params, hyper?: Hyper): readonly [Params, S]
  /**
   * Optional fused form of `update` then `applyUpdates`: returns the new parameters (in `params`' structure, each
   * keeping its dtype) and the new state, equal to `[applyUpdates(params, u), s]` for `[u, s] = update(grads,
   * state, params)` (bitwise in float64; float32 may differ in the last unit, rounding once instead of per op).
   * {@link applyGradients} uses it when present. A custom transformation may leave it out.
   */
  updateAndApply?(grads: Params, state: S, params: Params, hyper?: Hyper): readonly [Params, S]
  /**
   * Optional: the numbers of the next update that come from the state's plain numbers — the learning rate of a
   * schedule, Adam's bias corrections — computed in JavaScript by `hyper.at(state)` (`hyper.size` of them; a
   * schedule's value is checked there, as in `update`). Passing them (as numbers or 0-d values) as `update`'s last
   * argument gives the same result as leaving it out, bitwise in float64; with them the state's numbers are only
   * counted, never computed with. A compiled training step passes them as program inputs, so that one program
   * serves every step. A custom transformation may leave it out; it is then compiled only when its arithmetic does
   * not depend on its numbers.
   */
  readonly hyper?: HyperSpec<S>
}

/** The per-step numbers of a transformation with state `S`: how many, and their values for a state. */
export interface HyperSpec<S> {
  readonly size: number
  /** Declared as a method so that a `HyperSpec<AdamState>` is also a `HyperSpec<unknown>`. */
  at(state: S): readonly number[]
}

/** The state type of a transformation. */
export type StateOf<G> = G extends GradientTransformation<infer S> ? S : never

/** The state tuple of a list of transformations (what {@link chain} keeps). */
export type StatesOf<Ts extends readonly GradientTransformation<unknown>[]> = {
  readonly [K in keyof Ts]: StateOf<Ts[K]>
}

/** Casts `u` to `dtype` when they differ (updates adopt their parameter's dtype: float32 stays float32). */
export const castLike = (u: Value, like: Value): Value =>
  u.dtype === like.dtype || like.dtype === 'int32' ? u : astype(u, like.dtype)

/**
 * `params + updates`, leaf by leaf; the result keeps each parameter's dtype (as Optax does). The two trees must
 * have the same structure (an error names both structures otherwise) and each update the shape of its parameter (a
 * ShapeError names the parameter's path and both shapes; no broadcasting, which would silently change a shape).
 */
export const applyUpdates = <P extends Params>(params: P, updates: Params): P => {
  checkAgainst('applyUpdates', 'the parameters', params, 'the updates', updates)
  return treeMap((p: Value, u: Value) => add(p, castLike(u, p)), params, updates)
}

/**
 * One optimiser step: `[newParams, newState]` from the gradients, the optimiser state and the parameters, i.e.
 * `update` then {@link applyUpdates} (flax's `apply_gradients`); `hyper` is passed on (see
 * {@link GradientTransformation.hyper}). When `tx` has an `updateAndApply` (every optimiser
 * here, and a `chain` whose last transformation has one) the two are fused: on concrete tensors one pass per
 * parameter computes the new parameter and state directly, with no update tree in between. The result has the
 * parameters' type and structure; each leaf keeps its dtype. Inside `grad`/`makeGraph`/`jit` the same call runs
 * the composed differentiable ops.
 */
export const applyGradients = <P extends Params, S>(
  tx: GradientTransformation<S>,
  grads: Params,
  state: S,
  params: P,
  hyper?: Hyper,
): readonly [P, S] => {
  if (tx.updateAndApply !== undefined) {
    const [p, s] = tx.updateAndApply(grads, state, params, hyper)
    return [p as P, s]
  }
  const [u, s] = tx.update(grads, state, params, hyper)
  return [applyUpdates(params, u), s]
}

/** The transformation that passes gradients through unchanged (state: `null`). */
export const identity = (): GradientTransformation<null> => ({
  init: () => null,
  update: (grads) => [grads, null],
})

/**
 * Runs transformations in sequence: the updates of one are the gradients of the next. The state is the tuple of
 * the parts' states, in order; the per-step numbers (`hyper`) are the parts' own, in order.
 */
export const chain = <const Ts extends readonly GradientTransformation<unknown>[]>(
  ...ts: Ts
): GradientTransformation<StatesOf<Ts>> => {
  const checkStates = (state: StatesOf<Ts>): readonly unknown[] => {
    const states = state as readonly unknown[]
    if (!Array.isArray(states) || states.length !== ts.length)
      throw new TypeError(
        `chain: expected a state tuple of ${ts.length} entries (one per transformation), got ${Array.isArray(states) ? `${states.length} entries` : typeof states}`,
      )
    return states
  }
  const sizes = ts.map((t) => t.hyper?.size ?? 0)
  const nHyper = sizes.reduce((a, b) => a + b, 0)
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0))
  /** Each link's share of the chain's per-step numbers: the parts' own `hyper`, in order (none without one). */
  const hyperOf = (hyper: Hyper | undefined): readonly (Hyper | undefined)[] => {
    if (hyper === undefined) return ts.map(() => undefined)
    if (hyper.length !== nHyper)
      throw new RangeError(`chain: expected ${String(nHyper)} per-step numbers (hyper), got ${String(hyper.length)}`)
    return ts.map((t, i) => (t.hyper === undefined ? undefined : hyper.slice(starts[i], starts[i]! + sizes[i]!)))
  }
  /** Runs the first `n` transformations: the gradients for the next one, and their new states. */
  const prefix = (
    n: number,
    grads: Params,
    states: readonly unknown[],
    params: Params | undefined,
    hypers: readonly (Hyper | undefined)[],
  ) =>
    ts.slice(0, n).reduce<readonly [Params, readonly unknown[]]>(
      ([g, acc], t, i) => {
        const [u, s] = t.update(g, states[i], params, hypers[i])
        return [u, [...acc, s]]
      },
      [grads, []],
    )
  const last = ts[ts.length - 1]
  const fusedLast = last?.updateAndApply?.bind(last)
  const withHyper = ts.some((t) => t.hyper !== undefined)
  return {
    init: (params) => ts.map((t) => t.init(params)) as unknown as StatesOf<Ts>,
    update: (grads, state, params, hyper) => {
      const states = checkStates(state)
      const [updates, newStates] = prefix(ts.length, grads, states, params, hyperOf(hyper))
      return [updates, newStates as unknown as StatesOf<Ts>]
    },
    // the last link's fused step, when it has one: update + applyUpdates of the whole chain
    ...(fusedLast === undefined
      ? {}
      : {
          updateAndApply: (grads: Params, state: StatesOf<Ts>, params: Params, hyper?: Hyper) => {
            const states = checkStates(state)
            const hypers = hyperOf(hyper)
            const [g, newStates] = prefix(ts.length - 1, grads, states, params, hypers)
            const [p, s] = fusedLast(g, states[ts.length - 1], params, hypers[ts.length - 1])
            return [p, [...newStates, s] as unknown as StatesOf<Ts>] as const
          },
        }),
    ...(withHyper
      ? {
          hyper: {
            size: nHyper,
            at: (state: StatesOf<Ts>) => {
              const states = checkStates(state)
              return ts.flatMap((t, i) => (t.hyper === undefined ? [] : t.hyper.at(states[i])))
            },
          },
        }
      : {}),
  }
}

/** Number of leaves (tensors) in a tree; handy to check a gradient tree before updating. */
export const countLeaves = (tree: Params): number => treeFlatten(tree)[0].length
