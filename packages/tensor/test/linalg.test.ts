import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ShapeError } from '../src/errors.js'
import { dot, matmul, matmulTransposed, outer } from '../src/kernels/linalg.js'
import { fromArray, tensor, zeros, type Tensor } from '../src/tensor.js'
import { allClose, arbBroadcastPair, arbTensorOf, params, ravel, unravel, values } from './helpers.js'

/** Naive triple loop on flat row-major data: [m,k] @ [k,n]. */
const naive = (a: readonly number[], b: readonly number[], m: number, k: number, n: number): number[] => {
  const c = new Array<number>(m * n).fill(0)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let q = 0; q < k; q++) s += a[i * k + q]! * b[q * n + j]!
      c[i * n + j] = s
    }
  return c
}

/** Explicit transpose of the last two axes, by index arithmetic. */
const transposeLast2 = (x: Tensor): Tensor => {
  const s = x.shape
  const nd = s.length
  const ts = [...s.slice(0, nd - 2), s[nd - 1]!, s[nd - 2]!]
  const v = values(x)
  const out = new Array<number>(v.length)
  for (let o = 0; o < v.length; o++) {
    const idx = unravel(o, ts)
    const src = [...idx.slice(0, nd - 2), idx[nd - 1]!, idx[nd - 2]!]
    out[o] = v[ravel(src, s)]!
  }
  return fromArray(out, ts)
}

/** Deterministic pseudo-random values (no fast-check) for the larger, blocked cases. */
const lcg = (n: number, seed: number): number[] => {
  let x = seed
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 1073741824 - 1
  })
}

const arbMatPair = (maxDim: number) =>
  fc
    .tuple(
      fc.integer({ min: 1, max: maxDim }),
      fc.integer({ min: 1, max: maxDim }),
      fc.integer({ min: 1, max: maxDim }),
    )
    .chain(([m, k, n]) => fc.tuple(arbTensorOf([m, k]), arbTensorOf([k, n])))

const close = (got: Tensor, want: readonly number[], tol = 1e-9): boolean =>
  allClose(values(got), want, tol, tol)

describe('matmul: 2-D', () => {
  it('equals a naive triple loop for random shapes (including 1-sized dims)', () => {
    fc.assert(
      fc.property(arbMatPair(20), ([a, b]) => {
        const [m, k] = a.shape as [number, number]
        const n = b.shape[1]!
        const c = matmul(a, b)
        expect(c.shape).toEqual([m, n])
        expect(c.dtype).toBe('float64')
        return close(c, naive(values(a), values(b), m, k, n))
      }),
      params(150),
    )
  })

  it('equals the naive loop on shapes that cross the cache blocks and row groups', () => {
    for (const [m, k, n] of [
      [13, 300, 270],
      [8, 129, 257],
      [21, 7, 3],
      [1, 260, 5],
      [17, 1, 300],
    ] as const) {
      const av = lcg(m * k, m + k)
      const bv = lcg(k * n, k + n)
      expect(close(matmul(fromArray(av, [m, k]), fromArray(bv, [k, n])), naive(av, bv, m, k, n))).toBe(true)
    }
  })

  it('a known product', () => {
    const c = matmul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([
        [5, 6],
        [7, 8],
      ]),
    )
    expect(c.shape).toEqual([2, 2])
    expect(values(c)).toEqual([19, 22, 43, 50])
  })

  it('zero-size dimensions give empty or zero results', () => {
    expect(matmul(zeros([0, 3]), zeros([3, 2])).shape).toEqual([0, 2])
    const z = matmul(zeros([2, 0]), zeros([0, 3]))
    expect(z.shape).toEqual([2, 3])
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('propagates NaN and Infinity (0·NaN is NaN: zeros are not skipped)', () => {
    const c = matmul(tensor([[0, 1]]), tensor([[NaN], [2]]))
    expect(Number.isNaN(values(c)[0])).toBe(true)
    const d = matmul(tensor([[0, 1]]), tensor([[Infinity], [2]]))
    expect(Number.isNaN(values(d)[0])).toBe(true)
  })
})

describe('matmul: 1-D operands', () => {
  it('vector @ matrix, matrix @ vector and vector @ vector follow NumPy', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.integer({ min: 1, max: 9 }),
            fc.integer({ min: 1, max: 9 }),
            fc.integer({ min: 1, max: 9 }),
          )
          .chain(([m, k, n]) =>
            fc.tuple(arbTensorOf([k]), arbTensorOf([k, n]), arbTensorOf([m, k]), arbTensorOf([k])),
          ),
        ([v, b, a, w]) => {
          const [k, n] = b.shape as [number, number]
          const m = a.shape[0]!
          const vb = matmul(v, b)
          expect(vb.shape).toEqual([n])
          const aw = matmul(a, w)
          expect(aw.shape).toEqual([m])
          const vw = matmul(v, w)
          expect(vw.shape).toEqual([])
          return (
            close(vb, naive(values(v), values(b), 1, k, n)) &&
            close(aw, naive(values(a), values(w), m, k, 1)) &&
            close(vw, naive(values(v), values(w), 1, k, 1))
          )
        },
      ),
      params(100),
    )
  })

  it('1-D with a stack: [2,3,4] @ [4] → [2,3] and [4] @ [2,4,5] → [2,5]', () => {
    const a = fromArray(lcg(24, 1), [2, 3, 4])
    const v = fromArray(lcg(4, 2), [4])
    const av = matmul(a, v)
    expect(av.shape).toEqual([2, 3])
    expect(close(av, naive(values(a), values(v), 6, 4, 1))).toBe(true)
    const b = fromArray(lcg(40, 3), [2, 4, 5])
    const vb = matmul(v, b)
    expect(vb.shape).toEqual([2, 5])
    const bv = values(b)
    expect(
      close(vb, [...naive(values(v), bv.slice(0, 20), 1, 4, 5), ...naive(values(v), bv.slice(20), 1, 4, 5)]),
    ).toBe(true)
  })
})

describe('matmul: batched', () => {
  it('equals a loop of naive 2-D products with broadcast batch dims', () => {
    const arbCase = fc
      .tuple(
        arbBroadcastPair(3, 3),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
      )
      .chain(([[ba, bb], m, k, n]) => fc.tuple(arbTensorOf([...ba, m, k]), arbTensorOf([...bb, k, n])))
    fc.assert(
      fc.property(arbCase, ([a, b]) => {
        const m = a.shape[a.ndim - 2]!
        const k = a.shape[a.ndim - 1]!
        const n = b.shape[b.ndim - 1]!
        const ba = a.shape.slice(0, -2)
        const bb = b.shape.slice(0, -2)
        const nb = Math.max(ba.length, bb.length)
        const batch = Array.from({ length: nb }, (_, i) => {
          const x = ba[ba.length - nb + i] ?? 1
          return x === 1 ? (bb[bb.length - nb + i] ?? 1) : x
        })
        const c = matmul(a, b)
        expect(c.shape).toEqual([...batch, m, n])
        const count = batch.reduce((x, y) => x * y, 1)
        const av = values(a)
        const bv = values(b)
        const want: number[] = []
        for (let q = 0; q < count; q++) {
          const idx = unravel(q, batch)
          // index of the matrix in each operand: broadcast dims read index 0
          const ia = ravel(
            ba.map((d, i) => (d === 1 ? 0 : idx[nb - ba.length + i]!)),
            ba,
          )
          const ib = ravel(
            bb.map((d, i) => (d === 1 ? 0 : idx[nb - bb.length + i]!)),
            bb,
          )
          want.push(
            ...naive(av.slice(ia * m * k, (ia + 1) * m * k), bv.slice(ib * k * n, (ib + 1) * k * n), m, k, n),
          )
        }
        return close(c, want)
      }),
      params(120),
    )
  })
})

describe('dot and outer', () => {
  it('dot of two vectors is the inner product (a 0-d tensor)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((k) => fc.tuple(arbTensorOf([k]), arbTensorOf([k]))),
        ([x, y]) => {
          const d = dot(x, y)
          expect(d.shape).toEqual([])
          const xv = values(x)
          const yv = values(y)
          return close(d, [xv.reduce((s, v, i) => s + v * yv[i]!, 0)])
        },
      ),
      params(100),
    )
    expect(values(dot(tensor([1, 2, 3]), tensor([4, 5, 6])))).toEqual([32])
  })

  it('dot of matrices is matmul', () => {
    fc.assert(
      fc.property(arbMatPair(8), ([a, b]) => {
        const [m, k] = a.shape as [number, number]
        return close(dot(a, b), naive(values(a), values(b), m, k, b.shape[1]!))
      }),
      params(100),
    )
  })

  it('outer flattens both operands', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(
            fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
            fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
          )
          .chain(([sa, sb]) => fc.tuple(arbTensorOf(sa), arbTensorOf(sb))),
        ([a, b]) => {
          const o = outer(a, b)
          expect(o.shape).toEqual([a.size, b.size])
          const av = values(a)
          const bv = values(b)
          return close(
            o,
            av.flatMap((x) => bv.map((y) => x * y)),
          )
        },
      ),
      params(100),
    )
    expect(outer(tensor([1, 2], { dtype: 'float32' }), tensor([3], { dtype: 'float32' })).dtype).toBe(
      'float32',
    )
    expect(outer(tensor([1, 2], { dtype: 'int32' }), tensor([3], { dtype: 'int32' })).dtype).toBe('float64')
  })
})

describe('dtypes', () => {
  it('float32 × float32 → float32, close to the float64 product', () => {
    fc.assert(
      fc.property(arbMatPair(12), ([a, b]) => {
        const a32 = fromArray(values(a), a.shape, { dtype: 'float32' })
        const b32 = fromArray(values(b), b.shape, { dtype: 'float32' })
        const c = matmul(a32, b32)
        expect(c.dtype).toBe('float32')
        const [m, k] = a.shape as [number, number]
        // reference from the float32-rounded inputs, in float64
        return allClose(values(c), naive(values(a32), values(b32), m, k, b.shape[1]!), 1e-5, 1e-4)
      }),
      params(100),
    )
  })

  it('mixed dtypes promote: float32 × float64 → float64, int32 × int32 → float64, int32 × float32 → float32', () => {
    const f32 = tensor([[1.5, 2]], { dtype: 'float32' })
    const f64 = tensor([[2], [4]])
    const i32 = tensor([[2], [4]], { dtype: 'int32' })
    expect(matmul(f32, f64).dtype).toBe('float64')
    expect(values(matmul(f32, f64))).toEqual([11])
    expect(matmul(tensor([[1, 2]], { dtype: 'int32' }), i32).dtype).toBe('float64')
    expect(values(matmul(tensor([[1, 2]], { dtype: 'int32' }), i32))).toEqual([10])
    expect(matmul(f32, i32).dtype).toBe('float32')
    expect(values(matmul(f32, i32))).toEqual([11])
  })
})

describe('matmulTransposed', () => {
  it('equals matmul of explicit transposes (2-D, every combination)', () => {
    fc.assert(
      fc.property(arbMatPair(14), fc.boolean(), fc.boolean(), ([a, b], transA, transB) => {
        // feed the transposed storage so that the product is defined
        const aIn = transA ? transposeLast2(a) : a
        const bIn = transB ? transposeLast2(b) : b
        const c = matmulTransposed(aIn, bIn, { transA, transB })
        const [m, k] = a.shape as [number, number]
        const n = b.shape[1]!
        expect(c.shape).toEqual([m, n])
        return close(c, naive(values(a), values(b), m, k, n))
      }),
      params(150),
    )
  })

  it('equals matmul of explicit transposes on blocked sizes and batched stacks', () => {
    const a = fromArray(lcg(2 * 9 * 140, 5), [2, 9, 140])
    const b = fromArray(lcg(140 * 260, 6), [140, 260])
    const want = values(matmul(a, b))
    const at = transposeLast2(a)
    const bt = transposeLast2(b)
    expect(allClose(values(matmulTransposed(at, b, { transA: true })), want)).toBe(true)
    expect(allClose(values(matmulTransposed(a, bt, { transB: true })), want)).toBe(true)
    expect(allClose(values(matmulTransposed(at, bt, { transA: true, transB: true })), want)).toBe(true)
    expect(allClose(values(matmulTransposed(a, b)), want)).toBe(true)
    // the reference itself must agree with the naive loop
    const av = values(a)
    const bv = values(b)
    expect(
      allClose(want, [
        ...naive(av.slice(0, 1260), bv, 9, 140, 260),
        ...naive(av.slice(1260), bv, 9, 140, 260),
      ]),
    ).toBe(true)
  })

  it('a 1-D operand is not transposed', () => {
    const v = tensor([1, 2])
    const m = tensor([
      [1, 2],
      [3, 4],
    ])
    expect(values(matmulTransposed(v, m, { transA: true, transB: true }))).toEqual([5, 11])
    expect(values(matmulTransposed(m, v, { transA: true }))).toEqual([7, 10])
  })

  it('float32 stays float32', () => {
    const a = tensor([[1, 2]], { dtype: 'float32' })
    expect(matmulTransposed(a, a, { transB: true }).dtype).toBe('float32')
    expect(values(matmulTransposed(a, a, { transB: true }))).toEqual([5])
    expect(values(matmulTransposed(a, a, { transA: true }))).toEqual([1, 2, 2, 4])
  })
})

describe('errors', () => {
  it('inner dims', () => {
    expect(() => matmul(zeros([3, 4]), zeros([5, 2]))).toThrow(
      'matmul: cannot multiply [3,4] by [5,2] (inner dims 4 ≠ 5)',
    )
    expect(() => matmul(zeros([3]), zeros([4]))).toThrow(
      'matmul: cannot multiply [3] by [4] (inner dims 3 ≠ 4)',
    )
    expect(() => matmul(zeros([2, 3, 4]), zeros([3]))).toThrow(
      'matmul: cannot multiply [2,3,4] by [3] (inner dims 4 ≠ 3)',
    )
    expect(() => dot(zeros([3]), zeros([4]))).toThrow('dot: cannot multiply [3] by [4] (inner dims 3 ≠ 4)')
    expect(() => matmulTransposed(zeros([3, 4]), zeros([5, 2]), { transA: true })).toThrow(
      'matmulTransposed: cannot multiply [3,4]ᵀ by [5,2] (inner dims 3 ≠ 5)',
    )
    expect(() => matmulTransposed(zeros([3, 4]), zeros([5, 2]), { transB: true })).toThrow(
      'matmulTransposed: cannot multiply [3,4] by [5,2]ᵀ (inner dims 4 ≠ 2)',
    )
  })
  it('batch dims that do not broadcast', () => {
    expect(() => matmul(zeros([2, 3, 4]), zeros([5, 4, 2]))).toThrow(
      'matmul: cannot multiply [2,3,4] by [5,4,2] (batch dims [2] and [5] do not broadcast)',
    )
    expect(() => matmul(zeros([3, 2, 2, 2]), zeros([4, 2, 2]))).toThrow(
      'matmul: cannot multiply [3,2,2,2] by [4,2,2] (batch dims [3,2] and [4] do not broadcast)',
    )
  })
  it('0-d operands', () => {
    expect(() => matmul(tensor(2), zeros([2, 2]))).toThrow(
      'matmul: cannot multiply [] by [2,2] (0-d operands are not allowed; use mul)',
    )
    expect(() => dot(zeros([2]), tensor(1))).toThrow(
      'dot: cannot multiply [2] by [] (0-d operands are not allowed; use mul)',
    )
    expect(() => matmul(tensor(1), tensor(1))).toThrow(ShapeError)
  })
})
