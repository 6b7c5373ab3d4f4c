/**
 * Internal helpers: map a function over the matching leaves of several trees at once and rebuild several output
 * trees, checking that the structures agree (so a gradient tree that does not match the optimiser state fails
 * with a message naming both structures).
 * @module
 */
import { showTreeDef, treeDefEqual, treeFlatten, treeUnflatten, zerosLike, type Value } from '@cotangent/autodiff'
import type { Params } from './base.js'

/**
 * Flattens `trees` (which must share the first tree's structure; `names` label them in errors), applies `f` to each
 * tuple of matching leaves, and rebuilds one tree per output of `f`.
 */
export const zipMap = (
  op: string,
  names: readonly string[],
  trees: readonly Params[],
  nOut: number,
  f: (leaves: readonly Value[]) => readonly Value[],
): Params[] => {
  const flat = trees.map((t) => treeFlatten(t))
  const [first, def] = flat[0]!
  flat.forEach(([, d], j) => {
    if (j > 0 && !treeDefEqual(d, def))
      throw new Error(
        `${op}: ${names[j] ?? `tree ${j}`} has structure ${showTreeDef(d)}, but ${names[0] ?? 'the first tree'} has ${showTreeDef(def)}`,
      )
  })
  const results = first.map((_, i) => f(flat.map(([ls]) => ls[i] as Value)))
  return Array.from({ length: nOut }, (_, k) =>
    treeUnflatten(
      def,
      results.map((r) => r[k]),
    ),
  )
}

/** Zeros shaped like every leaf of `params` (float64 for integer leaves), for moment buffers. */
export const zerosTree = (params: Params): Params => {
  const [leaves, def] = treeFlatten(params)
  return treeUnflatten(
    def,
    leaves.map((l) => {
      const v = l as Value
      return zerosLike(v, v.dtype === 'int32' ? 'float64' : v.dtype)
    }),
  )
}
