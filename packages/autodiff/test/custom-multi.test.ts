/**
 * Custom rules (`customJvp`, `customVjp`) of functions of several arguments, checked against closed forms: a
 * constant (not differentiated) second argument, `argnums` over several arguments, tangents and cotangents that
 * must reach the right argument (the functions are asymmetric, so a swap or a dropped term shows), broadcasting
 * arguments whose cotangent must be reduced, and second order through the rules.
 *
 * To show the rule is really used (not autodiff through `f`), one rule is deliberately "wrong" by a known factor
 * and the transformations must return exactly the rule's value.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const s = (x: number): T.Tensor => T.scalar(x)
const arr = (v: Value): number[] => Array.from(A.toArray(v), (x) => x + 0)
const close = (got: Value, want: readonly number[], tol = 1e-12): void => {
  const g = arr(got)
  expect(g.length).toBe(want.length)
  g.forEach((v, i) => {
    expect(
      Math.abs(v - want[i]!),
      `element ${String(i)}: ${String(v)} vs ${String(want[i])}`,
    ).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]!)))
  })
}

// f(x, y) = x²·y³ (element-wise, broadcasting): ∂f/∂x = 2x·y³, ∂f/∂y = 3x²·y²,
// ∂²f/∂x² = 2y³, ∂²f/∂x∂y = 6x·y², ∂²f/∂y² = 6x²·y
const fRaw = (x: Value, y: Value): Value => A.mul(A.square(x), A.mul(A.square(y), y))

describe('customJvp with two and three arguments', () => {
  const calls = { rule: 0 }
  const f = A.customJvp(fRaw, ([x, y], [tx, ty]) => {
    calls.rule++
    const y2 = A.square(y)
    return [
      fRaw(x, y),
      A.add(A.mul(tx, A.mul(A.mul(x, 2), A.mul(y2, y))), A.mul(ty, A.mul(A.mul(A.square(x), 3), y2))),
    ]
  })
  const x = T.tensor([0.5, -1.5, 2])
  const y = s(1.3)

  it('jvp along each argument separately and both at once', () => {
    const before = calls.rule
    const [out, tx] = A.jvp(f, [x, y], [T.ones([3]), s(0)])
    expect(calls.rule).toBeGreaterThan(before)
    close(
      out,
      [0.25, 2.25, 4].map((x2) => x2 * 1.3 ** 3),
    )
    close(
      tx,
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    const [, ty] = A.jvp(f, [x, y], [T.zeros([3]), s(1)])
    close(
      ty,
      [0.5, -1.5, 2].map((v) => 3 * v * v * 1.3 ** 2),
    )
    const [, both] = A.jvp(f, [x, y], [T.tensor([1, 2, 3]), s(-2)])
    close(
      both,
      [0.5, -1.5, 2].map((v, i) => (i + 1) * 2 * v * 1.3 ** 3 - 2 * 3 * v * v * 1.3 ** 2),
    )
  })

  it('a constant second argument (not differentiated) gets a zero tangent; grad over x alone', () => {
    close(
      A.grad((v: Value) => A.sum(f(v, y)))(x),
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    // the constant closed over instead of passed: the same
    const yc = s(1.3)
    close(
      A.grad((v: Value) => A.sum(f(v, yc)))(x),
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    // forward mode with y constant: the rule sees a zero tangent for y (a non-zero one would add 3x²y²·t_y)
    close(
      A.jvp((v: Value) => f(v, yc), [x], [T.ones([3])])[1],
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    close(A.jvp((v: Value) => f(yc, v), [y], [s(1)])[1], [3 * 1.69 * 1.69])
  })

  it('argnums 1 and [0, 1]: the broadcast scalar y gets the summed cotangent', () => {
    const g = (a: Value, b: Value): Value => A.sum(f(a, b))
    close(A.grad(g, { argnums: 1 })(x, y), [3 * (0.25 + 2.25 + 4) * 1.3 ** 2])
    const [gx, gy] = A.grad(g, { argnums: [0, 1] })(x, y)
    close(
      gx,
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    close(gy, [3 * (0.25 + 2.25 + 4) * 1.3 ** 2])
    const [gy2, gx2] = A.grad(g, { argnums: [1, 0] })(x, y)
    close(gx2, arr(gx))
    close(gy2, arr(gy))
  })

  it('second order through the rule: the Hessian of scalar f(x, y) over both arguments', () => {
    const x0 = 0.7
    const y0 = -1.2
    const H = A.hessian((a: Value, b: Value) => f(a, b), { argnums: [0, 1] })(s(x0), s(y0))
    const want = [
      [2 * y0 ** 3, 6 * x0 * y0 ** 2],
      [6 * x0 * y0 ** 2, 6 * x0 ** 2 * y0],
    ]
    H.forEach((row, i) => {
      row.forEach((h, j) => {
        close(h, [want[i]![j]!])
      })
    })
  })

  it('three arguments, argnums [0, 2] with the middle one held constant', () => {
    // g(a, b, c) = a·b + b·c² with rule written by hand: ∂/∂a = b, ∂/∂c = 2bc
    const g = A.customJvp(
      (a: Value, b: Value, c: Value) => A.add(A.mul(a, b), A.mul(b, A.square(c))),
      ([a, b, c], [ta, tb, tc]) => [
        A.add(A.mul(a, b), A.mul(b, A.square(c))),
        A.add(A.add(A.mul(ta, b), A.mul(tb, A.add(a, A.square(c)))), A.mul(tc, A.mul(A.mul(b, c), 2))),
      ],
    )
    const [ga, gc] = A.grad(g, { argnums: [0, 2] })(s(2), s(3), s(5))
    close(ga, [3])
    close(gc, [30])
    close(A.grad(g, { argnums: 1 })(s(2), s(3), s(5)), [27])
  })

  it('the rule, not autodiff of f, defines the derivative (a rule scaled by 10 in y shows up exactly)', () => {
    const h = A.customJvp(fRaw, ([a, b], [ta, tb]) => [
      fRaw(a, b),
      A.add(
        A.mul(ta, A.mul(A.mul(a, 2), A.mul(A.square(b), b))),
        A.mul(tb, A.mul(A.mul(A.square(a), 30), A.square(b))),
      ),
    ])
    const [gx, gy] = A.grad((a: Value, b: Value) => h(a, b), { argnums: [0, 1] })(s(2), s(3))
    close(gx, [2 * 2 * 27])
    close(gy, [30 * 4 * 9])
  })
})

describe('customVjp with two arguments', () => {
  const f = A.customVjp(
    fRaw,
    (x: Value, y: Value) => [fRaw(x, y), [x, y] as const],
    ([x, y], ct) => {
      const y2 = A.square(y)
      return [
        A.mul(ct, A.mul(A.mul(x, 2), A.mul(y2, y))),
        A.sumToShape(A.mul(ct, A.mul(A.mul(A.square(x), 3), y2)), y.shape),
      ]
    },
    'x2y3',
  )
  const x = T.tensor([0.5, -1.5, 2])
  const y = s(1.3)
  const g = (a: Value, b: Value): Value => A.sum(f(a, b))

  it('argnums 0, 1 and [0, 1] against the closed form (broadcast y: reduced cotangent)', () => {
    close(
      A.grad(g)(x, y),
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    close(A.grad(g, { argnums: 1 })(x, y), [3 * (0.25 + 2.25 + 4) * 1.3 ** 2])
    const [gx, gy] = A.grad(g, { argnums: [0, 1] })(x, y)
    close(
      gx,
      [0.5, -1.5, 2].map((v) => 2 * v * 1.3 ** 3),
    )
    close(gy, [3 * (0.25 + 2.25 + 4) * 1.3 ** 2])
  })

  it('a constant second argument: only x is differentiated, y closed over', () => {
    const yc = s(-0.8)
    close(
      A.grad((a: Value) => A.sum(f(a, yc)))(x),
      [0.5, -1.5, 2].map((v) => 2 * v * (-0.8) ** 3),
    )
  })

  it('bwd may return null for an argument that is never differentiated', () => {
    const h = A.customVjp(
      (a: Value, b: Value) => A.mul(a, b),
      (a: Value, b: Value) => [A.mul(a, b), b] as const,
      (b, ct) => [A.mul(ct, b), null],
    )
    close(A.grad((a: Value) => A.sum(h(a, T.tensor([2, 3, 4]))))(x), [2, 3, 4])
    // and differentiating the argument whose cotangent is null gives zeros
    close(A.grad((b: Value) => A.sum(h(x, b)))(T.tensor([2, 3, 4])), [0, 0, 0])
  })

  it('jacrev over both arguments and the Hessian by jacfwd(jacrev) through a differentiable bwd', () => {
    const [Jx, Jy] = A.jacrev((a: Value, b: Value) => f(a, b), { argnums: [0, 1] })(x, y)
    expect(Jx.shape).toEqual([3, 3])
    close(
      Jx,
      [0.5, -1.5, 2].flatMap((v, i) => [0, 1, 2].map((j) => (i === j ? 2 * v * 1.3 ** 3 : 0))),
    )
    close(
      Jy,
      [0.5, -1.5, 2].map((v) => 3 * v * v * 1.3 ** 2),
    )
    const x0 = 0.7
    const y0 = -1.2
    const H = A.jacfwd(
      A.jacrev((a: Value, b: Value) => f(a, b), { argnums: [0, 1] }),
      { argnums: [0, 1] },
    )(s(x0), s(y0))
    const want = [
      [2 * y0 ** 3, 6 * x0 * y0 ** 2],
      [6 * x0 * y0 ** 2, 6 * x0 ** 2 * y0],
    ]
    H.forEach((row, i) => {
      row.forEach((h, j) => {
        close(h, [want[i]![j]!])
      })
    })
  })

  it('forward mode through a customVjp function is a clear error', () => {
    expect(() => A.jvp(f, [x, y], [T.ones([3]), s(1)])).toThrow(
      "customVjp: 'x2y3' has only a reverse-mode rule",
    )
  })
})
