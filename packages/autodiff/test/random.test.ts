// Keys and draws that stage (src/random.ts): under makeGraph/jit a key is a value of the program, and a compiled
// function given a key draws exactly what @cotangent/tensor's generator draws from it (that generator is checked
// against Random123's known answers in the tensor package). Every staged result here is compared with the tensor
// package's own `fold`/`uniform`/`bernoulli` on the same concrete key.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import {
  StagedValueError,
  concreteKey,
  drawBernoulli,
  drawUniform,
  foldKey,
  grad,
  isStagedKey,
  jit,
  keyWords,
  makeGraph,
  mul,
  stagedKey,
  sum,
  type AnyKey,
  type Value,
} from '../src/index.js'

const SEED = 20261202
const bits = (t: Value): number[] => Array.from(T.toArray(t as T.Tensor))
const wordsOf = (k: AnyKey): number[] => bits(isStagedKey(k) ? k.words : keyWords(k))
const arbSeed = fc.integer({ min: -(2 ** 40), max: 2 ** 40 })
const arbShape = fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 3 })

describe('staged keys and draws', () => {
  it('on a concrete key they are the tensor package functions', () => {
    const k = T.key(7)
    expect(foldKey(k, 3)).toEqual(T.fold(k, 3))
    expect(bits(drawUniform(k, [4]))).toEqual(bits(T.uniform(k, [4])))
    expect(bits(drawBernoulli(k, 0.3, [2, 3]))).toEqual(bits(T.bernoulli(k, 0.3, [2, 3])))
  })

  it('under jit: the folded keys and the uniform and Bernoulli draws equal eager draws from the same key, bit for bit', () => {
    const draw = jit((w: Value, shape: readonly number[], p: number) => {
      const k = foldKey(foldKey(stagedKey(w), 3), 1000)
      return [(k as { words: Value }).words, drawUniform(k, shape), drawBernoulli(k, p, shape)] as const
    }, { staticArgnums: [1, 2] })
    fc.assert(
      fc.property(arbSeed, arbShape, fc.double({ min: 0, max: 1, noNaN: true }), (seed, shape, p) => {
        const k = T.key(seed)
        const [w, u, b] = draw(keyWords(k), shape, p)
        const want = T.fold(T.fold(k, 3), 1000)
        expect(bits(w)).toEqual(wordsOf(want))
        expect(bits(u)).toEqual(bits(T.uniform(want, shape)))
        expect(bits(b)).toEqual(bits(T.bernoulli(want, p, shape)))
      }),
      { seed: SEED, numRuns: 60 },
    )
  })

  it('one compiled program serves every key (the key is an input, not a constant)', () => {
    const f = jit((w: Value) => drawUniform(stagedKey(w), [3]))
    const a = f(keyWords(T.key(1)))
    const b = f(keyWords(T.key(2)))
    expect(f.stats().compiles).toBe(1)
    expect(bits(a)).toEqual(bits(T.uniform(T.key(1), [3])))
    expect(bits(b)).toEqual(bits(T.uniform(T.key(2), [3])))
    expect(bits(a)).not.toEqual(bits(b))
    // the program holds the draw as an equation on the input
    expect(makeGraph((w: Value) => drawUniform(stagedKey(w), [3]))(keyWords(T.key(1))).eqns.map((e) => e.prim.name)).toEqual(['randomUniform'])
  })

  it('a mask drawn inside a differentiated function is a constant of it: the gradient is the mask, as eagerly', () => {
    const x = T.tensor([1, 2, 3, 4, 5, 6])
    const loss = (k: AnyKey) => (v: Value) => sum(mul(v, drawBernoulli(k, 0.5, [6])))
    const compiled = jit((w: Value, v: Value) => grad(loss(stagedKey(w)))(v))
    for (const seed of [0, 1, 2]) {
      const k = T.key(seed)
      expect(bits(compiled(keyWords(k), x))).toEqual(bits(T.bernoulli(k, 0.5, [6])))
    }
  })

  it('errors name the function and the fix', () => {
    expect(() => stagedKey(T.tensor([1, 2, 3]))).toThrow(/stagedKey: .*float64 value of shape \[2\].*got float64 \[3\]/)
    expect(() => drawBernoulli(stagedKey(keyWords(T.key(0))), 1.5, [2])).toThrow(/bernoulli: p must be a probability in \[0, 1\], got 1.5/)
    expect(() => foldKey(stagedKey(keyWords(T.key(0))), 0.5)).toThrow(/foldKey: data must be an integer/)
    expect(() => jit((w: Value) => T.uniform(concreteKey('myLayer', stagedKey(w)), [2]))(keyWords(T.key(0)))).toThrow(StagedValueError)
    expect(() => jit((w: Value) => T.uniform(concreteKey('myLayer', stagedKey(w)), [2]))(keyWords(T.key(0)))).toThrow(/a staged key, read as numbers by myLayer/)
    // words that are not two 32-bit integers are caught by the kernel
    expect(() => drawUniform(stagedKey(T.tensor([0.5, 1])), [2])).toThrow(/randomUniform: a key's words must be two integers in \[0, 2\^32\)/)
    expect(concreteKey('x', T.key(3))).toEqual(T.key(3))
  })
})
