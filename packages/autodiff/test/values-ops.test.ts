/**
 * Forward values of every public op of @cotangent/autodiff against an independent reference (`reference.ts`:
 * naive loops over plain JS numbers, or closed forms), for every option: axes (one, negative, lists, none, all),
 * keepdims, non-default axes of softmax/logSoftmax/logsumexp, mean's divisor, leakyRelu's slope, gelu's tanh
 * formula, clip bounds, pad values, slice steps, take/scatterAdd axes, split sections, matmul's 1-d promotion and
 * batch broadcasting.
 *
 * Gradient checks compare a function with its own finite differences, so a wrong forward value passes them; this
 * file is the net for that class. Each value is read three ways: evaluated eagerly, as the primal returned by
 * `jvp`, and as the output of `vjp` (the last two run the ops' JVP rules, which recompute the primal for custom
 * rules such as logsumexp and softplus). The coverage test at the end fails when an op has no value test.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'
import * as R from './reference.js'
import type { Nd } from './reference.js'
import { NOT_OPS, opExports } from '../../gradcheck/test/op-cases.js'

const covered = new Set<string>()

/** |got − want| ≤ tol·max(1, |want|); NaNs and infinities must match exactly. */
const sameNumber = (g: number, w: number, tol: number): boolean =>
  Number.isNaN(w)
    ? Number.isNaN(g)
    : !Number.isFinite(w)
      ? g === w
      : Math.abs(g - w) <= tol * Math.max(1, Math.abs(w))

const expectNd = (got: Value, want: Nd, tol: number, what: string): void => {
  expect(got.shape, `${what}: shape`).toEqual(want.shape)
  const g = A.toArray(got)
  for (let i = 0; i < want.data.length; i++)
    if (!sameNumber(g[i]!, want.data[i]!, tol))
      expect.fail(
        `${what}: element ${String(i)} (index [${R.unravel(i, want.shape).join(',')}]) is ${String(g[i])}, want ${String(want.data[i])}`,
      )
}

type Out = Value | readonly Value[]
const outs = (o: Out): readonly Value[] => (A.isValue(o) ? [o] : o)
const tangentFor = (a: Tensor): Tensor =>
  T.ones(a.shape, { dtype: a.dtype === 'int32' ? 'float64' : a.dtype })

/**
 * Checks `f(...args)` against `want` (one Nd per output) eagerly, as `jvp`'s primal and as `vjp`'s output.
 * Integer arguments (indices, conditions) are passed through jvp/vjp as constants, closed over.
 */
const checkValue = (
  what: string,
  f: (...xs: Value[]) => Out,
  args: readonly Tensor[],
  want: Nd | readonly Nd[],
  tol = 1e-12,
): void => {
  const wants = 'data' in want ? [want] : want
  const compare = (got: Out, how: string): void => {
    const g = outs(got)
    expect(g.length, `${what} (${how}): number of outputs`).toBe(wants.length)
    g.forEach((v, i) => {
      expectNd(v, wants[i]!, tol, `${what} (${how}${wants.length > 1 ? `, output ${String(i)}` : ''})`)
    })
  }
  const xs: Value[] = [...args]
  compare(f(...xs), 'eager')
  if (args.length > 0) {
    compare(A.jvp(f, xs, args.map(tangentFor))[0], 'jvp primal')
    compare(A.vjp(f, ...xs)[0], 'vjp output')
  }
}

/** Registers a test of the ops named in `ops`. */
const values = (ops: readonly string[], title: string, body: () => void): void => {
  ops.forEach((o) => covered.add(o))
  it(`${ops.join(', ')}: ${title}`, body)
}

const t = (x: Nd, dtype?: T.DType): Tensor => R.tensorOf(x, dtype)
const vec = (v: readonly number[]): Nd => R.nd([v.length], v)

// Inputs: a vector over the interesting points (kinks, halves, signs) and random arrays.
const POINTS = vec([-3.7, -2.5, -1.5, -1, -0.5, -0.3, -0, 0, 0.2, 0.5, 1, 1.5, 2.5, 3.2])
const X23 = R.random([2, 3], 11)
const POS = R.map(R.random([3, 4], 12), (v) => Math.abs(v) + 0.05)
/** Distinct values in a [2, 3, 4] array (no ties for max/min/argmax). */
const X234 = R.nd(
  [2, 3, 4],
  Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) * 0.37 - 4 + i * 1e-3),
)

// ---------------------------------------------------------------------------------------------------------------

describe('values of element-wise unary ops', () => {
  const unary: readonly [string, (x: Value) => Value, (v: number) => number, Nd?][] = [
    ['neg', A.neg, (v) => -v],
    ['exp', A.exp, Math.exp],
    ['expm1', A.expm1, Math.expm1],
    ['log', A.log, Math.log, POS],
    ['log1p', A.log1p, Math.log1p, R.map(POS, (v) => v - 0.9)],
    ['sqrt', A.sqrt, Math.sqrt, POS],
    ['abs', A.abs, Math.abs],
    ['sin', A.sin, Math.sin],
    ['cos', A.cos, Math.cos],
    ['tanh', A.tanh, Math.tanh],
    ['sigmoid', A.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
    ['floor', A.floor, Math.floor],
    ['sign', A.sign, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0)],
    ['square', A.square, (v) => v * v],
    ['reciprocal', A.reciprocal, (v) => 1 / v, POS],
    ['relu', A.relu, (v) => (v > 0 ? v : 0)],
    ['stopGradient', A.stopGradient, (v) => v],
    // the tanh approximation (JAX's default, PyTorch's approximate='tanh'), not the erf form (differs by ~1e-4)
    ['gelu', A.gelu, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ['softplus', A.softplus, (v) => Math.log(1 + Math.exp(v))],
  ]
  for (const [name, op, ref, input] of unary)
    values([name], 'naive loop over the points and a random array', () => {
      for (const x of input ? [input] : [POINTS, X23]) checkValue(name, op, [t(x)], R.map(x, ref))
    })

  values(['round'], 'halves round to even (NumPy), others to nearest', () => {
    const x = vec([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -2.6, -0.4, 0.49, 0.51, 1.2, 3.7])
    // floor, then the distance to it decides; a tie picks the even neighbour
    const even = (v: number): number => {
      const f = Math.floor(v)
      const d = v - f
      return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1
    }
    checkValue('round', A.round, [t(x)], R.map(x, even))
    expect(Array.from(A.toArray(A.round(t(x)))).slice(0, 6)).toEqual([-2, -2, -0, 0, 2, 2])
  })

  values(['isFinite'], '1 for finite values, 0 for ±∞ and NaN', () => {
    const x = vec([0, -1.5, 1e308, Infinity, -Infinity, Number.NaN])
    checkValue('isFinite', A.isFinite, [t(x)], vec([1, 1, 1, 0, 0, 0]))
  })

  values(['sign'], 'sign of ±0 is 0 and of NaN is NaN', () => {
    checkValue('sign', A.sign, [t(vec([-0, 0, Number.NaN, -1e-300]))], vec([0, 0, Number.NaN, -1]))
  })

  values(['softplus'], 'closed forms far from 0 (no overflow, no cancellation)', () => {
    // softplus(x) = x + log1p(e^−x) for large x; e^x·(1 − e^x/2) for very negative x
    const x = vec([-40, -745, 40, 800])
    checkValue('softplus', A.softplus, [t(x)], vec([Math.exp(-40), Math.exp(-745), 40 + Math.exp(-40), 800]))
  })

  values(['leakyRelu'], 'default slope 0.01 and explicit slopes (negative, 0, > 1)', () => {
    checkValue(
      'leakyRelu()',
      (v) => A.leakyRelu(v),
      [t(POINTS)],
      R.map(POINTS, (v) => (v > 0 ? v : 0.01 * v)),
    )
    for (const slope of [0.2, 0, -0.5, 1.5])
      checkValue(
        `leakyRelu(${String(slope)})`,
        (v) => A.leakyRelu(v, slope),
        [t(POINTS)],
        R.map(POINTS, (v) => (v > 0 ? v : slope * v)),
      )
  })

  values(['clip'], 'several bounds, including a degenerate interval and bounds outside the data', () => {
    for (const [lo, hi] of [
      [-1, 1],
      [-0.3, 2.5],
      [0.5, 0.5],
      [-10, 10],
      [1, 3],
    ] as const)
      checkValue(
        `clip(${String(lo)}, ${String(hi)})`,
        (v) => A.clip(v, lo, hi),
        [t(POINTS)],
        R.map(POINTS, (v) => Math.min(Math.max(v, lo), hi)),
      )
  })

  values(['astype'], 'float32 rounds to nearest single, int32 truncates toward 0, dtypes as asked', () => {
    const x = vec([0.1, -2.7, 2.7, 1 / 3, 16777217, -0.5])
    const f32 = A.astype(t(x), 'float32')
    expect(f32.dtype).toBe('float32')
    expectNd(f32, R.map(x, Math.fround), 0, 'astype float32')
    const i32 = A.astype(t(x), 'int32')
    expect(i32.dtype).toBe('int32')
    expectNd(i32, R.map(x, Math.trunc), 0, 'astype int32')
    const back = A.astype(f32, 'float64')
    expect(back.dtype).toBe('float64')
    expectNd(back, R.map(x, Math.fround), 0, 'astype float32 → float64')
    checkValue('astype under jvp/vjp', (v) => A.astype(v, 'float32'), [t(x)], R.map(x, Math.fround), 0)
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('values of element-wise binary ops with broadcasting', () => {
  const shapes: readonly [number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
    ],
    [
      [2, 1, 3],
      [4, 1],
    ],
    [[3], [2, 3]],
    [[], [2, 2]],
    [[2, 3], []],
    [
      [4, 1],
      [1, 5],
    ],
  ]
  const binary: readonly [
    string,
    (a: Value, b: Value) => Value,
    (a: number, b: number) => number,
    number?,
  ][] = [
    ['add', A.add, (a, b) => a + b],
    ['sub', A.sub, (a, b) => a - b],
    ['mul', A.mul, (a, b) => a * b],
    ['div', A.div, (a, b) => a / b],
    ['maximum', A.maximum, Math.max],
    ['minimum', A.minimum, Math.min],
  ]
  for (const [name, op, ref] of binary)
    values([name], 'broadcast shapes, and a plain-number operand on either side', () => {
      shapes.forEach(([sa, sb], k) => {
        const a = R.random(sa, 100 + k)
        // denominators away from 0
        const b = R.map(R.random(sb, 200 + k), (v) => (name === 'div' ? v + Math.sign(v || 1) * 0.5 : v))
        checkValue(`${name} [${sa.join(',')}] with [${sb.join(',')}]`, op, [t(a), t(b)], R.zip([a, b], ref))
      })
      checkValue(
        `${name}(x, 1.5)`,
        (v) => op(v, 1.5 as unknown as Value),
        [t(X23)],
        R.map(X23, (v) => ref(v, 1.5)),
      )
      checkValue(
        `${name}(-1.5, x)`,
        (v) => op(-1.5 as unknown as Value, v),
        [t(POS)],
        R.map(POS, (v) => ref(-1.5, v)),
      )
    })

  values(['pow'], 'positive bases with any exponent, integer exponents of negative bases, 0⁰ = 1', () => {
    shapes.forEach(([sa, sb], k) => {
      const a = R.map(R.random(sa, 300 + k), (v) => Math.abs(v) + 0.1)
      const b = R.random(sb, 400 + k)
      checkValue(`pow [${sa.join(',')}] ^ [${sb.join(',')}]`, A.pow, [t(a), t(b)], R.zip([a, b], Math.pow))
    })
    const base = vec([-2, -1.5, 0, 0, 3])
    const ex = vec([3, 2, 0, 2, -1])
    checkValue('pow of negative bases, zeros', A.pow, [t(base), t(ex)], vec([-8, 2.25, 1, 0, 1 / 3]))
    checkValue(
      'pow(x, 3)',
      (v) => A.pow(v, 3),
      [t(POINTS)],
      R.map(POINTS, (v) => v * v * v),
    )
    checkValue(
      'pow(2, x)',
      (v) => A.pow(2, v),
      [t(POINTS)],
      R.map(POINTS, (v) => 2 ** v),
    )
  })

  // integer-valued operands so that ties (equality) occur
  const ia = R.nd([3, 4], [-1, 0, 1, 2, 2, 1, 0, -1, 0, 0, 1, 1])
  const ib = R.nd([4], [0, 0, 1, 2])
  const comparisons: readonly [string, (a: Value, b: Value) => Value, (a: number, b: number) => boolean][] = [
    ['equal', A.equal, (a, b) => a === b],
    ['notEqual', A.notEqual, (a, b) => a !== b],
    ['less', A.less, (a, b) => a < b],
    ['greater', A.greater, (a, b) => a > b],
    ['lessEqual', A.lessEqual, (a, b) => a <= b],
    ['greaterEqual', A.greaterEqual, (a, b) => a >= b],
  ]
  for (const [name, op, ref] of comparisons)
    values([name], 'with ties and broadcasting, NaN compares false (true for notEqual)', () => {
      checkValue(
        name,
        op,
        [t(ia), t(ib)],
        R.zip([ia, ib], (a, b) => Number(ref(a, b))),
      )
      checkValue(
        `${name}(x, 1)`,
        (v) => op(v, 1 as unknown as Value),
        [t(ia)],
        R.map(ia, (a) => Number(ref(a, 1))),
      )
      const nan = vec([Number.NaN, 1, Number.NaN])
      const other = vec([1, Number.NaN, Number.NaN])
      checkValue(
        `${name} with NaN`,
        op,
        [t(nan), t(other)],
        R.zip([nan, other], (a, b) => Number(ref(a, b))),
      )
    })

  values(['where'], 'condition, x and y broadcast against each other; numbers on either branch', () => {
    const c = R.nd([2, 1, 3], [1, 0, 1, 0, 0, 1])
    const x = R.random([4, 1], 21)
    const y = R.random([3], 22)
    checkValue(
      'where [2,1,3] ? [4,1] : [3]',
      (cv, xv, yv) => A.where(cv, xv, yv),
      [t(c), t(x), t(y)],
      R.zip([c, x, y], (cc, a, b) => (cc !== 0 ? a : b)),
    )
    checkValue(
      'where(c, x, 0)',
      (xv) => A.where(t(c), xv, 0),
      [t(x)],
      R.zip([c, x], (cc, a) => (cc !== 0 ? a : 0)),
    )
    checkValue(
      'where(c, 2, y)',
      (yv) => A.where(t(c), 2, yv),
      [t(y)],
      R.zip([c, y], (cc, b) => (cc !== 0 ? 2 : b)),
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('values of reductions', () => {
  const axisSpecs: readonly (number | number[] | undefined)[] = [
    undefined,
    0,
    1,
    2,
    -1,
    -2,
    -3,
    [0, 2],
    [-1, 0],
    [1, 2],
    [0, 1, 2],
    [],
  ]
  const label = (axis: number | number[] | undefined, keepdims: boolean): string =>
    `axis ${axis === undefined ? 'all' : JSON.stringify(axis)}, keepdims ${String(keepdims)}`
  const opts = (axis: number | number[] | undefined, keepdims: boolean): A.ReduceOptions =>
    axis === undefined ? { keepdims } : { axis, keepdims }
  const reductions: readonly [string, (x: Value, o?: A.ReduceOptions) => Value, (v: number[]) => number][] = [
    ['sum', A.sum, R.total],
    // mean divides by the number of reduced elements (not the total size, not the last axis)
    ['mean', A.mean, (v) => R.total(v) / v.length],
    ['max', A.max, (v) => Math.max(...v)],
    ['min', A.min, (v) => Math.min(...v)],
    ['logsumexp', A.logsumexp, R.lse],
  ]
  for (const [name, op, ref] of reductions)
    values([name], 'every axis spec (none, one, negative, lists, empty, all) × keepdims', () => {
      for (const axis of axisSpecs)
        for (const keepdims of [false, true])
          checkValue(
            `${name} ${label(axis, keepdims)}`,
            (v) => op(v, opts(axis, keepdims)),
            [t(X234)],
            R.reduce(X234, axis, keepdims, ref),
          )
      checkValue(`${name} default options`, (v) => op(v), [t(X234)], R.reduce(X234, undefined, false, ref))
    })

  values(['logsumexp'], 'large values stay finite, −∞ rows give −∞', () => {
    const big = R.nd([2, 3], [1000, 1001, 999, -1000, -1002, -1001])
    checkValue(
      'logsumexp of ±1000',
      (v) => A.logsumexp(v, { axis: 1 }),
      [t(big)],
      R.reduce(big, 1, false, R.lse),
    )
    const inf = R.nd([2, 2], [-Infinity, -Infinity, 0, -Infinity])
    expectNd(A.logsumexp(t(inf), { axis: 1 }), vec([-Infinity, 0]), 1e-12, 'logsumexp of −∞')
  })

  const argRef =
    (isMax: boolean) =>
    (v: number[]): number =>
      v.reduce((best, q, i) => ((isMax ? q > v[best]! : q < v[best]!) ? i : best), 0)
  for (const [name, op, isMax] of [
    ['argmax', A.argmax, true],
    ['argmin', A.argmin, false],
  ] as const)
    values([name], 'every axis (negative too), flattened without one, keepdims; int32 output', () => {
      for (const axis of [undefined, 0, 1, 2, -1, -2, -3])
        for (const keepdims of [false, true]) {
          const want =
            axis === undefined
              ? R.nd(keepdims ? [1, 1, 1] : [], [argRef(isMax)([...X234.data])])
              : R.reduce(X234, axis, keepdims, argRef(isMax))
          checkValue(
            `${name} ${label(axis, keepdims)}`,
            (v) => op(v, axis === undefined ? { keepdims } : { axis, keepdims }),
            [t(X234)],
            want,
            0,
          )
        }
      expect(op(t(X234)).dtype).toBe('int32')
    })

  const softmaxRef = (fibre: number[]): number[] => {
    const l = R.lse(fibre)
    return fibre.map((v) => Math.exp(v - l))
  }
  const logSoftmaxRef = (fibre: number[]): number[] => {
    const l = R.lse(fibre)
    return fibre.map((v) => v - l)
  }
  values(['softmax', 'logSoftmax'], 'along every axis of a rank-3 array (and the default last axis)', () => {
    for (const axis of [0, 1, 2, -1, -2, -3]) {
      checkValue(
        `softmax axis ${String(axis)}`,
        (v) => A.softmax(v, axis),
        [t(X234)],
        R.alongAxis(X234, axis, softmaxRef),
      )
      checkValue(
        `logSoftmax axis ${String(axis)}`,
        (v) => A.logSoftmax(v, axis),
        [t(X234)],
        R.alongAxis(X234, axis, logSoftmaxRef),
      )
    }
    checkValue('softmax default axis', (v) => A.softmax(v), [t(X234)], R.alongAxis(X234, -1, softmaxRef))
    checkValue(
      'logSoftmax default axis',
      (v) => A.logSoftmax(v),
      [t(X234)],
      R.alongAxis(X234, -1, logSoftmaxRef),
    )
    // extreme logits: exact one-hot and finite log-probabilities
    const ext = vec([1000, 0, -1000])
    checkValue('softmax of extreme logits', (v) => A.softmax(v), [t(ext)], vec([1, 0, 0]))
    checkValue('logSoftmax of extreme logits', (v) => A.logSoftmax(v), [t(ext)], vec([0, -1000, -2000]))
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('values of shape ops', () => {
  values(['reshape'], 'row-major order is kept; one −1 is inferred', () => {
    for (const [shape, full] of [
      [
        [4, 6],
        [4, 6],
      ],
      [[24], [24]],
      [
        [-1, 4],
        [6, 4],
      ],
      [
        [2, -1, 2],
        [2, 6, 2],
      ],
      [
        [1, 24, 1],
        [1, 24, 1],
      ],
    ] as const)
      checkValue(
        `reshape to [${shape.join(',')}]`,
        (v) => A.reshape(v, shape),
        [t(X234)],
        R.nd(full, X234.data),
      )
  })

  values(['transpose'], 'default reverses the axes; explicit and negative permutations', () => {
    checkValue('transpose()', (v) => A.transpose(v), [t(X234)], R.transposeRef(X234, [2, 1, 0]))
    for (const perm of [
      [1, 0, 2],
      [2, 0, 1],
      [0, 2, 1],
      [0, 1, 2],
    ])
      checkValue(
        `transpose [${perm.join(',')}]`,
        (v) => A.transpose(v, perm),
        [t(X234)],
        R.transposeRef(X234, perm),
      )
    checkValue(
      'transpose [-1, 0, -2]',
      (v) => A.transpose(v, [-1, 0, -2]),
      [t(X234)],
      R.transposeRef(X234, [2, 0, 1]),
    )
  })

  values(
    ['expandDims'],
    'a size-1 axis at every position, negative counting from the end of the result',
    () => {
      for (const [axis, shape] of [
        [0, [1, 2, 3]],
        [1, [2, 1, 3]],
        [2, [2, 3, 1]],
        [-1, [2, 3, 1]],
        [-3, [1, 2, 3]],
      ] as const)
        checkValue(
          `expandDims ${String(axis)}`,
          (v) => A.expandDims(v, axis),
          [t(X23)],
          R.nd(shape, X23.data),
        )
    },
  )

  values(['squeeze'], 'all size-1 axes, or the ones named', () => {
    const x = R.random([1, 3, 1, 2], 31)
    for (const [axis, shape] of [
      [undefined, [3, 2]],
      [0, [3, 1, 2]],
      [-2, [1, 3, 2]],
      [
        [0, 2],
        [3, 2],
      ],
    ] as const)
      checkValue(`squeeze ${JSON.stringify(axis)}`, (v) => A.squeeze(v, axis), [t(x)], R.nd(shape, x.data))
  })

  values(
    ['slice'],
    'Python semantics: negative indices, clamping, steps of either sign, untouched trailing axes',
    () => {
      const cases: readonly (readonly (T.SliceRange | undefined)[])[] = [
        [{ start: 1 }],
        [undefined, { start: -2 }],
        [{ step: -1 }, { start: 2, stop: 0, step: -1 }],
        [{ start: -5, stop: 10 }, { step: 2 }, { start: 3, stop: 0, step: -2 }],
        [{}, { start: 1, stop: 1 }],
        [{ start: 1, stop: 2 }, { stop: -1 }, { start: -1, step: -3 }],
      ]
      for (const ranges of cases)
        checkValue(
          `slice ${JSON.stringify(ranges)}`,
          (v) => A.slice(v, ranges),
          [t(X234)],
          R.gather(
            X234,
            X234.shape.map((n, d) => R.sliceIndices(n, ranges[d])),
          ),
        )
    },
  )

  values(['take'], 'along every axis, with index lists (repeats) and int32 index tensors', () => {
    for (const axis of [0, 1, 2, -1, -3]) {
      const a = axis < 0 ? axis + 3 : axis
      const n = X234.shape[a]!
      const ix = [n - 1, 0, n - 1, 1 % n]
      checkValue(
        `take ${JSON.stringify(ix)} axis ${String(axis)}`,
        (v) => A.take(v, ix, axis),
        [t(X234)],
        R.gather(
          X234,
          X234.shape.map((d, k) => (k === a ? ix : Array.from({ length: d }, (_, i) => i))),
        ),
      )
    }
    // a [2, 2] index tensor along axis 1 of [2, 3, 4]: the result is [2, 2, 2, 4]
    const ixT = T.fromArray([2, 0, 1, 1], [2, 2], { dtype: 'int32' })
    const want = R.build([2, 2, 2, 4], ([i, p, q, k]) => R.at(X234, [i!, [2, 0, 1, 1][p! * 2 + q!]!, k!]))
    checkValue('take with an int32 [2,2] index tensor, axis 1', (v) => A.take(v, ixT, 1), [t(X234)], want)
    checkValue(
      'take default axis 0',
      (v) => A.take(v, [1, 1, 0]),
      [t(X23)],
      R.gather(X23, [
        [1, 1, 0],
        [0, 1, 2],
      ]),
    )
  })

  values(['scatterAdd'], 'duplicates accumulate, along axis 0 and 1', () => {
    const base = R.random([3, 4], 41)
    const up0 = R.random([3, 4], 42)
    const ix0 = [0, 2, 0]
    const want0 = R.build(
      [3, 4],
      ([i, j]) => R.at(base, [i!, j!]) + ix0.reduce((s, r, k) => (r === i ? s + R.at(up0, [k, j!]) : s), 0),
    )
    checkValue('scatterAdd axis 0', (b, u) => A.scatterAdd(b, ix0, u), [t(base), t(up0)], want0)
    const up1 = R.random([3, 3], 43)
    const ix1 = [3, 3, 1]
    const want1 = R.build(
      [3, 4],
      ([i, j]) => R.at(base, [i!, j!]) + ix1.reduce((s, c, k) => (c === j ? s + R.at(up1, [i!, k]) : s), 0),
    )
    checkValue('scatterAdd axis -1', (b, u) => A.scatterAdd(b, ix1, u, -1), [t(base), t(up1)], want1)
  })

  values(['concat'], 'along every axis (negative too), parts of different sizes; one part is itself', () => {
    for (const axis of [0, 1, -1, -2]) {
      const a = axis < 0 ? axis + 2 : axis
      const parts = [1, 3, 2].map((d, k) => R.random(a === 0 ? [d, 3] : [3, d], 50 + k))
      checkValue(
        `concat axis ${String(axis)}`,
        (...xs) => A.concat(xs, axis),
        parts.map((p) => t(p)),
        R.concatRef(parts, axis),
      )
    }
    checkValue('concat of one part', (x) => A.concat([x]), [t(X23)], X23)
  })

  values(['stack'], 'along a new axis at every position, negative counting in the result', () => {
    const parts = [0, 1, 2].map((k) => R.random([2, 3], 60 + k))
    for (const [axis, pos] of [
      [0, 0],
      [1, 1],
      [2, 2],
      [-1, 2],
      [-2, 1],
      [-3, 0],
    ] as const) {
      const shape = [2, 3]
      shape.splice(pos, 0, 3)
      const want = R.build(shape, (idx) => {
        const k = idx[pos]!
        const rest = idx.filter((_, d) => d !== pos)
        return R.at(parts[k]!, rest)
      })
      checkValue(
        `stack axis ${String(axis)}`,
        (...xs) => A.stack(xs, axis),
        parts.map((p) => t(p)),
        want,
      )
    }
  })

  values(['split'], 'equal parts and index lists (NumPy semantics, out-of-range and decreasing cuts)', () => {
    const x = R.random([6, 4], 70)
    const pieces = (axis: number, cuts: readonly number[]): Nd[] => {
      const n = x.shape[axis]!
      // NumPy: bounds [0, ...cuts, n]; piece i is x[bounds[i]:bounds[i+1]] with Python slice semantics
      const bounds = [0, ...cuts, n]
      return bounds.slice(1).map((stop, i) =>
        R.gather(
          x,
          x.shape.map((d, k) =>
            k === axis
              ? R.sliceIndices(d, { start: bounds[i]!, stop })
              : Array.from({ length: d }, (_, j) => j),
          ),
        ),
      )
    }
    checkValue('split 3 (axis 0)', (v) => A.split(v, 3), [t(x)], pieces(0, [2, 4]))
    checkValue('split 2 axis 1', (v) => A.split(v, 2, 1), [t(x)], pieces(1, [2]))
    checkValue('split 4 axis -1', (v) => A.split(v, 4, -1), [t(x)], pieces(1, [1, 2, 3]))
    for (const cuts of [[1, 4], [0, 6], [5, 2], [2, 9], [3], [-2], [1, -1]])
      checkValue(`split ${JSON.stringify(cuts)}`, (v) => A.split(v, cuts), [t(x)], pieces(0, cuts))
  })

  values(['pad'], 'widths before/after per axis, default 0 and explicit pad values', () => {
    for (const [widths, value] of [
      [
        [
          [1, 0],
          [2, 1],
        ],
        undefined,
      ],
      [
        [
          [0, 0],
          [0, 3],
        ],
        1.5,
      ],
      [
        [
          [2, 2],
          [0, 0],
        ],
        -2,
      ],
      [
        [
          [0, 0],
          [0, 0],
        ],
        7,
      ],
    ] as const) {
      const v0 = value ?? 0
      const want = R.build([2 + widths[0][0] + widths[0][1], 3 + widths[1][0] + widths[1][1]], ([i, j]) => {
        const si = i! - widths[0][0]
        const sj = j! - widths[1][0]
        return si >= 0 && si < 2 && sj >= 0 && sj < 3 ? R.at(X23, [si, sj]) : v0
      })
      checkValue(
        `pad ${JSON.stringify(widths)} value ${String(value)}`,
        (v) => (value === undefined ? A.pad(v, widths) : A.pad(v, widths, value)),
        [t(X23)],
        want,
      )
    }
  })

  values(['broadcastTo'], 'repeats size-1 and missing leading axes', () => {
    const v3 = R.random([3], 80)
    checkValue(
      'broadcastTo [3] → [2,3]',
      (v) => A.broadcastTo(v, [2, 3]),
      [t(v3)],
      R.build([2, 3], (idx) => R.readBroadcast(v3, idx)),
    )
    const c = R.random([2, 1], 81)
    checkValue(
      'broadcastTo [2,1] → [3,2,4]',
      (v) => A.broadcastTo(v, [3, 2, 4]),
      [t(c)],
      R.build([3, 2, 4], (idx) => R.readBroadcast(c, idx)),
    )
  })

  values(['sumToShape'], 'sums leading axes and axes that are 1 in the target', () => {
    for (const [target, axes] of [
      [[3, 4], [0]],
      [
        [1, 4],
        [0, 1],
      ],
      [[2, 1, 4], [1]],
      [[4], [0, 1]],
      [[], [0, 1, 2]],
      [[2, 3, 4], []],
    ] as const) {
      const kept = R.reduce(X234, [...axes], true, R.total)
      checkValue(
        `sumToShape → [${target.join(',')}]`,
        (v) => A.sumToShape(v, target),
        [t(X234)],
        R.nd(target, kept.data),
      )
    }
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('values of matmul and dot', () => {
  const cases: readonly [number[], number[]][] = [
    [[3], [3]],
    [[3], [3, 2]],
    [[2, 3], [3]],
    [
      [2, 3],
      [3, 4],
    ],
    [
      [2, 1, 2, 3],
      [3, 3, 2],
    ],
    [[3], [2, 3, 4]],
    [[2, 2, 3], [3]],
    [
      [1, 3],
      [3, 1],
    ],
  ]
  values(
    ['matmul', 'dot'],
    "NumPy's 1-d promotion and batch broadcasting, against the naive triple loop",
    () => {
      cases.forEach(([sa, sb], k) => {
        const a = R.random(sa, 90 + k)
        const b = R.random(sb, 95 + k)
        checkValue(`matmul [${sa.join(',')}] @ [${sb.join(',')}]`, A.matmul, [t(a), t(b)], R.matmulRef(a, b))
        checkValue(`dot [${sa.join(',')}] · [${sb.join(',')}]`, A.dot, [t(a), t(b)], R.matmulRef(a, b))
      })
    },
  )
})

describe('values of constants', () => {
  values(['zerosLike', 'onesLike'], "the argument's shape and dtype, or the dtype asked for", () => {
    const x = t(X23, 'float32')
    for (const [name, f, v] of [
      ['zerosLike', A.zerosLike, 0],
      ['onesLike', A.onesLike, 1],
    ] as const) {
      const o = f(x)
      expect(o.dtype, name).toBe('float32')
      expectNd(
        o,
        R.map(X23, () => v),
        0,
        name,
      )
      const i = f(x, 'int32')
      expect(i.dtype, name).toBe('int32')
      expectNd(
        i,
        R.map(X23, () => v),
        0,
        `${name} int32`,
      )
    }
  })
})

describe('values of readouts', () => {
  values(['toTensor', 'item', 'toArray', 'toNested'], 'read the primal, also of a traced value', () => {
    const x = t(X23)
    expect(A.toNested(x)).toEqual([X23.data.slice(0, 3), X23.data.slice(3)])
    expect(Array.from(A.toArray(x))).toEqual(X23.data)
    expect(A.item(A.sum(A.take(x, [1]), { axis: [0, 1] }))).toBe(R.total([...X23.data.slice(3)]))
    // inside a transformation the readouts see the primal
    A.jvp(
      (v: Value) => {
        expect(Array.from(A.toArray(A.toTensor(v)))).toEqual(X23.data)
        expect(A.item(A.sum(v))).toBeCloseTo(R.total([...X23.data]), 12)
        return v
      },
      [x],
      [T.ones([2, 3])],
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('coverage', () => {
  it('every op of the public namespace has a value test against the reference', () => {
    // Exports that are not ops (transformations, the primitive machinery, trees, staging, jit): the list shared with
    // the gradient and jit properties. A new export is an op (and needs a value test here) unless it is listed.
    const ops = opExports(A, NOT_OPS)
    expect(ops.filter((o) => !covered.has(o))).toEqual([])
    // and nothing listed here is misnamed
    expect([...covered].filter((o) => !(o in A))).toEqual([])
  })
})
