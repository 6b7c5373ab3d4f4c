import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromArray, tensor } from '@cotangent/tensor'
import { accuracy, confusionMatrix } from '../src/index.js'

const SEED = 20261121

describe('accuracy', () => {
  it('multi-class: argmax along the last axis', () => {
    const scores = tensor([
      [0.1, 0.7, 0.2],
      [2, 1, 0],
      [0, 0, 5],
      [1, 3, 2],
    ])
    expect(accuracy(scores, [1, 0, 2, 2], { from: 'logits' })).toBe(0.75)
    expect(accuracy(scores, fromArray([1, 0, 2, 1], [4], { dtype: 'int32' }), { from: 'logits' })).toBe(1)
    expect(accuracy(scores, tensor([0, 1, 0, 0]), { from: 'logits' })).toBe(0)
  })
  it('single column: threshold 0.5 on probabilities, 0 on logits, or explicit', () => {
    const p = tensor([[0.9], [0.4], [0.6], [0.1]])
    expect(accuracy(p, [1, 0, 0, 0], { from: 'probabilities' })).toBe(0.75)
    expect(accuracy(p, tensor([[1], [0], [0], [0]]), { from: 'probabilities' })).toBe(0.75)
    const logits = tensor([2.0, -0.5, 0.3, -3.0])
    expect(accuracy(logits, [1, 0, 1, 0], { from: 'logits' })).toBe(1)
    expect(accuracy(p, [1, 0, 1, 0], { from: 'probabilities', threshold: 0.35 })).toBe(0.75)
  })
  it('a perfect logit model scores 1, not the 25% a silent probabilities default reported', () => {
    // logits of bceWithLogits: class 1 exactly when the logit is positive; all four are right
    const logits = tensor([[3.2], [-0.4], [0.2], [-2.5]])
    expect(accuracy(logits, [1, 0, 1, 0], { from: 'logits' })).toBe(1)
    // declared as probabilities, logits outside [0, 1] are an error, not 0.25
    expect(() => accuracy(logits, [1, 0, 1, 0], { from: 'probabilities' })).toThrow(
      "accuracy: predictions are declared { from: 'probabilities' }, but hold 3.2 at index [0,0] of [4,1], outside [0, 1]: these look like logits, pass { from: 'logits' }",
    )
  })
  it('from is required', () => {
    const call = accuracy as (p: unknown, l: unknown, o?: unknown) => number
    expect(() => call(tensor([0.3]), [0])).toThrow(
      "accuracy: options.from must be 'logits' or 'probabilities', got none: say what the predictions hold",
    )
    expect(() => call(tensor([0.3]), [0], { from: 'probs' })).toThrow(`accuracy: options.from must be 'logits' or 'probabilities', got "probs"`)
    expect(() => accuracy(tensor([0.3]), [0], { from: 'logits', threshold: NaN })).toThrow(
      'accuracy: threshold must be a finite number, got NaN',
    )
  })
  it('property: equals a naive argmax count', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((b) =>
            fc.tuple(
              fc.array(fc.integer({ min: -50, max: 50 }), { minLength: b * 4, maxLength: b * 4 }),
              fc.array(fc.integer({ min: 0, max: 3 }), { minLength: b, maxLength: b }),
            ),
          ),
        ([vals, ys]) => {
          const b = ys.length
          const naive = ys.filter((y, i) => {
            const row = vals.slice(i * 4, i * 4 + 4)
            return row.indexOf(Math.max(...row)) === y
          }).length
          expect(accuracy(fromArray(vals, [b, 4]), ys, { from: 'logits' })).toBe(naive / b)
        },
      ),
      { seed: SEED, numRuns: 100 },
    )
  })
  it('errors name both shapes', () => {
    expect(() => accuracy(tensor([[1, 2, 3]]), [0, 1], { from: 'logits' })).toThrow(
      'accuracy: predictions [1,3] and labels [2] do not match (labels need shape [1])',
    )
    expect(() => accuracy(tensor(1), [0], { from: 'logits' })).toThrow(
      'accuracy: predictions must have at least one axis, got []',
    )
  })
})

describe('confusionMatrix', () => {
  it('rows are true classes, columns predictions', () => {
    expect(confusionMatrix([0, 1, 2, 2, 1], [0, 2, 2, 1, 1], 3)).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 1, 1],
    ])
  })
  it('property: entries count pairs and sum to the batch size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { maxLength: 30 }),
        (pairs) => {
          const m = confusionMatrix(
            fromArray(
              pairs.map(([p]) => p),
              [pairs.length],
              { dtype: 'int32' },
            ),
            pairs.map(([, t]) => t),
            4,
          )
          for (let r = 0; r < 4; r++)
            for (let c = 0; c < 4; c++)
              expect(m[r]![c]).toBe(pairs.filter(([p, t]) => t === r && p === c).length)
        },
      ),
      { seed: SEED, numRuns: 100 },
    )
  })
  it('errors', () => {
    expect(() => confusionMatrix([0, 1], [0, 1, 1], 2)).toThrow(
      'confusionMatrix: predictions [2] and labels [3] must have the same shape',
    )
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(
      'confusionMatrix: prediction 2 at flat position 1 is not a class in [0, 2)',
    )
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(
      'confusionMatrix: label -1 at flat position 1 is not a class in [0, 2)',
    )
    expect(() => confusionMatrix([0], [0], 0)).toThrow(
      'confusionMatrix: numClasses must be a positive integer, got 0',
    )
  })
})
