import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DType } from '../src/dtype.js'
import { ShapeError } from '../src/errors.js'
import * as E from '../src/kernels/elementwise.js'
import { fromArray, tensor, zeros, type Tensor } from '../src/tensor.js'
import {
  agreesWithTiled,
  allClose,
  arbBroadcastPair,
  arbEdgeValue as arbValue,
  arbTensorWith,
  arbShape,
  arbTensorOf,
  params,
  ravel,
  same,
  size,
  tile,
  unravel,
  values,
} from './helpers.js'

/** NumPy broadcast shape of shapes known to broadcast (naive, for the tests). */
const broadcastAll = (...shapes: (readonly number[])[]): number[] => {
  const n = Math.max(...shapes.map((s) => s.length))
  return Array.from({ length: n }, (_, i) => {
    let d = 1
    for (const s of shapes) {
      const x = s[s.length - n + i] ?? 1
      if (x !== 1) d = x
    }
    return d
  })
}

/** A shape that broadcasts to `s`: some dims set to 1, some leading dims dropped. */
const arbSubShape = (s: readonly number[]): fc.Arbitrary<number[]> =>
  fc
    .tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.nat(s.length))
    .map(([ones, drop]) => s.map((d, i) => (ones[i] ? 1 : d)).slice(drop))

const binaryRefs: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', E.add, (x, y) => x + y],
  ['sub', E.sub, (x, y) => x - y],
  ['mul', E.mul, (x, y) => x * y],
  ['div', E.div, (x, y) => x / y],
  // C/IEEE pow (NumPy's): pow(1, y) = 1 for every y, pow(-1, ±∞) = 1; elsewhere as `**`
  ['pow', E.pow, (x, y) => (x === 1 || (x === -1 && Math.abs(y) === Infinity) ? 1 : x ** y)],
  ['maximum', E.maximum, (x, y) => Math.max(x, y)],
  ['minimum', E.minimum, (x, y) => Math.min(x, y)],
  ['atan2', E.atan2, (x, y) => Math.atan2(x, y)],
]

describe('broadcasting', () => {
  const arbPair = arbBroadcastPair(4, 4).chain(([sa, sb]) => fc.tuple(arbTensorWith(sa), arbTensorWith(sb)))
  for (const [name, op, ref] of binaryRefs) {
    it(`${name} equals the per-element formula on explicitly tiled operands`, () => {
      fc.assert(
        fc.property(arbPair, ([a, b]) => {
          const shape = broadcastAll(a.shape, b.shape)
          const c = op(a, b)
          expect(c.shape).toEqual(shape)
          return agreesWithTiled(c, a, b, ref)
        }),
        params(100),
      )
    })
  }

  it('zero-size dimensions broadcast to empty results', () => {
    expect(E.add(zeros([0, 3]), zeros([3])).shape).toEqual([0, 3])
    expect(E.mul(zeros([0, 1]), zeros([1, 4])).shape).toEqual([0, 4])
    expect(E.add(zeros([2, 0]), zeros([1, 1])).shape).toEqual([2, 0])
  })

  it('a size-1 operand of higher rank broadcasts against a vector', () => {
    expect(values(E.sub(tensor([[[10]]]), tensor([1, 2, 3])))).toEqual([9, 8, 7])
    expect(E.sub(tensor([[[10]]]), tensor([1, 2, 3])).shape).toEqual([1, 1, 3])
  })

  it('shapes that do not broadcast: the message names both', () => {
    expect(() => E.add(zeros([2, 3]), zeros([4]))).toThrow(
      'add: cannot broadcast [2,3] with [4] (dimension -1 is 3 vs 4)',
    )
    expect(() => E.mul(zeros([2, 3]), zeros([3, 3]))).toThrow(
      'mul: cannot broadcast [2,3] with [3,3] (dimension -2 is 2 vs 3)',
    )
    expect(() => E.less(zeros([5]), zeros([2, 4]))).toThrow('less: cannot broadcast [5] with [2,4]')
    expect(() => E.where(zeros([2]), zeros([3]), 0)).toThrow('where: cannot broadcast [2] with [3]')
    expect(() => E.add(zeros([2]), zeros([3]))).toThrow(ShapeError)
  })
})

describe('algebra', () => {
  const arbPair = arbBroadcastPair(3, 4).chain(([sa, sb]) => fc.tuple(arbTensorOf(sa), arbTensorOf(sb)))
  it('add and mul are commutative (exactly)', () => {
    fc.assert(
      fc.property(arbPair, ([a, b]) => {
        expect(E.add(a, b).shape).toEqual(E.add(b, a).shape)
        return (
          same(values(E.add(a, b)), values(E.add(b, a))) && same(values(E.mul(a, b)), values(E.mul(b, a)))
        )
      }),
      params(100),
    )
  })

  it('add and mul are associative within float tolerance, with broadcasting', () => {
    const arbTriple = arbShape(3, 3).chain((s) =>
      fc
        .tuple(arbSubShape(s), arbSubShape(s), arbSubShape(s))
        .chain(([x, y, z]) => fc.tuple(arbTensorOf(x), arbTensorOf(y), arbTensorOf(z))),
    )
    fc.assert(
      fc.property(arbTriple, ([a, b, c]) => {
        const l = values(E.add(E.add(a, b), c))
        const r = values(E.add(a, E.add(b, c)))
        const lm = values(E.mul(E.mul(a, b), c))
        const rm = values(E.mul(a, E.mul(b, c)))
        return allClose(l, r, 1e-12, 1e-12) && allClose(lm, rm, 1e-12, 1e-12)
      }),
      params(100),
    )
  })
})

describe('dtypes', () => {
  const dtypes: DType[] = ['float64', 'float32', 'int32']
  const expected = (a: DType, b: DType): DType =>
    a === 'float64' || b === 'float64'
      ? 'float64'
      : a === 'float32' || b === 'float32'
        ? 'float32'
        : 'float64'
  const t = (dtype: DType): Tensor => tensor([1, 2, 3], { dtype })

  it('binary promotion table (int32 arithmetic computes in float64)', () => {
    for (const a of dtypes)
      for (const b of dtypes)
        for (const [name, op] of binaryRefs) {
          const r = op(t(a), t(b))
          expect([name, a, b, r.dtype]).toEqual([name, a, b, expected(a, b)])
        }
    expect(values(E.div(t('int32'), tensor([2, 2, 2], { dtype: 'int32' })))).toEqual([0.5, 1, 1.5])
  })

  it('comparisons follow the same promotion', () => {
    expect(E.less(t('float32'), t('float32')).dtype).toBe('float32')
    expect(E.equal(t('int32'), t('float32')).dtype).toBe('float32')
    expect(E.greater(t('int32'), t('int32')).dtype).toBe('float64')
  })

  it('a plain number is weakly typed: it adopts the tensor dtype', () => {
    const f32 = t('float32')
    expect(E.mul(f32, 2).dtype).toBe('float32')
    expect(E.mul(2, f32).dtype).toBe('float32')
    expect(values(E.mul(f32, 2))).toEqual([2, 4, 6])
    expect(E.add(t('float64'), 1).dtype).toBe('float64')
    expect(E.add(t('int32'), 1).dtype).toBe('float64')
    expect(values(E.add(t('int32'), 0.5))).toEqual([1.5, 2.5, 3.5])
    const both = E.sub(5, 2)
    expect(both.dtype).toBe('float64')
    expect(both.shape).toEqual([])
    expect(values(both)).toEqual([3])
    // the number broadcasts like a 0-d tensor
    expect(values(E.div(1, tensor([[2, 4]])))).toEqual([0.5, 0.25])
    expect(E.div(1, tensor([[2, 4]])).shape).toEqual([1, 2])
  })

  it('float32 results are rounded to float32', () => {
    const a = tensor([0.1, 0.2], { dtype: 'float32' })
    expect(values(E.add(a, a))).toEqual([
      Math.fround(Math.fround(0.1) * 2),
      Math.fround(Math.fround(0.2) * 2),
    ])
    expect(values(E.exp(a))).toEqual([
      Math.fround(Math.exp(Math.fround(0.1))),
      Math.fround(Math.exp(Math.fround(0.2))),
    ])
  })

  it('unary dtypes: float32 stays float32, int32 becomes float64 except neg/abs', () => {
    expect(E.exp(t('float32')).dtype).toBe('float32')
    expect(E.exp(t('int32')).dtype).toBe('float64')
    expect(E.sqrt(t('int32')).dtype).toBe('float64')
    expect(E.neg(t('int32')).dtype).toBe('int32')
    expect(values(E.neg(t('int32')))).toEqual([-1, -2, -3])
    expect(E.abs(tensor([-4, 5], { dtype: 'int32' })).dtype).toBe('int32')
    expect(E.neg(t('float32')).dtype).toBe('float32')
  })
})

describe('unary operations equal Math.* per element', () => {
  const refs: [string, (a: Tensor) => Tensor, (x: number) => number][] = [
    ['neg', E.neg, (x) => -x],
    ['abs', E.abs, Math.abs],
    ['sign', E.sign, Math.sign],
    ['exp', E.exp, Math.exp],
    ['log', E.log, Math.log],
    ['log1p', E.log1p, Math.log1p],
    ['expm1', E.expm1, Math.expm1],
    ['sqrt', E.sqrt, Math.sqrt],
    ['sin', E.sin, Math.sin],
    ['cos', E.cos, Math.cos],
    ['tanh', E.tanh, Math.tanh],
    ['relu', E.relu, (x) => Math.max(x, 0)],
    ['square', E.square, (x) => x * x],
    ['reciprocal', E.reciprocal, (x) => 1 / x],
    ['floor', E.floor, Math.floor],
    ['ceil', E.ceil, Math.ceil],
    // halves to even (NumPy); elsewhere as Math.round
    ['round', E.round, (x) => (x - Math.floor(x) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x))],
    ['isNaN', E.isNaN, (x) => (Number.isNaN(x) ? 1 : 0)],
    ['isFinite', E.isFinite, (x) => (Number.isFinite(x) ? 1 : 0)],
  ]
  const arbT = arbShape(3, 5).chain((s) => arbTensorWith(s))
  for (const [name, op, ref] of refs) {
    it(name, () => {
      fc.assert(
        fc.property(arbT, (a) => {
          const r = op(a)
          expect(r.shape).toEqual(a.shape)
          return same(values(r), values(a).map(ref))
        }),
        params(100),
      )
    })
  }

  it('sigmoid equals 1/(1+e^-x) and does not overflow', () => {
    fc.assert(
      fc.property(
        arbShape(3, 5).chain((s) => arbTensorWith(s)),
        (a) =>
          allClose(
            values(E.sigmoid(a)),
            values(a).map((x) => 1 / (1 + Math.exp(-x))),
            1e-14,
            1e-300,
          ),
      ),
      params(100),
    )
    expect(values(E.sigmoid(tensor([-1000, 1000, 0])))).toEqual([0, 1, 0.5])
  })

  it('softplus equals log(1+e^x) and does not overflow', () => {
    fc.assert(
      fc.property(
        arbShape(3, 5).chain((s) => arbTensorWith(s, fc.double({ min: -40, max: 40, noNaN: true }))),
        (a) =>
          allClose(
            values(E.softplus(a)),
            values(a).map((x) => Math.log1p(Math.exp(x))),
            1e-13,
            1e-300,
          ),
      ),
      params(100),
    )
    expect(values(E.softplus(tensor([1000, -1000])))).toEqual([1000, 0])
    expect(values(E.softplus(tensor([Infinity, -Infinity])))).toEqual([Infinity, 0])
    expect(Number.isNaN(values(E.softplus(tensor([NaN])))[0])).toBe(true)
  })

  it('relu propagates NaN like maximum(x, 0)', () => {
    expect(Number.isNaN(values(E.relu(tensor([NaN])))[0])).toBe(true)
    expect(same(values(E.relu(tensor([NaN, -1, 2]))), values(E.maximum(tensor([NaN, -1, 2]), 0)))).toBe(true)
  })
})

describe('comparisons', () => {
  const refs: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => boolean][] = [
    ['equal', E.equal, (x, y) => x === y],
    ['notEqual', E.notEqual, (x, y) => x !== y],
    ['less', E.less, (x, y) => x < y],
    ['greater', E.greater, (x, y) => x > y],
    ['lessEqual', E.lessEqual, (x, y) => x <= y],
    ['greaterEqual', E.greaterEqual, (x, y) => x >= y],
  ]
  // few distinct values so that equality is common; NaN compares false (notEqual true)
  const small = fc.oneof(fc.integer({ min: -1, max: 1 }), fc.constant(NaN))
  const arbPair = arbBroadcastPair(3, 4).chain(([sa, sb]) =>
    fc.tuple(arbTensorWith(sa, small), arbTensorWith(sb, small)),
  )
  for (const [name, op, ref] of refs) {
    it(`${name} gives 0/1 with broadcasting`, () => {
      fc.assert(
        fc.property(arbPair, ([a, b]) => {
          const shape = broadcastAll(a.shape, b.shape)
          const tb = tile(b, shape)
          const got = values(op(a, b))
          return (
            got.every((v) => v === 0 || v === 1) &&
            same(
              got,
              tile(a, shape).map((x, i) => (ref(x, tb[i]!) ? 1 : 0)),
            )
          )
        }),
        params(100),
      )
    })
  }
})

describe('where', () => {
  const arbTriple = arbShape(4, 3).chain((s) =>
    fc
      .tuple(arbSubShape(s), arbSubShape(s), arbSubShape(s))
      .chain(([sc, sa, sb]) =>
        fc.tuple(arbTensorWith(sc, fc.constantFrom(0, 1, -2, NaN)), arbTensorWith(sa), arbTensorWith(sb)),
      ),
  )
  it('picks a where cond ≠ 0, else b, with all three broadcasting', () => {
    fc.assert(
      fc.property(arbTriple, ([c, a, b]) => {
        const shape = broadcastAll(c.shape, a.shape, b.shape)
        const r = E.where(c, a, b)
        expect(r.shape).toEqual(shape)
        const tc = tile(c, shape)
        const ta = tile(a, shape)
        const tb = tile(b, shape)
        return same(
          values(r),
          tc.map((x, i) => (x !== 0 ? ta[i]! : tb[i]!)),
        )
      }),
      params(150),
    )
  })

  it('number operands and dtypes', () => {
    const c = tensor([1, 0, 1])
    expect(values(E.where(c, tensor([5, 6, 7]), 0))).toEqual([5, 0, 7])
    expect(values(E.where(c, -1, tensor([[5, 6, 7]])))).toEqual([-1, 6, -1])
    expect(values(E.where(0, 1, tensor([2, 3])))).toEqual([2, 3])
    const i = tensor([1, 2, 3], { dtype: 'int32' })
    expect(E.where(c, i, i).dtype).toBe('int32')
    expect(E.where(c, i, 0).dtype).toBe('int32')
    expect(E.where(c, i, tensor([1, 2, 3], { dtype: 'float32' })).dtype).toBe('float32')
    expect(E.where(c, tensor([1, 2, 3], { dtype: 'float32' }), 2).dtype).toBe('float32')
    expect(E.where(c, i, tensor([0.5, 0.5, 0.5])).dtype).toBe('float64')
  })
})

describe('astype', () => {
  it('float → int32 truncates toward zero; int32 → float is exact; float64 → float32 rounds', () => {
    fc.assert(
      fc.property(
        arbShape(3, 5).chain((s) => arbTensorOf(s, 1e6)),
        (a) => {
          const i = E.astype(a, 'int32')
          expect(i.dtype).toBe('int32')
          expect(i.shape).toEqual(a.shape)
          const f = E.astype(a, 'float32')
          expect(f.dtype).toBe('float32')
          const back = E.astype(i, 'float64')
          return (
            same(values(i), values(a).map(Math.trunc)) &&
            same(values(f), values(a).map(Math.fround)) &&
            same(values(back), values(i))
          )
        },
      ),
      params(100),
    )
    expect(values(E.astype(tensor([2.9, -2.9, 0.5]), 'int32'))).toEqual([2, -2, 0])
  })

  it('returns the input itself when the dtype already matches', () => {
    const a = tensor([1, 2])
    expect(E.astype(a, 'float64')).toBe(a)
  })
})

describe('clip', () => {
  it('equals min(max(x, lo), hi) per element, NaN stays NaN', () => {
    fc.assert(
      fc.property(
        arbShape(3, 5).chain((s) => arbTensorWith(s)),
        fc.double({ min: -5, max: 0, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (a, lo, hi) =>
          same(
            values(E.clip(a, lo, hi)),
            values(a).map((x) => Math.min(Math.max(x, lo), hi)),
          ),
      ),
      params(100),
    )
    expect(E.clip(tensor([1], { dtype: 'float32' }), 0, 2).dtype).toBe('float32')
  })
})
