/**
 * The seven Jacobians of the homework, by `jacrev`, against their closed forms; and softmax's Jacobian against
 * diag(σ) − σσᵀ. The closed forms are built by hand (plain loops over numbers, no autodiff): the Kronecker product
 * I ⊗ X and the commutation matrix K with K·vec(W) = vec(Wᵀ), where vec stacks columns (column-major).
 *
 * Layout: `jacrev` of f: ℝ^S → ℝ^O returns a tensor of shape O ++ S (output indices first), so a row vector such as
 * 2wᵀ has shape [n] and ∂(XWᵀ)/∂W has shape [m, p, p, n].
 * @module
 */
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'

/** One row of the Jacobian table. */
export interface JacobianCheck {
  readonly name: string
  readonly closedForm: string
  readonly outShape: readonly number[]
  readonly inShape: readonly number[]
  /** The shape jacrev returned (should be outShape ++ inShape). */
  readonly shape: readonly number[]
  /** Largest |jacrev − closed form| over all entries. */
  readonly maxAbsDiff: number
}

/** Problem sizes: w ∈ ℝⁿ, X ∈ ℝ^{m×n}, W ∈ ℝ^{p×n}. */
export interface JacobianSizes {
  readonly n: number
  readonly m: number
  readonly p: number
}

/** A matrix as rows of numbers (row-major), from a 2-d tensor. */
const rows = (t: Tensor): number[][] => T.toNested(t) as number[][]
const vec = (t: Tensor): number[] => Array.from(T.toArray(t))

const maxDiff = (a: readonly number[], b: readonly number[]): number => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0)
}

const flat = (m: readonly (readonly number[])[]): number[] => m.flat()

/** The identity matrix of size k. */
const identity = (k: number): number[][] =>
  Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)))

/** A ⊗ B for matrices given as rows. */
export const kron = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] => {
  const [ar, ac, br, bc] = [a.length, a[0]!.length, b.length, b[0]!.length]
  return Array.from({ length: ar * br }, (_, i) =>
    Array.from(
      { length: ac * bc },
      (_, j) => a[Math.floor(i / br)]![Math.floor(j / bc)]! * b[i % br]![j % bc]!,
    ),
  )
}

/** The commutation matrix K (pn × pn) with K·vec(W) = vec(Wᵀ) for W of shape p × n (column-major vec). */
export const commutation = (p: number, n: number): number[][] =>
  Array.from({ length: p * n }, (_, r) => {
    // row r of vec(Wᵀ) (Wᵀ is n × p): r = k·n + l holds (Wᵀ)[l][k] = W[k][l], which is vec(W)[l·p + k]
    const k = Math.floor(r / n)
    const l = r % n
    return Array.from({ length: p * n }, (_, c) => (c === l * p + k ? 1 : 0))
  })

const matmulRows = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)))

/**
 * ∂(XWᵀ)/∂W from jacrev's [m, p, p, n] tensor rearranged to the vec convention: entry
 * [j·m + i, l·p + k] = ∂(XWᵀ)ᵢⱼ/∂Wₖₗ.
 */
export const vecJacobian = (J: Tensor, m: number, p: number, n: number): number[][] => {
  const d = T.toArray(J)
  return Array.from({ length: m * p }, (_, r) =>
    Array.from({ length: p * n }, (_, c) => {
      const [i, j, k, l] = [r % m, Math.floor(r / m), c % p, Math.floor(c / p)]
      return d[((i * p + j) * p + k) * n + l]!
    }),
  )
}

/** The eight checks at seeded random w, X, W (and a logit vector z for softmax). */
export const jacobianChecks = (
  seed: number,
  sizes: JacobianSizes = { n: 4, m: 3, p: 2 },
): JacobianCheck[] => {
  const { n, m, p } = sizes
  const [k1, k2, k3, k4] = T.splitKey(T.key(seed), 4)
  const w = T.normal(k1!, [n])
  const X = T.normal(k2!, [m, n])
  const W = T.normal(k3!, [p, n])
  const z = T.normal(k4!, [n])
  const c = 2.5
  // xᵢ: the first row of X
  const xi = T.reshape(T.slice(X, [{ start: 0, stop: 1 }]), [n])
  const wv = vec(w)

  const check = (
    name: string,
    closedForm: string,
    f: (v: Value) => Value,
    at: Tensor,
    outShape: readonly number[],
    want: readonly number[],
  ): JacobianCheck => {
    const J = AD.toTensor(AD.jacrev(f)(at))
    const shapeOk = T.shapesEqual(J.shape, [...outShape, ...at.shape])
    return {
      name,
      closedForm,
      outShape,
      inShape: at.shape,
      shape: J.shape,
      maxAbsDiff: shapeOk ? maxDiff(vec(J), want) : Number.POSITIVE_INFINITY,
    }
  }

  const sigma = ((): number[] => {
    const zs = vec(z)
    const mx = Math.max(...zs)
    const ex = zs.map((v) => Math.exp(v - mx))
    const tot = ex.reduce((a, b) => a + b, 0)
    return ex.map((v) => v / tot)
  })()

  const J7 = AD.toTensor(AD.jacrev((V: Value) => AD.matmul(X, AD.transpose(V)))(W))
  const closed7 = matmulRows(kron(identity(p), rows(X)), commutation(p, n))
  const vec7 = T.shapesEqual(J7.shape, [m, p, p, n]) ? vecJacobian(J7, m, p, n) : []

  return [
    check('f(w) = c', '0', () => T.scalar(c), w, [], new Array<number>(n).fill(0)),
    check(
      'f(w) = ‖w‖²',
      '2wᵀ',
      (v) => AD.sum(AD.mul(v, v)),
      w,
      [],
      wv.map((x) => 2 * x),
    ),
    check('f(w) = wᵀxᵢ', 'xᵢᵀ', (v) => AD.sum(AD.mul(v, xi)), w, [], vec(xi)),
    check('f(w) = Xw', 'X', (v) => AD.matmul(X, v), w, [m], vec(X)),
    check('f(w) = w', 'I', (v) => v, w, [n], flat(identity(n))),
    check(
      'f(w) = w ⊙ w',
      'diag(2w)',
      (v) => AD.mul(v, v),
      w,
      [n],
      flat(identity(n).map((r, i) => r.map((x) => x * 2 * wv[i]!))),
    ),
    {
      name: 'f(W) = XWᵀ',
      closedForm: '(I ⊗ X)K (vec form)',
      outShape: [m, p],
      inShape: [p, n],
      shape: J7.shape,
      maxAbsDiff: vec7.length === 0 ? Number.POSITIVE_INFINITY : maxDiff(flat(vec7), flat(closed7)),
    },
    check(
      'σ(z) = softmax(z)',
      'diag(σ) − σσᵀ',
      (v) => AD.softmax(v),
      z,
      [n],
      flat(sigma.map((si, i) => sigma.map((sj, j) => (i === j ? si : 0) - si * sj))),
    ),
  ]
}
