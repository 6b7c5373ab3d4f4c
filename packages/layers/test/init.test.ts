import { describe, expect, it } from 'vitest'
import { key } from '@cotangent/tensor'
import { init, type Initializer } from '../src/index.js'
import { flat } from './helpers.js'

const stats = (xs: readonly number[]): { mean: number; std: number; maxAbs: number } => {
  const n = xs.length
  const mean = xs.reduce((a, b) => a + b, 0) / n
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n
  return { mean, std: Math.sqrt(v), maxAbs: Math.max(...xs.map(Math.abs)) }
}

/** Checks sample mean ≈ 0 and sample std ≈ `std` within 6 standard errors (normal-ish samples). */
const expectMoments = (xs: readonly number[], std: number, kurtosisFactor: number): void => {
  const n = xs.length
  const s = stats(xs)
  expect(Math.abs(s.mean)).toBeLessThan((6 * std) / Math.sqrt(n))
  // SE of the sample variance ≈ σ²·√((κ − 1)/n), κ the kurtosis (3 normal, 1.8 uniform).
  const seVar = std * std * Math.sqrt((kurtosisFactor - 1) / n)
  expect(Math.abs(s.std * s.std - std * std)).toBeLessThan(6 * seVar)
}

const draw = (f: Initializer, shape: readonly number[], seed = 1): number[] => flat(f(key(seed), shape))

describe('fans (our [in, out] layout)', () => {
  it('matrix: fanIn = shape[0], fanOut = shape[1]', () => {
    expect(init.fans([4, 16])).toEqual([4, 16])
  })
  it('>2-D: both multiplied by the receptive field', () => {
    expect(init.fans([3, 5, 2, 2])).toEqual([12, 20])
  })
  it('1-D: fanIn = fanOut = n; scalar: 1', () => {
    expect(init.fans([7])).toEqual([7, 7])
    expect(init.fans([])).toEqual([1, 1])
  })
})

describe('simple initializers', () => {
  it('zeros and constant', () => {
    expect(draw(init.zeros, [2, 3])).toEqual([0, 0, 0, 0, 0, 0])
    expect(draw(init.constant(2.5), [3])).toEqual([2.5, 2.5, 2.5])
    expect(init.constant(1)(key(0), [2], 'float32').dtype).toBe('float32')
  })
  it('uniform(a): inside [−a, a), moments of U(−a, a)', () => {
    const xs = draw(init.uniform(0.3), [100, 100])
    expect(Math.max(...xs)).toBeLessThan(0.3)
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-0.3)
    expect(stats(xs).maxAbs).toBeGreaterThan(0.29)
    expectMoments(xs, 0.3 / Math.sqrt(3), 1.8)
  })
  it('uniform(0) is zeros', () => {
    expect(draw(init.uniform(0), [3])).toEqual([0, 0, 0])
  })
  it('normal(std): moments', () => {
    expectMoments(draw(init.normal(0.7), [100, 100]), 0.7, 3)
  })
  it('same key → same values, different key → different values; dtype honoured', () => {
    expect(draw(init.normal(1), [10], 5)).toEqual(draw(init.normal(1), [10], 5))
    expect(draw(init.normal(1), [10], 5)).not.toEqual(draw(init.normal(1), [10], 6))
    expect(init.heNormal(key(0), [3, 3], 'float32').dtype).toBe('float32')
    expect(init.xavierUniform()(key(0), [3, 3]).dtype).toBe('float64')
  })
  it('rejects negative scales', () => {
    expect(() => init.uniform(-1)).toThrow('init.uniform: the bound a must be a finite number ≥ 0, got -1')
    expect(() => init.normal(Number.NaN)).toThrow('init.normal: std must be a finite number ≥ 0, got NaN')
    expect(() => init.xavierUniform(-2)).toThrow(
      'init.xavierUniform: gain must be a finite number ≥ 0, got -2',
    )
  })
})

describe('PyTorch formulas', () => {
  it('xavierUniform: bound = gain·√(6/(fanIn+fanOut))', () => {
    const bound = 2 * Math.sqrt(6 / (200 + 300))
    const xs = draw(init.xavierUniform(2), [200, 300])
    expect(stats(xs).maxAbs).toBeLessThanOrEqual(bound)
    expect(stats(xs).maxAbs).toBeGreaterThan(0.999 * bound)
    expectMoments(xs, bound / Math.sqrt(3), 1.8)
  })
  it('xavierNormal: std = gain·√(2/(fanIn+fanOut))', () => {
    expectMoments(draw(init.xavierNormal(), [200, 300]), Math.sqrt(2 / 500), 3)
    expectMoments(draw(init.xavierNormal(3), [100, 100]), 3 * Math.sqrt(2 / 200), 3)
  })
  it('heUniform: bound = √(6/fanIn)', () => {
    const bound = Math.sqrt(6 / 400)
    const xs = draw(init.heUniform, [400, 50])
    expect(stats(xs).maxAbs).toBeLessThanOrEqual(bound)
    expect(stats(xs).maxAbs).toBeGreaterThan(0.999 * bound)
    expectMoments(xs, bound / Math.sqrt(3), 1.8)
  })
  it('heNormal: std = √2/√fanIn', () => {
    expectMoments(draw(init.heNormal, [400, 50]), Math.sqrt(2) / Math.sqrt(400), 3)
  })
  it('torchLinear: U(−1/√fanIn, 1/√fanIn), fanIn given or from the shape', () => {
    const xs = draw(init.torchLinear(), [25, 400])
    expect(stats(xs).maxAbs).toBeLessThanOrEqual(1 / 5)
    expect(stats(xs).maxAbs).toBeGreaterThan(0.199)
    const bs = draw(init.torchLinear(16), [5000])
    expect(stats(bs).maxAbs).toBeLessThanOrEqual(1 / 4)
    expect(stats(bs).maxAbs).toBeGreaterThan(0.249)
  })
})
