/**
 * Fused groups as WebAssembly SIMD loops (simd.ts): every operation they cover against the JS loop of the same
 * group bit for bit (NaN, ±0, ±∞, odd sizes whose last vector overruns) and against the kernels, an Adam step through `jit` equal to its JS-loop twin over several steps, and
 * the memory plumbing: scratch read in place, inputs and fresh outputs staged, inputs never written, outputs of
 * two calls never sharing storage.
 */
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Program, Value } from '../src/index.js'
import { compile } from '../src/jit/compile.js'
import { interpret } from '../src/jit/interpret.js'
import { optimise } from '../src/jit/optimise.js'
import { setSimdMaxStagingBytes, setSimdMinElements } from '../src/jit/simd.js'
import * as P from '../src/primitives.js'
import { binaryOps as allBinary, special, unaryOps as allUnary, valuesArb } from './elementwise-cases.js'

const SEED = 20261203
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns })
const NEVER = Number.MAX_SAFE_INTEGER
const defaultMin = setSimdMinElements(NEVER)
setSimdMinElements(defaultMin)
afterEach(() => {
  setSimdMinElements(defaultMin)
})

const bits = (t: Tensor | number): number[] => Array.from(T.toArray(typeof t === 'number' ? T.scalar(t) : t))
/** Bitwise equality (NaN equals NaN, −0 differs from +0), with the first differing index in the message. */
const sameBits = (got: Tensor | number, want: Tensor | number, what = ''): void => {
  const a = bits(got)
  const b = bits(want)
  expect(a.length).toBe(b.length)
  const i = a.findIndex((x, k) => !Object.is(x, b[k]))
  if (i >= 0) expect({ what, index: i, got: a[i] }).toEqual({ what, index: i, got: b[i] })
}

const stage = (f: (...a: Value[]) => unknown, ...args: Tensor[]): Program =>
  optimise(A.makeGraph(f as (...a: readonly unknown[]) => unknown)(...args))

/** The program compiled with SIMD loops from one element, and with JS loops only. */
const bothWays = (p: Program): { simd: ReturnType<typeof compile>; js: ReturnType<typeof compile> } => {
  setSimdMinElements(1)
  const simd = compile(p)
  setSimdMinElements(NEVER)
  const js = compile(p)
  setSimdMinElements(defaultMin)
  return { simd, js }
}

/** What the SIMD loops cover (the others keep a group in JS: no exact WebAssembly instruction). */
const SIMD_OPS = new Set([
  'neg',
  'abs',
  'sign',
  'sqrt',
  'floor',
  'isFinite',
  'relu',
  'leakyRelu',
  'stopGradient',
])
const unaryOps = allUnary.filter(([name]) => SIMD_OPS.has(name))
const binaryOps = allBinary.filter(([name]) => name !== 'pow')

/**
 * Runs `p` both ways on `ins`, checks that the SIMD build has SIMD loops, that both agree bit for bit, and returns
 * the SIMD build's outputs.
 */
const agree = (p: Program, ins: readonly Tensor[]): readonly (Tensor | number)[] => {
  const { simd, js } = bothWays(p)
  expect(simd.info.simd).toBeGreaterThan(0)
  expect(js.info.simd).toBe(0)
  const got = simd.run(ins)
  const want = js.run(ins)
  expect(got.length).toBe(want.length)
  got.forEach((g, i) => {
    sameBits(g, want[i]!, `output ${String(i)}`)
  })
  return got
}

describe('SIMD loops compute what the JS loops compute, bit for bit', () => {
  // 15 elements: an odd count, so the last vector reads and writes one element past the end of each array
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [name, op] of unaryOps)
      it(`${name} (${dtype})`, () => {
        fc.assert(
          fc.property(valuesArb(15), (v) => {
            const x = T.fromArray(v, [3, 5], { dtype })
            // a second output through a division: two values stored per element
            const f = (a: Value): Value[] => [op(a), A.div(op(a), 3)]
            const got = agree(stage(f, x), [x])
            const want = interpret(stage(f, x)).run([x])
            got.forEach((g, i) => {
              sameBits(g, want[i]!, `reference ${String(i)}`)
            })
          }),
          params(25),
        )
      })
    for (const [name, op] of binaryOps)
      it(`${name} (${dtype}), with a scalar operand and a weak number`, () => {
        fc.assert(
          fc.property(
            valuesArb(15),
            valuesArb(15),
            valuesArb(1),
            fc.constantFrom(...special, 0.1, 1 / 3),
            (v, w, s, c) => {
              const x = T.fromArray(v, [3, 5], { dtype })
              const y = T.fromArray(w, [3, 5], { dtype })
              const z = T.fromArray(s, [], { dtype })
              const f =
                (cw: number) =>
                (a: Value, b: Value, q: Value): Value[] => [
                  op(a, b),
                  op(b, a),
                  A.sqrt(op(a, cw)),
                  A.div(op(q, a), b),
                ]
              const got = agree(stage(f(c), x, y, z), [x, y, z])
              const want = interpret(stage(f(c), x, y, z)).run([x, y, z])
              got.forEach((g, i) => {
                sameBits(g, want[i]!, `reference ${String(i)}`)
              })
            },
          ),
          params(25),
        )
      })
    it(`where, reluGrad and leakyReluGrad through grad (${dtype})`, () => {
      fc.assert(
        fc.property(valuesArb(15), valuesArb(15), (v, w) => {
          const x = T.fromArray(v, [15], { dtype })
          const y = T.fromArray(w, [15], { dtype })
          const loss = (a: Value, b: Value): Value =>
            A.sum(A.div(A.add(A.relu(a), A.leakyRelu(b, 0.2)), A.add(A.where(A.greater(a, b), a, b), 4)))
          const f = (a: Value, b: Value): Value[] => {
            const [ga, gb] = A.grad(loss, { argnums: [0, 1] })(a, b) as Value[]
            return [A.div(ga!, 7), A.div(gb!, 7)]
          }
          agree(stage(f, x, y), [x, y])
        }),
        params(25),
      )
    })
  }
})

describe('Adam through jit with SIMD loops', () => {
  for (const dtype of ['float64', 'float32'] as const)
    it(`five steps equal the JS loops' five steps bit for bit, and agree with a hand-written loop (${dtype})`, () => {
      const n = 33 * 31 // odd
      const key = T.key(7)
      const [k1, k2] = T.random.split(key, 2) as [T.Key, T.Key]
      const w0 = T.normal(k1, [33, 31], { dtype })
      const target = T.normal(k2, [33, 31], { dtype })
      // Adam as @cotangent/optim composes it under jit (PyTorch's arithmetic), the step count a traced scalar
      const loss = (w: Value): Value => A.sum(A.square(A.sub(w, target)))
      type State = readonly [Value, Value, Value, Value]
      const step = (w: Value, m0: Value, v0: Value, t: Value): State => {
        const g = A.grad(loss)(w)
        const m = A.add(A.mul(m0, 0.9), A.mul(g, 0.1))
        const v = A.add(A.mul(v0, 0.999), A.mul(A.square(g), 1 - 0.999))
        const t1 = A.add(t, 1)
        const stepSize = A.div(-0.01, A.sub(1, A.pow(0.9, t1)))
        const sqrtBc2 = A.sqrt(A.sub(1, A.pow(0.999, t1)))
        const u = A.mul(A.div(m, A.add(A.div(A.sqrt(v), sqrtBc2), 1e-8)), stepSize)
        return [A.add(w, u), m, v, t1]
      }
      setSimdMinElements(1)
      const fast = A.jit(step)
      const runs = (f: typeof step): Tensor[] => {
        let state: State = [
          w0,
          T.zeros([33, 31], { dtype }),
          T.zeros([33, 31], { dtype }),
          T.scalar(0, { dtype }),
        ]
        const out: Tensor[] = []
        for (let t = 0; t < 5; t++) {
          state = f(...state)
          out.push(A.toTensor(state[0]))
        }
        return out
      }
      const a = runs(fast)
      setSimdMinElements(NEVER)
      const b = runs(A.jit(step))
      expect(fast.stats().compiles).toBe(1)
      a.forEach((t, i) => {
        sameBits(t, b[i]!, `step ${String(i)}`)
      })
      // the hand-written reference: Adam in float64 from the same start (float32 within its rounding)
      const w = Float64Array.from(T.toArray(w0))
      const t0 = Float64Array.from(T.toArray(target))
      const m = new Float64Array(n)
      const v = new Float64Array(n)
      for (let t = 1; t <= 5; t++)
        for (let i = 0; i < n; i++) {
          const g = 2 * (w[i]! - t0[i]!)
          m[i] = 0.9 * m[i]! + 0.1 * g
          v[i] = 0.999 * v[i]! + 0.001 * g * g
          w[i] = w[i]! - (0.01 * (m[i]! / (1 - 0.9 ** t))) / (Math.sqrt(v[i]! / (1 - 0.999 ** t)) + 1e-8)
        }
      const got = T.toArray(a[4]!)
      const tol = dtype === 'float64' ? 1e-12 : 1e-5
      w.forEach((x, i) => {
        expect(Math.abs(got[i]! - x)).toBeLessThanOrEqual(tol * (1 + Math.abs(x)))
      })
    })
})

describe('the memory a program’s SIMD loops share', () => {
  it('scratch in place, inputs staged and never written, outputs fresh on every call', () => {
    const x = T.fromArray(
      Array.from({ length: 101 }, (_, i) => Math.sin(i) * 3),
      [101],
    )
    const y = T.fromArray(
      Array.from({ length: 101 }, (_, i) => 1 + Math.cos(i) ** 2),
      [101],
    )
    // exp keeps its group in JS: its result is scratch the SIMD loop reads in place (reshapes end the groups); the
    // SIMD loop's division is scratch the tanh's JS loop reads, and d / 3 is a fresh output of the SIMD loop
    const f = (a: Value, b: Value): Value[] => {
      const e = A.reshape(A.exp(A.mul(a, 0.5)), [1, 101]) // JS
      const b1 = A.reshape(b, [1, 101])
      const d = A.div(A.sqrt(A.add(e, b1)), b1) // SIMD: e is scratch, b an input
      return [A.tanh(A.reshape(d, [101])), A.div(d, 3)] // JS; SIMD
    }
    const p = stage(f, x, y)
    const { simd } = bothWays(p)
    expect(simd.info.simd).toBeGreaterThan(0)
    const before = [bits(x), bits(y)]
    const first = simd.run([x, y])
    const second = simd.run([x, y])
    expect([bits(x), bits(y)]).toEqual(before)
    const want = interpret(p).run([x, y])
    for (const out of [first, second])
      out.forEach((g, i) => {
        sameBits(g, want[i]!, `output ${String(i)}`)
      })
    first.forEach((g, i) => {
      const a = T.toArray(g as Tensor) as Float64Array
      const b = T.toArray(second[i] as Tensor) as Float64Array
      expect(a.buffer === b.buffer).toBe(false)
    })
  })

  it('groups below the threshold, with a broadcast operand or with an op that has no exact instruction keep their JS loop', () => {
    const x = T.ones([64, 64])
    const row = T.ones([64])
    const plain = (a: Value): Value => A.add(A.mul(a, 3), 1)
    const broadcast = (a: Value): Value => A.div(a, A.add(row, 1))
    const tanh = (a: Value): Value => A.mul(A.tanh(a), 3)
    const heavy = (a: Value): Value => A.div(a, 3)
    setSimdMinElements(1)
    expect(compile(stage(plain, x)).info.simd).toBe(1)
    expect(compile(stage(broadcast, x)).info.simd).toBe(0)
    expect(compile(stage(tanh, x)).info.simd).toBe(0)
    expect(compile(stage(heavy, x)).info.simd).toBe(1)
    setSimdMinElements(64 * 64 + 1)
    expect(compile(stage(heavy, x)).info.simd).toBe(0)
  })

  it('a loop whose staging would exceed the bound keeps its JS loop', () => {
    // x / 3 on 64×64 float64: x and the result staged, 2 · 32 KiB plus a vector of slack
    const x = T.ones([64, 64])
    const heavy = (a: Value): Value => A.div(a, 3)
    setSimdMinElements(1)
    const old = setSimdMaxStagingBytes(2 * 64 * 64 * 8 + 16)
    try {
      expect(compile(stage(heavy, x)).info.simd).toBe(1)
      setSimdMaxStagingBytes(2 * 64 * 64 * 8 + 15)
      expect(compile(stage(heavy, x)).info.simd).toBe(0)
    } finally {
      setSimdMaxStagingBytes(old)
    }
  })
})

describe('small matmuls and the groups computed from them as SIMD loops', () => {
  const matmulArb = fc.record({
    m: fc.integer({ min: 1, max: 9 }),
    k: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 2, max: 9 }),
    ta: fc.boolean(),
    tb: fc.boolean(),
    dtype: fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
    seed: fc.integer(),
  })
  const operands = (
    m: number,
    k: number,
    n: number,
    ta: boolean,
    tb: boolean,
    dtype: 'float64' | 'float32',
    seed: number,
  ) => {
    const [k1, k2, k3] = T.random.split(T.key(seed), 3) as [T.Key, T.Key, T.Key]
    return {
      a: T.normal(k1, ta ? [k, m] : [m, k], { dtype }),
      b: T.normal(k2, tb ? [n, k] : [k, n], { dtype }),
      bias: T.normal(k3, [n], { dtype }),
    }
  }
  /** A naive product (float64 sums in index order): the reference of every value within rounding. */
  const naive = (
    a: Tensor,
    b: Tensor,
    m: number,
    k: number,
    n: number,
    ta: boolean,
    tb: boolean,
  ): number[] => {
    const A_ = T.toArray(a)
    const B_ = T.toArray(b)
    const out: number[] = []
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let q = 0; q < k; q++) s += A_[ta ? q * m + i : i * k + q]! * B_[tb ? j * k + q : q * n + j]!
        out.push(s)
      }
    return out
  }
  const close = (got: Tensor | number, want: readonly number[], dtype: string): void => {
    const g = T.toArray(got as Tensor)
    const tol = dtype === 'float64' ? 1e-12 : 1e-5
    want.forEach((w, i) => {
      expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w)) * 8)
    })
  }

  it('a product alone, with and without transposed operands, odd and even widths', () => {
    fc.assert(
      fc.property(matmulArb, ({ m, k, n, ta, tb, dtype, seed }) => {
        const { a, b } = operands(m, k, n, ta, tb, dtype, seed)
        const f = (x: Value, y: Value): Value => A.bind(P.matmulP, [x, y], { transA: ta, transB: tb })
        const [got] = agree(stage(f, a, b), [a, b])
        close(got!, naive(a, b, m, k, n, ta, tb), dtype)
        if (dtype === 'float64') sameBits(got!, interpret(stage(f, a, b)).run([a, b])[0]!, 'kernel')
      }),
      params(40),
    )
  })

  it('relu(x @ W + b) computed inside the product’s loop', () => {
    fc.assert(
      fc.property(matmulArb, ({ m, k, n, dtype, seed }) => {
        const { a, b, bias } = operands(m, Math.min(k, 32), n, false, false, dtype, seed)
        const kk = Math.min(k, 32)
        const f = (x: Value, w: Value, c: Value): Value => A.relu(A.add(A.matmul(x, w), c))
        const [got] = agree(stage(f, a, b, bias), [a, b, bias])
        const bs = T.toArray(bias)
        close(
          got!,
          naive(a, b, m, kk, n, false, false).map((v, i) => Math.max(v + bs[i % n]!, 0)),
          dtype,
        )
      }),
      params(40),
    )
  })

  it('a ReLU layer’s gradient: the backprop product, its ReLU gradient and the bias gradient summed down columns', () => {
    fc.assert(
      fc.property(matmulArb, ({ m, k, n, dtype, seed }) => {
        const kk = Math.min(k, 32)
        const { a, b, bias } = operands(m, kk, n, false, false, dtype, seed)
        const loss = (w: Value, c: Value, x: Value): Value =>
          A.sum(A.square(A.relu(A.add(A.matmul(x, w), c))))
        const f = (w: Value, c: Value, x: Value): Value[] =>
          A.grad(loss, { argnums: [0, 1] })(w, c, x) as Value[]
        const [gw, gc] = agree(stage(f, b, bias, a), [b, bias, a])
        // the reference: d = 2·relu(z)·[z > 0], dW = xᵀ d, db = column sums of d
        const z = naive(a, b, m, kk, n, false, false).map((v, i) => v + T.toArray(bias)[i % n]!)
        const d = z.map((v) => (v > 0 ? 2 * v : 0))
        const X = T.toArray(a)
        const dw: number[] = []
        for (let q = 0; q < kk; q++)
          for (let j = 0; j < n; j++) {
            let s = 0
            for (let i = 0; i < m; i++) s += X[i * kk + q]! * d[i * n + j]!
            dw.push(s)
          }
        close(gw!, dw, dtype)
        close(
          gc!,
          Array.from({ length: n }, (_, j) => d.filter((_, i) => i % n === j).reduce((p, q) => p + q, 0)),
          dtype,
        )
      }),
      params(40),
    )
  })
})

describe('element-wise groups that end in a sum down the columns, as SIMD loops', () => {
  it('a ReLU gradient and its bias sum (float64 against the kernels too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 2, max: 9 }),
        fc.constantFrom<'float64' | 'float32'>('float64', 'float32'),
        fc.integer(),
        (m, n, dtype, seed) => {
          const [k1, k2, k3] = T.random.split(T.key(seed), 3) as [T.Key, T.Key, T.Key]
          const z = T.normal(k1, [m, n], { dtype })
          const g = T.normal(k2, [m, n], { dtype })
          const row = T.normal(k3, [n], { dtype })
          // the gradient is stored (a later product reads it), its column sums are the bias gradient
          const f = (a: Value, b: Value, c: Value): Value[] => {
            const d = A.mul(A.where(A.greater(a, 0), b, 0), A.add(c, 2))
            return [d, A.sum(d, { axis: 0 })]
          }
          const got = agree(stage(f, z, g, row), [z, g, row])
          const want = interpret(stage(f, z, g, row)).run([z, g, row])
          got.forEach((t, i) => {
            if (dtype === 'float64' || i === 0) sameBits(t, want[i]!, `kernel ${String(i)}`)
          })
          // the column sums against a naive float64 loop
          const d = T.toArray(got[0] as Tensor)
          const sums = Array.from({ length: n }, (_, j) => {
            let s = 0
            for (let i = 0; i < m; i++) s += d[i * n + j]!
            return s
          })
          const tol = dtype === 'float64' ? 1e-12 : 1e-5
          T.toArray(got[1] as Tensor).forEach((x, j) => {
            expect(Math.abs(x - sums[j]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(sums[j]!)) * 8)
          })
        },
      ),
      params(40),
    )
  })
})
