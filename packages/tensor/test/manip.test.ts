// Shape manipulation: every kernel is checked against a naive reference written here (multi-index loops over
// `unravel`/`ravel`), every adjoint pair by the dot-product identity, every error path by its message.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DTypeError, ShapeError } from '../src/errors.js'
import {
  broadcastTo,
  concat,
  embedSlice,
  expandDims,
  flatten,
  gather,
  oneHot,
  pad,
  reshape,
  scatterAdd,
  slice,
  split,
  squeeze,
  stack,
  take,
  tile,
  transpose,
  type SliceRange,
} from '../src/kernels/manip.js'
import { fromArray, tensor, toArray, zeros, type Tensor } from '../src/tensor.js'
import { arbShape, arbTensor, arbTensorOf, params, ravel, unravel, values } from './helpers.js'

// ---------------------------------------------------------------------------------------------------------------
// Naive references and helpers
// ---------------------------------------------------------------------------------------------------------------

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1)

/** Builds a plain value array of `shape` by evaluating `f` at every multi-index. */
const build = (shape: readonly number[], f: (idx: number[]) => number): number[] =>
  Array.from({ length: size(shape) }, (_, k) => f(unravel(k, shape)))

const flatCache = new WeakMap<Tensor, number[]>()
/** x[idx] read through flat values (cached per tensor, so naive references stay linear). */
const at = (x: Tensor, idx: readonly number[]): number => {
  let v = flatCache.get(x)
  if (v === undefined) {
    v = values(x)
    flatCache.set(x, v)
  }
  return v[ravel(idx, x.shape)]!
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0)

const closeTo = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b))

/** Runs `f` and checks that none of `inputs` changed. */
const pure = <T>(inputs: readonly Tensor[], f: () => T): T => {
  const before = inputs.map((t) => Array.from(toArray(t)))
  const out = f()
  inputs.forEach((t, i) => {
    expect(Array.from(toArray(t))).toEqual(before[i])
  })
  return out
}

const expectTensor = (t: Tensor, shape: readonly number[], vals: readonly number[]): void => {
  expect(t.shape).toEqual(shape)
  expect(values(t)).toEqual(vals)
}

/** Python's `range(n)[start:stop:step]`, enumerated from the language reference's definition. */
const pySliceIndices = (n: number, r: SliceRange | undefined): number[] => {
  const step = r?.step ?? 1
  const out: number[] = []
  if (step > 0) {
    const norm = (v: number | undefined, dflt: number): number =>
      v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + n : v, 0), n)
    for (let i = norm(r?.start, 0); i < norm(r?.stop, n); i += step) out.push(i)
  } else {
    const norm = (v: number | undefined, dflt: number): number =>
      v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + n : v, -1), n - 1)
    for (let i = norm(r?.start, n - 1); i > norm(r?.stop, -1); i += step) out.push(i)
  }
  return out
}

const refSlice = (
  x: Tensor,
  ranges: readonly (SliceRange | undefined)[],
): { shape: number[]; vals: number[] } => {
  const lists = x.shape.map((n, d) => pySliceIndices(n, ranges[d]))
  const shape = lists.map((l) => l.length)
  return {
    shape,
    vals: build(shape, (idx) =>
      at(
        x,
        idx.map((i, d) => lists[d]![i]!),
      ),
    ),
  }
}

const arbRange = (n: number): fc.Arbitrary<SliceRange | undefined> =>
  fc.oneof(
    fc.constant(undefined),
    fc
      .record(
        {
          start: fc.integer({ min: -n - 2, max: n + 2 }),
          stop: fc.integer({ min: -n - 2, max: n + 2 }),
          step: fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
        },
        { requiredKeys: [] },
      )
      .map((r): SliceRange => r),
  )

/** A tensor and slice ranges for some of its leading axes. */
const arbSliceCase = fc
  .tuple(arbTensor(4, 5), fc.nat(4))
  .chain(([x, k]) =>
    fc.tuple(fc.constant(x), fc.tuple(...x.shape.slice(0, Math.min(k, x.ndim)).map((n) => arbRange(n)))),
  )

const arbPerm = (n: number): fc.Arbitrary<number[]> =>
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((keys) =>
    keys
      .map((k, i) => [k, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map((p) => p[1]),
  )

const refTranspose = (x: Tensor, perm: readonly number[]): { shape: number[]; vals: number[] } => {
  const shape = perm.map((p) => x.shape[p]!)
  return {
    shape,
    vals: build(shape, (idx) => {
      const src = new Array<number>(x.ndim)
      perm.forEach((p, i) => (src[p] = idx[i]!))
      return at(x, src)
    }),
  }
}

const intTensor = (vals: readonly number[], shape: readonly number[]): Tensor =>
  fromArray(vals, shape, { dtype: 'int32' })

// ---------------------------------------------------------------------------------------------------------------
// reshape, flatten, expandDims, squeeze
// ---------------------------------------------------------------------------------------------------------------

describe('reshape / flatten', () => {
  it('round trips through a random reshape, and infers -1', () => {
    fc.assert(
      fc.property(
        arbTensor(4, 4),
        fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 5 }),
        fc.nat(5),
        (x, cuts, where) => {
          // factor x.size into a random shape: split the prime-ish factors by the cut list
          const shape: number[] = []
          let rest = x.size
          for (const c of cuts) {
            const f = c > 1 && rest % c === 0 ? c : 1
            shape.push(f)
            rest /= f
          }
          shape.push(rest)
          const y = pure([x], () => reshape(x, shape))
          expect(y.shape).toEqual(shape)
          expect(values(y)).toEqual(values(x))
          expect(values(reshape(y, x.shape))).toEqual(values(x))
          expect(reshape(y, x.shape).shape).toEqual(x.shape)
          const i = where % shape.length
          const withHole = shape.map((d, j) => (j === i ? -1 : d))
          if (shape.every((d, j) => j === i || d > 0)) expect(reshape(x, withHole).shape).toEqual(shape)
          expect(values(flatten(x))).toEqual(values(x))
          expect(flatten(x).shape).toEqual([x.size])
        },
      ),
      params(150),
    )
  })

  it('keeps int32 and reshapes scalars', () => {
    const t = intTensor([1, 2, 3, 4, 5, 6], [2, 3])
    const r = reshape(t, [3, -1])
    expect(r.dtype).toBe('int32')
    expectTensor(r, [3, 2], [1, 2, 3, 4, 5, 6])
    expectTensor(reshape(tensor(7), [1, 1]), [1, 1], [7])
    expectTensor(reshape(tensor([7]), []), [], [7])
    expectTensor(reshape(zeros([0, 3]), [3, -1, 2]), [3, 0, 2], [])
    expect(flatten(intTensor([1, 2, 3, 4], [2, 2])).dtype).toBe('int32')
    expectTensor(flatten(tensor(5)), [1], [5])
  })

  it('rejects bad shapes', () => {
    const x = zeros([2, 3])
    expect(() => reshape(x, [4, 2])).toThrow(ShapeError)
    expect(() => reshape(x, [4, 2])).toThrow('reshape: cannot reshape [2,3] (size 6) into [4,2] (size 8)')
    expect(() => reshape(x, [4, -1])).toThrow('reshape: cannot reshape [2,3] (size 6) into [4,-1]')
    expect(() => reshape(x, [0, -1])).toThrow('reshape: cannot reshape [2,3] (size 6) into [0,-1]')
    expect(() => reshape(x, [-1, -1])).toThrow('reshape: only one dimension can be -1, got [-1,-1]')
    expect(() => reshape(x, [2, -3])).toThrow(
      'reshape: invalid shape [2,-3]: dimensions must be non-negative integers (or one -1)',
    )
    expect(() => reshape(x, [1.5, 4])).toThrow('reshape: invalid shape [1.5,4]')
  })
})

describe('expandDims / squeeze', () => {
  it('squeeze undoes expandDims at every valid axis', () => {
    fc.assert(
      fc.property(
        arbTensor(4, 3).chain((x) =>
          fc.tuple(fc.constant(x), fc.integer({ min: -(x.ndim + 1), max: x.ndim })),
        ),
        ([x, axis]) => {
          const e = pure([x], () => expandDims(x, axis))
          const pos = axis < 0 ? axis + x.ndim + 1 : axis
          const expected = [...x.shape.slice(0, pos), 1, ...x.shape.slice(pos)]
          expect(e.shape).toEqual(expected)
          expect(values(e)).toEqual(values(x))
          const s = pure([e], () => squeeze(e, axis))
          expect(s.shape).toEqual(x.shape)
          expect(values(s)).toEqual(values(x))
          // squeeze() with no axis drops every size-1 dim
          expect(squeeze(e).shape).toEqual(x.shape.filter((d) => d !== 1))
        },
      ),
      params(120),
    )
  })

  it('squeezes lists of axes and keeps int32', () => {
    const t = intTensor([1, 2, 3], [1, 3, 1])
    expectTensor(squeeze(t, [0, -1]), [3], [1, 2, 3])
    expect(squeeze(t, 0).shape).toEqual([3, 1])
    expect(squeeze(t).dtype).toBe('int32')
    expect(expandDims(t, 1).dtype).toBe('int32')
    expectTensor(expandDims(tensor(4), 0), [1], [4])
    expectTensor(squeeze(tensor([[4]])), [], [4])
  })

  it('rejects bad axes', () => {
    const x = zeros([2, 3])
    expect(() => expandDims(x, 3)).toThrow('expandDims: axis 3 is out of range [-3, 2] for shape [2,3]')
    expect(() => expandDims(x, -4)).toThrow('expandDims: axis -4 is out of range [-3, 2] for shape [2,3]')
    expect(() => squeeze(x, 1)).toThrow(
      'squeeze: cannot squeeze axis 1 of size 3 in shape [2,3] (only size-1 axes)',
    )
    expect(() => squeeze(x, 2)).toThrow('squeeze: axis 2 is out of range for shape [2,3]')
    expect(() => squeeze(zeros([1, 1]), [0, -2])).toThrow('squeeze: repeated axis in [0,-2]')
  })
})

// ---------------------------------------------------------------------------------------------------------------
// transpose, broadcastTo, tile
// ---------------------------------------------------------------------------------------------------------------

describe('transpose', () => {
  const arbCase = arbTensor(5, 4).chain((x) => fc.tuple(fc.constant(x), arbPerm(x.ndim)))

  it('agrees with a naive reference', () => {
    fc.assert(
      fc.property(arbCase, ([x, p]) => {
        const y = pure([x], () => transpose(x, p))
        const ref = refTranspose(x, p)
        expectTensor(y, ref.shape, ref.vals)
      }),
      params(150),
    )
  })

  it('is an involution with the inverse permutation (and accepts negative axes)', () => {
    fc.assert(
      fc.property(arbCase, ([x, p]) => {
        const inv = new Array<number>(p.length)
        p.forEach((v, i) => (inv[v] = i))
        const negP = p.map((v) => v - x.ndim)
        const back = transpose(transpose(x, negP), inv)
        expectTensor(back, x.shape, values(x))
      }),
      params(150),
    )
  })

  it('reverses axes by default, keeps int32, handles large (tiled) and batched matrices', () => {
    const t = intTensor([1, 2, 3, 4, 5, 6], [2, 3])
    const tt = transpose(t)
    expect(tt.dtype).toBe('int32')
    expectTensor(tt, [3, 2], [1, 4, 2, 5, 3, 6])
    expectTensor(transpose(tensor(3)), [], [3])
    for (const [shape, perm] of [
      [
        [40, 70],
        [1, 0],
      ],
      [
        [3, 33, 65],
        [0, 2, 1],
      ],
      [
        [34, 2, 35],
        [2, 1, 0],
      ],
      [
        [5, 36, 3, 40],
        [1, 3, 0, 2],
      ],
      [
        [64, 64],
        [1, 0],
      ],
    ] as const) {
      const x = fromArray(
        Array.from({ length: size(shape) }, (_, i) => i),
        shape,
      )
      const ref = refTranspose(x, perm)
      expectTensor(transpose(x, perm), ref.shape, ref.vals)
    }
    expectTensor(transpose(zeros([0, 3])), [3, 0], [])
  })

  it('rejects non-permutations', () => {
    const x = zeros([2, 3])
    expect(() => transpose(x, [0, 0])).toThrow(
      'transpose: axes [0,0] are not a permutation of the 2 axes of shape [2,3]',
    )
    expect(() => transpose(x, [0])).toThrow(
      'transpose: axes [0] are not a permutation of the 2 axes of shape [2,3]',
    )
    expect(() => transpose(x, [0, 2])).toThrow('transpose: axes [0,2] are not a permutation')
    expect(() => transpose(x, [-3, 0])).toThrow('transpose: axes [-3,0] are not a permutation')
    expect(() => transpose(x, [1, -1])).toThrow('transpose: axes [1,-1] are not a permutation')
  })
})

describe('broadcastTo', () => {
  it('equals naive tiling', () => {
    fc.assert(
      fc.property(
        arbShape(4, 4).chain((target) =>
          fc
            .tuple(
              fc.array(fc.boolean(), { minLength: target.length, maxLength: target.length }),
              fc.nat(target.length),
            )
            .chain(([ones, drop]) =>
              fc.tuple(fc.constant(target), arbTensorOf(target.map((d, i) => (ones[i] ? 1 : d)).slice(drop))),
            ),
        ),
        ([target, x]) => {
          const y = pure([x], () => broadcastTo(x, target))
          const off = target.length - x.ndim
          const vals = build(target, (idx) =>
            at(
              x,
              x.shape.map((d, i) => (d === 1 ? 0 : idx[i + off]!)),
            ),
          )
          expectTensor(y, target, vals)
        },
      ),
      params(150),
    )
  })

  it('fills long rows and keeps int32', () => {
    const x = fromArray(
      Array.from({ length: 40 }, (_, i) => i),
      [40, 1],
    )
    const y = broadcastTo(x, [2, 40, 50])
    expectTensor(
      y,
      [2, 40, 50],
      build([2, 40, 50], ([, i]) => i!),
    )
    const r = fromArray(
      Array.from({ length: 50 }, (_, i) => -i),
      [50],
    )
    expectTensor(
      broadcastTo(r, [3, 50]),
      [3, 50],
      build([3, 50], ([, j]) => -j!),
    )
    const t = broadcastTo(intTensor([1, 2], [2]), [2, 2])
    expect(t.dtype).toBe('int32')
    expectTensor(t, [2, 2], [1, 2, 1, 2])
    expectTensor(broadcastTo(tensor(5), [2, 0]), [2, 0], [])
  })

  it('rejects shapes that do not broadcast', () => {
    expect(() => broadcastTo(zeros([2, 3]), [4, 3])).toThrow('broadcastTo: cannot broadcast [2,3] to [4,3]')
    expect(() => broadcastTo(zeros([2, 3]), [3])).toThrow('broadcastTo: cannot broadcast [2,3] to [3]')
    expect(() => broadcastTo(zeros([3]), [2, -1])).toThrow(
      'broadcastTo: invalid shape [2,-1]: dimensions must be non-negative integers',
    )
  })
})

describe('tile', () => {
  it('agrees with a naive reference (NumPy padding rules)', () => {
    fc.assert(
      fc.property(arbTensor(3, 3), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }), (x, reps) => {
        const y = pure([x], () => tile(x, reps))
        const nd = Math.max(x.ndim, reps.length)
        const aShape = [...new Array<number>(nd - x.ndim).fill(1), ...x.shape]
        const rs = [...new Array<number>(nd - reps.length).fill(1), ...reps]
        const shape = aShape.map((d, i) => d * rs[i]!)
        const flat = values(x)
        expectTensor(
          y,
          shape,
          build(
            shape,
            (idx) =>
              flat[
                ravel(
                  idx.map((v, i) => v % aShape[i]!),
                  aShape,
                )
              ]!,
          ),
        )
      }),
      params(120),
    )
  })

  it('examples and errors', () => {
    expectTensor(tile(tensor([1, 2]), [2]), [4], [1, 2, 1, 2])
    expectTensor(tile(tensor([1, 2]), [2, 1]), [2, 2], [1, 2, 1, 2])
    const t = tile(intTensor([1, 2, 3, 4], [2, 2]), [2])
    expect(t.dtype).toBe('int32')
    expectTensor(t, [2, 4], [1, 2, 1, 2, 3, 4, 3, 4])
    expect(() => tile(tensor([1]), [-1])).toThrow(
      'tile: reps must be non-negative integers, got [-1] for shape [1]',
    )
    expect(() => tile(tensor([1]), [1.5])).toThrow('tile: reps must be non-negative integers, got [1.5]')
  })
})

// ---------------------------------------------------------------------------------------------------------------
// slice, embedSlice, pad
// ---------------------------------------------------------------------------------------------------------------

describe('slice', () => {
  it('agrees with Python slice semantics', () => {
    fc.assert(
      fc.property(arbSliceCase, ([x, ranges]) => {
        const y = pure([x], () => slice(x, ranges))
        const ref = refSlice(x, ranges)
        expectTensor(y, ref.shape, ref.vals)
      }),
      params(300),
    )
  })

  it('matches values printed by CPython for range(10)', () => {
    const r = tensor(Array.from({ length: 10 }, (_, i) => i))
    const cases: [SliceRange, number[]][] = [
      [{ start: 8, stop: 2, step: -3 }, [8, 5]],
      [{ start: 5, stop: -100, step: -2 }, [5, 3, 1]],
      [{ start: -3 }, [7, 8, 9]],
      [{ step: -1 }, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
      [{ start: -100, stop: 100, step: 3 }, [0, 3, 6, 9]],
      [{ start: 7, stop: 3 }, []],
      [{ start: -1, stop: -11, step: -4 }, [9, 5, 1]],
      [{ start: 3, stop: 3, step: -1 }, []],
    ]
    for (const [range, expected] of cases) expectTensor(slice(r, [range]), [expected.length], expected)
  })

  it('copies long contiguous rows and strided rows, keeps int32, returns whole tensors', () => {
    const x = fromArray(
      Array.from({ length: 6 * 80 }, (_, i) => i),
      [6, 80],
    )
    for (const ranges of [
      [{ start: 1, stop: 5 }],
      [
        { start: 4, stop: 0, step: -2 },
        { start: 3, stop: 75 },
      ],
      [undefined, { start: 79, step: -1 }],
      [{ step: 2 }, { start: 2, step: 3 }],
    ]) {
      const ref = refSlice(x, ranges)
      expectTensor(slice(x, ranges), ref.shape, ref.vals)
    }
    const t = slice(intTensor([1, 2, 3, 4], [2, 2]), [undefined, { start: 1 }])
    expect(t.dtype).toBe('int32')
    expectTensor(t, [2, 1], [2, 4])
    expectTensor(slice(x, []), [6, 80], values(x))
    expectTensor(slice(tensor(3), []), [], [3])
  })

  it('rejects bad ranges', () => {
    const x = zeros([3])
    expect(() => slice(x, [{ step: 0 }])).toThrow('slice: slice step must not be zero (axis 0 of shape [3])')
    expect(() => slice(x, [{ start: 1.5 }])).toThrow(
      'slice: slice bounds must be integers, got 1.5:undefined:undefined for axis 0 of shape [3]',
    )
    expect(() => slice(x, [{ stop: 0.5 }])).toThrow('slice: slice bounds must be integers')
    expect(() => slice(x, [{ step: 1.5 }])).toThrow('slice: slice bounds must be integers')
    expect(() => slice(x, [undefined, undefined])).toThrow('slice: 2 ranges given for shape [3] (at most 1)')
  })
})

describe('embedSlice', () => {
  it('is the adjoint of slice: <slice(x), v> = <x, embedSlice(v)>', () => {
    fc.assert(
      fc.property(
        arbSliceCase.chain(([x, ranges]) =>
          fc.tuple(fc.constant(x), fc.constant(ranges), arbTensorOf(refSlice(x, ranges).shape)),
        ),
        ([x, ranges, v]) => {
          const e = pure([v], () => embedSlice(v, x.shape, ranges))
          expect(e.shape).toEqual(x.shape)
          expect(closeTo(dot(values(slice(x, ranges)), values(v)), dot(values(x), values(e)))).toBe(true)
          // and, directly: slicing the embedding gives v back
          expect(values(slice(e, ranges))).toEqual(values(v))
        },
      ),
      params(200),
    )
  })

  it('writes long rows, keeps dtype, and names both shapes on mismatch', () => {
    const v = fromArray(
      Array.from({ length: 2 * 40 }, (_, i) => i + 1),
      [2, 40],
    )
    const e = embedSlice(
      v,
      [5, 50],
      [
        { start: 1, stop: 5, step: 2 },
        { start: 5, stop: 45 },
      ],
    )
    expectTensor(
      e,
      [5, 50],
      build([5, 50], ([i, j]) => (i! % 2 === 1 && j! >= 5 && j! < 45 ? ((i! - 1) / 2) * 40 + j! - 5 + 1 : 0)),
    )
    expect(embedSlice(intTensor([7], [1]), [3], [{ start: -1 }]).dtype).toBe('int32')
    expect(() => embedSlice(zeros([2, 2]), [4, 3], [{ start: 1, stop: 3 }])).toThrow(
      'embedSlice: values of shape [2,2] do not match the slice shape [2,3] of [4,3]',
    )
    expect(() => embedSlice(zeros([2]), [4], [{ step: 0 }])).toThrow(
      'embedSlice: slice step must not be zero',
    )
    expect(() => embedSlice(zeros([2]), [-4], [])).toThrow('embedSlice: invalid shape [-4]')
  })
})

describe('pad', () => {
  const arbPadCase = arbTensor(3, 3).chain((x) =>
    fc.tuple(
      fc.constant(x),
      fc.tuple(...x.shape.map(() => fc.tuple(fc.nat(2), fc.nat(2)))),
      fc.double({ min: -5, max: 5, noNaN: true }),
    ),
  )

  it('agrees with a naive reference', () => {
    fc.assert(
      fc.property(arbPadCase, ([x, widths, value]) => {
        const y = pure([x], () => pad(x, widths, value))
        const shape = x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1])
        const vals = build(shape, (idx) => {
          const src = idx.map((v, i) => v - widths[i]![0])
          return src.every((v, i) => v >= 0 && v < x.shape[i]!) ? at(x, src) : value
        })
        expectTensor(y, shape, vals)
      }),
      params(120),
    )
  })

  it('zero padding is the adjoint of slicing out the interior', () => {
    fc.assert(
      fc.property(
        arbPadCase.chain(([x, widths]) =>
          fc.tuple(
            fc.constant(x),
            fc.constant(widths),
            arbTensorOf(x.shape.map((d, i) => d + widths[i]![0] + widths[i]![1])),
          ),
        ),
        ([x, widths, y]) => {
          const interior = x.shape.map((d, i): SliceRange => ({
            start: widths[i]![0],
            stop: widths[i]![0] + d,
          }))
          expect(
            closeTo(dot(values(pad(x, widths)), values(y)), dot(values(x), values(slice(y, interior)))),
          ).toBe(true)
        },
      ),
      params(100),
    )
  })

  it('pads long rows, keeps int32, and rejects bad widths', () => {
    const x = fromArray(
      Array.from({ length: 40 }, (_, i) => i + 1),
      [1, 40],
    )
    const y = pad(x, [
      [1, 0],
      [2, 3],
    ])
    expectTensor(
      y,
      [2, 45],
      build([2, 45], ([i, j]) => (i === 1 && j! >= 2 && j! < 42 ? j! - 1 : 0)),
    )
    const t = pad(intTensor([1, 2], [2]), [[1, 1]], 9)
    expect(t.dtype).toBe('int32')
    expectTensor(t, [4], [9, 1, 2, 9])
    expect(() => pad(zeros([2, 3]), [[1, 1]])).toThrow(
      'pad: 1 width pairs given for shape [2,3] (need one [before, after] pair per axis, 2)',
    )
    expect(() =>
      pad(zeros([2, 3]), [
        [-1, 2],
        [0, 0],
      ]),
    ).toThrow('pad: widths must be non-negative integers, got [-1,2] for axis 0 of shape [2,3]')
    expect(() => pad(zeros([2]), [[0.5, 0]])).toThrow(
      'pad: widths must be non-negative integers, got [0.5,0]',
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// take, scatterAdd, gather, oneHot
// ---------------------------------------------------------------------------------------------------------------

/** A tensor (ndim ≥ 1), an axis, and index values (possibly negative, possibly repeated) of a random shape. */
const arbTakeCase = arbTensor(3, 4)
  .filter((x) => x.ndim >= 1)
  .chain((x) =>
    fc.integer({ min: -x.ndim, max: x.ndim - 1 }).chain((axis) => {
      const n = x.shape[axis < 0 ? axis + x.ndim : axis]!
      return arbShape(2, 3).chain((ishape) =>
        fc.tuple(
          fc.constant(x),
          fc.constant(axis),
          fc.constant(ishape),
          fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: size(ishape), maxLength: size(ishape) }),
        ),
      )
    }),
  )

const refTake = (
  x: Tensor,
  axis: number,
  ishape: readonly number[],
  idx: readonly number[],
): { shape: number[]; vals: number[] } => {
  const ax = axis < 0 ? axis + x.ndim : axis
  const n = x.shape[ax]!
  const shape = [...x.shape.slice(0, ax), ...ishape, ...x.shape.slice(ax + 1)]
  const vals = build(shape, (o) => {
    const i = idx[ravel(o.slice(ax, ax + ishape.length), ishape)]!
    return at(x, [...o.slice(0, ax), i < 0 ? i + n : i, ...o.slice(ax + ishape.length)])
  })
  return { shape, vals }
}

describe('take', () => {
  it('agrees with a reference for int32, float and number[] indices', () => {
    fc.assert(
      fc.property(arbTakeCase, ([x, axis, ishape, idx]) => {
        const ref = refTake(x, axis, ishape, idx)
        const it32 = intTensor(idx, ishape)
        expectTensor(
          pure([x, it32], () => take(x, it32, axis)),
          ref.shape,
          ref.vals,
        )
        expectTensor(take(x, fromArray(idx, ishape), axis), ref.shape, ref.vals)
        if (ishape.length === 1) expectTensor(take(x, idx, axis), ref.shape, ref.vals)
      }),
      params(200),
    )
  })

  it('row-copy path for wide tables, default axis 0, int32 kept', () => {
    const table = fromArray(
      Array.from({ length: 5 * 48 }, (_, i) => i),
      [5, 48],
    )
    const ref = refTake(table, 0, [2, 3], [4, 0, -1, 2, 2, 1])
    expectTensor(take(table, intTensor([4, 0, -1, 2, 2, 1], [2, 3])), ref.shape, ref.vals)
    const x3 = fromArray(
      Array.from({ length: 2 * 3 * 40 }, (_, i) => i),
      [2, 3, 40],
    )
    const ref3 = refTake(x3, 1, [4], [2, 0, 2, 1])
    expectTensor(take(x3, [2, 0, 2, 1], 1), ref3.shape, ref3.vals)
    const t = take(intTensor([5, 6, 7], [3]), [2, 0])
    expect(t.dtype).toBe('int32')
    expectTensor(t, [2], [7, 5])
    expectTensor(take(tensor([5, 6, 7]), intTensor([1], [])), [], [6])
  })

  it('rejects bad indices and axes', () => {
    const x = zeros([2, 3])
    expect(() => take(x, [3], 1)).toThrow(ShapeError)
    expect(() => take(x, [0, 3], 1)).toThrow(
      'take: index 3 is out of bounds for axis 1 with size 3 (shape [2,3])',
    )
    expect(() => take(x, [-3])).toThrow(
      'take: index -3 is out of bounds for axis 0 with size 2 (shape [2,3])',
    )
    expect(() => take(x, [0.5])).toThrow(DTypeError)
    expect(() => take(x, [0, 0.5])).toThrow('take: indices must be integers, got 0.5 at position 1')
    expect(() => take(x, tensor([[0, 1.5]]))).toThrow(
      'take: indices must be integers, got 1.5 at flat position 1',
    )
    expect(() => take(x, [0], 2)).toThrow('take: axis 2 is out of range for shape [2,3]')
    expect(() => take(tensor(1), [0])).toThrow('take: axis 0 is out of range for shape []')
  })
})

describe('scatterAdd', () => {
  it('is the adjoint of take, duplicates included: <take(x, i), u> = <x, scatterAdd(0, i, u)>', () => {
    fc.assert(
      fc.property(
        arbTakeCase.chain(([x, axis, ishape, idx]) =>
          fc.tuple(
            fc.constant(x),
            fc.constant(axis),
            fc.constant(ishape),
            fc.constant(idx),
            arbTensorOf(refTake(x, axis, ishape, idx).shape),
          ),
        ),
        ([x, axis, ishape, idx, u]) => {
          const it32 = intTensor(idx, ishape)
          const z = zeros(x.shape)
          const s = pure([z, u, it32], () => scatterAdd(z, it32, u, axis))
          expect(s.shape).toEqual(x.shape)
          expect(closeTo(dot(values(take(x, it32, axis)), values(u)), dot(values(x), values(s)))).toBe(true)
        },
      ),
      params(200),
    )
  })

  it('adds to base with duplicate indices (naive reference), wide rows, and dtype rules', () => {
    const base = fromArray(
      Array.from({ length: 4 * 40 }, (_, i) => i),
      [4, 40],
    )
    const idx = [1, 3, 1, -1]
    const upd = fromArray(
      Array.from({ length: 4 * 40 }, (_, i) => 1000 * (i + 1)),
      [4, 40],
    )
    const expected = values(base)
    idx.forEach((r, k) => {
      const row = r < 0 ? r + 4 : r
      for (let j = 0; j < 40; j++) expected[row * 40 + j]! += values(upd)[k * 40 + j]!
    })
    expectTensor(scatterAdd(base, idx, upd), [4, 40], expected)
    // along the last axis (inner = 1)
    expectTensor(
      scatterAdd(
        zeros([2, 3]),
        [0, 0, 2],
        tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        -1,
      ),
      [2, 3],
      [3, 0, 3, 9, 0, 6],
    )
    const ints = scatterAdd(intTensor([1, 1], [2]), [1, 1], intTensor([5, 6], [2]))
    expect(ints.dtype).toBe('int32')
    expectTensor(ints, [2], [1, 12])
    const mixed = scatterAdd(intTensor([1, 1], [2]), [0], tensor([0.5]))
    expect(mixed.dtype).toBe('float64')
    expectTensor(mixed, [2], [1.5, 1])
  })

  it('rejects mismatched updates and bad indices', () => {
    expect(() => scatterAdd(zeros([5, 2]), [0, 1, 2, 3], zeros([3, 2]))).toThrow(
      'scatterAdd: updates of shape [3,2] do not match [4,2] = base [5,2] with indices [4] along axis 0',
    )
    expect(() => scatterAdd(zeros([5, 2]), [5], zeros([1, 2]))).toThrow(
      'scatterAdd: index 5 is out of bounds for axis 0 with size 5 (shape [5,2])',
    )
    expect(() => scatterAdd(zeros([5, 2]), [0.5], zeros([1, 2]))).toThrow(
      'scatterAdd: indices must be integers, got 0.5 at position 0',
    )
    expect(() => scatterAdd(zeros([5, 2]), [0], zeros([1, 2]), 2)).toThrow(
      'scatterAdd: axis 2 is out of range for shape [5,2]',
    )
  })
})

describe('gather', () => {
  const arbGatherCase = arbTensor(3, 4)
    .filter((x) => x.ndim >= 1)
    .chain((x) =>
      fc.integer({ min: 0, max: x.ndim - 1 }).chain((axis) =>
        fc
          .tuple(
            ...x.shape.map((d, i) =>
              i === axis ? fc.integer({ min: 0, max: 4 }) : fc.integer({ min: 1, max: d }),
            ),
          )
          .chain((ishape) =>
            fc.tuple(
              fc.constant(x),
              fc.constant(axis),
              fc.constant(ishape),
              fc.array(fc.integer({ min: -x.shape[axis]!, max: x.shape[axis]! - 1 }), {
                minLength: size(ishape),
                maxLength: size(ishape),
              }),
            ),
          ),
      ),
    )

  it('agrees with take_along_axis semantics (naive reference)', () => {
    fc.assert(
      fc.property(arbGatherCase, ([x, axis, ishape, idx]) => {
        const it32 = intTensor(idx, ishape)
        const y = pure([x, it32], () => gather(x, it32, axis))
        const n = x.shape[axis]!
        const vals = build(ishape, (o) => {
          const i = idx[ravel(o, ishape)]!
          return at(
            x,
            o.map((v, d) => (d === axis ? (i < 0 ? i + n : i) : v)),
          )
        })
        expectTensor(y, ishape, vals)
        expectTensor(gather(x, it32, axis - x.ndim), ishape, vals)
      }),
      params(200),
    )
  })

  it('examples (PyTorch docs) and errors', () => {
    const t = intTensor([1, 2, 3, 4], [2, 2])
    const g = gather(t, intTensor([0, 0, 1, 0], [2, 2]), 1)
    expect(g.dtype).toBe('int32')
    expectTensor(g, [2, 2], [1, 1, 4, 3])
    expectTensor(gather(tensor([5, 6, 7]), [2, -3], 0), [2], [7, 5])
    expect(() => gather(zeros([2, 3]), [0], 1)).toThrow(
      "gather: indices of shape [1] do not fit [2,3] along axis 1 (same ndim, other dims ≤ the input's)",
    )
    expect(() => gather(zeros([2, 3]), intTensor([0, 0, 0], [3, 1]), 1)).toThrow(
      'gather: indices of shape [3,1] do not fit [2,3] along axis 1',
    )
    expect(() => gather(zeros([2, 3]), intTensor([0, 3], [1, 2]), 1)).toThrow(
      'gather: index 3 is out of bounds for axis 1 with size 3 (shape [2,3])',
    )
    expect(() => gather(zeros([2]), [0.5], 0)).toThrow(
      'gather: indices must be integers, got 0.5 at position 0',
    )
    expect(() => gather(zeros([2]), [0], 1)).toThrow('gather: axis 1 is out of range for shape [2]')
  })
})

describe('oneHot', () => {
  it('agrees with a reference', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 5 })
          .chain((c) =>
            arbShape(3, 3).chain((s) =>
              fc.tuple(
                fc.constant(c),
                fc.constant(s),
                fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: size(s), maxLength: size(s) }),
              ),
            ),
          ),
        ([c, s, labels]) => {
          const lt = intTensor(labels, s)
          const y = pure([lt], () => oneHot(lt, c))
          expect(y.dtype).toBe('float64')
          expectTensor(
            y,
            [...s, c],
            build([...s, c], (idx) => (labels[ravel(idx.slice(0, -1), s)] === idx[idx.length - 1] ? 1 : 0)),
          )
          expect(values(oneHot(fromArray(labels, s), c))).toEqual(values(y))
        },
      ),
      params(100),
    )
  })

  it('number[] labels, float32, and errors', () => {
    const y = oneHot([2, 0], 3, { dtype: 'float32' })
    expect(y.dtype).toBe('float32')
    expectTensor(y, [2, 3], [0, 0, 1, 1, 0, 0])
    expect(() => oneHot(intTensor([0, 1, 2, 3], [2, 2]), 3)).toThrow(
      'oneHot: label 3 at position [1,1] of labels [2,2] is outside [0, 3)',
    )
    expect(() => oneHot([-1], 3)).toThrow('oneHot: label -1 at position [0] of labels [1] is outside [0, 3)')
    expect(() => oneHot([0.5], 3)).toThrow(DTypeError)
    expect(() => oneHot([0.5], 3)).toThrow('oneHot: labels must be integers, got 0.5 at position 0')
    expect(() => oneHot([0], 0)).toThrow('oneHot: numClasses must be a positive integer, got 0')
    expect(() => oneHot([0], 2.5)).toThrow('oneHot: numClasses must be a positive integer, got 2.5')
  })
})

// ---------------------------------------------------------------------------------------------------------------
// concat, stack, split
// ---------------------------------------------------------------------------------------------------------------

/** A list of tensors that agree on every dim except `axis`. */
const arbConcatCase = arbShape(3, 3, 1).chain((shape) =>
  fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((axis) => {
    const ax = axis < 0 ? axis + shape.length : axis
    return fc
      .array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 })
      .chain((lens) =>
        fc.tuple(
          fc.constant(axis),
          fc.tuple(...lens.map((l) => arbTensorOf(shape.map((d, i) => (i === ax ? l : d))))),
        ),
      )
  }),
)

describe('concat / split', () => {
  it('concat agrees with a reference and split inverts it', () => {
    fc.assert(
      fc.property(arbConcatCase, ([axis, parts]) => {
        const c = pure(parts, () => concat(parts, axis))
        const nd = parts[0]!.ndim
        const ax = axis < 0 ? axis + nd : axis
        const lens = parts.map((p) => p.shape[ax]!)
        const shape = parts[0]!.shape.slice()
        shape[ax] = lens.reduce((a, b) => a + b, 0)
        const vals = build(shape, (idx) => {
          let i = idx[ax]!
          let k = 0
          while (i >= lens[k]!) i -= lens[k++]!
          return at(
            parts[k]!,
            idx.map((v, d) => (d === ax ? i : v)),
          )
        })
        expectTensor(c, shape, vals)
        // split at the cumulative boundaries gives the parts back
        const cuts = lens.slice(0, -1).map((_, i) => lens.slice(0, i + 1).reduce((a, b) => a + b, 0))
        const back = pure([c], () => split(c, cuts, axis))
        expect(back.length).toBe(parts.length)
        back.forEach((b, i) => {
          expectTensor(b, parts[i]!.shape, values(parts[i]!))
        })
      }),
      params(150),
    )
  })

  it('concat of an equal split is the identity', () => {
    fc.assert(
      fc.property(
        arbTensor(3, 4)
          .filter((x) => x.ndim >= 1)
          .chain((x) =>
            fc.integer({ min: 0, max: x.ndim - 1 }).chain((axis) => {
              const n = x.shape[axis]!
              const divisors = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0)
              return fc.tuple(fc.constant(x), fc.constant(axis), fc.constantFrom(...divisors))
            }),
          ),
        ([x, axis, k]) => {
          const parts = split(x, k, axis)
          expect(parts.length).toBe(k)
          parts.forEach((p) => {
            expect(p.shape[axis]).toBe(x.shape[axis]! / k)
          })
          expectTensor(concat(parts, axis), x.shape, values(x))
        },
      ),
      params(100),
    )
  })

  it('split with indices follows array_split (clamping, empty and negative sections)', () => {
    const x = tensor([0, 1, 2, 3, 4, 5])
    const parts = split(x, [2, 10, -1])
    expect(parts.map((p) => values(p))).toEqual([[0, 1], [2, 3, 4, 5], [], [5]])
    expect(split(x, [4, 2]).map((p) => values(p))).toEqual([[0, 1, 2, 3], [], [2, 3, 4, 5]])
    expect(split(x, []).map((p) => values(p))).toEqual([[0, 1, 2, 3, 4, 5]])
    const m = split(intTensor([1, 2, 3, 4, 5, 6], [2, 3]), 3, 1)
    expect(m.map((p) => p.dtype)).toEqual(['int32', 'int32', 'int32'])
    expect(m.map((p) => values(p))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ])
  })

  it('concat promotes mixed dtypes, keeps equal ones, and copies long chunks', () => {
    const i = intTensor([1, 2], [2])
    expect(concat([i, i]).dtype).toBe('int32')
    const f32 = fromArray([0.5], [1], { dtype: 'float32' })
    const m = concat([i, f32])
    expect(m.dtype).toBe('float32')
    expectTensor(m, [3], [1, 2, 0.5])
    expect(concat([i, f32, tensor([3])]).dtype).toBe('float64')
    expect(stack([i, tensor([3, 4])]).dtype).toBe('float64')
    const a = fromArray(
      Array.from({ length: 3 * 40 }, (_, k) => k),
      [3, 40],
    )
    const b = fromArray(
      Array.from({ length: 3 * 35 }, (_, k) => -k),
      [3, 35],
    )
    expectTensor(
      concat([a, b], 1),
      [3, 75],
      build([3, 75], ([r, c]) => (c! < 40 ? r! * 40 + c! : -(r! * 35 + c! - 40))),
    )
  })

  it('rejects bad inputs', () => {
    expect(() => concat([])).toThrow('concat: needs at least one tensor, got an empty list')
    expect(() => concat([tensor(1), tensor(2)])).toThrow(
      'concat: cannot concatenate 0-d tensors (shapes [], [])',
    )
    expect(() => concat([zeros([2, 3]), zeros([3, 4])])).toThrow(
      'concat: cannot concatenate shapes [2,3], [3,4] along axis 0 (all other dimensions must match)',
    )
    expect(() => concat([zeros([2, 3]), zeros([2, 3, 1])], 1)).toThrow(
      'concat: cannot concatenate shapes [2,3], [2,3,1] along axis 1',
    )
    expect(() => concat([zeros([2])], 1)).toThrow('concat: axis 1 is out of range for shape [2]')
    expect(() => split(zeros([4, 2]), 3)).toThrow(
      'split: 3 sections do not divide axis 0 of size 4 (shape [4,2])',
    )
    expect(() => split(zeros([4, 2]), 0)).toThrow('split: sections must be a positive integer, got 0')
    expect(() => split(zeros([4, 2]), [1.5])).toThrow('split: split indices must be integers, got [1.5]')
    expect(() => split(zeros([4, 2]), 2, 2)).toThrow('split: axis 2 is out of range for shape [4,2]')
  })
})

describe('stack', () => {
  it('equals concat of expanded dims, and a naive reference', () => {
    fc.assert(
      fc.property(
        arbShape(3, 3).chain((s) =>
          fc.tuple(
            fc.integer({ min: -(s.length + 1), max: s.length }),
            fc.array(arbTensorOf(s), { minLength: 1, maxLength: 4 }),
          ),
        ),
        ([axis, ts]) => {
          const y = pure(ts, () => stack(ts, axis))
          const c = concat(
            ts.map((t) => expandDims(t, axis)),
            axis < 0 ? axis + ts[0]!.ndim + 1 : axis,
          )
          expectTensor(y, c.shape, values(c))
          const ax = axis < 0 ? axis + ts[0]!.ndim + 1 : axis
          const shape = [...ts[0]!.shape.slice(0, ax), ts.length, ...ts[0]!.shape.slice(ax)]
          expectTensor(
            y,
            shape,
            build(shape, (idx) =>
              at(
                ts[idx[ax]!]!,
                idx.filter((_, d) => d !== ax),
              ),
            ),
          )
        },
      ),
      params(100),
    )
  })

  it('rejects bad inputs', () => {
    expect(() => stack([])).toThrow('stack: needs at least one tensor, got an empty list')
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(
      'stack: all tensors must have the same shape, got [2], [3]',
    )
    expect(() => stack([zeros([2])], 2)).toThrow('stack: axis 2 is out of range [-2, 1] for shape [2]')
  })
})
