/**
 * Immutability and aliasing behind `jit`: the compiled program reuses scratch buffers across calls, and none of
 * them may escape or overwrite anything a caller can see.
 * - inputs are unchanged after jitted calls (their data compared with a copy taken before);
 * - outputs of two calls are distinct tensors with equal values, and a copy of the first call's output still equals
 *   it after later calls (with the same and with other inputs), i.e. no output shares storage with scratch;
 * - a run of 30,000 jitted W3-shaped steps (4→16→3 MLP, batch 120, momentum) keeps a flat heap: the heap after a
 *   full collection is measured at intervals and must not grow beyond a generous bound.
 * The families of functions cover element-wise chains, broadcasts, reductions, matmul and a gradient, drawn with a
 * fixed seed.
 */
import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as T from '@cotangent/tensor'
import * as AD from '../src/index.js'
import type { Value } from '../src/index.js'
import { arbShape, arbTensor } from '@cotangent/gradcheck'

const { jit } = AD
const SEED = 4242

const copy = (v: Value): number[] => Array.from(AD.toArray(v))

/** Functions of two same-shape arguments, each returning a tree of several outputs. */
const family: readonly [string, (a: Value, b: Value) => readonly Value[]][] = [
  ['element-wise chain', (a, b) => [AD.tanh(AD.add(AD.mul(a, b), 1)), AD.exp(AD.neg(AD.square(a)))]],
  ['identity and a copy', (a, b) => [a, AD.add(b, 0), AD.mul(a, 1)]],
  ['reductions', (a, b) => [AD.sum(AD.mul(a, b)), AD.logsumexp(a), AD.softmax(b)]],
  [
    'same value twice',
    (a) => {
      const y = AD.sin(a)
      return [y, y, AD.add(y, y)]
    },
  ],
  [
    'matmul',
    (a, b) => [
      AD.matmul(AD.reshape(a, [-1, 1]), AD.reshape(b, [1, -1])),
      AD.sum(AD.matmul(AD.reshape(a, [1, -1]), AD.reshape(b, [-1, 1]))),
    ],
  ],
  [
    'gradient',
    (a, b) => AD.grad((u: Value, v: Value) => AD.sum(AD.sin(AD.mul(u, v))), { argnums: [0, 1] })(a, b),
  ],
]

const arbCase = fc.tuple(
  fc.nat({ max: family.length - 1 }),
  arbShape({ minRank: 1, maxRank: 3, minDim: 1, maxDim: 4 }).chain((s) =>
    fc.tuple(arbTensor(s), arbTensor(s), arbTensor(s), arbTensor(s)),
  ),
)

describe('inputs are never written, outputs never share storage', () => {
  it('inputs are unchanged after jitted calls', () => {
    fc.assert(
      fc.property(arbCase, ([k, [a, b, c, d]]) => {
        const [, f] = family[k]!
        const jf = jit(f)
        const before = [a, b, c, d].map(copy)
        jf(a, b)
        jf(c, d)
        jf(a, b)
        expect([a, b, c, d].map(copy)).toEqual(before)
      }),
      { seed: SEED, numRuns: 60 },
    )
  })

  it('two calls give distinct output objects with equal values; earlier outputs survive later calls', () => {
    fc.assert(
      fc.property(arbCase, ([k, [a, b, c, d]]) => {
        const [, f] = family[k]!
        const jf = jit(f)
        const o1 = jf(a, b)
        const s1 = o1.map(copy)
        const o2 = jf(a, b)
        expect(o2.map(copy)).toEqual(s1)
        o1.forEach((v, i) => {
          // a fresh tensor per call, never the same object as an earlier output (an output that *is* an input,
          // as in the identity, may be passed through: it is immutable and no scratch buffer)
          if (v !== a && v !== b) expect(o2[i]).not.toBe(v)
        })
        // a call with other inputs (the same signature: the same scratch buffers) must not change o1 or o2
        const o3 = jf(c, d)
        expect(o1.map(copy)).toEqual(s1)
        expect(o2.map(copy)).toEqual(s1)
        // and o3 is right (eager reference)
        expect(o3.map(copy)).toEqual(f(c, d).map(copy))
        // no output of the call with (c, d) is an input of another call
        o3.forEach((v) => {
          expect(v === a || v === b).toBe(false)
        })
      }),
      { seed: SEED, numRuns: 60 },
    )
  })

  it('outputs of one call do not alias each other even when they hold the same values', () => {
    const f = jit((a: Value) => {
      const y = AD.exp(a)
      return [y, AD.mul(y, 1), AD.add(y, 0)]
    })
    const a = T.fromArray([0.1, 0.2, 0.3], [3])
    const [p, q, r] = f(a)
    const want = [0.1, 0.2, 0.3].map(Math.exp)
    for (const v of [p!, q!, r!]) expect(copy(v)).toEqual(want)
    f(T.fromArray([5, 6, 7], [3]))
    for (const v of [p!, q!, r!]) expect(copy(v)).toEqual(want)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// 30,000 W3-shaped steps

/** A full garbage collection, when the runtime allows it (flag set at run time; null if unavailable). */
const gcFn = ((): (() => void) | null => {
  try {
    setFlagsFromString('--expose-gc')
    const g = runInNewContext('gc') as unknown
    return typeof g === 'function' ? (g as () => void) : null
  } catch {
    return null
  }
})()

/** Deterministic pseudo-random numbers in [−1, 1) (a linear congruential generator; no tensor kernels involved). */
const lcg = (seed: number, n: number): number[] => {
  let s = seed >>> 0
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 31 - 1
  })
}

interface Net {
  readonly W1: Value
  readonly b1: Value
  readonly W2: Value
  readonly b2: Value
}

const N = 120
const X = T.fromArray(lcg(1, N * 4), [N, 4])
const labels = Array.from({ length: N }, (_, i) => i % 3)
const Y = T.fromArray(
  labels.flatMap((l) => [0, 1, 2].map((k) => (k === l ? 1 : 0))),
  [N, 3],
)
const init: Net = {
  W1: T.fromArray(
    lcg(2, 4 * 16).map((v) => v * 0.5),
    [4, 16],
  ),
  b1: T.zeros([16]),
  W2: T.fromArray(
    lcg(3, 16 * 3).map((v) => v * 0.25),
    [16, 3],
  ),
  b2: T.zeros([3]),
}
const zerosNet: Net = { W1: T.zeros([4, 16]), b1: T.zeros([16]), W2: T.zeros([16, 3]), b2: T.zeros([3]) }

const lossOf = (p: Net, x: Value, y: Value): Value => {
  const h = AD.relu(AD.add(AD.matmul(x, p.W1), p.b1))
  const z = AD.add(AD.matmul(h, p.W2), p.b2)
  return AD.neg(AD.mean(AD.sum(AD.mul(y, AD.logSoftmax(z)), { axis: -1 })))
}

const LR = 0.1
const BETA = 0.9
/** One momentum step (PyTorch's: v ← βv + g, p ← p − lr·v), returning the loss before the update. */
const stepFn = (p: Net, v: Net, x: Value, y: Value): readonly [Net, Net, Value] => {
  const [l, g] = AD.valueAndGrad(lossOf)(p, x, y)
  const keys = ['W1', 'b1', 'W2', 'b2'] as const
  const nv = Object.fromEntries(keys.map((k) => [k, AD.add(AD.mul(v[k], BETA), g[k])])) as unknown as Net
  const np = Object.fromEntries(keys.map((k) => [k, AD.sub(p[k], AD.mul(nv[k], LR))])) as unknown as Net
  return [np, nv, l]
}

describe('a long run of jitted steps', () => {
  it('the first steps equal eager steps to 1e-12, and 30,000 W3 steps keep the heap flat', () => {
    const step = jit(stepFn)
    // agreement with eager for the first 5 steps
    let pe: Net = init
    let ve: Net = zerosNet
    let pj: Net = init
    let vj: Net = zerosNet
    for (let s = 0; s < 5; s++) {
      const [a, b, le] = stepFn(pe, ve, X, Y)
      const [c, d, lj] = step(pj, vj, X, Y)
      expect(Math.abs(AD.item(lj) - AD.item(le))).toBeLessThanOrEqual(1e-12)
      pe = a
      ve = b
      pj = c
      vj = d
    }
    for (const k of ['W1', 'b1', 'W2', 'b2'] as const) {
      const g = copy(pj[k])
      const w = copy(pe[k])
      g.forEach((x, i) => {
        expect(Math.abs(x - w[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w[i]!)))
      })
    }

    const initCopy = copy(init.W1)
    const xCopy = copy(X)
    const pjCopy = copy(pj.W2)
    const STEPS = 30_000
    const CHECK = 5_000
    const heap: number[] = []
    const measure = (): void => {
      if (gcFn !== null) {
        gcFn()
        gcFn()
      }
      heap.push(process.memoryUsage().heapUsed)
    }
    let p: Net = pj
    let v: Net = vj
    let first = Number.NaN
    let last = Number.NaN
    for (let s = 0; s < STEPS; s++) {
      const [np, nv, l] = step(p, v, X, Y)
      if (s === 0) first = AD.item(l)
      if (s === STEPS - 1) last = AD.item(l)
      p = np
      v = nv
      if ((s + 1) % CHECK === 0) measure()
    }
    expect(step.stats().compiles).toBe(1)
    expect(last).toBeLessThan(first)
    // nothing a caller holds was written over 30,000 steps: the initial parameters, the data, and an output of the
    // first jitted steps (copied before the run)
    expect(copy(init.W1)).toEqual(initCopy)
    expect(copy(X)).toEqual(xCopy)
    expect(copy(pj.W2)).toEqual(pjCopy)
    const mb = heap.map((h) => h / 2 ** 20)
    console.log(
      `jit W3 heap after gc (${gcFn === null ? 'no gc available' : 'gc'}), MB at steps ${CHECK}…${STEPS}: ${mb.map((h) => h.toFixed(2)).join(', ')}`,
    )
    // flat: from the first measurement (5,000 steps) to the last (30,000), growth stays under 4 MB with a full
    // collection (a leak of one 16×3 float64 array per step would be 11 MB), 64 MB without one
    const bound = gcFn === null ? 64 : 4
    expect(mb[mb.length - 1]! - mb[0]!).toBeLessThan(bound)
  }, 600_000)
})
