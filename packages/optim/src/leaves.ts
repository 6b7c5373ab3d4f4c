/**
 * Internal helpers: map a function over the matching leaves of several trees at once and rebuild several output
 * trees, checking that the structures agree (so a gradient tree that does not match the optimiser state fails
 * with a message naming both structures).
 * @module
 */
import { isValue, showTreeDef, treeDefEqual, treeFlatten, treePaths, treeUnflatten, zerosLike, type TreeDef, type Value } from '@cotangent/autodiff'
import { ShapeError, isTensor, shapesEqual, showShape, type Tensor } from '@cotangent/tensor'
import type { Params } from './base.js'

const describeLeaf = (x: unknown): string =>
  typeof x === 'string'
    ? `the string ${JSON.stringify(x)}`
    : typeof x === 'number' || typeof x === 'boolean'
      ? `${typeof x} ${String(x)}`
      : typeof x === 'object'
        ? 'an object that is not a tensor'
        : typeof x

const pathName = (path: string | undefined): string => (path === undefined || path === '' ? '(the root)' : path)

/**
 * Checks that `tree` (called `name` in errors) has the structure of `ref` (called `refName`) with a tensor of the
 * same shape at every leaf. The errors name the leaf's path, e.g.
 * `adam: at layers[0].b, the gradients have shape [3] but the parameters have shape [4]`.
 */
export const checkAgainst = (op: string, refName: string, ref: Params, name: string, tree: Params): void => {
  const [refLeaves, refDef] = treeFlatten(ref)
  const [leaves, def] = treeFlatten(tree)
  const badRef = refLeaves.findIndex((l) => !isValue(l))
  if (badRef >= 0)
    throw new TypeError(
      `${op}: ${refName} must be a tree of tensors, but the leaf at ${pathName(treePaths(ref)[badRef])} is ${describeLeaf(refLeaves[badRef])}`,
    )
  const bad = leaves.findIndex((l) => !isValue(l))
  if (bad >= 0)
    throw new TypeError(
      `${op}: ${name} must be a tree of tensors, but the leaf at ${pathName(treePaths(tree)[bad])} is ${describeLeaf(leaves[bad])}`,
    )
  if (!treeDefEqual(def, refDef))
    throw new Error(`${op}: ${name} have structure ${showTreeDef(def)}, but ${refName} have ${showTreeDef(refDef)}`)
  const i = leaves.findIndex((l, k) => !shapesEqual((l as Value).shape, (refLeaves[k] as Value).shape))
  if (i >= 0)
    throw new ShapeError(
      op,
      `at ${pathName(treePaths(ref)[i])}, ${name} have shape ${showShape((leaves[i] as Value).shape)} but ${refName} have shape ${showShape((refLeaves[i] as Value).shape)}`,
    )
}

/** True when `tree` has `ref`'s structure with a tensor of the same shape at every leaf (no strings built). */
const fits = (ref: readonly unknown[], refDef: TreeDef, tree: readonly unknown[], def: TreeDef): boolean =>
  treeDefEqual(def, refDef) &&
  tree.every((l, i) => isValue(l) && isValue(ref[i]) && shapesEqual(l.shape, ref[i].shape))

/**
 * Flattens `trees` (which must share the first tree's structure and leaf shapes; `names` label them in errors),
 * applies `f` to each tuple of matching leaves, and rebuilds one tree per output of `f`. With `params`, the first
 * tree (the gradients) must also match the parameters. A mismatch names the leaf's path and both shapes.
 */
export const zipMap = (
  op: string,
  names: readonly string[],
  trees: readonly Params[],
  nOut: number,
  f: (leaves: readonly Value[]) => readonly Value[],
  params?: Params,
): Params[] => {
  const flat = trees.map((t) => treeFlatten(t))
  const [first, def] = flat[0]!
  // the cheap test passes on every well-formed step; only a bad tree pays for the paths in the message
  if (params !== undefined) {
    const [pl, pd] = treeFlatten(params)
    if (!fits(pl, pd, first, def)) checkAgainst(op, 'the parameters', params, names[0] ?? 'the gradients', trees[0] ?? null)
  }
  flat.forEach(([ls, d], j) => {
    const name0 = names[0] ?? 'the first tree'
    if (j === 0 && !ls.every(isValue)) checkAgainst(op, name0, trees[0] ?? null, name0, trees[0] ?? null)
    if (j > 0 && !fits(first, def, ls, d)) checkAgainst(op, name0, trees[0] ?? null, names[j] ?? `tree ${j}`, trees[j] ?? null)
  })
  const results = first.map((_, i) => f(flat.map(([ls]) => ls[i] as Value)))
  return Array.from({ length: nOut }, (_, k) =>
    treeUnflatten(
      def,
      results.map((r) => r[k]),
    ),
  ) as Params[]
}

/**
 * Zeros shaped like every leaf of `params` (float64 for integer leaves), for moment buffers; `params` must be a tree
 * of tensors (a TypeError names the first leaf that is not).
 */
export const zerosTree = (op: string, params: Params): Params => {
  checkAgainst(`${op}.init`, 'the parameters', params, 'the parameters', params)
  const [leaves, def] = treeFlatten(params)
  return treeUnflatten(
    def,
    leaves.map((l) => {
      const v = l as Value
      return zerosLike(v, v.dtype === 'int32' ? 'float64' : v.dtype)
    }),
  ) as Params
}


/**
 * True when the fused kernels can take these leaves (`undefined` entries are absent operands): every one a
 * concrete Tensor (no traced value of `grad`/`makeGraph`/`jit`, which need the composed, differentiable ops) of
 * one float dtype. Mixed dtypes keep the composed path, whose promotion rules they rely on.
 */
export const fusable = (leaves: readonly (Value | undefined)[]): boolean => {
  const first = leaves[0]
  if (!isTensor(first) || (first.dtype !== 'float32' && first.dtype !== 'float64')) return false
  const dt = first.dtype
  return leaves.every((l) => l === undefined || (isTensor(l) && l.dtype === dt))
}

/** `v` as a Tensor, for a leaf {@link fusable} has accepted. */
export const concrete = (v: Value | undefined): Tensor => v as Tensor

/** `tree`'s leaves in `like`'s structure (which has the same leaf count; `applyUpdates` keeps the parameters'). */
export const restructure = <P>(like: P, tree: Params): P => treeUnflatten(treeFlatten(like)[1], treeFlatten(tree)[0]) as P
