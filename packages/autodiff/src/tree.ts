/**
 * Trees ("pytrees"): nested arrays and plain records whose leaves are tensors (or traced values). Every
 * transformation takes and returns trees, so a parameter record `{ layers: [{ W, b }] }` is differentiated as a
 * whole and the gradient comes back in the same shape.
 *
 * A node is an array, a plain object (prototype `Object.prototype` or `null`), or `null`/`undefined` (an empty
 * subtree with no leaves); anything else is a leaf. Object keys are visited in sorted order, so two records with
 * the same keys flatten alike whatever order they were written in.
 * @module
 */
import type { Value } from './core.js'

/** The structure of a tree with its leaves taken out; rebuild with {@link treeUnflatten}. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'none'; readonly value: null | undefined }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'object'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] }

const LEAF: TreeDef = Object.freeze({ kind: 'leaf' })

/** True for a record node of a tree: an object whose prototype is `Object.prototype` or `null`. */
export const isPlainObject = (x: unknown): x is Readonly<Record<string, unknown>> => {
  if (typeof x !== 'object' || x === null) return false
  const p: unknown = Object.getPrototypeOf(x)
  return p === Object.prototype || p === null
}

const IDENT = /^[A-Za-z_$][\w$]*$/

/** The path syntax of {@link treePaths}: `[0]` for an index, `.k` (or `["a b"]`) for a key. */
const childPath = (path: string, k: string | number): string =>
  typeof k === 'number' ? `${path}[${k}]` : IDENT.test(k) ? (path === '' ? k : `${path}.${k}`) : `${path}[${JSON.stringify(k)}]`

/**
 * Trees nest at most this deep. Deeper means a cycle (an object that contains itself) or a structure no model has;
 * the walks count depth, so the common case costs nothing, and only then look for the cycle to name it.
 */
export const MAX_TREE_DEPTH = 512

/**
 * The error for a tree nested deeper than {@link MAX_TREE_DEPTH}: names the cycle (`layers[0].parent → (the
 * root)`) when there is one, instead of overflowing the stack.
 */
export const treeDepthError = (op: string, tree: unknown): Error => {
  const find = (t: unknown, path: string, ancestors: readonly (readonly [unknown, string])[]): string | null => {
    const hit = ancestors.find(([a]) => a === t)
    if (hit !== undefined) return `${path === '' ? '(the root)' : path} is ${hit[1] === '' ? 'the root' : hit[1]} again`
    if (ancestors.length > MAX_TREE_DEPTH) return null
    const next = [...ancestors, [t, path] as const]
    if (Array.isArray(t)) {
      for (let i = 0; i < t.length; i++) {
        const r = find(t[i], childPath(path, i), next)
        if (r !== null) return r
      }
      return null
    }
    if (isPlainObject(t))
      for (const k of Object.keys(t).sort()) {
        const r = find(t[k], childPath(path, k), next)
        if (r !== null) return r
      }
    return null
  }
  const cycle = find(tree, '', [])
  return new TypeError(
    cycle === null
      ? `${op}: the tree nests deeper than ${MAX_TREE_DEPTH} levels; trees are nested arrays and records of tensors`
      : `${op}: the tree is circular: ${cycle} (a tree must not contain itself; pass a copy without the back-reference)`,
  )
}

/**
 * The path of every leaf, in {@link treeFlatten} order: `layers[0].W` (array indices in brackets, identifier keys
 * after a dot, other keys as `["a b"]`); a tree that is a single leaf has the path `''`.
 */
export const treePaths = (tree: unknown): string[] => {
  const go = (t: unknown, path: string, depth: number): string[] => {
    if (depth > MAX_TREE_DEPTH) throw treeDepthError('treePaths', tree)
    if (Array.isArray(t)) return t.flatMap((c: unknown, i) => go(c, childPath(path, i), depth + 1))
    if (t === null || t === undefined) return []
    if (isPlainObject(t))
      return Object.keys(t)
        .sort()
        .flatMap((k) => go(t[k], childPath(path, k), depth + 1))
    return [path]
  }
  return go(tree, '', 0)
}

/** The own enumerable keys of `o`, sorted (`sort` is skipped when they already are: it allocates a work array). */
const sortedKeys = (o: Record<string, unknown>): string[] => {
  const keys = Object.keys(o)
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return keys.sort()
  return keys
}

const NONE_NULL: TreeDef = Object.freeze({ kind: 'none', value: null })
const NONE_UNDEFINED: TreeDef = Object.freeze({ kind: 'none', value: undefined })

/** The structure of `t` (a subtree of `root`, at `depth`), pushing its leaves onto `leaves`. */
const flattenInto = (t: unknown, leaves: unknown[], depth: number, root: unknown): TreeDef => {
  if (Array.isArray(t)) {
    if (depth > MAX_TREE_DEPTH) throw treeDepthError('treeFlatten', root)
    const n = t.length
    const children = new Array<TreeDef>(n)
    // counted loops instead of map's callbacks (this runs several times per training step); a hole of a sparse
    // array stays a hole, as map leaves it
    for (let i = 0; i < n; i++) if (i in t) children[i] = flattenInto(t[i], leaves, depth + 1, root)
    return { kind: 'array', children }
  }
  if (t === null) return NONE_NULL
  if (t === undefined) return NONE_UNDEFINED
  if (isPlainObject(t)) {
    if (depth > MAX_TREE_DEPTH) throw treeDepthError('treeFlatten', root)
    const keys = sortedKeys(t)
    const children = new Array<TreeDef>(keys.length)
    for (let i = 0; i < keys.length; i++) children[i] = flattenInto(t[keys[i]!], leaves, depth + 1, root)
    return { kind: 'object', keys, children }
  }
  leaves.push(t)
  return LEAF
}

/** Flattens a tree into its leaves (depth first, sorted keys) and its structure. */
export const treeFlatten = (tree: unknown): [unknown[], TreeDef] => {
  const leaves: unknown[] = []
  const def = flattenInto(tree, leaves, 0, tree)
  return [leaves, def]
}

/** The leaves of a tree, in {@link treeFlatten} order. */
export const treeLeaves = (tree: unknown): unknown[] => treeFlatten(tree)[0]

/** Number of leaves a structure holds. */
export const treeDefSize = (def: TreeDef): number =>
  def.kind === 'leaf' ? 1 : def.kind === 'none' ? 0 : def.children.reduce((n, c) => n + treeDefSize(c), 0)

/** Rebuilds a tree of structure `def` from `leaves` (which must number exactly {@link treeDefSize}). */
export const treeUnflatten = (def: TreeDef, leaves: readonly unknown[]): unknown => {
  let k = 0
  const go = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[k++]
      case 'none':
        return d.value
      case 'array': {
        const cs = d.children
        const out = new Array<unknown>(cs.length)
        for (let i = 0; i < cs.length; i++) if (i in cs) out[i] = go(cs[i]!)
        return out
      }
      case 'object': {
        const out: Record<string, unknown> = {}
        const keys = d.keys
        for (let i = 0; i < keys.length; i++) out[keys[i]!] = go(d.children[i]!)
        return out
      }
    }
  }
  // building is pure, so the count is checked afterwards: one walk instead of two
  const tree = go(def)
  if (k !== leaves.length)
    throw new Error(`treeUnflatten: the structure holds ${treeDefSize(def)} leaves, got ${leaves.length}`)
  return tree
}

/** A readable rendering of a structure, e.g. `{b: *, w: [*, *]}`, used in error messages. */
export const showTreeDef = (def: TreeDef): string => {
  switch (def.kind) {
    case 'leaf':
      return '*'
    case 'none':
      return String(def.value)
    case 'array':
      return `[${def.children.map(showTreeDef).join(', ')}]`
    case 'object':
      return `{${def.keys.map((k, i) => `${k}: ${showTreeDef(def.children[i]!)}`).join(', ')}}`
  }
}

/** Structural equality (no strings built); when it holds, the renderings agree too. */
function sameDef(a: TreeDef, b: TreeDef): boolean {
  if (a === b) return true
  switch (a.kind) {
    case 'leaf':
      return b.kind === 'leaf'
    case 'none':
      return b.kind === 'none' && a.value === b.value
    case 'array':
      return b.kind === 'array' && sameChildren(a.children, b.children)
    case 'object': {
      if (b.kind !== 'object' || a.keys.length !== b.keys.length) return false
      for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return false
      return sameChildren(a.children, b.children)
    }
  }
}

/** Pairwise {@link sameDef} of two child lists. */
function sameChildren(a: readonly TreeDef[], b: readonly TreeDef[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!sameDef(a[i]!, b[i]!)) return false
  return true
}

/** True when two structures are the same. */
export const treeDefEqual = (a: TreeDef, b: TreeDef): boolean => sameDef(a, b) || showTreeDef(a) === showTreeDef(b)

/**
 * Maps `f` over the leaves of `tree` (and the matching leaves of `rest`, which must have the same structure).
 * The result has the structure of `tree`; its type is `tree`'s, as when mapping tensors to tensors.
 */
export const treeMap = <T, L = Value>(
  f: (leaf: L, ...rest: L[]) => unknown,
  tree: T,
  ...rest: readonly unknown[]
): T => {
  const [leaves, def] = treeFlatten(tree)
  const others = rest.map((r, j) => {
    const [l, d] = treeFlatten(r)
    if (!treeDefEqual(d, def))
      throw new Error(
        `treeMap: tree ${j + 2} has structure ${showTreeDef(d)}, which differs from the first tree's ${showTreeDef(def)}`,
      )
    return l
  })
  return treeUnflatten(
    def,
    leaves.map((x, i) => f(x as L, ...others.map((o) => o[i] as L))),
  ) as T
}
