/* eslint-disable functional/no-let, functional/immutable-data -- a code generator: it fills local line lists and counters */
/**
 * Tree code specialised to one structure: for the signature a jitted function saw last, a flattener that checks an
 * argument tuple has exactly that structure (same arrays, lengths, record keys, empty subtrees) and returns its
 * leaves, and an unflattener that builds the result tree from the output leaves. Both are generated once per
 * signature (straight-line code, no recursion), so the per-call cost of trees is a few property reads.
 * `treeFlatten`/`treeUnflatten` stay the definition: these agree with them on every tree of the structure.
 * @module
 */
import type { TreeDef } from '../tree.js'

/** Leaves of `args` if it has the structure, else null. */
export type Flattener = (args: unknown) => unknown[] | null
/** The tree of the structure holding `leaves`. */
export type Unflattener = (leaves: readonly unknown[]) => unknown

const isPlain = (x: unknown): boolean => {
  if (typeof x !== 'object' || x === null) return false
  const p: unknown = Object.getPrototypeOf(x)
  return p === Object.prototype || p === null
}
const keyCount = (o: object): number => {
  let n = 0
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) n++
  return n
}
const isNode = (x: unknown): boolean => Array.isArray(x) || x === null || x === undefined || isPlain(x)

/** A flattener for trees of structure `def`. */
export const flattener = (def: TreeDef): Flattener => {
  const lines: string[] = []
  let leaves = 0
  let vars = 0
  const walk = (d: TreeDef, x: string): void => {
    switch (d.kind) {
      case 'leaf':
        lines.push(`if (isNode(${x})) return null; L[${String(leaves++)}] = ${x};`)
        return
      case 'none':
        lines.push(`if (${x} !== ${d.value === null ? 'null' : 'undefined'}) return null;`)
        return
      case 'array': {
        lines.push(`if (!Array.isArray(${x}) || ${x}.length !== ${String(d.children.length)}) return null;`)
        d.children.forEach((c, i) => {
          const v = `x${String(vars++)}`
          lines.push(`const ${v} = ${x}[${String(i)}];`)
          walk(c, v)
        })
        return
      }
      case 'object': {
        lines.push(`if (!isPlain(${x}) || keyCount(${x}) !== ${String(d.keys.length)}) return null;`)
        d.keys.forEach((k, i) => {
          const v = `x${String(vars++)}`
          lines.push(`if (!Object.prototype.hasOwnProperty.call(${x}, ${JSON.stringify(k)})) return null; const ${v} = ${x}[${JSON.stringify(k)}];`)
          walk(d.children[i]!, v)
        })
      }
    }
  }
  walk(def, 'a')
  /* eslint-disable-next-line @typescript-eslint/no-implied-eval */
  const make = new Function('isNode', 'isPlain', 'keyCount', `return function flatten(a) { const L = new Array(${String(leaves)});\n${lines.join('\n')}\nreturn L; }`) as (
    n: typeof isNode,
    p: typeof isPlain,
    k: typeof keyCount,
  ) => Flattener
  return make(isNode, isPlain, keyCount)
}

/** An unflattener for trees of structure `def`. */
export const unflattener = (def: TreeDef): Unflattener => {
  let leaves = 0
  const build = (d: TreeDef): string => {
    switch (d.kind) {
      case 'leaf':
        return `L[${String(leaves++)}]`
      case 'none':
        return d.value === null ? 'null' : 'undefined'
      case 'array':
        return `[${d.children.map(build).join(', ')}]`
      case 'object':
        // keys in treeUnflatten's (sorted) order; a quoted literal key behaves as its assignment does
        return `{ ${d.keys.map((k, i) => `${JSON.stringify(k)}: ${build(d.children[i]!)}`).join(', ')} }`
    }
  }
  const body = build(def)
  /* eslint-disable-next-line @typescript-eslint/no-implied-eval */
  return new Function('L', `return ${body};`) as Unflattener
}
