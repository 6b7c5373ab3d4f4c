import * as ct from 'cotangent'
import { describe, expect, test } from 'vitest'
import { DEFAULT_CONFIG, type Config } from '../src/config.js'
import { createSession, type Params, type Session } from '../src/session.js'
import {
  cellCenter,
  cellColor,
  CLASS_COLORS,
  curvePoints,
  curveRange,
  forwardLayers,
  frameOf,
  gridInputs,
  gridView,
  paramEntries,
  signedColor,
  weightEdges,
} from '../src/views.js'

const hand: Params = {
  layers: [
    {
      W: ct.tensor([
        [1, -2],
        [0.5, 3],
      ]),
      b: ct.tensor([0.1, -0.2]),
    },
    {
      W: ct.tensor([
        [2, -1],
        [-1, 1],
      ]),
      b: ct.tensor([0, 0.5]),
    },
  ],
}

describe('grid', () => {
  test('cell centres: row 0 is the top, col 0 the left', () => {
    expect(cellCenter([-1, 1], 4, 0, 0)).toEqual([-0.75, 0.75])
    expect(cellCenter([-1, 1], 4, 3, 3)).toEqual([0.75, -0.75])
    const g = ct.toNested(gridInputs([-1, 1], 2, 3)) as number[][]
    expect(g).toEqual([
      [-0.5, 0.5, 0],
      [0.5, 0.5, 0],
      [-0.5, -0.5, 0],
      [0.5, -0.5, 0],
    ])
  })

  test('forwardLayers by hand: h = tanh(xW1 + b1), logits = hW2 + b2', () => {
    const x = [0.3, -0.7]
    const h = [0, 1].map((j) => Math.tanh(x[0]! * [1, -2][j]! + x[1]! * [0.5, 3][j]! + [0.1, -0.2][j]!))
    const logits = [0, 1].map((j) => h[0]! * [2, -1][j]! + h[1]! * [-1, 1][j]! + [0, 0.5][j]!)
    const r = forwardLayers(hand, ct.tensor([x]), 'tanh')
    expect(r.hidden).toHaveLength(1)
    Array.from(ct.toArray(r.hidden[0]!)).forEach((v, j) => {
      expect(v).toBeCloseTo(h[j]!, 14)
    })
    Array.from(ct.toArray(r.logits)).forEach((v, j) => {
      expect(v).toBeCloseTo(logits[j]!, 14)
    })
    // and the library's own mlp computes the same
    const net = ct.nn.mlp({ hiddenDims: [2], activation: 'tanh', outDim: 2 })
    Array.from(ct.toArray(net.apply(hand, ct.tensor([x])))).forEach((v, j) => {
      expect(v).toBeCloseTo(logits[j]!, 14)
    })
  })

  test('gridView: per-cell class probabilities = softmax of the hand logits; unit maps = hidden outputs', () => {
    const s = createSession({ ...DEFAULT_CONFIG, hidden: [2], points: 20 })
    const session: Session = { ...s, params: hand, data: { ...s.data, domain: [-1, 1] } }
    const n = 3
    const { probs, units } = gridView(session, n)
    expect(probs).toHaveLength(n * n * 2)
    expect(units).toHaveLength(2)
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        const [x1, x2] = cellCenter([-1, 1], n, r, c)
        const h = [0, 1].map((j) => Math.tanh(x1 * [1, -2][j]! + x2 * [0.5, 3][j]! + [0.1, -0.2][j]!))
        const z = [0, 1].map((j) => h[0]! * [2, -1][j]! + h[1]! * [-1, 1][j]! + [0, 0.5][j]!)
        const p1 = 1 / (1 + Math.exp(z[0]! - z[1]!))
        const cell = r * n + c
        expect(probs[cell * 2 + 1]).toBeCloseTo(p1, 12)
        expect(probs[cell * 2]! + probs[cell * 2 + 1]!).toBeCloseTo(1, 12)
        expect(units[0]!.values[cell]).toBeCloseTo(h[0]!, 12)
        expect(units[1]!.values[cell]).toBeCloseTo(h[1]!, 12)
      }
  })

  test('frameOf: weights as numbers; no gradients before the first update', () => {
    const s = createSession({ ...DEFAULT_CONFIG, hidden: [3, 2], points: 20 })
    const f = frameOf(s, 4, false)
    expect(f.weights.map((l) => [l.W.length, l.W[0]!.length, l.b.length])).toEqual([
      [2, 3, 3],
      [3, 2, 2],
      [2, 2, 2],
    ])
    expect(f.grads).toBeNull()
    expect(f.units).toHaveLength(5)
    expect(f.probs).toHaveLength(4 * 4 * 2)
  })
})

describe('colours, edges, curves', () => {
  test('cellColor: a sure cell is its class colour strongly; a tie is nearly white', () => {
    const sure = cellColor([0, 1])
    const tie = cellColor([0.5, 0.5])
    const dist = (a: readonly number[], b: readonly number[]): number =>
      Math.hypot(...a.map((v, i) => v - b[i]!))
    expect(dist(sure, CLASS_COLORS[1]!)).toBeLessThan(dist(sure, CLASS_COLORS[0]!))
    expect(Math.min(...tie)).toBeGreaterThan(200)
    expect(cellColor([0.2, 0.1, 0.7])).toEqual(cellColor([0.1, 0.2, 0.7]))
  })

  test('signedColor: white at 0, the class colours at ±scale', () => {
    expect(signedColor(0, 1)).toEqual([255, 255, 255])
    expect(signedColor(2, 2)).toEqual(CLASS_COLORS[1])
    expect(signedColor(-5, 2)).toEqual(CLASS_COLORS[0])
  })

  test('weightEdges: one edge per weight, width grows with |w|', () => {
    const edges = weightEdges([
      { W: [[1, -4]], b: [0, 0] },
      { W: [[2], [0]], b: [0] },
    ])
    expect(edges.map((e) => [e.layer, e.from, e.to, e.weight])).toEqual([
      [0, 0, 0, 1],
      [0, 0, 1, -4],
      [1, 0, 0, 2],
      [1, 1, 0, 0],
    ])
    expect(edges[1]!.width).toBeCloseTo(5.5, 12)
    expect(edges[3]!.width).toBeCloseTo(0.5, 12)
    expect(edges[0]!.width).toBeLessThan(edges[2]!.width)
  })

  test('paramEntries: every scalar with its path', () => {
    expect(paramEntries([{ W: [[1, 2]], b: [3, 4] }])).toEqual([
      { path: 'layers[0].W[0][0]', value: 1 },
      { path: 'layers[0].W[0][1]', value: 2 },
      { path: 'layers[0].b[0]', value: 3 },
      { path: 'layers[0].b[1]', value: 4 },
    ])
  })

  test('curvePoints: log-scale y, linear x, by hand', () => {
    const h = [
      { step: 0, trainLoss: 1, testLoss: 10 },
      { step: 5, trainLoss: 0.1, testLoss: NaN },
    ]
    const range = curveRange(h)
    expect(range).toEqual({ lo: 0.1, hi: 10, maxStep: 5 })
    expect(curvePoints(h, (p) => p.trainLoss, 100, 40, range)).toBe('0.0,20.0 100.0,40.0')
    expect(curvePoints(h, (p) => p.testLoss, 100, 40, range)).toBe('0.0,0.0')
  })
})

export type { Config }
