import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import { parseExpr, type Expr } from '../src/expr.js'
import { exprFunction, SEED_EXPR } from '../src/app.js'
import { buildGraph, chainRuleResidual, fmt, graphDot, graphRows, renderDot } from '../src/graph.js'
import { commutation, jacobianChecks, kron, vecJacobian } from '../src/jacobians.js'

const e3 = Math.exp(3)
const tree = (s: string): Expr => {
  const r = parseExpr(s)
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

describe('the graph of the seed expression f(x, y, z) = ln x + e^y·z at (1, 3, 2)', () => {
  const g = buildGraph(exprFunction(tree(SEED_EXPR), ['x', 'y', 'z']), ['x', 'y', 'z'], [1, 3, 2])
  const node = (n: string) => g.nodes.find((x) => x.name === n)!

  it('has the homework’s nodes and forward values: h1 = 0, h2 = e³, h3 = 2e³, f = 2e³', () => {
    expect(g.nodes.map((n) => [n.name, n.definition])).toEqual([
      ['x', null],
      ['y', null],
      ['z', null],
      ['h1', 'log(x)'],
      ['h2', 'exp(y)'],
      ['h3', 'mul(h2, z)'],
      ['f', 'add(h1, h3)'],
    ])
    expect(node('h1').value).toBe(0)
    expect(node('h2').value).toBeCloseTo(e3, 12)
    expect(node('h3').value).toBeCloseTo(2 * e3, 12)
    expect(node('f').value).toBeCloseTo(2 * e3, 12)
  })

  it('has the adjoints ∂f/∂x = 1, ∂f/∂y = 2e³, ∂f/∂z = e³ (and h̄2 = z = 2, h̄1 = h̄3 = f̄ = 1)', () => {
    const adj = Object.fromEntries(g.nodes.map((n) => [n.name, n.adjoint]))
    expect(adj.x).toBeCloseTo(1, 12)
    expect(adj.y).toBeCloseTo(2 * e3, 12)
    expect(adj.z).toBeCloseTo(e3, 12)
    expect([adj.h1, adj.h2, adj.h3, adj.f]).toEqual([1, 2, 1, 1])
  })

  it('has the local partials on the edges: ∂h1/∂x = 1/x, ∂h2/∂y = e^y, ∂h3/∂h2 = z, ∂h3/∂z = h2, ∂f/∂h· = 1', () => {
    const name = (id: number | null) => g.nodes.find((n) => n.id === id)?.name
    const edges = Object.fromEntries(g.edges.map((e) => [`${name(e.to)!}<-${name(e.from)!}`, e.partial!]))
    expect(Object.keys(edges).sort()).toEqual(['f<-h1', 'f<-h3', 'h1<-x', 'h2<-y', 'h3<-h2', 'h3<-z'])
    expect(edges['h1<-x']).toBeCloseTo(1, 12)
    expect(edges['h2<-y']).toBeCloseTo(e3, 12)
    expect(edges['h3<-h2']).toBeCloseTo(2, 12)
    expect(edges['h3<-z']).toBeCloseTo(e3, 12)
    expect([edges['f<-h1'], edges['f<-h3']]).toEqual([1, 1])
    expect(chainRuleResidual(g)).toBeLessThan(1e-12)
  })

  it('other expressions: repeated operands and literals (f = x·x + 3x at x = 2: f = 10, f̄x = 2x + 3 = 7)', () => {
    const h = buildGraph(exprFunction(tree('x*x + 3*x'), ['x']), ['x'], [2])
    expect(h.nodes.find((n) => n.name === 'f')!.value).toBe(10)
    expect(h.nodes.find((n) => n.name === 'x')!.adjoint).toBe(7)
    // x·x has two edges from x, each with partial x = 2; 3·x has a literal operand without a partial
    expect(h.edges.filter((e) => e.from === h.program.inVars[0]!.id).map((e) => e.partial)).toEqual([2, 2, 3])
    expect(h.edges.filter((e) => e.from === null)).toHaveLength(1)
    expect(chainRuleResidual(h)).toBe(0)
  })

  it('is drawn by Graphviz with values, adjoints and partials as labels; rasterised to a PNG', async () => {
    const dot = graphDot(g, 'seed')
    for (const label of [
      'h2 = exp(y)',
      `value = ${fmt(e3)}`,
      `∂f/∂y = ${fmt(2 * e3)}`,
      `∂h3/∂z = ${fmt(e3)}`,
    ])
      expect(dot).toContain(label)
    const { svg, png } = await renderDot(dot)
    expect(svg).toContain('<svg')
    expect(svg).toContain('∂h3/∂h2 = 2')
    expect(Array.from(png.slice(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    // a PNG of at least a few hundred pixels each way (IHDR width/height, big-endian)
    const view = new DataView(png.buffer, png.byteOffset)
    expect(view.getUint32(16)).toBeGreaterThan(800)
    expect(view.getUint32(20)).toBeGreaterThan(300)
  })

  it('the table rows carry the same numbers', () => {
    expect(graphRows(g)[5]).toEqual([
      'h3',
      'mul(h2, z)',
      fmt(2 * e3),
      '1',
      `∂h3/∂h2 = 2, ∂h3/∂z = ${fmt(e3)}`,
    ])
  })

  it('rejects programs that are not scalar-valued in their inputs', () => {
    expect(() => buildGraph(() => T.scalar(2), ['x'], [1])).toThrow(/depends on its inputs/)
  })
})

describe('the homework’s Jacobians', () => {
  it('the commutation matrix maps vec(W) to vec(Wᵀ) and I ⊗ X is block diagonal (hand-sized example)', () => {
    // W = [[1,2,3],[4,5,6]] (2×3); column-major vec(W) = [1,4,2,5,3,6]; vec(Wᵀ) = [1,2,3,4,5,6]
    const K = commutation(2, 3)
    const vecW = [1, 4, 2, 5, 3, 6]
    expect(K.map((r) => r.reduce((s, x, j) => s + x * vecW[j]!, 0))).toEqual([1, 2, 3, 4, 5, 6])
    expect(
      kron(
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    ).toEqual([
      [1, 2, 0, 0],
      [3, 4, 0, 0],
      [0, 0, 1, 2],
      [0, 0, 3, 4],
    ])
  })

  it('vecJacobian reads the [m,p,p,n] layout in vec order', () => {
    const J = T.fromArray(
      Array.from({ length: 3 * 2 * 2 * 4 }, (_, i) => i),
      [3, 2, 2, 4],
    )
    const V = vecJacobian(J, 3, 2, 4)
    // entry [j·m + i, l·p + k] = J[i, j, k, l]: i=1, j=1, k=0, l=2 → row 4, column 4
    expect(V[1 * 3 + 1]![2 * 2 + 0]).toBe(T.item(J, [1, 1, 0, 2]))
  })

  it('each jacrev equals its closed form with output × input shape, for several seeds and sizes', () => {
    for (const [seed, sizes] of [
      [0, { n: 4, m: 3, p: 2 }],
      [7, { n: 3, m: 5, p: 4 }],
    ] as const) {
      const checks = jacobianChecks(seed, sizes)
      expect(checks.map((c) => c.name)).toHaveLength(8)
      for (const c of checks) {
        expect(c.shape, c.name).toEqual([...c.outShape, ...c.inShape])
        expect(c.maxAbsDiff, c.name).toBeLessThan(1e-12)
      }
      expect(checks.find((c) => c.name.includes('XWᵀ'))!.shape).toEqual([sizes.m, sizes.p, sizes.p, sizes.n])
    }
  })
})
