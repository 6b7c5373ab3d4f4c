import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { grad, jvp, sum, treeFlatten, treeMap, treePaths, type Value } from '../src/index.js'

describe('circular trees are errors naming the cycle, not stack overflows', () => {
  const circular = (): unknown => {
    const p: { w: T.Tensor; layers: { W: T.Tensor; parent?: unknown }[] } = { w: T.ones([2]), layers: [{ W: T.ones([2]) }] }
    p.layers[0]!.parent = p
    return p
  }
  it('treeFlatten, treePaths and treeMap name the back-reference', () => {
    expect(() => treeFlatten(circular())).toThrow(
      'treeFlatten: the tree is circular: layers[0].parent is the root again (a tree must not contain itself; pass a copy without the back-reference)',
    )
    expect(() => treePaths(circular())).toThrow('treePaths: the tree is circular: layers[0].parent is the root again')
    expect(() => treeMap((x: Value) => x, circular())).toThrow(TypeError)
    const inner: { a: unknown[] } = { a: [] }
    inner.a.push({ b: inner.a })
    expect(() => treeFlatten({ top: inner })).toThrow('treeFlatten: the tree is circular: top.a[0].b is top.a again')
  })
  it('inside grad, the path is the argument path', () => {
    expect(() => grad((p: { w: Value }) => sum(p.w))(circular() as { w: Value })).toThrow(
      'treeFlatten: the tree is circular: [0].layers[0].parent is [0] again',
    )
  })
  it('shared subtrees (a DAG) are not cycles; very deep nesting is an error naming the limit', () => {
    const shared = { W: T.ones([2]) }
    const [leaves] = treeFlatten({ a: shared, b: shared, c: [shared, shared] })
    expect(leaves).toHaveLength(4)
    const deep = Array.from({ length: 600 }).reduce<unknown>((acc) => [acc], T.ones([1]))
    expect(() => treeFlatten(deep)).toThrow('treeFlatten: the tree nests deeper than 512 levels')
    const ok = Array.from({ length: 100 }).reduce<unknown>((acc) => [acc], T.ones([1]))
    expect(treeFlatten(ok)[0]).toHaveLength(1)
  })
})

describe('jvp primals must be a tuple', () => {
  it('names what was passed and the fix', () => {
    const f = (x: Value): Value => x
    expect(() => jvp(f, T.scalar(1) as never, T.scalar(1) as never)).toThrow(
      'jvp: primals and tangents must be arrays with one entry per argument of f (as in JAX), got a single tensor of shape [] and a single tensor of shape []: write jvp(f, [x], [t]), not jvp(f, x, t)',
    )
    expect(() => jvp(f, [T.scalar(1)], { t: 1 } as never)).toThrow('jvp: primals and tangents must be arrays with one entry per argument of f (as in JAX), got an array and an object')
  })
})
