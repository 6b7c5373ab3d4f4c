import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

const close = (got: Value, want: Value | number[] | number, tol = 1e-10): void => {
  const g = Array.from(A.toArray(got))
  const w = typeof want === 'number' ? [want] : Array.isArray(want) ? want : Array.from(A.toArray(want))
  expect(g.length).toBe(w.length)
  g.forEach((x, i) => {
    expect(Math.abs(x - w[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(w[i]!)))
  })
}

const s = (x: number): Tensor => T.scalar(x)

describe('seed facts: f(x, y, z) = ln x + exp(y)·z at (1, 3, 2)', () => {
  const f = (x: Value, y: Value, z: Value): Value => A.add(A.log(x), A.mul(A.exp(y), z))
  const e3 = Math.exp(3)
  it('value is 2e³ ≈ 40.171', () => {
    close(f(s(1), s(3), s(2)), 2 * e3)
    expect(A.item(f(s(1), s(3), s(2)))).toBeCloseTo(40.171, 3)
  })
  it('partials by reverse mode: ∂x = 1, ∂y = 2e³, ∂z = e³', () => {
    const [gx, gy, gz] = A.grad(f, { argnums: [0, 1, 2] })(s(1), s(3), s(2))
    close(gx, 1)
    close(gy, 2 * e3)
    close(gz, e3)
  })
  it('partials by forward mode along each basis direction', () => {
    const dir = (i: number): [Tensor, Tensor, Tensor] => [s(i === 0 ? 1 : 0), s(i === 1 ? 1 : 0), s(i === 2 ? 1 : 0)]
    const want = [1, 2 * e3, e3]
    want.forEach((w, i) => {
      const [out, t] = A.jvp(f, [s(1), s(3), s(2)], dir(i))
      close(out, 2 * e3)
      close(t, w)
    })
  })
  it('vjp pullback returns all three partials', () => {
    const [out, pb] = A.vjp(f, s(1), s(3), s(2))
    close(out, 2 * e3)
    const [a, b, c] = pb(s(1))
    close(a, 1)
    close(b, 2 * e3)
    close(c, e3)
  })
})

describe('Jacobian shapes from the homework (jacfwd and jacrev agree)', () => {
  const w = T.tensor([0.5, -1.5, 2])
  const x = T.tensor([3, 1, -2])
  const X = T.tensor([
    [1, 2, 3],
    [4, 5, 6],
    [-1, 0.5, 2],
    [0, 1, -1],
  ])
  const both = <R>(f: (w: Value) => R, at: Tensor, want: Tensor, shape: number[]): void => {
    for (const jac of [A.jacfwd(f), A.jacrev(f)]) {
      const J = jac(at) as Value
      expect(J.shape).toEqual(shape)
      close(J, want)
    }
  }
  it('f(w) = c (a 1-vector) has the zero 1×d Jacobian', () => {
    both(() => T.tensor([7]), w, T.zeros([1, 3]), [1, 3])
  })
  it('‖w‖² → 2wᵀ', () => {
    both((v) => A.sum(A.square(v)), w, T.mul(w, 2), [3])
  })
  it('wᵀx → xᵀ', () => {
    both((v) => A.dot(v, x), w, x, [3])
  })
  it('Xw → X', () => {
    both((v) => A.matmul(X, v), w, X, [4, 3])
  })
  it('w → I_d', () => {
    both((v) => v, w, T.eye(3), [3, 3])
  })
  it('w ⊙ w → diag(2w)', () => {
    both((v) => A.mul(v, v), w, T.mul(T.eye(3), T.mul(w, 2)), [3, 3])
  })
  it('f(W) = XWᵀ has shape [n,k,k,d] with δ_ja·X_ib, i.e. (I_k ⊗ X)·K under column-major vec', () => {
    const n = 4
    const d = 3
    const k = 2
    const W = T.tensor([
      [0.1, -0.2, 0.3],
      [1.5, 0.7, -0.4],
    ])
    const f = (v: Value): Value => A.matmul(X, A.transpose(v))
    const Xd = T.toArray(X)
    for (const jac of [A.jacfwd(f), A.jacrev(f)]) {
      const J = jac(W) as Value
      expect(J.shape).toEqual([n, k, k, d])
      const Jd = A.toArray(J)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < k; j++)
          for (let a = 0; a < k; a++)
            for (let b = 0; b < d; b++)
              expect(Jd[((i * k + j) * k + a) * d + b]).toBe(j === a ? Xd[i * d + b] : 0)
      // (I_k ⊗ X)·K, built by hand: rows index vec(XWᵀ) = i + n·j, columns vec(W) = a + k·b (column-major).
      const kron = T.toArray(T.zeros([n * k, d * k]))
      for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) for (let b = 0; b < d; b++) kron[(i + n * j) * d * k + (b + d * j)] = Xd[i * d + b]!
      const K = T.toArray(T.zeros([d * k, k * d]))
      for (let a = 0; a < k; a++) for (let b = 0; b < d; b++) K[(b + d * a) * k * d + (a + k * b)] = 1
      const M = T.matmul(T.fromArray(kron, [n * k, d * k]), T.fromArray(K, [d * k, k * d]))
      // J in column-major vec layout: M'[(i + n j), (a + k b)] = J[i, j, a, b]
      const Jvec = T.reshape(T.transpose(A.toTensor(J), [1, 0, 3, 2]), [n * k, k * d])
      close(Jvec, M)
    }
  })
  it('softmax Jacobian equals diag(σ) − σσᵀ', () => {
    const zs = [1, -2, 0.5, 3]
    // σ by hand (not by the softmax under test), then the matrix entry by entry
    const e = zs.map(Math.exp)
    const sgm = e.map((v) => v / e.reduce((a, b) => a + b, 0))
    const want = T.fromArray(
      sgm.flatMap((si, i) => sgm.map((sj, j) => (i === j ? si : 0) - si * sj)),
      [4, 4],
    )
    both((v) => A.softmax(v), T.tensor(zs), want, [4, 4])
  })
})

describe('composition to any order', () => {
  const W = T.tensor([
    [0.3, -0.5, 0.2],
    [0.1, 0.4, -0.3],
    [-0.2, 0.6, 0.5],
  ])
  const f = (x: Value): Value => A.add(A.sum(A.mul(A.tanh(A.matmul(W, x)), A.square(x))), A.logsumexp(x))
  const x0 = T.tensor([0.4, -0.7, 1.1])
  const n = 3
  /**
   * The Hessian of f(x) = Σᵢ tanh(aᵢ)·xᵢ² + logsumexp(x), a = Wx, by hand (hᵢ = tanh aᵢ, sᵢ = 1 − hᵢ², σ = softmax):
   * ∂²f/∂xⱼ∂xₖ = Σᵢ −2hᵢsᵢ·Wᵢⱼ·Wᵢₖ·xᵢ² + 2sₖWₖⱼxₖ + 2sⱼWⱼₖxⱼ + 2hⱼδⱼₖ + σⱼδⱼₖ − σⱼσₖ.
   * Independent of every transformation (the reference must not be jacfwd(jacrev(f)), which is how hessian is
   * defined).
   */
  const closedFormHessian = (): Tensor => {
    const w = T.toNested(W) as number[][]
    const xv = Array.from(T.toArray(x0))
    const a = w.map((row) => row.reduce((acc, wij, j) => acc + wij * xv[j]!, 0))
    const h = a.map(Math.tanh)
    const sd = h.map((v) => 1 - v * v)
    const e = xv.map(Math.exp)
    const sg = e.map((v) => v / e.reduce((p, q) => p + q, 0))
    const H = xv.flatMap((_, j) =>
      xv.map((__, k) => {
        const curv = xv.reduce((acc, xi, i) => acc - 2 * h[i]! * sd[i]! * w[i]![j]! * w[i]![k]! * xi * xi, 0)
        const cross = 2 * sd[k]! * w[k]![j]! * xv[k]! + 2 * sd[j]! * w[j]![k]! * xv[j]!
        return curv + cross + (j === k ? 2 * h[j]! + sg[j]! : 0) - sg[j]! * sg[k]!
      }),
    )
    return T.fromArray(H, [n, n])
  }
  it('the Hessian computed seven ways agrees with the closed form to 1e-10', () => {
    const ref = closedFormHessian()
    expect(ref.shape).toEqual([3, 3])
    const basis = (i: number): Tensor => T.fromArray(Array.from({ length: n }, (_, j) => (j === i ? 1 : 0)), [n])
    const ways: [string, Value][] = [
      ['jacfwd(jacrev)', A.jacfwd(A.jacrev(f))(x0)],
      ['jacrev(jacfwd)', A.jacrev(A.jacfwd(f))(x0)],
      ['jacfwd(jacfwd)', A.jacfwd(A.jacfwd(f))(x0)],
      ['jacrev(jacrev)', A.jacrev(A.jacrev(f))(x0)],
      ['hessian', A.hessian(f)(x0)],
      ['columns of jvp(grad)', A.stack(Array.from({ length: n }, (_, i) => A.jvp(A.grad(f), [x0], [basis(i)])[1]), 1)],
      ['grad of each grad component', A.stack(Array.from({ length: n }, (_, i) => A.grad((x: Value) => A.sum(A.take(A.grad(f)(x), [i])))(x0)), 0)],
    ]
    for (const [name, H] of ways) {
      expect(H.shape, name).toEqual([3, 3])
      close(H, ref, 1e-10)
    }
    // symmetric, and not trivially zero
    close(ref, T.transpose(ref), 1e-10)
    expect(Math.abs(T.item(ref, [0, 1]))).toBeGreaterThan(1e-3)
  })
  it('grad(grad(f)) of a scalar function equals the analytic second derivative', () => {
    const g = (x: Value): Value => A.mul(A.mul(A.square(x), x), A.sin(x)) // x³ sin x
    const x = 0.7
    const want = 6 * x * Math.sin(x) + 6 * x * x * Math.cos(x) - x * x * x * Math.sin(x)
    close(A.grad(A.grad(g))(s(x)), want, 1e-12)
    const third = 6 * Math.sin(x) + 18 * x * Math.cos(x) - 9 * x * x * Math.sin(x) - x * x * x * Math.cos(x)
    close(A.grad(A.grad(A.grad(g)))(s(x)), third, 1e-12)
  })
  it('jvp of grad (Hessian-vector product) equals H·v', () => {
    const v = T.tensor([0.3, -1, 2])
    close(A.jvp(A.grad(f), [x0], [v])[1], T.matmul(closedFormHessian(), v), 1e-10)
    close(A.jvp(A.grad(f), [x0], [v])[1], T.matmul(A.toTensor(A.hessian(f)(x0)), v), 1e-10)
  })
  it('no perturbation confusion: d/dx [x · d/dy (x + y)] = 1', () => {
    const inner = (x: Value): Value => A.jvp((y: Value) => A.add(x, y), [s(1)], [s(1)])[1]
    close(A.jvp((x: Value) => A.mul(x, inner(x)), [s(1)], [s(1)])[1], 1)
    close(A.grad((x: Value) => A.mul(x, inner(x)))(s(1)), 1)
  })
  it('second derivatives of tanh, sigmoid and exp are right (TF.js gets these wrong)', () => {
    const x = 0.3
    const th = Math.tanh(x)
    close(A.grad(A.grad(A.tanh))(s(x)), -2 * th * (1 - th * th), 1e-12)
    const sg = 1 / (1 + Math.exp(-x))
    close(A.grad(A.grad(A.sigmoid))(s(x)), sg * (1 - sg) * (1 - 2 * sg), 1e-12)
    close(A.grad(A.grad(A.exp))(s(x)), Math.exp(x), 1e-12)
  })
  it('linearize gives the same tangents as jvp without re-running f', () => {
    let calls = 0
    const g = (x: Value): Value => {
      calls++
      return A.mul(A.sin(x), A.exp(x))
    }
    const [out, lin] = A.linearize(g, x0)
    expect(calls).toBe(1)
    const t = T.tensor([1, 2, 3])
    const viaLin = lin(t)
    expect(calls).toBe(1)
    close(viaLin, A.jvp(g, [x0], [t])[1])
    close(out, A.toTensor(g(x0)))
  })
})

describe('trees', () => {
  type Params = { readonly W: Value; readonly b: Value; readonly extra: readonly [Value] }
  const params: Params = { W: T.tensor([[1, 2], [3, 4]]), b: T.tensor([0.5, -0.5]), extra: [T.scalar(2)] }
  const x = T.tensor([[1, -1], [2, 0.5]])
  const loss = (p: Params, xs: Value): Value => A.sum(A.mul(A.square(A.add(A.matmul(xs, p.W), p.b)), p.extra[0]))
  it('grad over a record returns the same record shape and correct values', () => {
    const g = A.grad(loss)(params, x)
    expect(Object.keys(g).sort()).toEqual(['W', 'b', 'extra'])
    expect(g.W.shape).toEqual([2, 2])
    expect(g.extra).toHaveLength(1)
    // d/db Σ c·(xW+b)² = 2c·Σ_rows (xW+b)
    const y = T.add(T.matmul(x, params.W as Tensor), params.b as Tensor)
    close(g.b, T.mul(T.sum(y, { axis: 0 }), 4))
    close(g.W, T.matmul(T.transpose(x), T.mul(y, 4)))
    close(g.extra[0], T.sum(T.square(y)))
  })
  it('argnums selects arguments; a list returns a tuple', () => {
    const gx = A.grad(loss, { argnums: 1 })(params, x)
    expect(gx.shape).toEqual([2, 2])
    const [gp, gx2] = A.grad(loss, { argnums: [0, 1] })(params, x)
    close(gx2, A.toTensor(gx))
    expect(gp.W.shape).toEqual([2, 2])
  })
  it('valueAndGrad with hasAux passes aux through as concrete values', () => {
    const f = (p: Params): readonly [Value, { readonly pred: Value; readonly note: string }] => {
      const pred = A.matmul(x, p.W)
      return [A.sum(pred), { pred, note: 'hi' }]
    }
    const [[value, aux], g] = A.valueAndGrad(f, { hasAux: true })(params)
    close(value, T.sum(T.matmul(x, params.W as Tensor)))
    expect(T.isTensor(aux.pred)).toBe(true)
    expect(aux.note).toBe('hi')
    expect(g.b.shape).toEqual([2])
    close(g.b, [0, 0])
  })
  it('jacfwd and jacrev of a tree-valued function nest output structure outside input structure', () => {
    const f = (p: { readonly a: Value; readonly b: Value }): { readonly s: Value; readonly v: Value } => ({
      s: A.sum(A.mul(p.a, p.b)),
      v: A.mul(p.a, 3),
    })
    const p = { a: T.tensor([1, 2]), b: T.tensor([3, 4, 5]) }
    for (const jac of [A.jacfwd(f), A.jacrev(f)]) {
      const J = jac({ a: T.tensor([1, 2, 3]), b: T.tensor([4, 5, 6]) })
      close(J.s.a, [4, 5, 6])
      close(J.s.b, [1, 2, 3])
      expect(J.v.a.shape).toEqual([3, 3])
      close(J.v.a, T.mul(T.eye(3), 3))
      close(J.v.b, T.zeros([3, 3]))
    }
    expect(p.a.shape).toEqual([2])
  })
  it('a float64 tangent for a float32 primal gives a float32 tangent out', () => {
    const w32 = T.tensor([1, 2, 3], { dtype: 'float32' })
    const [, t] = A.jvp((w: Value) => A.mul(w, w), [w32], [T.ones([3])])
    expect(t.dtype).toBe('float32')
    close(t, [2, 4, 6])
  })
  it('float32 parameters get float32 gradients', () => {
    const w32 = T.tensor([1, 2, 3], { dtype: 'float32' })
    const g = A.grad((w: Value) => A.sum(A.square(w)))(w32)
    expect(g.dtype).toBe('float32')
    close(g, [2, 4, 6])
  })
})

describe('custom rules', () => {
  it('customJvp: the rule is used and composes to second order', () => {
    let used = 0
    const cube: (x: Value) => Value = A.customJvp(
      (x: Value) => A.mul(A.square(x), x),
      ([x], [t]) => {
        used++
        return [cube(x), A.mul(t, A.mul(A.square(x), 3))]
      },
    )
    close(A.grad(cube)(s(2)), 12)
    close(A.grad(A.grad(cube))(s(2)), 12)
    expect(used).toBeGreaterThan(0)
  })
  it('customVjp: bwd is used in reverse mode; jacfwd(jacrev) works; plain jvp is refused', () => {
    const clipGrad = A.customVjp(
      (x: Value) => A.sin(x),
      (x: Value) => [A.sin(x), x] as const,
      (x: Value, ct: Value) => [A.clip(A.mul(ct, A.cos(x)), -0.5, 0.5)],
      'clippedSin',
    )
    close(A.grad(clipGrad)(s(0.1)), 0.5)
    close(A.grad(clipGrad)(s(1.4)), Math.cos(1.4))
    close(A.jacfwd(A.jacrev(clipGrad))(s(1.4)), -Math.sin(1.4))
    expect(() => A.jvp(clipGrad, [s(1)], [s(1)])).toThrow("customVjp: 'clippedSin' has only a reverse-mode rule")
  })
  it('logsumexp and softplus are stable for extreme inputs, with exact derivatives', () => {
    const big = T.tensor([1e4, -1e4, 0])
    close(A.logsumexp(big), 1e4)
    close(A.grad((v: Value) => A.logsumexp(v))(big), [1, 0, 0])
    close(A.softplus(T.tensor([800, -800, 0])), [800, 0, Math.log(2)])
    close(A.grad((v: Value) => A.sum(A.softplus(v)))(T.tensor([800, -800, 0])), [1, 0, 0.5])
    close(A.logSoftmax(T.tensor([1e4, 0])), [0, -1e4])
  })
})

describe('errors', () => {
  it('grad of a non-scalar output names the shape', () => {
    expect(() => A.grad((x: Value) => A.mul(x, 2))(T.tensor([[1, 2]]))).toThrow(
      'grad: the function must return a scalar (a 0-d tensor), got shape [1,2]',
    )
  })
  it('a tracer that escapes its transformation cannot be used later', () => {
    let leaked: Value | undefined
    A.grad((x: Value) => {
      leaked = x
      return A.sum(x)
    })(T.tensor([1]))
    expect(() => A.add(leaked!, 1)).toThrow(A.LeakedTracerError)
  })
  it('jvp rejects tangents of another structure or shape', () => {
    expect(() => A.jvp((x: Value) => x, [T.tensor([1, 2])], [T.tensor([1, 2, 3])])).toThrow(
      'jvp: tangent 0 has shape [3] but its primal has shape [2]',
    )
    expect(() => A.jvp((x: Value) => x, [T.tensor([1, 2])] as const, [[T.tensor([1, 2])]] as never)).toThrow('jvp: tangents have structure')
  })
  it('vjp rejects a cotangent of the wrong shape', () => {
    const [, pb] = A.vjp((x: Value) => A.mul(x, 2), T.tensor([1, 2]))
    expect(() => pb(T.tensor([1, 2, 3]))).toThrow('vjp: cotangent 0 has shape [3] but output leaf 0 has shape [2]')
  })
  it('argnums listing an argument twice', () => {
    expect(() => A.grad((x: Value) => A.sum(x), { argnums: [0, 0] })(T.tensor([1]))).toThrow(
      'grad: argnums [0, 0] repeats an argument; list each argument once',
    )
  })
  it('argnums out of range', () => {
    expect(() => A.grad((x: Value) => A.sum(x), { argnums: 2 })(T.tensor([1]))).toThrow(
      'grad: argnums 2 is out of range for a call with 1 argument(s)',
    )
  })
  it('non-tensor leaves are rejected with the leaf index', () => {
    expect(() => A.grad((p: { a: Value; s: string }) => A.sum(p.a))({ a: T.tensor([1]), s: 'x' })).toThrow(
      'grad: leaf 1 of the differentiated arguments is string',
    )
  })
  it('shape errors from ops name both shapes', () => {
    expect(() => A.add(T.zeros([2, 3]), T.zeros([4]))).toThrow('add: cannot broadcast [2,3] with [4]')
    expect(() => A.reshape(T.zeros([2, 3]), [4, -1])).toThrow('reshape: cannot reshape [2,3] (size 6) into [4,-1]')
  })
})

describe('matmul transposes (flagged products) at second order', () => {
  const cases: [number[], number[]][] = [
    [[3, 4], [4, 2]],
    [[4], [4, 2]],
    [[3, 4], [4]],
    [[4], [4]],
    [[2, 3, 4], [4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]],
  ]
  it.each(cases)('jacrev(jacrev) equals jacfwd(jacfwd) for %j @ %j', (sa, sb) => {
    const [k1, k2] = T.splitKey(T.key(3), 2) as [T.Key, T.Key]
    const a = T.normal(k1, sa)
    const b = T.normal(k2, sb)
    const f = (x: Value, y: Value): Value => A.sum(A.square(A.matmul(x, y)))
    for (const argnums of [0, 1] as const) {
      const rev = A.jacrev(A.jacrev(f, { argnums }), { argnums })(a, b) as Value
      const fwd = A.jacfwd(A.jacfwd(f, { argnums }), { argnums })(a, b) as Value
      close(rev, fwd, 1e-10)
    }
  })
})

describe('kinks and special values', () => {
  it('relu: derivative 0 at 0, 1 above, NaN propagates', () => {
    close(A.grad((v: Value) => A.sum(A.relu(v)))(T.tensor([-1, 0, 2])), [0, 0, 1])
    expect(Number.isNaN(A.item(A.relu(T.scalar(NaN))))).toBe(true)
  })
  it('maximum splits ties, max reduction shares among tied maxima', () => {
    close(A.grad((a: Value) => A.sum(A.maximum(a, 1)))(T.tensor([1, 2, 0])), [0.5, 1, 0])
    close(A.grad((a: Value) => A.max(a))(T.tensor([3, 1, 3])), [0.5, 0, 0.5])
  })
})

describe('treePaths', () => {
  it('names every leaf in treeFlatten order', () => {
    const tree = { layers: [{ W: T.zeros([2]), b: T.zeros([1]) }], 'odd key': T.scalar(1), skip: null }
    expect(A.treePaths(tree)).toEqual(['layers[0].W', 'layers[0].b', '["odd key"]'])
    expect(A.treePaths(tree)).toHaveLength(A.treeLeaves(tree).length)
    expect(A.treePaths([T.scalar(1), { W: T.scalar(2) }])).toEqual(['[0]', '[1].W'])
    expect(A.treePaths(T.scalar(1))).toEqual([''])
  })
})
