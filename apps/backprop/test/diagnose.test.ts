import * as T from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import { lastQuarterDrop, stallSentence } from '../src/report.js'
import { diagnose, type Attempt } from '../src/train342.js'

describe('why an attempt stalls', () => {
  it('diagnose counts dead ReLU units and wrong, saturated outputs', () => {
    // Two points; units 2 and 3 have a bias of −1 and no weights: inactive on every point (dead).
    const X = T.tensor([
      [1, 0, 0],
      [-1, 0, 0],
    ])
    const p = {
      W1: T.tensor([
        [1, -1, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ]),
      B1: T.tensor([[0, 0, -1, -1]]),
      // output 0 = 10·h0 − 5 → σ(5) ≈ 0.993 on point 0 and σ(−5) on point 1; output 1 = 0 → ŷ = 0.5
      W2: T.tensor([
        [10, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
      B2: T.tensor([[-5, 0]]),
    }
    // targets: point 0 wants [0, 1] (output 0 wrong and saturated; output 1 at 0.5 is not "wrong" (|0.5 − 1| = 0.5)),
    // point 1 wants [1, 0] (output 0 wrong and saturated).
    const Y = T.tensor([
      [0, 1],
      [1, 0],
    ])
    expect(diagnose(p, { X, Y })).toEqual({ deadUnits: 2, wrongOutputs: 2, saturatedWrong: 2 })
    // with the right targets nothing is wrong
    expect(
      diagnose(p, {
        X,
        Y: T.tensor([
          [1, 0],
          [0, 1],
        ]),
      }),
    ).toEqual({ deadUnits: 2, wrongOutputs: 0, saturatedWrong: 0 })
  })

  it('the stall sentence reports what the attempts ended with', () => {
    const attempt = (o: Partial<Attempt>): Attempt => ({
      attempt: 1,
      mseCurve: [0.5, 0.4, 0.3, 0.2, 0.1],
      finalTrainMse: 0.1,
      deadUnits: 0,
      wrongOutputs: 3,
      saturatedWrong: 0,
      reached: false,
      ...o,
    })
    // last quarter of 5 steps: from index 3 (0.2) to index 4 (0.1)
    expect(lastQuarterDrop(attempt({}))).toBeCloseTo(0.1, 15)
    const flat = stallSentence([attempt({}), attempt({ wrongOutputs: 1 })])
    expect(flat).toContain('They end with 3, 1 output(s) still on the wrong side of 0.5')
    expect(flat).toContain('fell by only 1.00e-1, 1.00e-1')
    const causes = stallSentence([attempt({ deadUnits: 1, saturatedWrong: 2 })])
    expect(causes).toContain('2 wrong output(s) sit in the flat tail of the sigmoid')
    expect(causes).toContain('1 hidden ReLU unit(s) are inactive on every training point')
    expect(causes).not.toContain('fell by only')
  })
})
