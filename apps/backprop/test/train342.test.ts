import * as T from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import { baselineMse } from '../src/app.js'
import { generateData, meanMse342 } from '../src/net342.js'
import { overfittingSentence, type BackpropResults } from '../src/report.js'
import { optimizerLoop } from '../src/train342.js'

describe('optimizer loop on the 3-4-2 net', () => {
  // The app's default setting: seed 0 → keys [data, test, init, two-layer].
  const [kData, kTest, kInit] = T.splitKey(T.key(0), 4)
  const train = generateData(20, kData!)
  const test = generateData(100, kTest!)

  it('reaches mean MSE < 0.01 on 20 points with the default setting, and is much worse on 100 fresh points', () => {
    const r = optimizerLoop(
      train,
      test,
      kInit!,
      { optimizer: 'adam', lr: 0.1, steps: 2000, attempts: 10, target: 0.01 },
      () => ({}),
    )
    expect(r.reached).toBe(true)
    expect(r.trainMse).toBeLessThan(0.01)
    expect(r.trainMse).toBe(meanMse342(r.params, train))
    expect(r.attempts[r.attempts.length - 1]!.reached).toBe(true)
    expect(r.attempts.slice(0, -1).every((a) => !a.reached && a.finalTrainMse >= 0.01)).toBe(true)
    expect(r.testMse).toBe(meanMse342(r.params, test))
    expect(r.testMse).toBeGreaterThan(10 * r.trainMse)
    // each curve has one point per step, measured before the step
    expect(r.attempts.every((a) => a.mseCurve.length === 2000)).toBe(true)
  }, 120_000)

  it('stops after `attempts` attempts when the target is out of reach', () => {
    const r = optimizerLoop(
      train,
      test,
      kInit!,
      { optimizer: 'sgd', lr: 0.01, steps: 5, attempts: 2, target: 1e-9 },
      () => ({}),
    )
    expect(r.attempts.length).toBe(2)
    expect(r.reached).toBe(false)
    // plain SGD with a small rate lowers the loss along each curve
    for (const a of r.attempts) expect(a.mseCurve[4]!).toBeLessThan(a.mseCurve[0]!)
  })

  it('the baseline is the MSE of predicting the training label frequencies', () => {
    const a = generateData(4, T.key(1))
    const b = generateData(3, T.key(2))
    const freq = [0, 1].map(
      (j) =>
        (T.toArray(a.Y)[j]! + T.toArray(a.Y)[2 + j]! + T.toArray(a.Y)[4 + j]! + T.toArray(a.Y)[6 + j]!) / 4,
    )
    const yb = T.toArray(b.Y)
    const expected = Array.from(yb, (v, i) => (v - freq[i % 2]!) ** 2).reduce((s, v) => s + v, 0) / yb.length
    expect(baselineMse(a, b)).toBeCloseTo(expected, 15)
  })

  it('the generalisation sentence is written from the numbers', () => {
    const base = { trainSize: 20, testSize: 100, baselineTestMse: 0.23, control: null } as const
    const over = overfittingSentence({
      ...base,
      loop: { trainMse: 1e-4, testMse: 0.3 },
    } as unknown as BackpropResults)
    expect(over).toContain('0.3000')
    expect(over).toContain('3000×')
    expect(over).toContain('even worse than always predicting')
    expect(over).toContain('overfitted')
    const fine = overfittingSentence({
      ...base,
      loop: { trainMse: 0.1, testMse: 0.12 },
    } as unknown as BackpropResults)
    expect(fine).toContain('no sign of overfitting')
    const withControl = overfittingSentence({
      ...base,
      control: { trainSize: 200, trainMse: 0.11, testMse: 0.19 },
      loop: { trainMse: 1e-4, testMse: 0.3 },
    } as unknown as BackpropResults)
    expect(withControl).toContain(
      'on 200 training points ends at a training MSE of 0.1100 and a fresh MSE of 0.1900',
    )
    expect(withControl).toContain('the fresh error drops')
  })
})
