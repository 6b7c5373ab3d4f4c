import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, test } from 'vitest'
import { configFromQuery, configToQuery, decodeConfig, DEFAULT_CONFIG, type Config } from '../src/config.js'

describe('URL state', () => {
  const other: Config = {
    dataset: 'iris',
    noise: 0.35,
    trainRatio: 0.7,
    points: 300,
    irisFeatures: [3, 1, 0],
    hidden: [8, 3],
    activation: 'relu',
    lr: 0.0125,
    optimizer: 'momentum',
    batchSize: 16,
    weightDecay: 0.001,
    init: 'constant',
    initConstant: -0.25,
    seed: 123456,
  }

  test.each([DEFAULT_CONFIG, other, { ...other, hidden: [] }])('round trip %#', (c) => {
    expect(configFromQuery(configToQuery(c))).toEqual(E.right(c))
    expect(configFromQuery(`?${configToQuery(c)}`)).toEqual(E.right(c))
  })

  test('the query is readable: lists comma-separated', () => {
    const q = new URLSearchParams(configToQuery(other))
    expect(q.get('hidden')).toBe('8,3')
    expect(q.get('dataset')).toBe('iris')
    expect(q.get('lr')).toBe('0.0125')
  })

  test('missing fields take the defaults; unknown ones are ignored', () => {
    expect(configFromQuery('')).toEqual(E.right(DEFAULT_CONFIG))
    expect(configFromQuery('seed=7&hidden=2,2&junk=1')).toEqual(
      E.right({ ...DEFAULT_CONFIG, seed: 7, hidden: [2, 2] }),
    )
  })

  test.each([
    ['lr=abc', 'lr'],
    ['lr=0', 'lr'],
    ['dataset=moons', 'dataset'],
    ['hidden=4,,4', 'width'],
    ['hidden=4,40', 'width'],
    ['seed=1.5', 'seed'],
    ['irisFeatures=1,1', 'irisFeatures'],
    ['irisFeatures=2', 'irisFeatures'],
    ['batchSize=', 'batchSize'],
  ])('a bad field is an error naming it: %s', (q, field) => {
    const r = configFromQuery(q)
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) expect(r.left).toContain(field)
  })

  test('decodeConfig rejects a partial object', () => {
    const { seed: _seed, ...rest } = DEFAULT_CONFIG
    expect(E.isLeft(decodeConfig(rest))).toBe(true)
    expect(decodeConfig(DEFAULT_CONFIG)).toEqual(E.right(DEFAULT_CONFIG))
  })
})
