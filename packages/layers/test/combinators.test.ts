import { describe, expect, it } from 'vitest'
import { key, splitKey } from '@cotangent/tensor'
import type { Value } from '@cotangent/autodiff'
import { assertGrads } from '@cotangent/gradcheck'
import {
  gelu,
  identity,
  leakyRelu,
  linear,
  logSoftmax,
  relu,
  residual,
  serial,
  sigmoid,
  softmax,
  softplus,
  tanh,
  type Layer,
  type NoParams,
} from '../src/index.js'
import { close, flat, naiveAffine, randn, t } from './helpers.js'

const naiveSoftmaxRows = (xs: readonly number[], cols: number): number[] =>
  Array.from({ length: xs.length / cols }, (_, r) => {
    const row = xs.slice(r * cols, (r + 1) * cols)
    const m = Math.max(...row)
    const z = row.reduce((s, v) => s + Math.exp(v - m), 0)
    return row.map((v) => Math.exp(v - m) / z)
  }).flat()

describe('activation layers', () => {
  const x = t([-2.5, -1.2, -0.3, 0.4, 1.1, 3.0], [2, 3])
  const xs = flat(x)
  const cases: readonly [string, Layer<NoParams>, (v: number) => number][] = [
    ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v))],
    ['tanh', tanh, Math.tanh],
    ['relu', relu, (v) => (v > 0 ? v : 0)],
    ['leakyRelu(0.2)', leakyRelu(0.2), (v) => (v > 0 ? v : 0.2 * v)],
    ['leakyRelu()', leakyRelu(), (v) => (v > 0 ? v : 0.01 * v)],
    ['gelu', gelu, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ['softplus', softplus, (v) => Math.log(1 + Math.exp(v))],
    ['identity', identity, (v) => v],
  ]
  for (const [name, layer, f] of cases) {
    it(`${name}: params {}, shape kept, values match the formula, gradcheck order 2`, () => {
      const [out, p] = layer.init(key(0), [3])
      expect(out).toEqual([3])
      expect(p).toEqual({})
      close(layer.apply(p, x), xs.map(f), 1e-14)
      assertGrads((v: Value) => layer.apply(p, v), [x], { order: 2 })
    })
  }
  it('softmax and logSoftmax over the last axis', () => {
    const sm = naiveSoftmaxRows(xs, 3)
    close(softmax.apply({}, x), sm, 1e-14)
    close(logSoftmax.apply({}, x), sm.map(Math.log), 1e-14)
    assertGrads((v: Value) => softmax.apply({}, v), [x], { order: 2 })
    assertGrads((v: Value) => logSoftmax.apply({}, v), [x], { order: 2 })
  })
})

describe('serial', () => {
  it('threads shapes through init; params are the array of child params ({} for parameter-free layers)', () => {
    const model = serial(linear(5), relu, linear(2))
    const [out, p] = model.init(key(0), [3])
    expect(out).toEqual([2])
    expect(p.length).toBe(3)
    expect(p[0].W.shape).toEqual([3, 5])
    expect(p[1]).toEqual({})
    expect(p[2].W.shape).toEqual([5, 2])
  })
  it('init gives each child its own key from splitKey(key, n)', () => {
    const [, p] = serial(linear(4), linear(4)).init(key(9), [4])
    const [k0, k1] = splitKey(key(9), 2)
    expect(flat(p[0].W)).toEqual(flat(linear(4).init(k0!, [4])[1].W))
    expect(flat(p[1].W)).toEqual(flat(linear(4).init(k1!, [4])[1].W))
  })
  it('apply is the composition', () => {
    const model = serial(linear(5), tanh, linear(2))
    const [, p] = model.init(key(0), [3])
    const x = randn(1, [4, 3])
    const h = naiveAffine(flat(x), 4, flat(p[0].W), 3, 5, flat(p[0].b!)).map(Math.tanh)
    close(model.apply(p, x), naiveAffine(h, 4, flat(p[2].W), 5, 2, flat(p[2].b!)))
  })
  it('serial() is the identity; nesting works', () => {
    const [out, p] = serial().init(key(0), [3])
    expect(out).toEqual([3])
    expect(p).toEqual([])
    const x = randn(1, [2, 3])
    expect(flat(serial().apply(p, x))).toEqual(flat(x))
    const nested = serial(serial(linear(2)), sigmoid)
    const [o2, p2] = nested.init(key(1), [3])
    expect(o2).toEqual([2])
    close(
      nested.apply(p2, x),
      naiveAffine(flat(x), 2, flat(p2[0][0].W), 3, 2, flat(p2[0][0].b!)).map((v) => 1 / (1 + Math.exp(-v))),
    )
  })
  it('a parameter list of the wrong length is an error', () => {
    const model = serial(linear(2), relu)
    const [, p] = model.init(key(0), [3])
    expect(() => model.apply([p[0]] as unknown as typeof p, randn(0, [1, 3]))).toThrow(
      'serial: got 1 parameter entries for 2 layers',
    )
  })
  it('gradcheck w.r.t. params and input (order 2)', () => {
    const model = serial(linear(4), tanh, linear(2), softplus)
    const [, p] = model.init(key(3), [3])
    assertGrads((q: typeof p, x: Value) => model.apply(q, x), [p, randn(2, [2, 3])], { order: 2 })
  })
})

describe('residual', () => {
  it('x + layer(x), params are the inner layer’s own', () => {
    const block = residual(serial(linear(3), tanh))
    const [out, p] = block.init(key(0), [3])
    expect(out).toEqual([3])
    const x = randn(4, [2, 3])
    const inner = naiveAffine(flat(x), 2, flat(p[0].W), 3, 3, flat(p[0].b!)).map(Math.tanh)
    close(
      block.apply(p, x),
      inner.map((v, i) => v + flat(x)[i]!),
    )
  })
  it('shape-changing inner layers are rejected at init and at apply', () => {
    expect(() => residual(linear(16)).init(key(0), [4])).toThrow(
      'residual: the inner layer maps [4] to [16]; a residual block needs equal shapes',
    )
    const [, p] = linear(16).init(key(0), [4])
    expect(() => residual(linear(16)).apply(p, randn(0, [2, 4]))).toThrow(
      'residual: the inner layer maps [2,4] to [2,16]; a residual block needs equal shapes',
    )
  })
  it('gradcheck w.r.t. params and input (order 2)', () => {
    const block = residual(serial(linear(3), gelu))
    const [, p] = block.init(key(2), [3])
    assertGrads((q: typeof p, x: Value) => block.apply(q, x), [p, randn(6, [2, 3])], { order: 2 })
  })
})
