// The fused optimizer steps (kernels/optim.ts) against naive per-element loops written here from the published
// formulas (PyTorch's SGD, momentum/Nesterov, Adam/AdamW and RMSprop, in the operation order optim's composed path
// uses): float64 must agree bit for bit; float32 must be the float64 result computed from the same stored float32
// values, rounded once (so each output is the float32 nearest to the double-precision value). Plus the typed
// errors, and that no input changes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.js'
import type { Tensor } from '../src/index.js'
import { arbShape, params, size } from './helpers.js'

type Float = 'float64' | 'float32'

/** Bitwise-equal numbers (NaN equals NaN; +0 and −0 differ). */
const sameBits = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]))

/** The stored value of `x` in `dtype` (float32 rounds to nearest). */
const store = (dtype: Float, x: number): number => (dtype === 'float32' ? Math.fround(x) : x)

/** Random operands: `n` value arrays of one shape (values in [−lim, lim], some exact zeros), a dtype. */
const arbOperands = (n: number, lim = 5) =>
  fc
    .tuple(arbShape(3, 5), fc.constantFrom<Float>('float64', 'float32'))
    .chain(([shape, dtype]) =>
      fc.record({
        shape: fc.constant(shape),
        dtype: fc.constant(dtype),
        vals: fc.tuple(
          ...Array.from({ length: n }, () =>
            fc.array(
              fc.oneof(
                { weight: 9, arbitrary: fc.double({ min: -lim, max: lim, noNaN: true }) },
                { weight: 1, arbitrary: fc.constant(0) },
              ),
              { minLength: size(shape), maxLength: size(shape) },
            ),
          ),
        ),
      }),
    )
    .map(({ shape, dtype, vals }) => ({
      shape,
      dtype,
      // the values as the tensors store them (float32 rounds), so the reference starts from the same numbers
      vals: vals.map((v) => v.map((x) => store(dtype, x))),
    }))

const mk = (v: readonly number[], shape: readonly number[], dtype: Float): Tensor =>
  T.fromArray(v, shape, { dtype })
const arr = (t: Tensor): number[] => Array.from(T.toArray(t))

/** Whether `t` holds exactly `xs`, each rounded once to `dtype` (what a fused pass computing in double stores). */
const storedAs = (dtype: Float, t: Tensor, xs: readonly number[]): boolean =>
  sameBits(
    arr(t),
    xs.map((x) => store(dtype, x)),
  )
const arbOutput = fc.constantFrom<T.FusedOutput>('updates', 'params')
const unit = fc.double({ min: 0, max: 0.999, noNaN: true })
const rate = fc.double({ min: 0, max: 1, noNaN: true })

describe('sgdStep: (g + wd·p)·(−lr), or p + that', () => {
  it('matches the naive loop (float64 bitwise, float32 rounded once)', () => {
    fc.assert(
      fc.property(
        arbOperands(2),
        rate,
        fc.option(rate, { nil: undefined }),
        arbOutput,
        ({ shape, dtype, vals: [g, p] }, lr, wd, output) => {
          const got = T.sgdStep({
            grad: mk(g!, shape, dtype),
            param: mk(p!, shape, dtype),
            lr,
            weightDecay: wd,
            output,
          })
          const want = g!.map((gi, i) => {
            const pi = p![i]!
            const u = (wd === undefined ? gi : gi + pi * wd) * -lr
            return store(dtype, output === 'params' ? pi + u : u)
          })
          expect(got.dtype).toBe(dtype)
          expect(got.shape).toEqual(shape)
          expect(sameBits(arr(got), want)).toBe(true)
        },
      ),
      params(),
    )
  })

  it('needs no parameter for plain updates', () => {
    const u = T.sgdStep({ grad: T.tensor([1, -2]), lr: 0.5, output: 'updates' })
    expect(arr(u)).toEqual([-0.5, 1])
  })
})

describe('momentumStep: v = v·β + g, update v·(−lr) (Nesterov (g + v·β)·(−lr))', () => {
  it('matches the naive loop', () => {
    fc.assert(
      fc.property(
        arbOperands(3),
        rate,
        unit,
        fc.boolean(),
        arbOutput,
        ({ shape, dtype, vals: [g, v0, p] }, lr, beta, nesterov, output) => {
          const r = T.momentumStep({
            grad: mk(g!, shape, dtype),
            velocity: mk(v0!, shape, dtype),
            param: mk(p!, shape, dtype),
            lr,
            beta,
            nesterov,
            output,
          })
          const v = g!.map((gi, i) => v0![i]! * beta + gi)
          const out = g!.map((gi, i) => {
            const u = (nesterov ? gi + v[i]! * beta : v[i]!) * -lr
            return store(dtype, output === 'params' ? p![i]! + u : u)
          })
          expect(storedAs(dtype, r.velocity, v)).toBe(true)
          expect(sameBits(arr(r.out), out)).toBe(true)
          expect([r.out.dtype, r.velocity.dtype]).toEqual([dtype, dtype])
        },
      ),
      params(),
    )
  })
})

describe('adamStep: bias-corrected Adam / AdamW', () => {
  it('matches the naive loop for every step count, with and without decoupled decay', () => {
    fc.assert(
      fc.property(
        arbOperands(4),
        fc.record({
          lr: rate,
          b1: unit,
          b2: unit,
          eps: fc.constantFrom(1e-8, 1e-3, 0),
          t: fc.integer({ min: 1, max: 60 }),
        }),
        fc.option(fc.double({ min: 0, max: 0.1, noNaN: true }), { nil: undefined }),
        arbOutput,
        ({ shape, dtype, vals: [g, m0, v0raw, p] }, { lr, b1, b2, eps, t }, wd, output) => {
          const v0 = v0raw!.map(Math.abs) // a second moment is never negative
          const stepSize = lr / (1 - b1 ** t)
          const sqrtBc2 = Math.sqrt(1 - b2 ** t)
          const decay = wd === undefined ? undefined : lr * wd
          const r = T.adamStep({
            grad: mk(g!, shape, dtype),
            mu: mk(m0!, shape, dtype),
            nu: mk(v0, shape, dtype),
            param: mk(p!, shape, dtype),
            b1,
            b2,
            eps,
            stepSize,
            sqrtBc2,
            decay,
            output,
          })
          const m = g!.map((gi, i) => m0![i]! * b1 + gi * (1 - b1))
          const v = g!.map((gi, i) => v0[i]! * b2 + gi * gi * (1 - b2))
          const out = m.map((mi, i) => {
            const step = (mi / (Math.sqrt(v[i]!) / sqrtBc2 + eps)) * -stepSize
            const u = decay === undefined ? step : step - p![i]! * decay
            return store(dtype, output === 'params' ? p![i]! + u : u)
          })
          expect(storedAs(dtype, r.mu, m)).toBe(true)
          expect(storedAs(dtype, r.nu, v)).toBe(true)
          expect(sameBits(arr(r.out), out)).toBe(true)
        },
      ),
      params(),
    )
  })

  it('the first step moves each coordinate by about lr·sign(g) (a hand value)', () => {
    const r = T.adamStep({
      grad: T.tensor([2, -0.5, 0]),
      mu: T.zeros([3]),
      nu: T.zeros([3]),
      b1: 0.9,
      b2: 0.999,
      eps: 1e-8,
      stepSize: 0.1 / 0.1, // lr / (1 − 0.9¹) with lr 0.1
      sqrtBc2: Math.sqrt(0.001),
      output: 'updates',
    })
    const u = arr(r.out)
    expect(u[0]).toBeCloseTo(-0.1, 7)
    expect(u[1]).toBeCloseTo(0.1, 7)
    expect(Math.abs(u[2]!)).toBe(0) // −0: g = 0 times the negative step size
  })
})

describe('rmspropStep: plain, centered, with momentum', () => {
  it('matches the naive loop in all four variants', () => {
    fc.assert(
      fc.property(
        arbOperands(5),
        fc.record({ lr: rate, alpha: unit, eps: fc.constantFrom(1e-8, 1e-6), mom: unit }),
        fc.boolean(),
        fc.boolean(),
        arbOutput,
        (
          { shape, dtype, vals: [g, sRaw, ga0, b0, p] },
          { lr, alpha, eps, mom },
          centered,
          withMomentum,
          output,
        ) => {
          // a consistent state: s ≥ ḡ² (as it is after any sequence of steps from zeros)
          const s0 = sRaw!.map((x, i) => store(dtype, Math.abs(x) + ga0![i]! * ga0![i]!))
          const r = T.rmspropStep({
            grad: mk(g!, shape, dtype),
            squareAvg: mk(s0, shape, dtype),
            gradAvg: centered ? mk(ga0!, shape, dtype) : undefined,
            momentumBuffer: withMomentum ? mk(b0!, shape, dtype) : undefined,
            param: mk(p!, shape, dtype),
            lr,
            decay: alpha,
            eps,
            momentum: mom,
            output,
          })
          const s = g!.map((gi, i) => s0[i]! * alpha + gi * gi * (1 - alpha))
          const ga = g!.map((gi, i) => ga0![i]! * alpha + gi * (1 - alpha))
          const d = s.map((si, i) => Math.sqrt(centered ? si - ga[i]! * ga[i]! : si) + eps)
          const b = g!.map((gi, i) => (withMomentum ? b0![i]! * mom + gi / d[i]! : gi / d[i]!))
          const out = b.map((bi, i) => store(dtype, output === 'params' ? p![i]! + bi * -lr : bi * -lr))
          expect(storedAs(dtype, r.squareAvg, s)).toBe(true)
          expect(r.gradAvg === null).toBe(!centered)
          if (r.gradAvg !== null) expect(storedAs(dtype, r.gradAvg, ga)).toBe(true)
          expect(r.momentumBuffer === null).toBe(!withMomentum)
          if (r.momentumBuffer !== null) expect(storedAs(dtype, r.momentumBuffer, b)).toBe(true)
          expect(sameBits(arr(r.out), out)).toBe(true)
        },
      ),
      params(),
    )
  })
})

describe('fresh outputs, unchanged inputs', () => {
  it('every output is a new tensor and no input changes (also for 0-d and empty tensors)', () => {
    for (const shape of [[], [0], [2, 3]]) {
      const n = size(shape)
      const g = T.fromArray(
        Array.from({ length: n }, (_, i) => i - 1),
        shape,
      )
      const m = T.fromArray(
        Array.from({ length: n }, (_, i) => 0.5 * i),
        shape,
      )
      const v = T.fromArray(
        Array.from({ length: n }, (_, i) => i + 1),
        shape,
      )
      const p = T.fromArray(
        Array.from({ length: n }, (_, i) => 2 - i),
        shape,
      )
      const before = [g, m, v, p].map(arr)
      const r = T.adamStep({
        grad: g,
        mu: m,
        nu: v,
        param: p,
        b1: 0.9,
        b2: 0.99,
        eps: 1e-8,
        stepSize: 0.1,
        sqrtBc2: 0.3,
        decay: 0.01,
        output: 'params',
      })
      const q = T.rmspropStep({
        grad: g,
        squareAvg: v,
        gradAvg: m,
        momentumBuffer: p,
        param: p,
        lr: 0.1,
        decay: 0.9,
        eps: 1e-8,
        momentum: 0.5,
        output: 'params',
      })
      const k = T.momentumStep({
        grad: g,
        velocity: m,
        param: p,
        lr: 0.1,
        beta: 0.9,
        nesterov: true,
        output: 'params',
      })
      const u = T.sgdStep({ grad: g, param: p, lr: 0.1, weightDecay: 0.1, output: 'params' })
      expect([g, m, v, p].map(arr)).toEqual(before)
      const outs = [
        r.out,
        r.mu,
        r.nu,
        q.out,
        q.squareAvg,
        q.gradAvg!,
        q.momentumBuffer!,
        k.out,
        k.velocity,
        u,
      ]
      for (const o of outs) {
        expect([g, m, v, p]).not.toContain(o)
        expect(o.shape).toEqual(shape)
      }
    }
  })
})

describe('typed errors name the step and the shapes or dtypes', () => {
  const g = T.ones([2, 3])
  it('a shape mismatch is a ShapeError', () => {
    const bad = (): unknown =>
      T.adamStep({
        grad: g,
        mu: T.ones([3, 2]),
        nu: T.ones([2, 3]),
        b1: 0.9,
        b2: 0.999,
        eps: 1e-8,
        stepSize: 1,
        sqrtBc2: 1,
        output: 'updates',
      })
    expect(bad).toThrow(T.ShapeError)
    expect(bad).toThrow('adamStep: the first moment have shape [3,2] but the gradients have shape [2,3]')
    expect(() => T.sgdStep({ grad: g, param: T.ones([3]), lr: 0.1, output: 'params' })).toThrow(
      'sgdStep: the parameters have shape [3] but the gradients have shape [2,3]',
    )
    expect(() =>
      T.momentumStep({
        grad: g,
        velocity: T.ones([6]),
        lr: 0.1,
        beta: 0.9,
        nesterov: false,
        output: 'updates',
      }),
    ).toThrow(T.ShapeError)
    expect(() =>
      T.rmspropStep({
        grad: g,
        squareAvg: g,
        gradAvg: T.ones([1, 3]),
        lr: 0.1,
        decay: 0.9,
        eps: 1e-8,
        output: 'updates',
      }),
    ).toThrow('rmspropStep: the gradient average have shape [1,3] but the gradients have shape [2,3]')
  })

  it('mixed or integer dtypes are a DTypeError', () => {
    const g32 = T.ones([2, 3], { dtype: 'float32' })
    const bad = (): unknown =>
      T.momentumStep({ grad: g32, velocity: g, lr: 0.1, beta: 0.9, nesterov: false, output: 'updates' })
    expect(bad).toThrow(T.DTypeError)
    expect(bad).toThrow('momentumStep: the velocity have dtype float64 but the gradients have dtype float32')
    expect(() => T.sgdStep({ grad: T.ones([2], { dtype: 'int32' }), lr: 0.1, output: 'updates' })).toThrow(
      'sgdStep: the gradients have dtype int32; a fused optimizer step takes float32 or float64 tensors',
    )
  })

  it('a missing parameter, a bad output mode or a non-tensor is refused', () => {
    expect(() => T.sgdStep({ grad: g, lr: 0.1, output: 'params' })).toThrow(
      "sgdStep: output 'params' needs the parameter",
    )
    expect(() => T.sgdStep({ grad: g, lr: 0.1, weightDecay: 0.1, output: 'updates' })).toThrow(
      'sgdStep: weightDecay needs the parameter',
    )
    expect(() =>
      T.adamStep({
        grad: g,
        mu: g,
        nu: g,
        b1: 0.9,
        b2: 0.999,
        eps: 1e-8,
        stepSize: 1,
        sqrtBc2: 1,
        decay: 0.1,
        output: 'updates',
      }),
    ).toThrow('adamStep: decay needs the parameter')
    expect(() =>
      T.rmspropStep({
        grad: g,
        squareAvg: g,
        momentumBuffer: g,
        lr: 0.1,
        decay: 0.9,
        eps: 1e-8,
        output: 'updates',
      }),
    ).toThrow('rmspropStep: a momentumBuffer needs its factor')
    expect(() => T.sgdStep({ grad: g, lr: 0.1, output: 'update' as T.FusedOutput })).toThrow(
      "sgdStep: output must be 'updates' or 'params', got update",
    )
    expect(() => T.sgdStep({ grad: [1, 2] as unknown as Tensor, lr: 0.1, output: 'updates' })).toThrow(
      T.NotATensorError,
    )
    expect(() => T.sgdStep({ grad: g, lr: '0.1' as unknown as number, output: 'updates' })).toThrow(
      'sgdStep: lr must be a number, got string',
    )
    expect(() =>
      T.adamStep({
        grad: g,
        mu: g,
        nu: g,
        b1: 0.9,
        b2: 0.9,
        eps: 1e-8,
        stepSize: 1,
        sqrtBc2: null as unknown as number,
        output: 'updates',
      }),
    ).toThrow('adamStep: sqrtBc2 must be a number, got object')
  })
})
