/**
 * Reading parameter trees: counting and describing them.
 * @module
 */
import { isValue, treeLeaves, treePaths } from '@cotangent/autodiff'
import { showShape } from '@cotangent/tensor'

/** One leaf of a parameter tree: its path (`layers[0].W`), shape and element count. */
export interface ParamLeaf {
  readonly path: string
  readonly shape: readonly number[]
  readonly count: number
}

const leafOf = (leaf: unknown, path: string): ParamLeaf => {
  if (isValue(leaf)) return { path, shape: leaf.shape, count: leaf.size }
  if (typeof leaf === 'number') return { path, shape: [], count: 1 }
  throw new TypeError(
    `paramLeaves: ${path === '' ? 'the tree' : path} is ${typeof leaf}, not a tensor, number, array or record`,
  )
}

/**
 * The leaves of a parameter tree with their paths, in the order of `treeFlatten` (arrays by index, record keys
 * sorted). A tree that is a single tensor has the path `''`.
 */
export const paramLeaves = (params: unknown): readonly ParamLeaf[] => {
  const paths = treePaths(params)
  return treeLeaves(params).map((leaf, i) => leafOf(leaf, paths[i]!))
}

/** Total number of scalar parameters (elements of every tensor leaf; a number leaf counts 1). */
export const paramCount = (params: unknown): number => paramLeaves(params).reduce((n, l) => n + l.count, 0)

/**
 * A readable multi-line summary: one line per leaf with its path, shape and count (columns aligned), then the
 * total, e.g.
 * ```
 * layers[0].W  [4,16]  64
 * layers[0].b  [16]    16
 * total: 80 parameters in 2 tensors
 * ```
 */
export const describeParams = (params: unknown): string => {
  const leaves = paramLeaves(params)
  const rows = leaves.map(
    (l) => [l.path === '' ? '(root)' : l.path, showShape(l.shape), String(l.count)] as const,
  )
  const w0 = Math.max(0, ...rows.map((r) => r[0].length))
  const w1 = Math.max(0, ...rows.map((r) => r[1].length))
  const lines = rows.map(([p, s, c]) => `${p.padEnd(w0)}  ${s.padEnd(w1)}  ${c}`)
  const total = leaves.reduce((n, l) => n + l.count, 0)
  return [
    ...lines,
    `total: ${total} parameters in ${leaves.length} ${leaves.length === 1 ? 'tensor' : 'tensors'}`,
  ].join('\n')
}
