/**
 * `jit` composed with the other transformations, as in JAX, against closed forms:
 * - the autodidax stress test: one derivative four ways (grad, jit(grad), grad(jit), jvp) and one Hessian many
 *   ways (hessian, jacfwd∘jacrev, jacrev∘jacfwd, jacrev∘jacrev, jacfwd∘jacfwd, jit of each, the same over a jitted
 *   function, and columns of jvp-of-grad), all equal to the hand-derived Hessian;
 * - vjp and linearize of jitted functions; jit closing over a value of an enclosing transformation (the gradient
 *   flows through the closure); jit ↔ grad nested three deep;
 * - custom rules under jit (a losses-package softmaxCrossEntropy, with one-hot and integer labels closed over).
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as AD from '../src/index.js'
import type { Value } from '../src/index.js'
import { softmaxCrossEntropy } from '@cotangent/losses'
import { checkGrads, formatFailure } from '@cotangent/gradcheck'
import { jitDerived } from '../src/jit/jit.js'

const { jit } = AD

const closeArr = (what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-12): void => {
  expect(got.length, what).toBe(want.length)
  for (let i = 0; i < want.length; i++) {
    const y = want[i]!
    const x = got[i]!
    if (!(Math.abs(x - y) <= tol * Math.max(1, Math.abs(y))))
      throw new Error(`${what}: element ${i} is ${x}, expected ${y}`)
  }
}
const close = (what: string, got: unknown, want: Value | readonly number[]): void => {
  const g = Array.isArray(got) ? (got as number[]) : AD.toArray(got as Value)
  closeArr(what, g, AD.isValue(want) ? AD.toArray(want) : want)
}

const t = (v: readonly number[], shape?: readonly number[]): Tensor => T.fromArray(v, shape ?? [v.length])

// f(x) = S·Q with S = Σ sin xᵢ and Q = Σ xᵢ²
// ∂f/∂xⱼ = cos xⱼ·Q + 2xⱼ·S
// ∂²f/∂xⱼ∂xₖ = −sin xⱼ·Q·δⱼₖ + 2xₖ·cos xⱼ + 2xⱼ·cos xₖ + 2S·δⱼₖ
const f = (x: Value): Value => AD.mul(AD.sum(AD.sin(x)), AD.sum(AD.mul(x, x)))
const xs = [0.3, -1.2, 2.5, 0.7]
const x = t(xs)
const S = xs.reduce((s, v) => s + Math.sin(v), 0)
const Q = xs.reduce((s, v) => s + v * v, 0)
const gradClosed = xs.map((v) => Math.cos(v) * Q + 2 * v * S)
const hessClosed = xs.flatMap((xj, j) =>
  xs.map(
    (xk, k) => (j === k ? -Math.sin(xj) * Q + 2 * S : 0) + 2 * xk * Math.cos(xj) + 2 * xj * Math.cos(xk),
  ),
)

describe('the autodidax stress test', () => {
  it('one derivative four ways: grad, jit(grad), grad(jit), jvp along each basis vector', () => {
    close('grad', AD.grad(f)(x), gradClosed)
    close('jit(grad)', jit(AD.grad(f))(x), gradClosed)
    close('grad(jit)', AD.grad(jit(f))(x), gradClosed)
    const basis = (i: number): Tensor => t(xs.map((_, j) => (j === i ? 1 : 0)))
    close(
      'jvp columns',
      xs.map((_, i) => AD.item(AD.jvp(f, [x], [basis(i)])[1])),
      gradClosed,
    )
    close(
      'jvp(jit) columns',
      xs.map((_, i) => AD.item(AD.jvp(jit(f), [x], [basis(i)])[1])),
      gradClosed,
    )
    close(
      'jit(jvp) columns',
      xs.map((_, i) => AD.item(jit((v: Value, u: Value) => AD.jvp(f, [v], [u])[1])(x, basis(i)))),
      gradClosed,
    )
  })

  it('one Hessian many ways, all equal to the closed form', () => {
    const jf = jit(f)
    const hvpColumns = (g: (v: Value) => Value) => (v: Value) =>
      AD.stack(
        xs.map((_, i) => AD.jvp(g, [v], [t(xs.map((__, j) => (j === i ? 1 : 0)))])[1]),
        1,
      )
    const ways: readonly [string, (v: Value) => Value][] = [
      ['hessian', AD.hessian(f)],
      ['jacfwd(jacrev)', AD.jacfwd(AD.jacrev(f))],
      ['jacrev(jacfwd)', AD.jacrev(AD.jacfwd(f))],
      ['jacrev(jacrev)', AD.jacrev(AD.jacrev(f))],
      ['jacfwd(jacfwd)', AD.jacfwd(AD.jacfwd(f))],
      ['jvp-of-grad columns', hvpColumns(AD.grad(f))],
      ['jit(hessian)', jit(AD.hessian(f))],
      ['jit(jacfwd(jacrev))', jit(AD.jacfwd(AD.jacrev(f)))],
      ['jit(jacrev(jacfwd))', jit(AD.jacrev(AD.jacfwd(f)))],
      ['jit(jacrev(jacrev))', jit(AD.jacrev(AD.jacrev(f)))],
      ['jit(jvp-of-grad columns)', jit(hvpColumns(AD.grad(f)))],
      ['hessian(jit)', AD.hessian(jf)],
      ['jacfwd(jacrev(jit))', AD.jacfwd(AD.jacrev(jf))],
      ['jacrev(jacfwd(jit))', AD.jacrev(AD.jacfwd(jf))],
      ['jacrev(jit(grad))', AD.jacrev(jit(AD.grad(f)))],
      ['jacfwd(jit(grad(jit)))', AD.jacfwd(jit(AD.grad(jf)))],
      ['jvp-of-grad(jit) columns', hvpColumns(AD.grad(jf))],
    ]
    for (const [name, h] of ways) {
      const got = h(x)
      expect(got.shape, name).toEqual([4, 4])
      close(name, got, hessClosed)
    }
  })

  it('checkGrads at order 2 passes on the jitted function and on its jitted gradient', () => {
    for (const [name, g] of [
      ['jit(f)', jit(f)],
      ['jit(grad(f))', jit(AD.grad(f))],
    ] as const) {
      const r = checkGrads(g, [x], { order: 2, modes: ['fwd', 'rev'] })
      if (r._tag === 'Left') throw new Error(`${name}: ${formatFailure(r.left)}`)
    }
  })
})

describe('vjp, linearize and closures through jit', () => {
  const g = (a: Value, b: Value): Value => AD.mul(AD.sin(a), AD.exp(b))
  const a = t([0.2, -0.4, 1.3])
  const b = t([0.5, 0.1, -0.7])
  const sa = Array.from(T.toArray(a))
  const sb = Array.from(T.toArray(b))

  it('vjp of a jitted function: the pullback gives the closed-form cotangents', () => {
    const [out, pull] = AD.vjp(jit(g), a, b)
    close(
      'out',
      out,
      sa.map((v, i) => Math.sin(v) * Math.exp(sb[i]!)),
    )
    const ct = t([1, 2, 3])
    const [ga, gb] = pull(ct)
    close(
      'da',
      ga,
      sa.map((v, i) => (i + 1) * Math.cos(v) * Math.exp(sb[i]!)),
    )
    close(
      'db',
      gb,
      sa.map((v, i) => (i + 1) * Math.sin(v) * Math.exp(sb[i]!)),
    )
  })

  it('linearize of a jitted function: the linear map equals the closed-form JVP', () => {
    const [out, lin] = AD.linearize(jit(g), a, b)
    close('out', out, g(a, b))
    const ta = t([1, 0, -1])
    const tb = t([0.5, 0.5, 0.5])
    const want = sa.map((v, i) => (Math.cos(v) * [1, 0, -1][i]! + Math.sin(v) * 0.5) * Math.exp(sb[i]!))
    close('lin', lin(ta, tb), want)
    close('lin twice', lin(ta, tb), want)
  })

  it('jit closing over a value of an enclosing grad: the gradient flows through the closure', () => {
    // d/dw Σ (w·c)² = 2·w·c² for a jitted inner function that closes over w
    const c = t([1, 2, 3])
    const w = t([0.5, -1, 2])
    const outer = (wv: Value): Value => jit((cv: Value) => AD.sum(AD.square(AD.mul(wv, cv))))(c)
    close('grad through closure', AD.grad(outer)(w), [2 * 0.5 * 1, 2 * -1 * 4, 2 * 2 * 9])
    close('jit of it', jit(AD.grad(outer))(w), [2 * 0.5 * 1, 2 * -1 * 4, 2 * 2 * 9])
  })

  it('jit ↔ grad nested three deep: the third derivative of sin', () => {
    const d = (h: (v: Value) => Value) => (v: Value) => AD.sum(AD.grad((u: Value) => AD.sum(h(u)))(v))
    const third = jit(d(jit(d(jit(d(AD.sin))))))
    const v = t([0.3, 1.1])
    // Σ d³/dx³ sin = Σ −cos
    close('third', third(v), [-(Math.cos(0.3) + Math.cos(1.1))])
  })

  it('jvp of jit of vjp: the Hessian-vector product of a two-argument function', () => {
    const hv = jit(
      (p: Value, q: Value, dp: Value) =>
        AD.jvp((pp: Value) => AD.vjp((u: Value) => AD.sum(g(u, q)), pp)[1](T.scalar(1))[0], [p], [dp])[1],
    )
    const dp = t([1, -1, 0.5])
    // ∂²/∂a² Σ sin(a)·exp(b) = −sin(a)·exp(b), diagonal
    close(
      'hvp',
      hv(a, b, dp),
      sa.map((v, i) => -Math.sin(v) * Math.exp(sb[i]!) * [1, -1, 0.5][i]!),
    )
  })
})

describe('custom rules from other packages under jit', () => {
  const logits = t([2, -1, 0.5, 0.1, 0.2, 3, -2, 1, 1], [3, 3])
  const labels = [0, 2, 1]
  const onehot = t([1, 0, 0, 0, 0, 1, 0, 1, 0], [3, 3])
  const lrows = [0, 1, 2].map((r) => Array.from(T.toArray(logits)).slice(3 * r, 3 * r + 3))
  const lse = (v: number[]): number => Math.log(v.reduce((s, z) => s + Math.exp(z), 0))
  const want = lrows.reduce((s, row, r) => s + lse(row) - row[labels[r]!]!, 0) / 3
  const softmaxRow = (row: number[]): number[] => row.map((z) => Math.exp(z - lse(row)))
  const gradWant = lrows.flatMap((row, r) =>
    softmaxRow(row).map((p, k) => (p - (k === labels[r] ? 1 : 0)) / 3),
  )

  it('softmaxCrossEntropy with one-hot targets as a dynamic input: value and gradient', () => {
    const lossJ = jit((z: Value, y: Value) => softmaxCrossEntropy(z, y))
    closeArr('loss', [AD.item(lossJ(logits, onehot))], [want])
    close('grad(jit)', AD.grad((z: Value) => lossJ(z, onehot))(logits), gradWant)
    close(
      'jit(grad)',
      jit(AD.grad((z: Value, y: Value) => softmaxCrossEntropy(z, y)))(logits, onehot),
      gradWant,
    )
  })

  it('softmaxCrossEntropy with integer labels closed over (a constant of the program)', () => {
    const y = T.fromArray(labels, [3], { dtype: 'int32' })
    const lossJ = jit((z: Value) => softmaxCrossEntropy(z, y))
    closeArr('loss', [AD.item(lossJ(logits))], [want])
    close('jit(grad)', jit(AD.grad((z: Value) => softmaxCrossEntropy(z, y)))(logits), gradWant)
  })
})

describe('grad and valueAndGrad of a jitted function compile the derivative (as jit(grad(f)))', () => {
  type Counted = { readonly stats: () => AD.JitStats }
  const counted = (g: unknown): Counted => {
    expect(typeof (g as Partial<Counted>).stats).toBe('function')
    return g as Counted
  }

  it('grad(jit(f)) is jitted, made once per jitted function and argnums, and equals grad(f)', () => {
    const jf = jit(f)
    const g = AD.grad(jf)
    expect(AD.grad(jf)).toBe(g)
    const x2 = t([1.5, 0.25, -0.5, 2])
    close('grad(jit) at x', g(x), gradClosed)
    // bit for bit the eager gradient (the same program, run compiled)
    expect(Array.from(AD.toArray(g(x2)))).toEqual(Array.from(AD.toArray(AD.grad(f)(x2))))
    expect(counted(g).stats()).toMatchObject({ compiles: 1, hits: 1 })
    // the jitted function's own cache is untouched
    expect(jf.stats().compiles).toBe(0)
    // a second-order derivative through it still composes: grad of the jitted gradient's sum along e₀
    const dd = AD.grad((v: Value) => AD.sum(AD.mul(AD.grad(jf)(v), t([1, 0, 0, 0]))))(x)
    close('grad(grad(jit)) row 0', dd, hessClosed.slice(0, 4))
  })

  it('argnums, hasAux and static arguments carry over', () => {
    const h = (a: Value, b: Value, k: number): Value => AD.mul(AD.sum(AD.mul(a, b)), k)
    const jh = jit(h, { staticArgnums: [2] })
    const a = t([1, 2, 3])
    const b = t([-1, 0.5, 4])
    const gb = AD.grad(jh, { argnums: 1 })
    expect(gb).not.toBe(AD.grad(jh))
    close('∂/∂b, k = 2', gb(a, b, 2), [2, 4, 6])
    close('∂/∂b, k = 3', gb(a, b, 3), [3, 6, 9])
    expect(counted(gb).stats().compiles).toBe(2)
    const withAux = jit((v: Value) => [AD.sum(AD.mul(v, v)), AD.mul(v, 2)] as const)
    const [[value, aux], grad] = AD.valueAndGrad(withAux, { hasAux: true })(a)
    closeArr('value', [AD.item(value)], [14])
    close('aux', aux, [2, 4, 6])
    close('grad', grad, [2, 4, 6])
    const [v2, g2] = AD.valueAndGrad(jit(f))(x)
    closeArr('valueAndGrad value', [AD.item(v2)], [S * Q])
    close('valueAndGrad grad', g2, gradClosed)
  })
})

describe('jvp of a jitted function runs compiled', () => {
  /** The primitives `run` evaluates eagerly (a compiled program evaluates none: its kernels run inside it). */
  const eagerEvaluations = (run: () => unknown): number => {
    let n = 0
    AD.unstable_setPrimitiveObserver(() => {
      n++
    })
    try {
      run()
    } finally {
      AD.unstable_setPrimitiveObserver(null)
    }
    return n
  }

  it('jvp(jit(f)) equals jvp(f) bit for bit and, once compiled, evaluates no primitive eagerly', () => {
    const jf = jit(f)
    const v = t([1, -2, 0.5, 3])
    const [y, dy] = AD.jvp(jf, [x], [v])
    const [ye, dye] = AD.jvp(f, [x], [v])
    expect(AD.item(y)).toBe(AD.item(ye))
    expect(AD.item(dy)).toBe(AD.item(dye))
    closeArr('tangent', [AD.item(dy)], [gradClosed.reduce((s, g, i) => s + g * AD.toArray(v)[i]!, 0)])
    expect(eagerEvaluations(() => AD.jvp(jf, [x], [v]))).toBe(0)
    // the same function behind a closure is inlined: its primitives run one by one
    expect(eagerEvaluations(() => AD.jvp((u: Value) => jf(u), [x], [v]))).toBeGreaterThan(0)
    // a Hessian-vector product as jvp of grad of a jitted function: both layers compiled
    const hv = AD.jvp(AD.grad(jf), [x], [v])[1]
    close('Hessian-vector product', hv, xs.map((_, j) => xs.reduce((s, _, k) => s + hessClosed[j * 4 + k]! * AD.toArray(v)[k]!, 0)))
    expect(eagerEvaluations(() => AD.jvp(AD.grad(jf), [x], [v]))).toBe(0)
  })

  it('vjp(jit(f)): the jitted forward, and a pullback that runs the jitted vjp, equal vjp(f) bit for bit', () => {
    // two outputs, two arguments: g(x, w) = [S·Q, Σ wᵢxᵢ]
    const g = (u: Value, w: Value): Value[] => [f(u), AD.sum(AD.mul(u, w))]
    const jg = jit(g)
    const w = t([0.5, 2, -1, 4])
    const ct = [T.scalar(1.5), T.scalar(-2)]
    const [ys, pb] = AD.vjp(jg, x, w)
    const [yse, pbe] = AD.vjp(g, x, w)
    expect(ys.map((y) => AD.item(y))).toEqual(yse.map((y) => AD.item(y)))
    const [gx, gw] = pb(ct)
    const [gxe, gwe] = pbe(ct)
    expect(Array.from(AD.toArray(gx))).toEqual(Array.from(AD.toArray(gxe)))
    expect(Array.from(AD.toArray(gw))).toEqual(Array.from(AD.toArray(gwe)))
    // closed form: 1.5·∇f − 2·w for x, −2·x for w
    close('x cotangent', gx, gradClosed.map((d, i) => 1.5 * d - 2 * AD.toArray(w)[i]!))
    close('w cotangent', gw, xs.map((v) => -2 * v))
    // once compiled, neither the forward nor the pullback evaluates a primitive eagerly
    expect(eagerEvaluations(() => AD.vjp(jg, x, w)[1](ct))).toBe(0)
    expect(eagerEvaluations(() => AD.vjp((u: Value, v: Value) => jg(u, v), x, w)[1](ct))).toBeGreaterThan(0)
    // a cotangent of the wrong structure or shape is still the vjp's error
    expect(() => pb([T.scalar(1)] as unknown as Value[])).toThrow(/vjp: the cotangent has structure/)
    expect(() => pb([T.scalar(1), t([1, 2])])).toThrow(/vjp/)
  })

  it('vjp of a jitted function with static arguments inlines it, with the same values', () => {
    const jh = jit((u: Value, k: number) => AD.sum(AD.mul(AD.mul(u, u), k)), { staticArgnums: [1] })
    const [y, pb] = AD.vjp((u: Value) => jh(u, 3), x)
    expect(AD.item(y)).toBe(3 * Q)
    close('cotangent', pb(T.scalar(2))[0], xs.map((v) => 12 * v))
  })

  it('static positions carry over only to transformations that keep the arguments in place', () => {
    const jh = jit((u: Value, k: number) => AD.sum(AD.mul(AD.mul(u, u), k)), { staticArgnums: [1] })
    const made = (positional: boolean): unknown => jitDerived(jh, `probe ${String(positional)}`, (fn) => fn, positional)
    // jvp takes (primals, tangents): position 1 would be the tangents, so it does not compile through jh
    expect(made(false)).toBeUndefined()
    expect(typeof made(true)).toBe('function')
    expect(jitDerived((u: Value) => u, 'probe', (fn) => fn)).toBeUndefined()
    const [, d] = AD.jvp((u: Value) => jh(u, 3), [x], [t([1, 0, 0, 0])])
    closeArr('∂/∂x₀ of 3·Σx²', [AD.item(d)], [6 * xs[0]!])
  })
})
