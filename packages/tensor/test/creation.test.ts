import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DTypeError, ShapeError } from '../src/errors.js'
import {
  arange,
  eye,
  fromArray,
  full,
  item,
  linspace,
  ones,
  onesLike,
  scalar,
  tensor,
  toArray,
  toNested,
  zeros,
  zerosLike,
  type NestedArray,
  type Tensor,
} from '../src/tensor.js'
import type { DType } from '../src/dtype.js'
import { astype } from '../src/kernels/elementwise.js'
import { arbShape, params, ravel, unravel, values } from './helpers.js'

/** Builds a nested array of `shape` from flat row-major values, independently of the library. */
const nest = (flat: readonly number[], shape: readonly number[]): NestedArray => {
  if (shape.length === 0) return flat[0]!
  const build = (depth: number, offset: number): NestedArray[] => {
    const n = shape[depth]!
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1)
    return Array.from({ length: n }, (_, i) =>
      depth === shape.length - 1 ? flat[offset + i]! : build(depth + 1, offset + i * stride),
    )
  }
  return build(0, 0)
}

const arbFlat = (shape: readonly number[]) => {
  const n = shape.reduce((a, b) => a * b, 1)
  return fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n })
}

const arbNested = arbShape(4, 4).chain((shape) =>
  arbFlat(shape).map((flat) => ({ shape, flat, nested: nest(flat, shape) })),
)

const expectTensor = (t: Tensor, shape: readonly number[], dtype: DType, vals: readonly number[]): void => {
  expect(t.shape).toEqual(shape)
  expect(t.dtype).toBe(dtype)
  expect(t.size).toBe(vals.length)
  expect(t.ndim).toBe(shape.length)
  expect(values(t)).toEqual(vals)
}

describe('tensor', () => {
  it('reads nested arrays of any rank in row-major order', () => {
    fc.assert(
      fc.property(arbNested, ({ shape, flat, nested }) => {
        expectTensor(tensor(nested), shape, 'float64', flat)
      }),
      params(100),
    )
  })

  it('scalars, empty arrays and nested empties', () => {
    expectTensor(tensor(3.5), [], 'float64', [3.5])
    expectTensor(tensor([]), [0], 'float64', [])
    expectTensor(tensor([[]]), [1, 0], 'float64', [])
    expectTensor(tensor([[], [], []]), [3, 0], 'float64', [])
    expectTensor(tensor([[[1], [2]]]), [1, 2, 1], 'float64', [1, 2])
  })

  it('ragged input names the offending index', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(
      'tensor: ragged input at [1]: expected length 2, got length 1',
    )
    expect(() => tensor([[1, 2], 3])).toThrow(
      'tensor: ragged input at [1]: expected an array of length 2, got a number',
    )
    expect(() => tensor([1, [2]])).toThrow('tensor: ragged input at [1]: expected a number, got an array')
    expect(() =>
      tensor([
        [[1], [2]],
        [[3], [4, 5]],
      ]),
    ).toThrow('tensor: ragged input at [1][1]: expected length 1, got length 2')
    expect(() => tensor([[], [1]])).toThrow('tensor: ragged input at [1]: expected length 0, got length 1')
    expect(() => tensor([[1], []])).toThrow(ShapeError)
  })

  it('dtype option: float32 rounds, int32 truncates toward zero', () => {
    fc.assert(
      fc.property(arbNested, ({ shape, flat, nested }) => {
        expectTensor(
          tensor(nested, { dtype: 'int32' }),
          shape,
          'int32',
          flat.map(Math.trunc).map((x) => x + 0),
        )
        expectTensor(tensor(nested, { dtype: 'float32' }), shape, 'float32', flat.map(Math.fround))
      }),
      params(100),
    )
    expect(values(tensor([2.7, -2.7, 0.5, -0.5], { dtype: 'int32' }))).toEqual([2, -2, 0, 0])
    expect(toArray(tensor([1], { dtype: 'int32' }))).toBeInstanceOf(Int32Array)
    expect(toArray(tensor([1], { dtype: 'float32' }))).toBeInstanceOf(Float32Array)
    expect(toArray(tensor([1]))).toBeInstanceOf(Float64Array)
  })

  it('unknown dtype is a DTypeError naming the operation', () => {
    const bad = { dtype: 'float16' as DType }
    expect(() => tensor([1], bad)).toThrow(
      "tensor: unknown dtype float16 (use 'float64', 'float32' or 'int32')",
    )
    expect(() => tensor([1], bad)).toThrow(DTypeError)
    expect(() => scalar(1, bad)).toThrow('scalar: unknown dtype float16')
    expect(() => zeros([2], bad)).toThrow('zeros: unknown dtype float16')
    expect(() => arange(3, undefined, 1, bad)).toThrow('arange: unknown dtype float16')
    expect(() => linspace(0, 1, 3, bad)).toThrow('linspace: unknown dtype float16')
    expect(() => eye(2, 2, bad)).toThrow('eye: unknown dtype float16')
    expect(() => fromArray([1], [1], bad)).toThrow('fromArray: unknown dtype float16')
  })
})

describe('scalar, full, zeros, ones, zerosLike, onesLike', () => {
  it('scalar', () => {
    expectTensor(scalar(4.25), [], 'float64', [4.25])
    expectTensor(scalar(-4.75, { dtype: 'int32' }), [], 'int32', [-4])
    expectTensor(scalar(0.1, { dtype: 'float32' }), [], 'float32', [Math.fround(0.1)])
  })

  it('full / zeros / ones fill every element of any shape', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
        fc.double({ noNaN: true }),
        (shape, v) => {
          const n = shape.reduce((a, b) => a * b, 1)
          expectTensor(full(shape, v), shape, 'float64', new Array<number>(n).fill(v))
          expectTensor(zeros(shape), shape, 'float64', new Array<number>(n).fill(0))
          expectTensor(ones(shape, { dtype: 'float32' }), shape, 'float32', new Array<number>(n).fill(1))
        },
      ),
      params(100),
    )
    expectTensor(full([2], 3.9, { dtype: 'int32' }), [2], 'int32', [3, 3])
    expect(Number.isNaN(values(full([1], NaN))[0])).toBe(true)
    expect(Object.is(values(full([2], -0))[1], -0)).toBe(true)
  })

  it('zerosLike / onesLike copy shape and dtype unless overridden', () => {
    const t = tensor([[1, 2, 3]], { dtype: 'float32' })
    expectTensor(zerosLike(t), [1, 3], 'float32', [0, 0, 0])
    expectTensor(onesLike(t), [1, 3], 'float32', [1, 1, 1])
    expectTensor(onesLike(t, { dtype: 'int32' }), [1, 3], 'int32', [1, 1, 1])
    expectTensor(zerosLike(tensor(7)), [], 'float64', [0])
  })

  it('invalid shapes are rejected', () => {
    expect(() => zeros([2, -1])).toThrow(
      'zeros: invalid shape [2,-1]: dimensions must be non-negative integers',
    )
    expect(() => ones([1.5])).toThrow('ones: invalid shape [1.5]: dimensions must be non-negative integers')
  })
})

describe('arange', () => {
  it('one, two and three arguments', () => {
    expectTensor(arange(5), [5], 'float64', [0, 1, 2, 3, 4])
    expectTensor(arange(2, 5), [3], 'float64', [2, 3, 4])
    expectTensor(arange(1, 2, 0.25), [4], 'float64', [1, 1.25, 1.5, 1.75])
    expectTensor(arange(0), [0], 'float64', [])
    expectTensor(arange(-3), [0], 'float64', [])
    expectTensor(arange(5, 2), [0], 'float64', [])
    expectTensor(arange(3, undefined, 1, { dtype: 'int32' }), [3], 'int32', [0, 1, 2])
  })

  it('negative step counts down, stopping before stop', () => {
    expectTensor(arange(5, 0, -1), [5], 'float64', [5, 4, 3, 2, 1])
    expectTensor(arange(1, -1, -0.5), [4], 'float64', [1, 0.5, 0, -0.5])
    expectTensor(arange(0, 5, -1), [0], 'float64', [])
  })

  it('matches the definition start + i·step for i < ceil((stop-start)/step)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: -5, max: 5 }).filter((s) => s !== 0),
        (start, stop, step) => {
          const want: number[] = []
          if (step > 0) for (let x = start; x < stop; x += step) want.push(x)
          else for (let x = start; x > stop; x += step) want.push(x)
          expect(values(arange(start, stop, step))).toEqual(want)
        },
      ),
      params(100),
    )
  })

  it('zero or non-finite step is an error', () => {
    expect(() => arange(0, 5, 0)).toThrow('arange: step must be a finite non-zero number, got 0')
    expect(() => arange(0, 5, Infinity)).toThrow(
      'arange: step must be a finite non-zero number, got Infinity',
    )
    expect(() => arange(0, 5, NaN)).toThrow(ShapeError)
  })
})

describe('linspace', () => {
  it('includes both ends and is evenly spaced', () => {
    expectTensor(linspace(0, 1, 5), [5], 'float64', [0, 0.25, 0.5, 0.75, 1])
    expectTensor(linspace(2, -2, 3), [3], 'float64', [2, 0, -2])
    expectTensor(linspace(3, 7, 1), [1], 'float64', [3])
    expectTensor(linspace(3, 7, 0), [0], 'float64', [])
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.integer({ min: 2, max: 50 }),
        (a, b, n) => {
          const v = values(linspace(a, b, n))
          expect(v.length).toBe(n)
          expect(v[0]).toBe(a)
          expect(v[n - 1]).toBe(b)
          const step = (b - a) / (n - 1)
          v.forEach((x, i) => {
            expect(Math.abs(x - (a + i * step))).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(a) + Math.abs(b)))
          })
        },
      ),
      params(100),
    )
  })

  it('rejects a bad count', () => {
    expect(() => linspace(0, 1, -1)).toThrow('linspace: num must be a non-negative integer, got -1')
    expect(() => linspace(0, 1, 2.5)).toThrow('linspace: num must be a non-negative integer, got 2.5')
  })
})

describe('eye', () => {
  it('square and rectangular identity matrices', () => {
    for (const [n, m] of [
      [3, 3],
      [2, 4],
      [4, 2],
      [1, 1],
      [0, 3],
    ] as const) {
      const want = Array.from({ length: n * m }, (_, k) => (Math.floor(k / m) === k % m ? 1 : 0))
      expectTensor(eye(n, m), [n, m], 'float64', want)
    }
    expectTensor(eye(2), [2, 2], 'float64', [1, 0, 0, 1])
    expectTensor(eye(2, 2, { dtype: 'int32' }), [2, 2], 'int32', [1, 0, 0, 1])
    expect(() => eye(-1)).toThrow('eye: invalid shape [-1,-1]: dimensions must be non-negative integers')
  })
})

describe('fromArray', () => {
  it('copies flat values into any shape', () => {
    fc.assert(
      fc.property(
        arbShape(4, 4).chain((shape) => fc.tuple(fc.constant(shape), arbFlat(shape))),
        ([shape, flat]) => {
          const src = Float64Array.from(flat)
          const t = fromArray(src, shape)
          expectTensor(t, shape, 'float64', flat)
          src.fill(7) // the tensor kept its own copy
          expect(values(t)).toEqual(flat)
        },
      ),
      params(100),
    )
    expectTensor(fromArray([1.9, -1.9], [2], { dtype: 'int32' }), [2], 'int32', [1, -1])
    expectTensor(fromArray(new Float32Array([0.5]), [], { dtype: 'float32' }), [], 'float32', [0.5])
  })

  it('size mismatch and invalid shapes are errors', () => {
    expect(() => fromArray([1, 2, 3, 4, 5], [2, 3])).toThrow(
      'fromArray: 5 values cannot fill shape [2,3] (size 6)',
    )
    expect(() => fromArray([1], [])).not.toThrow()
    expect(() => fromArray([], [])).toThrow('fromArray: 0 values cannot fill shape [] (size 1)')
    expect(() => fromArray([], [-1])).toThrow(
      'fromArray: invalid shape [-1]: dimensions must be non-negative integers',
    )
  })
})

describe('readouts', () => {
  it('toArray returns a copy: mutating it leaves the tensor unchanged', () => {
    const t = tensor([1, 2, 3])
    const a = toArray(t)
    a[0] = 100
    expect(values(t)).toEqual([1, 2, 3])
    expect(toArray(t)).not.toBe(toArray(t))
  })

  it('toNested round-trips tensor', () => {
    fc.assert(
      fc.property(arbNested, ({ nested, shape }) => {
        const t = tensor(nested)
        expect(toNested(t)).toEqual(nested)
        expect(tensor(toNested(t)).shape).toEqual(shape)
      }),
      params(100),
    )
    expect(toNested(tensor(5))).toBe(5)
    expect(toNested(zeros([2, 0]))).toEqual([[], []])
  })

  it('item with and without an index (negative indices count from the end)', () => {
    expect(item(tensor(4))).toBe(4)
    expect(item(tensor([[9]]))).toBe(9)
    fc.assert(
      fc.property(
        arbShape(4, 4, 1).chain((shape) => fc.tuple(fc.constant(shape), arbFlat(shape), fc.nat())),
        ([shape, flat, r]) => {
          const t = fromArray(flat, shape)
          const k = r % flat.length
          const idx = unravel(k, shape)
          expect(item(t, idx)).toBe(flat[k])
          const negIdx = idx.map((i, d) => i - shape[d]!)
          expect(item(t, negIdx)).toBe(flat[ravel(idx, shape)])
        },
      ),
      params(100),
    )
  })

  it('item errors', () => {
    const t = zeros([2, 2])
    expect(() => item(t)).toThrow('item: expected a tensor with one element, got shape [2,2]')
    expect(() => item(zeros([0]))).toThrow('item: expected a tensor with one element, got shape [0]')
    expect(() => item(t, [0])).toThrow('item: index [0] has 1 entries for shape [2,2]')
    expect(() => item(t, [2, 0])).toThrow('item: index [2,0] is out of bounds for shape [2,2]')
    expect(() => item(t, [0, -3])).toThrow('item: index [0,-3] is out of bounds for shape [2,2]')
    expect(() => item(t, [0, 0.5])).toThrow(ShapeError)
  })

  it('shape is frozen and a fresh copy of the caller’s array', () => {
    const shape = [2, 3]
    const t = zeros(shape)
    expect(Object.isFrozen(t.shape)).toBe(true)
    expect(() => {
      ;(t.shape as number[])[0] = 5
    }).toThrow(TypeError)
    shape[0] = 9
    expect(t.shape).toEqual([2, 3])
  })
})

describe('tensor objects are read-only', () => {
  it('assigning a field or adding a property throws and changes nothing', () => {
    const t = tensor([[1, 2], [3, 4]])
    expect(() => {
      ;(t as unknown as { shape: number[] }).shape = [4]
    }).toThrow(TypeError)
    expect(() => {
      ;(t as unknown as { extra: number }).extra = 1
    }).toThrow(TypeError)
    expect(t.shape).toEqual([2, 2])
    expect(Object.isFrozen(t)).toBe(true)
  })
})

describe('int32 holds what it can, and rejects the rest naming value and index', () => {
  // the reference: int32 stores trunc(v) exactly when v is finite and trunc(v) lies in [−2³¹, 2³¹ − 1]
  const holds = (v: number): boolean => Number.isFinite(v) && Math.trunc(v) >= -(2 ** 31) && Math.trunc(v) <= 2 ** 31 - 1
  const arbValue = fc.oneof(
    fc.double(),
    fc.constantFrom(2 ** 31 - 1, 2 ** 31 - 0.5, 2 ** 31, -(2 ** 31), -(2 ** 31) - 0.5, -(2 ** 31) - 1, NaN, Infinity, -Infinity, -0),
    fc.integer({ min: -(2 ** 32), max: 2 ** 32 }),
  )
  it('tensor, fromArray and astype agree with the reference on every value', () => {
    fc.assert(
      fc.property(fc.array(arbValue, { minLength: 1, maxLength: 6 }), (xs) => {
        const bad = xs.findIndex((v) => !holds(v))
        const attempts = [
          () => tensor(xs, { dtype: 'int32' }),
          () => fromArray(xs, [xs.length], { dtype: 'int32' }),
          () => astype(fromArray(xs, [xs.length]), 'int32'),
        ]
        for (const make of attempts)
          if (bad < 0) expect(Array.from(values(make()))).toEqual(xs.map((v) => Math.trunc(v) + 0))
          else expect(make).toThrow(`value ${String(xs[bad])} at index [${bad}] cannot be stored as int32`)
      }),
      params(200),
    )
  })
  it('the errors are DTypeErrors naming the operation, and multi-indices for nested input', () => {
    expect(() => tensor([[1, 2], [3, 2 ** 31]], { dtype: 'int32' })).toThrow(
      'tensor: value 2147483648 at index [1][1] cannot be stored as int32',
    )
    expect(() => astype(tensor([[1, 2], [3, NaN]]), 'int32')).toThrow('astype: value NaN at index [1,1] cannot be stored as int32')
    expect(() => fromArray([0, 0, 0, -Infinity], [2, 2], { dtype: 'int32' })).toThrow(DTypeError)
    expect(() => full([3], 2 ** 40, { dtype: 'int32' })).toThrow('full: value 1099511627776 (the fill value) cannot be stored as int32')
    expect(() => zeros([2], { dtype: 'int32' })).not.toThrow()
  })
})

describe('shape limits', () => {
  it('more than 2^31 − 1 elements is a ShapeError naming the shape, before any allocation', () => {
    expect(() => zeros([2 ** 16, 2 ** 15])).toThrow(
      'zeros: shape [65536,32768] has 2147483648 elements, more than the limit of 2147483647 (2^31 - 1) elements per tensor',
    )
    expect(() => full([1e6, 1e6, 1e6], 1)).toThrow(ShapeError)
    expect(() => eye(46341)).toThrow('eye: shape [46341,46341] has 2147488281 elements')
    // at the limit's edge, an empty dimension makes any shape fine
    expect(zeros([0, 1e9, 1e9]).size).toBe(0)
  })
})
