import { describe, expect, it } from 'vitest'
import { toArray } from '@cotangent/autodiff'
import { tensor } from '@cotangent/tensor'
import {
  bestLinearSeparatorOnGrid,
  constantInitRun,
  correctCount,
  handSetTable,
  hiddenUnitSpread,
  median,
  oneLayerRuns,
  xavierSweep,
  zeroInitRun,
} from '../src/experiments.js'

const relu = (x: number): number => Math.max(0, x)

describe('hand-set weights', () => {
  it('give h1 = relu(x1 − x2), h2 = relu(x2 − x1) and ŷ = XOR exactly', () => {
    const rows = handSetTable()
    expect(rows.map((r) => [r.x1, r.x2])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
    for (const r of rows) {
      expect(r.h1).toBe(relu(r.x1 - r.x2))
      expect(r.h2).toBe(relu(r.x2 - r.x1))
      expect(r.yHat).toBe(r.x1 ^ r.x2)
      expect(r.target).toBe(r.x1 ^ r.x2)
    }
  })
})

describe('zero init', () => {
  it('gives exactly zero gradients for W1, b1, W2 at every step; only b2 moves, as the closed form says', () => {
    const lr = 0.1
    const steps = 25
    const r = zeroInitRun({ hidden: 2, steps, lr })
    expect(r.maxAbsGrad.W1).toBe(0)
    expect(r.maxAbsGrad.b1).toBe(0)
    expect(r.maxAbsGrad.W2).toBe(0)
    // ŷ = b2 on every point: dL/db2 = mean 2(b2 − y) = 2(b2 − 1/2); at b2 = 0 it is −1.
    expect(r.gradsAtStart).toEqual({
      W1: [
        [0, 0],
        [0, 0],
      ],
      b1: [0, 0],
      W2: [[0], [0]],
      b2: [-1],
    })
    expect(r.final.W1).toEqual([
      [0, 0],
      [0, 0],
    ])
    expect(r.final.b1).toEqual([0, 0])
    expect(r.final.W2).toEqual([[0], [0]])
    // b ← b − lr·2(b − ½) from 0: b_N = ½(1 − (1 − 2lr)^N).
    const bN = 0.5 * (1 - (1 - 2 * lr) ** steps)
    expect((r.final.b2 as number[])[0]).toBeCloseTo(bN, 14)
    for (const y of r.outputs) expect(y).toBeCloseTo(bN, 14)
  })
})

describe('constant init', () => {
  it.each(['tanh', 'relu'] as const)(
    '%s: hidden units stay identical at every step and XOR is not learned',
    (activation) => {
      const r = constantInitRun({ activation, hidden: 4, c: 0.5, steps: 300, lr: 0.1, beta: 0.9 })
      expect(r.maxSpread).toBe(0)
      expect(r.bestCorrect).toBeLessThanOrEqual(3)
      // The units did train (so "identical" is not "unchanged").
      expect(Array.from(toArray(r.final.layers[0]!.W)).some((w) => w !== 0.5)).toBe(true)
    },
  )

  it('a negative constant keeps the symmetry too', () => {
    expect(
      constantInitRun({ activation: 'tanh', hidden: 3, c: -0.3, steps: 100, lr: 0.1, beta: 0.9 }).maxSpread,
    ).toBe(0)
  })

  it('hiddenUnitSpread measures the largest difference between two units, over W1 columns, b1 and W2 rows', () => {
    const p = (w1: number[][], b1: number[], w2: number[][]) => ({
      layers: [
        { W: tensor(w1), b: tensor(b1) },
        { W: tensor(w2), b: tensor([0]) },
      ],
    })
    expect(
      hiddenUnitSpread(
        p(
          [
            [1, 1],
            [2, 2],
          ],
          [3, 3],
          [[4], [4]],
        ),
      ),
    ).toBe(0)
    expect(
      hiddenUnitSpread(
        p(
          [
            [1, 1.5],
            [2, 2],
          ],
          [3, 3],
          [[4], [4]],
        ),
      ),
    ).toBe(0.5)
    expect(
      hiddenUnitSpread(
        p(
          [
            [1, 1],
            [2, 2],
          ],
          [3, 3],
          [[4], [6]],
        ),
      ),
    ).toBe(2)
    expect(
      hiddenUnitSpread(
        p(
          [
            [1, 1],
            [2, 2],
          ],
          [3, 2],
          [[4], [4]],
        ),
      ),
    ).toBe(1)
  })
})

describe('one layer', () => {
  it('never gets more than 3 of the 4 points right', () => {
    const r = oneLayerRuns({ inits: 8, steps: 60, lr: 0.1, seed: 3 })
    expect(r.bestCorrect).toHaveLength(8)
    expect(Math.max(...r.bestCorrect)).toBeLessThanOrEqual(3)
    expect(Math.max(...r.bestCorrect)).toBeGreaterThanOrEqual(2)
  })

  it('no threshold unit on a grid separates XOR, while 3/4 is reachable', () => {
    expect(bestLinearSeparatorOnGrid([-1, -0.5, 0, 0.5, 1])).toBe(3)
  })

  it('correctCount thresholds each output against the XOR targets 0, 1, 1, 0', () => {
    expect(correctCount([0, 1, 1, 0], 0.5)).toBe(4)
    expect(correctCount([1, 1, 1, 1], 0.5)).toBe(2)
    expect(correctCount([0.5, 0.6, 0.4, 0], 0.5)).toBe(3)
    expect(correctCount([-1, 2, 3, -4], 0)).toBe(4)
  })
})

describe('Xavier init', () => {
  it(
    '4 tanh hidden units solve XOR on (nearly) every seed, and steps are counted to the first all-right step',
    { timeout: 60_000 },
    () => {
      const [w] = xavierSweep({
        hidden: [4],
        seeds: 10,
        seed: 0,
        activation: 'tanh',
        steps: 1000,
        lr: 0.1,
        beta: 0.9,
      })
      expect(w!.solved).toBeGreaterThanOrEqual(9)
      for (const r of w!.runs) if (r.stepsToSolve !== null) expect(r.stepsToSolve).toBeGreaterThan(0)
      expect(w!.medianSteps).toBe(
        median(w!.runs.flatMap((r) => (r.stepsToSolve === null ? [] : [r.stepsToSolve]))),
      )
    },
  )

  it('median', () => {
    expect(median([])).toBeNull()
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })
})
