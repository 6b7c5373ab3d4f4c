import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, test } from 'vitest'
import { exprGraph, parsePoint } from '../src/expr-graph.js'

describe('expression graph', () => {
  test('ln(x) + exp(y)*z: every node value and adjoint against the hand derivation', () => {
    const r = exprGraph('ln(x) + exp(y)*z', { x: 2, y: 0.5, z: 3 })
    if (E.isLeft(r)) throw new Error(r.left)
    const g = r.right
    expect(g.variables).toEqual(['x', 'y', 'z'])
    expect(g.value).toBeCloseTo(Math.log(2) + Math.exp(0.5) * 3, 14)
    // inputs x, y, z; then log x, exp y, mul, add — with ∂f/∂node by hand
    const want = [
      [2, 1 / 2],
      [0.5, 3 * Math.exp(0.5)],
      [3, Math.exp(0.5)],
      [Math.log(2), 1],
      [Math.exp(0.5), 3],
      [3 * Math.exp(0.5), 1],
      [Math.log(2) + 3 * Math.exp(0.5), 1],
    ]
    const got = g.nodes.map((n) => [n.value[0]!, n.adjoint![0]!])
    expect(got).toHaveLength(want.length)
    // match by value (the staging order of log/exp is the evaluation order, but do not depend on it)
    for (const [v, a] of want) {
      const hit = got.find(([gv]) => Math.abs(gv! - v!) < 1e-12)
      expect(hit, `a node with value ${String(v)}`).toBeDefined()
      expect(hit![1]).toBeCloseTo(a!, 12)
    }
    expect(g.dot).toContain('digraph')
    expect(g.dot).toContain('∂f/∂x = 0.5')
    expect(g.program).toContain('log')
  })

  test('variables without a value take defaults; a repeated variable sums its adjoints', () => {
    const r = exprGraph('x*x', {})
    if (E.isLeft(r)) throw new Error(r.left)
    const x = r.right.nodes[0]!
    expect(r.right.point).toEqual({ x: 2 })
    expect(x.adjoint![0]).toBeCloseTo(4, 14) // d(x²)/dx at 2
  })

  test('a bad expression gives the parser message with the column and a caret', () => {
    const r = exprGraph('ln(x) + * y', {})
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) {
      expect(r.left).toContain('column 9')
      expect(r.left.split('\n')[2]).toBe(`    ${' '.repeat(8)}^`)
    }
    expect(exprGraph('foo(x)', {})).toEqual(E.left(expect.stringContaining("unknown function 'foo'")))
    expect(exprGraph('2 + 3', {})).toEqual(E.left(expect.stringContaining('no variables')))
  })

  test('parsePoint', () => {
    expect(parsePoint('x=2, y=-0.5 z=1e-3')).toEqual(E.right({ x: 2, y: -0.5, z: 0.001 }))
    expect(parsePoint('')).toEqual(E.right({}))
    expect(parsePoint('x=2, y')).toEqual(E.left(expect.stringContaining("'y'")))
    expect(parsePoint('x=abc')).toEqual(E.left(expect.stringContaining("'x=abc'")))
  })
})
