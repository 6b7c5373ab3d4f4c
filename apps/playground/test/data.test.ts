import { readFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import * as ct from 'cotangent'
import { describe, expect, test } from 'vitest'
import { DEFAULT_CONFIG, type Config } from '../src/config.js'
import {
  columnStats,
  makeDataset,
  parseIrisCsv,
  permutation,
  stratifiedSplit,
  toyPoints,
} from '../src/data.js'

const IRIS = readFileSync(new URL('../../../packages/data/datasets/iris/iris.csv', import.meta.url), 'utf8')
const TOYS = ['xor', 'blobs', 'circle', 'spirals', 'checkerboard'] as const
const cfg = (patch: Partial<Config>): Config => ({ ...DEFAULT_CONFIG, ...patch })
const count = (ys: readonly number[], c: number): number => ys.filter((y) => y === c).length

describe('toy data sets', () => {
  test.each(TOYS)('%s: n points of 2 features, classes balanced exactly', (name) => {
    const d = toyPoints(name, 101, 0.3, ct.random.key(5))
    expect(d.x).toHaveLength(101)
    expect(d.x.every((r) => r.length === 2 && r.every(Number.isFinite))).toBe(true)
    expect(count(d.y, 0)).toBe(51)
    expect(count(d.y, 1)).toBe(50)
  })

  test.each(TOYS)('%s: the same key gives the same points, another key others', (name) => {
    const a = toyPoints(name, 40, 0.5, ct.random.key(1))
    const b = toyPoints(name, 40, 0.5, ct.random.key(1))
    const c = toyPoints(name, 40, 0.5, ct.random.key(2))
    expect(b).toEqual(a)
    expect(c.x).not.toEqual(a.x)
  })

  test('noise-free geometry: XOR clusters, circle radii, checkerboard cells, spiral radius', () => {
    const k = ct.random.key(3)
    // xor: with noise 0 the jitter is 0.08, so every point is within 0.5 of its corner; label = x1 xor x2 of it
    const xor = toyPoints('xor', 200, 0, k)
    xor.x.forEach((p, i) => {
      const [cx, cy] = [Math.round(p[0]!), Math.round(p[1]!)]
      expect(Math.hypot(p[0]! - cx, p[1]! - cy)).toBeLessThan(0.5)
      expect(xor.y[i]).toBe(cx !== cy ? 1 : 0)
    })
    const circle = toyPoints('circle', 200, 0, k)
    circle.x.forEach((p, i) => {
      const r = Math.hypot(p[0]!, p[1]!)
      if (circle.y[i] === 0) expect(r).toBeLessThanOrEqual(0.5)
      else expect(r >= 0.7 && r <= 1).toBe(true)
    })
    const board = toyPoints('checkerboard', 200, 0, k)
    board.x.forEach((p, i) => {
      const col = Math.floor((p[0]! + 1) / 0.5)
      const row = Math.floor((p[1]! + 1) / 0.5)
      expect(col >= 0 && col < 4 && row >= 0 && row < 4).toBe(true)
      expect((row + col) % 2).toBe(board.y[i])
    })
    const spirals = toyPoints('spirals', 200, 0, k)
    spirals.x.forEach((p) => {
      expect(Math.hypot(p[0]!, p[1]!)).toBeLessThan(1.3)
    })
  })

  test('noise widens the clusters (blobs: spread around the class mean grows)', () => {
    const spread = (noise: number): number => {
      const d = toyPoints('blobs', 400, noise, ct.random.key(9))
      return d.x.reduce((s, p, i) => s + Math.abs(p[0]! - (d.y[i] === 0 ? -0.5 : 0.5)), 0) / d.x.length
    }
    expect(spread(1)).toBeGreaterThan(2 * spread(0))
  })
})

describe('split and permutation', () => {
  test('permutation is a seeded permutation', () => {
    const p = permutation(ct.random.key(4), 50)
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(permutation(ct.random.key(4), 50)).toEqual(p)
    expect(permutation(ct.random.key(5), 50)).not.toEqual(p)
  })

  test('stratified: round(ratio·count) of every class trains, the rest tests, nothing lost or repeated', () => {
    const x = Array.from({ length: 30 }, (_, i) => [i, -i])
    const y = Array.from({ length: 30 }, (_, i) => (i < 20 ? 0 : 1))
    const { train, test: held } = stratifiedSplit({ x, y }, 0.7, ct.random.key(0))
    expect(count(train.y, 0)).toBe(14)
    expect(count(train.y, 1)).toBe(7)
    expect(count(held.y, 0)).toBe(6)
    expect(count(held.y, 1)).toBe(3)
    const ids = [...train.x, ...held.x].map((r) => r[0]!).sort((a, b) => a - b)
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => i))
    // each row keeps its label
    for (const part of [train, held])
      part.x.forEach((r, i) => {
        expect(part.y[i]).toBe(r[0]! < 20 ? 0 : 1)
      })
  })

  test('makeDataset: sizes follow points and the train ratio; the seed decides the points', () => {
    const d = makeDataset(cfg({ dataset: 'spirals', points: 100, trainRatio: 0.6 }))
    expect(d.xTrain).toHaveLength(60)
    expect(d.xTest).toHaveLength(40)
    expect(count(d.yTrain, 0)).toBe(30)
    expect(makeDataset(cfg({ dataset: 'spirals', points: 100, trainRatio: 0.6 }))).toEqual(d)
    expect(
      makeDataset(cfg({ dataset: 'spirals', points: 100, trainRatio: 0.6, seed: 2 })).xTrain,
    ).not.toEqual(d.xTrain)
  })
})

describe('iris', () => {
  test('parses the vendored CSV: 150 rows, 3 species of 50', () => {
    const r = parseIrisCsv(IRIS)
    if (E.isLeft(r)) throw new Error(r.left)
    expect(r.right.rows).toHaveLength(150)
    expect(r.right.classes).toEqual(['setosa', 'versicolor', 'virginica'])
    expect([0, 1, 2].map((c) => count(r.right.labels, c))).toEqual([50, 50, 50])
    expect(r.right.rows[0]).toEqual([5.1, 3.5, 1.4, 0.2])
  })

  test('bad CSV: the error names the line and field', () => {
    expect(parseIrisCsv('a,b\n')).toEqual(E.left(expect.stringContaining('line 1')))
    const bad = parseIrisCsv(
      'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,x,1.4,0.2,setosa\n',
    )
    expect(bad).toEqual(E.left("iris.csv line 2: sepal_width is 'x', not a number"))
    expect(parseIrisCsv('sepal_length,sepal_width,petal_length,petal_width,species\n5.1,1\n')).toEqual(
      E.left('iris.csv line 2: expected 5 fields, found 2'),
    )
  })

  test('chosen features, standardised with the train split: train columns have mean 0 and std 1', () => {
    const d = makeDataset(cfg({ dataset: 'iris', irisFeatures: [3, 0, 1], trainRatio: 0.8 }), IRIS)
    expect(d.features).toHaveLength(3)
    expect(d.features[0]).toContain('petal_width')
    expect(d.xTrain).toHaveLength(120)
    expect(d.xTest).toHaveLength(30)
    const s = columnStats(d.xTrain)
    s.mean.forEach((m) => {
      expect(m).toBeCloseTo(0, 12)
    })
    s.std.forEach((v) => {
      expect(v).toBeCloseTo(1, 12)
    })
    expect(() => makeDataset(cfg({ dataset: 'iris' }))).toThrow(/CSV/)
  })
})
