/**
 * treeFlatten/treeUnflatten (counted loops) against a reference written here with map/forEach, on random trees:
 * arrays (sparse ones included), records with unsorted keys, null/undefined nodes and leaves of several kinds.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { showTreeDef, treeDefEqual, treeFlatten, treeUnflatten, type TreeDef } from '../src/index.js'

/** The reference: the same walk with array methods (map keeps a sparse array's holes). */
const refFlatten = (tree: unknown): [unknown[], TreeDef] => {
  const leaves: unknown[] = []
  const go = (t: unknown): TreeDef => {
    if (Array.isArray(t)) return { kind: 'array', children: t.map((c: unknown) => go(c)) }
    if (t === null || t === undefined) return { kind: 'none', value: t }
    const proto: unknown = typeof t === 'object' ? Object.getPrototypeOf(t) : undefined
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(t).sort()
      return { kind: 'object', keys, children: keys.map((k) => go((t as Record<string, unknown>)[k])) }
    }
    leaves.push(t)
    return { kind: 'leaf' }
  }
  return [leaves, go(tree)]
}

const leaf = fc.oneof(
  fc.integer(),
  fc.constant(T.scalar(1)),
  fc.constant(T.ones([2])),
  fc.string({ maxLength: 2 }),
)
const { tree } = fc.letrec<{ tree: unknown }>((rec) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.constantFrom(null, undefined),
    fc.array(rec('tree'), { maxLength: 3 }),
    fc.sparseArray(rec('tree'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('b', 'a', 'W', 'z9', 'x y'), rec('tree'), { maxKeys: 3 }),
  ),
}))

describe('treeFlatten and treeUnflatten', () => {
  it('give the reference leaves and structure, and rebuild an equal tree (holes stay holes)', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const [leaves, def] = treeFlatten(t)
        const [rl, rdef] = refFlatten(t)
        expect(leaves).toEqual(rl)
        leaves.forEach((l, i) => {
          expect(l).toBe(rl[i])
        })
        expect(showTreeDef(def)).toBe(showTreeDef(rdef))
        expect(def).toStrictEqual(rdef)
        expect(treeDefEqual(def, rdef)).toBe(true)
        const back = treeUnflatten(def, leaves)
        expect(back).toStrictEqual(treeUnflatten(rdef, rl))
        expect(treeFlatten(back)[0]).toEqual(leaves)
      }),
      { seed: 20261202, numRuns: 300 },
    )
  })

  it('a sparse array keeps its holes and its length through a round trip', () => {
    // eslint-disable-next-line no-sparse-arrays -- the case under test
    const t = [1, , { b: 2, a: [3] }, null, undefined]
    const [leaves, def] = treeFlatten(t)
    expect(leaves).toEqual([1, 3, 2])
    const back = treeUnflatten(def, leaves) as unknown[]
    expect(back.length).toBe(5)
    expect(1 in back).toBe(false)
    expect(back).toStrictEqual(t)
  })

  it('still counts the leaves it is given', () => {
    const [, def] = treeFlatten({ a: [1, 2] })
    expect(() => treeUnflatten(def, [1])).toThrow(/holds 2 leaves, got 1/)
    expect(() => treeUnflatten(def, [1, 2, 3])).toThrow(/holds 2 leaves, got 3/)
  })
})
