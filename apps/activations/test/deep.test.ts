import { init as initializers } from '@cotangent/layers'
import * as T from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import { deepGradients, deepTrial, initializerFor, initLabel } from '../src/deep.js'
import { firstOverLast, perLayerFactor, vanishingSentence, type ActivationsResults } from '../src/report.js'

const base = { depth: 10, width: 32, classes: 10, batch: 64, trials: 3, init: 'matched' } as const

describe('gradient norms of a deep net at init', () => {
  it('sigmoid gradients vanish towards the input; ReLU gradients do not (10 layers)', () => {
    const s = deepGradients('sigmoid', base, T.key(0))
    const r = deepGradients('relu', base, T.key(0))
    expect(s.norms.length).toBe(10)
    expect(r.norms.length).toBe(10)
    // every sigmoid layer gets less than the one above it, by at least 2× per layer (σ′ ≤ 1/4)
    s.norms.slice(1).forEach((n, i) => {
      expect(n).toBeGreaterThan(2 * s.norms[i]!)
    })
    expect(firstOverLast(s)).toBeLessThan(1e-4)
    expect(firstOverLast(r)).toBeGreaterThan(0.1)
    expect(r.norms[0]! / s.norms[0]!).toBeGreaterThan(1e3)
    // the loss at init is near ln(10) (near-uniform predictions)
    expect(s.loss).toBeCloseTo(Math.log(10), 0)
  })

  it('per-layer norms are the Frobenius norms of grad, checked against central differences on a tiny net', () => {
    const tiny = { depth: 3, width: 3, classes: 2, batch: 4, trials: 1, init: 'xavier' } as const
    const d = deepGradients('sigmoid', tiny, T.key(5))
    // The same trial's parameters, inputs and labels; the forward pass and the loss are written out again here.
    const trial = deepTrial('sigmoid', tiny, T.key(5), 0)
    const params = trial.params.layers.map((l) => ({ W: l.W as T.Tensor, b: l.b as T.Tensor }))
    const x = trial.x
    const labels = Array.from(T.toArray(trial.labels))
    const net = (p: readonly { W: T.Tensor; b: T.Tensor }[], v: T.Tensor): T.Tensor =>
      p.reduce((h, l, i) => {
        const z = T.add(T.matmul(h, l.W), l.b)
        return i === p.length - 1 ? z : T.sigmoid(z)
      }, v)
    const ce = (p: typeof params): number => {
      const z = T.toArray(net(p, x))
      return (
        labels.reduce((s, y, i) => {
          const a = z[2 * i]!
          const b = z[2 * i + 1]!
          const m = Math.max(a, b)
          return s + m + Math.log(Math.exp(a - m) + Math.exp(b - m)) - (y === 0 ? a : b)
        }, 0) / labels.length
      )
    }
    params.forEach((l, i) => {
      const w = T.toArray(l.W)
      const h = 1e-6
      const g = Array.from(w, (_, j) => {
        const at = (delta: number): number => {
          const v = Float64Array.from(w)
          v[j] = w[j]! + delta
          return ce(params.map((q, k) => (k === i ? { ...q, W: T.fromArray(v, l.W.shape) } : q)))
        }
        return (at(h) - at(-h)) / (2 * h)
      })
      expect(d.norms[i]).toBeCloseTo(Math.hypot(...g), 7)
    })
    expect(d.loss).toBeCloseTo(ce(params), 12)
    expect(params.map((l) => l.W.shape)).toEqual([
      [3, 3],
      [3, 3],
      [3, 2],
    ])
  })

  it('matched init gives Xavier to sigmoid and He to ReLU', () => {
    const k = T.key(1)
    const xavier = initializers.xavierNormal()(k, [4, 4], 'float64')
    const he = initializers.heNormal(k, [4, 4], 'float64')
    expect(T.toArray(initializerFor('matched', 'sigmoid')(k, [4, 4], 'float64'))).toEqual(T.toArray(xavier))
    expect(T.toArray(initializerFor('matched', 'relu')(k, [4, 4], 'float64'))).toEqual(T.toArray(he))
    expect(initLabel('matched', 'sigmoid')).toBe('Xavier normal')
    expect(initLabel('torch', 'relu')).toMatch(/PyTorch/)
  })

  it('the sentence is written from the numbers', () => {
    const mk = (activation: 'sigmoid' | 'relu', norms: number[]) => ({
      activation,
      initLabel: 'x',
      norms,
      perTrial: [norms],
      loss: 1,
    })
    const r = {
      curves: [],
      deep: { sigmoid: mk('sigmoid', [1e-6, 1e-3, 1]), relu: mk('relu', [2, 2, 4]) },
      deepOptions: { ...base, depth: 3 },
      byInit: [],
    } as unknown as ActivationsResults
    expect(perLayerFactor(r.deep.sigmoid)).toBeCloseTo(1e-3, 15)
    const s = vanishingSentence(r)
    expect(s).toContain('3-layer sigmoid net has norm 1.00e-6')
    expect(s).toContain('against 2.00e+0 for the ReLU net (2.00e+6 times larger)')
    expect(s).toContain('multiplied by 1.00e-6 in total')
    expect(s).toContain('changes by 5.00e-1')
  })
})
