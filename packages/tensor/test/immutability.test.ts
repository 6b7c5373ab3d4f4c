// Package-wide immutability: every exported function that takes tensors is called with valid random arguments,
// and every input tensor (data, shape and dtype) must be exactly as it was before the call. Results must be
// tensors with frozen shapes. A coverage check fails when an export has neither a case here nor a place on the
// allow-list of functions that take no tensors — so a new export cannot skip this test.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.js'
import type { DType, NestedArray, Tensor } from '../src/index.js'
import { arbBroadcastPair, arbShape, arbTensorOf, params } from './helpers.js'
import { optimCases } from './optim-cases.js'
import { softmaxCases } from './softmax-cases.js'

/** One call: the tensors it receives (to snapshot) and the call itself. */
interface Case {
  readonly inputs: readonly Tensor[]
  readonly run: () => unknown
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------------------------

const arbDType = fc.constantFrom<DType>('float64', 'float64', 'float32', 'int32')

/** A tensor of `shape` in any dtype (values in [-10, 10]; int32 truncates). */
const arbOf = (shape: readonly number[]): fc.Arbitrary<Tensor> =>
  fc.tuple(arbTensorOf(shape), arbDType).map(([t, d]) => T.fromArray(T.toArray(t), shape, { dtype: d }))

const arbT = (maxRank = 3, minRank = 0): fc.Arbitrary<Tensor> => arbShape(maxRank, 4, minRank).chain(arbOf)

/** int32 indices of `shape` in `[-n, n)`. */
const arbIndices = (shape: readonly number[], n: number): fc.Arbitrary<Tensor> =>
  fc
    .array(fc.integer({ min: -n, max: n - 1 }), {
      minLength: shape.reduce((a, b) => a * b, 1),
      maxLength: shape.reduce((a, b) => a * b, 1),
    })
    .map((v) => T.fromArray(v, shape, { dtype: 'int32' }))

/** A valid axis of a tensor with `ndim ≥ 1` dimensions, possibly negative. */
const arbAxis = (ndim: number): fc.Arbitrary<number> => fc.integer({ min: -ndim, max: ndim - 1 })

const arbRange = (d: number): fc.Arbitrary<T.SliceRange | undefined> =>
  fc.option(
    fc.record(
      {
        start: fc.integer({ min: -d - 1, max: d + 1 }),
        stop: fc.integer({ min: -d - 1, max: d + 1 }),
        step: fc.constantFrom(-2, -1, 1, 2),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  )

const arbRanges = (shape: readonly number[]) => fc.tuple(...shape.map(arbRange))

// ---------------------------------------------------------------------------------------------------------------
// Case builders
// ---------------------------------------------------------------------------------------------------------------

const unary = (f: (a: Tensor) => unknown): fc.Arbitrary<Case> =>
  arbT().map((a) => ({ inputs: [a], run: () => f(a) }))

const binary = (f: (a: Tensor | number, b: Tensor | number) => Tensor): fc.Arbitrary<Case> =>
  fc.oneof(
    arbBroadcastPair(3, 4)
      .chain(([s, r]) => fc.tuple(arbOf(s), arbOf(r)))
      .map(([a, b]) => ({ inputs: [a, b], run: () => f(a, b) })),
    fc.tuple(arbT(), fc.double({ min: -5, max: 5, noNaN: true }), fc.boolean()).map(([a, x, left]) => ({
      inputs: [a],
      run: () => (left ? f(x, a) : f(a, x)),
    })),
  )

const reduction = (f: (a: Tensor, o?: T.ReduceOptions) => Tensor): fc.Arbitrary<Case> =>
  arbT()
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.option(fc.subarray(a.shape.map((_, i) => i)), { nil: undefined }),
        fc.boolean(),
      ),
    )
    .map(([a, axis, keepdims]) => ({
      inputs: [a],
      run: () => f(a, axis === undefined ? { keepdims } : { axis, keepdims }),
    }))

const argReduction = (f: (a: Tensor, o?: T.ArgOptions) => Tensor): fc.Arbitrary<Case> =>
  arbT(3, 1)
    .chain((a) => fc.tuple(fc.constant(a), fc.option(arbAxis(a.ndim), { nil: undefined }), fc.boolean()))
    .map(([a, axis, keepdims]) => ({
      inputs: [a],
      run: () => f(a, axis === undefined ? { keepdims } : { axis, keepdims }),
    }))

/** Shapes for a (possibly batched) product: `a` is `[...batch, m, k]` or `[k]`, `b` is `[...batch, k, n]` or `[k]`. */
const arbProductShapes = fc
  .record({
    m: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 4 }),
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    vecA: fc.boolean(),
    vecB: fc.boolean(),
  })
  .map(({ m, k, n, batch, vecA, vecB }): [number[], number[]] => [
    vecA ? [k] : [...batch, m, k],
    vecB ? [k] : [...batch, k, n],
  ])

const product = (f: (a: Tensor, b: Tensor) => Tensor): fc.Arbitrary<Case> =>
  arbProductShapes
    .chain(([sa, sb]) => fc.tuple(arbOf(sa), arbOf(sb)))
    .map(([a, b]) => ({ inputs: [a, b], run: () => f(a, b) }))

// ---------------------------------------------------------------------------------------------------------------
// One case per export that takes tensors
// ---------------------------------------------------------------------------------------------------------------

const cases: Record<string, fc.Arbitrary<Case>> = {
  // tensor.ts
  zerosLike: unary(T.zerosLike),
  onesLike: unary(T.onesLike),
  toArray: unary(T.toArray),
  toNested: unary(T.toNested),
  isTensor: unary(T.isTensor),
  item: arbT()
    .chain((a) =>
      fc.tuple(fc.constant(a), fc.tuple(...a.shape.map((d) => fc.integer({ min: -d, max: d - 1 })))),
    )
    .map(([a, index]) => ({ inputs: [a], run: () => T.item(a, index) })),

  // element-wise
  neg: unary(T.neg),
  abs: unary(T.abs),
  sign: unary(T.sign),
  exp: unary(T.exp),
  log: unary(T.log),
  log1p: unary(T.log1p),
  expm1: unary(T.expm1),
  sqrt: unary(T.sqrt),
  sin: unary(T.sin),
  cos: unary(T.cos),
  tanh: unary(T.tanh),
  sigmoid: unary(T.sigmoid),
  relu: unary(T.relu),
  square: unary(T.square),
  reciprocal: unary(T.reciprocal),
  softplus: unary(T.softplus),
  floor: unary(T.floor),
  ceil: unary(T.ceil),
  round: unary(T.round),
  isNaN: unary(T.isNaN),
  isFinite: unary(T.isFinite),
  add: binary(T.add),
  sub: binary(T.sub),
  mul: binary(T.mul),
  div: binary(T.div),
  pow: binary(T.pow),
  maximum: binary(T.maximum),
  minimum: binary(T.minimum),
  atan2: binary(T.atan2),
  equal: binary(T.equal),
  notEqual: binary(T.notEqual),
  less: binary(T.less),
  greater: binary(T.greater),
  lessEqual: binary(T.lessEqual),
  greaterEqual: binary(T.greaterEqual),
  reluGrad: binary(T.reluGrad),
  leakyRelu: fc
    .tuple(arbT(), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([a, slope]) => ({ inputs: [a], run: () => T.leakyRelu(a, slope) })),
  leakyReluGrad: arbBroadcastPair(3, 4)
    .chain(([s, r]) => fc.tuple(arbOf(s), arbOf(r), fc.double({ min: 0, max: 1, noNaN: true })))
    .map(([x, t, slope]) => ({ inputs: [x, t], run: () => T.leakyReluGrad(x, t, slope) })),
  where: arbBroadcastPair(3, 4)
    .chain(([s, r]) => fc.tuple(arbOf(s), arbOf(r), arbOf(r)))
    .map(([c, a, b]) => ({ inputs: [c, a, b], run: () => T.where(c, a, b) })),
  astype: fc
    .tuple(arbT(), fc.constantFrom<DType>('float64', 'float32', 'int32'))
    .map(([a, d]) => ({ inputs: [a], run: () => T.astype(a, d) })),
  clip: fc
    .tuple(arbT(), fc.double({ min: -5, max: 0, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }))
    .map(([a, lo, hi]) => ({ inputs: [a], run: () => T.clip(a, lo, hi) })),

  // reductions
  sum: reduction(T.sum),
  mean: reduction(T.mean),
  prod: reduction(T.prod),
  max: reduction(T.max),
  min: reduction(T.min),
  argmax: argReduction(T.argmax),
  argmin: argReduction(T.argmin),
  sumToShape: arbT()
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.array(fc.boolean(), { minLength: a.ndim, maxLength: a.ndim }),
        fc.nat(a.ndim),
      ),
    )
    .map(([a, ones, drop]) => ({
      inputs: [a],
      run: () => T.sumToShape(a, a.shape.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
    })),

  // products
  matmul: product(T.matmul),
  dot: product(T.dot),
  matmulTransposed: fc
    .record({
      m: fc.integer({ min: 1, max: 4 }),
      k: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 4 }),
      transA: fc.boolean(),
      transB: fc.boolean(),
    })
    .chain(({ m, k, n, transA, transB }) =>
      fc.tuple(
        arbOf(transA ? [k, m] : [m, k]),
        arbOf(transB ? [n, k] : [k, n]),
        fc.constant({ transA, transB }),
      ),
    )
    .map(([a, b, o]) => ({ inputs: [a, b], run: () => T.matmulTransposed(a, b, o) })),
  outer: fc.tuple(arbT(2), arbT(2)).map(([a, b]) => ({ inputs: [a, b], run: () => T.outer(a, b) })),

  // shape manipulation
  reshape: fc.tuple(arbT(), fc.constantFrom('flat', 'infer', 'row')).map(([a, how]) => ({
    inputs: [a],
    run: () => T.reshape(a, how === 'flat' ? [a.size] : how === 'infer' ? [-1] : [1, a.size]),
  })),
  flatten: unary(T.flatten),
  expandDims: arbT()
    .chain((a) => fc.tuple(fc.constant(a), fc.integer({ min: -(a.ndim + 1), max: a.ndim })))
    .map(([a, axis]) => ({ inputs: [a], run: () => T.expandDims(a, axis) })),
  squeeze: unary(T.squeeze),
  transpose: arbT()
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.option(
          fc.shuffledSubarray(
            a.shape.map((_, i) => i),
            { minLength: a.ndim, maxLength: a.ndim },
          ),
          {
            nil: undefined,
          },
        ),
      ),
    )
    .map(([a, axes]) => ({ inputs: [a], run: () => T.transpose(a, axes) })),
  broadcastTo: fc
    .tuple(arbT(), fc.integer({ min: 1, max: 3 }))
    .map(([a, lead]) => ({ inputs: [a], run: () => T.broadcastTo(a, [lead, ...a.shape]) })),
  slice: arbT()
    .chain((a) => fc.tuple(fc.constant(a), arbRanges(a.shape)))
    .map(([a, ranges]) => ({ inputs: [a], run: () => T.slice(a, ranges) })),
  embedSlice: arbShape(3, 4)
    .chain((shape) => fc.tuple(fc.constant(shape), arbRanges(shape)))
    .chain(([shape, ranges]) =>
      fc.tuple(fc.constant(shape), fc.constant(ranges), arbOf(T.slice(T.zeros(shape), ranges).shape)),
    )
    .map(([shape, ranges, values]) => ({ inputs: [values], run: () => T.embedSlice(values, shape, ranges) })),
  pad: arbT()
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.tuple(...a.shape.map(() => fc.tuple(fc.nat(2), fc.nat(2)))),
        fc.double({ min: -3, max: 3, noNaN: true }),
      ),
    )
    .map(([a, widths, value]) => ({ inputs: [a], run: () => T.pad(a, widths, value) })),
  tile: arbT()
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        fc.array(fc.integer({ min: 1, max: 2 }), {
          minLength: Math.max(0, a.ndim - 1),
          maxLength: a.ndim + 1,
        }),
      ),
    )
    .map(([a, reps]) => ({ inputs: [a], run: () => T.tile(a, reps) })),
  take: arbT(3, 1)
    .chain((a) => fc.tuple(fc.constant(a), arbAxis(a.ndim)))
    .chain(([a, axis]) =>
      fc.tuple(
        fc.constant(a),
        fc.constant(axis),
        arbShape(2, 3).chain((s) => arbIndices(s, a.shape.at(axis)!)),
      ),
    )
    .map(([a, axis, idx]) => ({ inputs: [a, idx], run: () => T.take(a, idx, axis) })),
  scatterAdd: arbT(3, 1)
    .chain((base) => fc.tuple(fc.constant(base), arbAxis(base.ndim), arbShape(2, 3)))
    .chain(([base, axis, idxShape]) => {
      const ax = axis < 0 ? axis + base.ndim : axis
      const updShape = [...base.shape.slice(0, ax), ...idxShape, ...base.shape.slice(ax + 1)]
      return fc.tuple(
        fc.constant(base),
        fc.constant(axis),
        arbIndices(idxShape, base.shape[ax]!),
        arbOf(updShape),
      )
    })
    .map(([base, axis, idx, upd]) => ({
      inputs: [base, idx, upd],
      run: () => T.scatterAdd(base, idx, upd, axis),
    })),
  gather: arbT(3, 1)
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        arbAxis(a.ndim),
        fc.tuple(...a.shape.map((d) => fc.integer({ min: 1, max: d }))),
      ),
    )
    .chain(([a, axis, idxShape]) =>
      fc.tuple(fc.constant(a), fc.constant(axis), arbIndices(idxShape, a.shape.at(axis)!)),
    )
    .map(([a, axis, idx]) => ({ inputs: [a, idx], run: () => T.gather(a, idx, axis) })),
  oneHot: fc
    .tuple(arbShape(2, 4), fc.integer({ min: 1, max: 5 }))
    .chain(([s, c]) =>
      fc.tuple(
        fc.constant(c),
        arbIndices(s, c).map((t) =>
          T.fromArray(
            T.toArray(t).map((v) => (v < 0 ? v + c : v)),
            s,
            { dtype: 'int32' },
          ),
        ),
      ),
    )
    .map(([c, labels]) => ({ inputs: [labels], run: () => T.oneHot(labels, c) })),
  concat: arbShape(3, 3, 1)
    .chain((s) => fc.tuple(fc.constant(s), arbAxis(s.length), fc.integer({ min: 1, max: 3 })))
    .chain(([s, axis, other]) => {
      const ax = axis < 0 ? axis + s.length : axis
      return fc.tuple(arbOf(s), arbOf(s.map((d, i) => (i === ax ? other : d))), fc.constant(axis))
    })
    .map(([a, b, axis]) => ({ inputs: [a, b], run: () => T.concat([a, b], axis) })),
  stack: arbShape(3, 3)
    .chain((s) => fc.tuple(arbOf(s), arbOf(s), fc.integer({ min: -(s.length + 1), max: s.length })))
    .map(([a, b, axis]) => ({ inputs: [a, b], run: () => T.stack([a, b], axis) })),
  split: arbT(3, 1)
    .chain((a) =>
      fc.tuple(
        fc.constant(a),
        arbAxis(a.ndim),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).map((xs) => xs.sort((x, y) => x - y)),
      ),
    )
    .map(([a, axis, sections]) => ({ inputs: [a], run: () => T.split(a, sections, axis) })),

  // random and printing
  shuffle: fc
    .tuple(arbT(3, 1), fc.nat())
    .chain(([a, seed]) => fc.tuple(fc.constant(a), fc.constant(seed), arbAxis(a.ndim)))
    .map(([a, seed, axis]) => ({ inputs: [a], run: () => T.shuffle(T.key(seed), a, axis) })),
  toString: fc
    .tuple(arbT(), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 30 }))
    .map(([a, precision, threshold]) => ({
      inputs: [a],
      run: () => T.toString(a, { precision, threshold }),
    })),
  ...optimCases,
  ...softmaxCases,
}

/** Exports that take no tensor (creation from plain data, keys, shape arithmetic, error types, namespaces). */
const noTensorInputs = new Set([
  'DTypeError',
  'NotATensorError',
  'TracedValueError',
  'ShapeError',
  'Tensor',
  'showShape',
  'unstable_setTensorObserver',
  'numThreads',
  'setNumThreads',
  'promote',
  'sizeOf',
  'stridesOf',
  'shapesEqual',
  'broadcastShapes',
  'normalizeAxis',
  'normalizeAxes',
  'tensor',
  'scalar',
  'full',
  'zeros',
  'ones',
  'arange',
  'linspace',
  'eye',
  'fromArray',
  'key',
  'splitKey',
  'fold',
  'uniform',
  'normal',
  'bernoulli',
  'randint',
  'permutation',
  'isKey',
  // storage-level helper of the element-wise kernels (typed arrays, not tensors); re-exported by `export *`
  // the namespace of random functions: checked member by member below
  'random',
])

/** Members of the `random` namespace, which re-exports random.ts under JAX-style names. */
const randomNoTensorInputs = new Set([
  'key',
  'split',
  'fold',
  'uniform',
  'normal',
  'bernoulli',
  'randint',
  'permutation',
  'isKey',
  'threefry2x32',
])

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

interface Snapshot {
  readonly shape: number[]
  readonly dtype: DType
  readonly size: number
  readonly data: number[]
}
const snapshot = (t: Tensor): Snapshot => ({
  shape: [...t.shape],
  dtype: t.dtype,
  size: t.size,
  data: Array.from(T.toArray(t)),
})

const resultTensors = (r: unknown): Tensor[] =>
  T.isTensor(r) ? [r] : Array.isArray(r) ? (r as unknown[]).filter((x): x is Tensor => T.isTensor(x)) : []

describe('no exported function changes its tensor arguments', () => {
  for (const [name, arb] of Object.entries(cases))
    it(name, () => {
      fc.assert(
        fc.property(arb, ({ inputs, run }) => {
          const before = inputs.map(snapshot)
          const result = run()
          expect(inputs.map(snapshot)).toEqual(before)
          for (const r of resultTensors(result)) expect(Object.isFrozen(r.shape)).toBe(true)
          // calling again on the same (unchanged) inputs gives the same answer
          const again = resultTensors(run()).map(snapshot)
          expect(again).toEqual(resultTensors(result).map(snapshot))
        }),
        params(25),
      )
    })
})

describe('coverage of the exports', () => {
  it('every export is either checked above or takes no tensor', () => {
    const exported = Object.keys(T)
    const missing = exported.filter((n) => !(n in cases) && !noTensorInputs.has(n))
    expect(missing).toEqual([])
    const stale = [...Object.keys(cases), ...noTensorInputs].filter((n) => !exported.includes(n))
    expect(stale).toEqual([])
  })

  it('every member of the random namespace is checked or takes no tensor', () => {
    const members = Object.keys(T.random)
    expect(members.filter((n) => !(n in cases) && !randomNoTensorInputs.has(n))).toEqual([])
    expect(T.random.shuffle).toBe(T.shuffle)
    expect(T.random.split).toBe(T.splitKey)
  })
})

describe('what users can reach is not shared', () => {
  it('toArray and toNested return copies', () => {
    const t = T.tensor([
      [1, 2],
      [3, 4],
    ])
    const copy = T.toArray(t)
    copy[0] = 99
    const nested = T.toNested(t) as number[][]
    nested[1]![1] = 99
    expect(Array.from(T.toArray(t))).toEqual([1, 2, 3, 4])
    expect(T.toNested(t)).toEqual([
      [1, 2],
      [3, 4],
    ] satisfies NestedArray)
  })

  it('shapes are frozen, and fromArray/tensor copy their input', () => {
    const values = [1, 2, 3]
    const shape = [3]
    const t = T.fromArray(values, shape)
    values[0] = 99
    shape[0] = 1
    expect(Array.from(T.toArray(t))).toEqual([1, 2, 3])
    expect(t.shape).toEqual([3])
    expect(Object.isFrozen(t.shape)).toBe(true)
    expect(() => {
      ;(t.shape as number[])[0] = 5
    }).toThrow(TypeError)
    const src = Float64Array.from([1, 2])
    const u = T.fromArray(src, [2])
    src[0] = 7
    expect(T.item(u, [0])).toBe(1)
  })

  it('keys are frozen', () => {
    const k = T.key(3)
    expect(Object.isFrozen(k) && Object.isFrozen(k.words)).toBe(true)
    expect(() => {
      ;(k.words as unknown as number[])[0] = 1
    }).toThrow(TypeError)
  })
})
