import { describe, expect, it } from 'vitest'
import { scalar } from '@cotangent/tensor'
import { describeParams, paramCount, paramLeaves } from '../src/index.js'
import { randn } from './helpers.js'

describe('paramCount / describeParams', () => {
  const tree = {
    enc: { table: randn(0, [10, 4]) },
    head: [{ W: randn(0, [4, 2]), b: randn(0, [2]) }, {}],
    scale: scalar(1),
  }
  it('paths follow the treeFlatten order (sorted keys, array indices)', () => {
    expect(paramLeaves(tree).map((l) => l.path)).toEqual(['enc.table', 'head[0].W', 'head[0].b', 'scale'])
  })
  it('counts every element', () => {
    expect(paramCount(tree)).toBe(40 + 8 + 2 + 1)
    expect(paramCount({})).toBe(0)
    expect(paramCount([])).toBe(0)
  })
  it('renders aligned lines and a total', () => {
    expect(describeParams(tree)).toBe(
      [
        'enc.table  [10,4]  40',
        'head[0].W  [4,2]   8',
        'head[0].b  [2]     2',
        'scale      []      1',
        'total: 51 parameters in 4 tensors',
      ].join('\n'),
    )
  })
  it('a single tensor, an empty tree, odd keys', () => {
    expect(describeParams(randn(0, [3]))).toBe('(root)  [3]  3\ntotal: 3 parameters in 1 tensor')
    expect(describeParams({})).toBe('total: 0 parameters in 0 tensors')
    expect(paramLeaves({ 'a-b': randn(0, [1]) })[0]!.path).toBe('["a-b"]')
  })
  it('rejects leaves that are not tensors', () => {
    expect(() => paramCount({ W: 'x' })).toThrow(
      'paramLeaves: W is string, not a tensor, number, array or record',
    )
  })
})
