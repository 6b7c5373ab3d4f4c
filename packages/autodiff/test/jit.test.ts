/**
 * `jit`: results equal eager evaluation (a different interpreter: kernels called op by op), trees in and out, the
 * signature cache (compiles only when tree structure, shapes, dtypes or static values change; LRU bound),
 * `staticArgnums`, the typed error for reading a traced value, custom rules under jit, jit inside jit, and the
 * check mode (`setJitCheck`, `{ check: true }`).
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { ShapeError, type Tensor } from '@cotangent/tensor'
import * as AD from '../src/index.js'
import type { Value } from '../src/index.js'

const { jit } = AD

/** Values equal to 1e-12 (relative above 1), same shape and dtype. */
const close = (got: Value, want: Value, tol = 1e-12): void => {
  expect(got.shape).toEqual(want.shape)
  expect(got.dtype).toBe(want.dtype)
  const g = AD.toArray(got)
  const w = AD.toArray(want)
  expect(g.length).toBe(w.length)
  for (let i = 0; i < w.length; i++) {
    const y = w[i]!
    if (Number.isNaN(y)) expect(Number.isNaN(g[i]!)).toBe(true)
    else expect(Math.abs(g[i]! - y)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y)))
  }
}

const t = (v: readonly number[], shape?: readonly number[]): Tensor => T.fromArray(v, shape ?? [v.length])

const x23 = t([0.5, -1.25, 2, 0.75, -0.3, 1.1], [2, 3])

afterEach(() => {
  AD.setJitCheck(false)
})

describe('jit computes what eager code computes', () => {
  it('element-wise chains, broadcasts and reductions (against a hand-computed loop)', () => {
    const f = (x: Value, b: Value) => AD.sum(AD.mul(AD.tanh(AD.add(x, b)), 2), { axis: 1 })
    const b = t([0.1, 0.2, -0.3])
    const got = jit(f)(x23, b)
    const xs = Array.from(T.toArray(x23))
    const bs = [0.1, 0.2, -0.3]
    const want = [0, 1].map((r) => [0, 1, 2].reduce((s, c) => s + 2 * Math.tanh(xs[3 * r + c]! + bs[c]!), 0))
    close(got, t(want))
  })

  it('a softmax + cross-entropy head (fused reductions) equals the eager ops and the closed form', () => {
    const y = t([0, 0, 1, 1, 0, 0], [2, 3])
    const f = (z: Value) => AD.neg(AD.mean(AD.sum(AD.mul(y, AD.logSoftmax(z)), { axis: -1 })))
    const got = jit(f)(x23)
    close(got, f(x23))
    const xs = Array.from(T.toArray(x23))
    const row = (r: number): number[] => xs.slice(3 * r, 3 * r + 3)
    const lse = (v: number[]): number => Math.log(v.reduce((s, a) => s + Math.exp(a), 0))
    const want = (lse(row(0)) - row(0)[2]! + (lse(row(1)) - row(1)[0]!)) / 2
    expect(Math.abs(AD.item(got) - want)).toBeLessThan(1e-12)
  })

  it('takes and returns trees: records and arrays, with tensors of several shapes', () => {
    const f = (p: { readonly W: Value; readonly b: Value }, xs: readonly Value[]) => ({
      out: AD.add(AD.matmul(xs[0]!, p.W), p.b),
      norms: [AD.sum(AD.square(p.W)), AD.sum(AD.square(xs[1]!))],
    })
    const p = { W: t([1, 2, 3, 4, 5, 6], [3, 2]), b: t([0.5, -0.5]) }
    const xs = [x23, t([3, 4])]
    const got = jit(f)(p, xs)
    const want = f(p, xs)
    close(got.out, want.out)
    close(got.norms[0]!, want.norms[0]!)
    close(got.norms[1]!, t([25], []))
    expect(Object.keys(got).sort()).toEqual(['norms', 'out'])
  })

  it('float32 programs compute in float32 like the eager ops', () => {
    const x = T.fromArray([0.1, 0.2, 0.3, 0.4], [2, 2], { dtype: 'float32' })
    const f = (v: Value) => AD.sum(AD.exp(AD.mul(v, v)), { axis: 0 })
    const got = jit(f)(x)
    expect(got.dtype).toBe('float32')
    close(got, f(x), 1e-6)
  })

  it('constants closed over are used (not re-read as inputs), and outputs come back as tensors', () => {
    const c = t([10, 20, 30])
    const f = (v: Value) => AD.add(v, c)
    const got = jit(f)(t([1, 2, 3]))
    expect(T.isTensor(got)).toBe(true)
    close(got, t([11, 22, 33]))
  })

  it('shape errors are raised while staging with the eager ShapeError naming the shapes', () => {
    const f = jit((a: Value, b: Value) => AD.add(a, b))
    expect(() => f(t([1, 2]), t([1, 2, 3]))).toThrow(ShapeError)
    expect(() => f(t([1, 2]), t([1, 2, 3]))).toThrow(/\[2\].*\[3\]|\[3\].*\[2\]/)
  })
})

describe('the signature cache', () => {
  it('compiles once per signature: same shapes hit, a new shape, dtype or tree compiles again', () => {
    const f = jit((v: unknown) =>
      AD.sum(
        AD.treeLeaves(v)
          .filter(AD.isValue)
          .reduce<Value>((s, l) => AD.add(s, AD.sum(l)), T.scalar(0)),
      ),
    )
    expect(f.stats()).toEqual({ compiles: 0, hits: 0, cacheSize: 0, compileMs: 0 })
    f(t([1, 2, 3]))
    const { compileMs } = f.stats()
    expect(compileMs).toBeGreaterThan(0)
    f(t([4, 5, 6]))
    f(t([7, 8, 9]))
    // hits compile nothing: the time spent compiling stays what the first call spent
    expect(f.stats()).toEqual({ compiles: 1, hits: 2, cacheSize: 1, compileMs })
    f(t([1, 2])) // new shape
    expect(f.stats().compiles).toBe(2)
    f(T.fromArray([1, 2], [2], { dtype: 'float32' })) // new dtype
    expect(f.stats().compiles).toBe(3)
    f([t([1, 2])]) // new tree structure
    f({ a: t([1, 2]) })
    expect(f.stats().compiles).toBe(5)
    f(t([9, 9, 9])) // back to the first signature: a hit
    expect(f.stats()).toMatchObject({ compiles: 5, hits: 3, cacheSize: 5 })
  })

  it('values never enter the signature: different data, same program, right answers', () => {
    const f = jit((v: Value) => AD.mul(v, v))
    for (let k = 0; k < 20; k++) close(f(t([k, -k, 0.5 * k])), t([k * k, k * k, 0.25 * k * k]))
    expect(f.stats().compiles).toBe(1)
    expect(f.stats().hits).toBe(19)
  })

  it('is bounded: maxCacheSize keeps the most recently used signatures (LRU)', () => {
    const f = jit((v: Value) => AD.sum(v), { maxCacheSize: 2 })
    const a = t([1])
    const b = t([1, 2])
    const c = t([1, 2, 3])
    f(a) // compile A: [A]
    f(b) // compile B: [A, B]
    f(a) // hit A: [B, A]
    f(c) // compile C, evicts B (least recently used): [A, C]
    expect(f.stats()).toMatchObject({ compiles: 3, hits: 1, cacheSize: 2 })
    f(a) // hit
    expect(f.stats().hits).toBe(2)
    f(b) // B was evicted: compiles again, evicting C
    expect(f.stats()).toMatchObject({ compiles: 4, hits: 2, cacheSize: 2 })
    f(a)
    expect(f.stats().hits).toBe(3)
    close(f(c), t([6], []))
    expect(f.stats().compiles).toBe(5)
  })

  it('the default bound is 16 signatures', () => {
    const f = jit((v: Value) => AD.sum(v))
    for (let n = 1; n <= 20; n++) f(T.ones([n]))
    expect(f.stats().cacheSize).toBe(16)
    expect(f.stats().compiles).toBe(20)
    f(T.ones([1])) // evicted long ago
    expect(f.stats().compiles).toBe(21)
    f(T.ones([20])) // still cached
    expect(f.stats().compiles).toBe(21)
  })

  it('program(...) stages the function for a call without running it, printable with showProgram', () => {
    const f = jit((v: Value) => AD.exp(AD.sin(v)))
    const p = f.program(t([1, 2]))
    const s = AD.showProgram(p)
    expect(s).toContain('sin')
    expect(s).toContain('exp')
    expect(p.inVars.map((v) => v.shape)).toEqual([[2]])
  })
})

describe('staticArgnums', () => {
  it('an if on a static argument picks the branch; a new static value recompiles, a repeated one hits', () => {
    const f = jit((x: Value, mode: 'square' | 'negate') => (mode === 'square' ? AD.mul(x, x) : AD.neg(x)), {
      staticArgnums: [1],
    })
    const x = t([1.5, -2])
    close(f(x, 'square'), t([2.25, 4]))
    close(f(x, 'negate'), t([-1.5, 2]))
    expect(f.stats().compiles).toBe(2)
    close(f(t([3, 4]), 'square'), t([9, 16]))
    close(f(t([3, 4]), 'negate'), t([-3, -4]))
    expect(f.stats()).toMatchObject({ compiles: 2, hits: 2, cacheSize: 2 })
  })

  it('static numbers can be shapes and loop counts', () => {
    const f = jit(
      (x: Value, n: number, rows: number) => {
        let y: Value = x
        for (let i = 0; i < n; i++) y = AD.sin(y)
        return AD.reshape(y, [rows, -1])
      },
      { staticArgnums: [1, 2] },
    )
    const x = t([0.1, 0.2, 0.3, 0.4])
    close(f(x, 3, 2), T.reshape(T.sin(T.sin(T.sin(x))), [2, 2]))
    close(f(x, 1, 4), T.reshape(T.sin(x), [4, 1]))
    expect(f.stats().compiles).toBe(2)
    f(x, 3, 2)
    expect(f.stats().compiles).toBe(2)
  })

  it('rejects an out-of-range static position', () => {
    const f = jit((x: Value) => AD.neg(x), { staticArgnums: [3] })
    expect(() => f(t([1]))).toThrow(RangeError)
  })
})

describe('reading a traced value inside jit is a typed error naming the value and pointing to staticArgnums', () => {
  const reads: readonly [string, (v: Value) => unknown][] = [
    ['item', (v) => AD.item(AD.sum(v))],
    ['toArray', (v) => AD.toArray(v)],
    ['toNested', (v) => AD.toNested(v)],
    ['toTensor', (v) => AD.toTensor(v)],
    ['an if on data', (v) => (AD.item(AD.max(v)) > 0 ? AD.exp(v) : AD.neg(v))],
    // JS operators on a traced value (a comparison in an `if`, arithmetic) would otherwise compute with NaN
    ['a JS comparison', (v) => ((v as unknown as number) > 0 ? 1 : 0)],
    ['JS arithmetic', (v) => (v as unknown as number) * 2],
  ]
  for (const [what, read] of reads)
    it(what, () => {
      const f = jit((x: Value) => {
        read(x)
        return x
      })
      let err: unknown = null
      try {
        f(x23)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(AD.StagedValueError)
      const msg = (err as Error).message
      expect(msg).toContain('staticArgnums')
      expect(msg).toContain('float64')
      // names the value: its shape ([] for the reduced item, [2,3] for the argument itself)
      expect(msg).toMatch(what === 'item' || what === 'an if on data' ? /\[\]/ : /\[2,3\]/)
    })

  it('after the error the function still works on a later call (nothing is left half-staged)', () => {
    let bad = true
    const f = jit((x: Value) => {
      if (bad) AD.item(AD.sum(x))
      return AD.mul(x, 2)
    })
    expect(() => f(x23)).toThrow(AD.StagedValueError)
    bad = false
    close(f(x23), T.mul(x23, 2))
    // eager code runs as before
    expect(AD.item(AD.sum(x23))).toBeCloseTo(2.8, 12)
  })
})

describe('custom rules under jit', () => {
  it('logsumexp and softplus (customJvp) stay stable and keep their derivatives', () => {
    const big = t([1000, 1000, -1000])
    const lse = jit((v: Value) => AD.logsumexp(v))
    expect(AD.item(lse(big))).toBeCloseTo(1000 + Math.log(2), 10)
    const sp = jit((v: Value) => AD.softplus(v))
    close(sp(big), t([1000, 1000, 0]))
    const gsp = jit(AD.grad((v: Value) => AD.sum(AD.softplus(v))))(big)
    close(gsp, t([1, 1, 0]))
    const glse = AD.grad((v: Value) => lse(v))(big)
    close(glse, t([0.5, 0.5, 0]))
  })

  it('a user customJvp and customVjp: jit of the function, of its grad, and grad of the jitted function', () => {
    // f(x) = x³ with a deliberately *different* rule (tangent 2·t) — the rule, not the function, must be used
    const cubeJ = AD.customJvp(
      (x: Value) => AD.mul(AD.mul(x, x), x),
      ([x], [dx]) => [AD.mul(AD.mul(x, x), x), AD.mul(dx, 2)],
      'cubeWithRule2',
    )
    // g(x) = sin(x) whose backward pass multiplies the cotangent by 3
    const sinV = AD.customVjp(
      (x: Value) => AD.sin(x),
      (x: Value) => [AD.sin(x), x] as const,
      (_x: Value, ct: Value) => [AD.mul(ct, 3)],
      'sinTimes3',
    )
    const x = t([0.5, -1, 2])
    close(jit((v: Value) => cubeJ(v))(x), t([0.125, -1, 8]))
    close(jit((v: Value) => sinV(v))(x), T.sin(x))
    close(jit(AD.grad((v: Value) => AD.sum(cubeJ(v))))(x), t([2, 2, 2]))
    close(AD.grad((v: Value) => AD.sum(jit((u: Value) => cubeJ(u))(v)))(x), t([2, 2, 2]))
    close(jit(AD.grad((v: Value) => AD.sum(sinV(v))))(x), t([3, 3, 3]))
    close(AD.grad((v: Value) => AD.sum(jit((u: Value) => sinV(u))(v)))(x), t([3, 3, 3]))
  })
})

describe('jit inside jit', () => {
  it('an inner jitted function called from an outer one computes the composition', () => {
    const inner = jit((v: Value) => AD.tanh(AD.mul(v, 3)))
    const outer = jit((v: Value) => AD.sum(AD.add(inner(v), inner(AD.neg(v)))))
    // tanh is odd: the sum is 0 up to rounding
    expect(Math.abs(AD.item(outer(x23)))).toBeLessThan(1e-15)
    const outer2 = jit((v: Value) => AD.mul(inner(v), inner(v)))
    close(outer2(x23), T.mul(T.tanh(T.mul(x23, 3)), T.tanh(T.mul(x23, 3))))
    // calling the inner one eagerly still works and is cached on its own
    close(inner(x23), T.tanh(T.mul(x23, 3)))
  })
})

describe('check mode', () => {
  const fns: readonly [string, (v: Value) => Value][] = [
    ['chain', (v) => AD.sum(AD.exp(AD.tanh(AD.mul(v, v))))],
    ['softmax', (v) => AD.softmax(v)],
    ['matmul', (v) => AD.matmul(v, AD.transpose(v))],
    ['grad', AD.grad((v: Value) => AD.sum(AD.sin(AD.mul(v, v))))],
  ]
  it('{ check: true } runs the function eagerly too and finds nothing wrong with correct code', () => {
    for (const [, f] of fns) close(jit(f, { check: true })(x23), f(x23))
  })
  it('setJitCheck(true) checks every jitted function, and setJitCheck(false) turns it off', () => {
    AD.setJitCheck(true)
    for (const [, f] of fns) {
      const jf = jit(f)
      close(jf(x23), f(x23))
      close(jf(x23), f(x23))
    }
    AD.setJitCheck(false)
    close(jit(fns[0]![1])(x23), fns[0]![1](x23))
  })
  it('a staged program that differs from eager code is reported as a JitMismatchError naming the output', () => {
    // a function that (wrongly) behaves differently when traced: the compiled program doubles, eager code does not
    const twoFaced = (v: Value) => ({ y: v instanceof AD.Tracer ? AD.mul(v, 2) : AD.mul(v, 1) })
    expect(() => jit(twoFaced, { check: true })(x23)).toThrow(AD.JitMismatchError)
    let err: unknown = null
    try {
      jit(twoFaced, { check: true })(x23)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toContain('y')
    AD.setJitCheck(true)
    expect(() => jit(twoFaced)(x23)).toThrow(AD.JitMismatchError)
    AD.setJitCheck(false)
    // without the check, the (wrong) staged result comes back silently: the check is what catches it
    close(jit(twoFaced)(x23).y, T.mul(x23, 2))
    // the option overrides the global switch
    AD.setJitCheck(true)
    close(jit(twoFaced, { check: false })(x23).y, T.mul(x23, 2))
  })
})
