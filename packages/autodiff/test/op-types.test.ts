/**
 * The one op namespace is typed by its inputs: tensors (and plain numbers) in give `Tensor` out, any traced
 * `Value` in gives `Value` out. The `expectTypeOf` lines are checked by `tsc` (this file is part of the package's
 * typecheck); the runtime assertions beside them check that the types tell the truth: an op on tensors returns a
 * real `Tensor`, and inside `grad` an op on the traced input returns a tracer.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import { Tracer, type Value } from '../src/index.js'

const t = T.tensor([0.5, -1, 2])
const m = T.tensor([
  [1, 2],
  [3, 4],
])

/** Runs `body` on a traced value (the input of `grad`) and returns what it saw. */
const insideGrad = (body: (v: Value) => void): void => {
  A.grad((v: Value) => {
    body(v)
    return A.sum(v)
  })(T.tensor([0.25, 1.5, -2]))
}

const isTensorAt = (r: unknown): void => {
  expect(T.isTensor(r)).toBe(true)
}
const isTracerAt = (r: unknown): void => {
  expect(r).toBeInstanceOf(Tracer)
}

const unaries = {
  neg: A.neg,
  sign: A.sign,
  sin: A.sin,
  cos: A.cos,
  log: A.log,
  exp: A.exp,
  log1p: A.log1p,
  expm1: A.expm1,
  sqrt: A.sqrt,
  abs: A.abs,
  tanh: A.tanh,
  sigmoid: A.sigmoid,
  floor: A.floor,
  round: A.round,
  isFinite: A.isFinite,
  square: A.square,
  reciprocal: A.reciprocal,
  relu: A.relu,
  gelu: A.gelu,
  softplus: A.softplus,
  stopGradient: A.stopGradient,
} satisfies Record<string, A.UnaryFn>

const binaries = {
  add: A.add,
  sub: A.sub,
  mul: A.mul,
  div: A.div,
  pow: A.pow,
  maximum: A.maximum,
  minimum: A.minimum,
  equal: A.equal,
  notEqual: A.notEqual,
  less: A.less,
  greater: A.greater,
  lessEqual: A.lessEqual,
  greaterEqual: A.greaterEqual,
} satisfies Record<string, A.BinaryFn>

// ops whose result depends on the traced input's derivative (comparisons and rounding return constants)
const differentiableUnary = new Set([
  'neg',
  'sin',
  'cos',
  'log',
  'exp',
  'log1p',
  'expm1',
  'sqrt',
  'abs',
  'tanh',
  'sigmoid',
  'square',
  'reciprocal',
  'relu',
  'gelu',
  'softplus',
])
const differentiableBinary = new Set(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'])

describe('tensors in give Tensor out', () => {
  it('every unary op', () => {
    expectTypeOf(A.tanh(t)).toEqualTypeOf<Tensor>()
    expectTypeOf(A.relu(t)).toEqualTypeOf<Tensor>()
    expectTypeOf(A.softplus(t)).toEqualTypeOf<Tensor>()
    for (const f of Object.values(unaries)) {
      const r = f(t)
      expectTypeOf(r).toEqualTypeOf<Tensor>()
      isTensorAt(r)
    }
  })

  it('every binary op, with tensors and numbers on either side', () => {
    expectTypeOf(A.add(t, t)).toEqualTypeOf<Tensor>()
    expectTypeOf(A.add(t, 1)).toEqualTypeOf<Tensor>()
    expectTypeOf(A.mul(2, t)).toEqualTypeOf<Tensor>()
    expectTypeOf(A.sub(1, 2)).toEqualTypeOf<Tensor>()
    const n: number = 3
    expectTypeOf(A.div(t, n)).toEqualTypeOf<Tensor>()
    for (const f of Object.values(binaries)) {
      for (const r of [f(t, t), f(t, 1), f(1, t), f(2, 3)]) {
        expectTypeOf(r).toEqualTypeOf<Tensor>()
        isTensorAt(r)
      }
    }
  })

  it('where, clip, leakyRelu, softmax, logSoftmax, astype', () => {
    const rs = [
      A.where(A.greater(t, 0), t, 0),
      A.where(1, 2, t),
      A.clip(t, -0.5, 0.5),
      A.leakyRelu(t, 0.1),
      A.softmax(m),
      A.logSoftmax(m, 0),
      A.astype(t, 'float32'),
    ] as const
    expectTypeOf(rs).toEqualTypeOf<readonly [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]>()
    rs.forEach(isTensorAt)
  })

  it('reductions', () => {
    const rs = [
      A.sum(m),
      A.sum(m, { axis: 0, keepdims: true }),
      A.mean(m, { axis: -1 }),
      A.max(m),
      A.min(m, { axis: [0, 1] }),
      A.logsumexp(m, { axis: 1 }),
      A.argmax(m, { axis: 1 }),
      A.argmin(t),
    ] as const
    expectTypeOf(rs[0]).toEqualTypeOf<Tensor>()
    expectTypeOf(rs).toEqualTypeOf<
      readonly [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]
    >()
    rs.forEach(isTensorAt)
  })

  it('shape ops, take/scatterAdd, matmul/dot', () => {
    const rs = [
      A.reshape(m, [4]),
      A.reshape(m, [-1, 1]),
      A.transpose(m),
      A.expandDims(t, 0),
      A.squeeze(A.reshape(t, [1, 3])),
      A.slice(m, [{ start: 1 }]),
      A.pad(t, [[1, 1]]),
      A.broadcastTo(t, [2, 3]),
      A.sumToShape(m, [2]),
      A.take(m, [1, 0], 1),
      A.take(m, T.tensor([1], { dtype: 'int32' })),
      A.scatterAdd(m, [0, 0], T.ones([2, 2])),
      A.matmul(m, m),
      A.dot(t, t),
    ] as const
    for (const r of rs) {
      expectTypeOf(r).toEqualTypeOf<Tensor>()
      isTensorAt(r)
    }
  })

  it('concat, stack and split work on arrays of tensors', () => {
    const c = A.concat([t, t])
    const s = A.stack([t, t, t], 1)
    const parts = A.split(m, 2, 1)
    expectTypeOf(c).toEqualTypeOf<Tensor>()
    expectTypeOf(s).toEqualTypeOf<Tensor>()
    expectTypeOf(parts).toEqualTypeOf<Tensor[]>()
    ;[c, s, ...parts].forEach(isTensorAt)
    expect(s.shape).toEqual([3, 3])
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 1],
      [2, 1],
    ])
  })

  it('functions with custom rules are typed like the ops', () => {
    const cube = A.customJvp(
      (x: Value) => A.mul(A.mul(x, x), x),
      ([x], [dx]) => [A.mul(A.mul(x, x), x), A.mul(A.mul(A.square(x), 3), dx)],
    )
    const twice = A.customVjp(
      (x: Value) => A.mul(x, 2),
      (x: Value) => [A.mul(x, 2), null] as const,
      (_res, ct) => [A.mul(ct, 2)],
    )
    expectTypeOf(cube(t)).toEqualTypeOf<Tensor>()
    expectTypeOf(twice(t)).toEqualTypeOf<Tensor>()
    isTensorAt(cube(t))
    isTensorAt(twice(t))
    insideGrad((v) => {
      expectTypeOf(cube(v)).toEqualTypeOf<Value>()
      expectTypeOf(twice(v)).toEqualTypeOf<Value>()
      isTracerAt(cube(v))
      isTracerAt(twice(v))
    })
  })

  it('the op types flow through callbacks', () => {
    const ys = [t, t].map(A.tanh)
    expectTypeOf(ys).toEqualTypeOf<Tensor[]>()
    ys.forEach(isTensorAt)
    const summed = [t, m].map((x) => A.sum(x))
    expectTypeOf(summed).toEqualTypeOf<Tensor[]>()
    insideGrad((v) => {
      expectTypeOf([v, t].map(A.exp)).toEqualTypeOf<Value[]>()
    })
  })

  it('readouts take any value and give plain data', () => {
    expectTypeOf(A.toArray(t)).toEqualTypeOf<T.Storage>()
    expectTypeOf(A.item(A.sum(t))).toEqualTypeOf<number>()
    expectTypeOf(A.zerosLike(t)).toEqualTypeOf<Tensor>()
    expect(Array.from(A.toArray(A.add(t, 1)))).toEqual([1.5, 0, 3])
  })
})

describe('a traced value in gives Value out', () => {
  it('every unary and binary op on the input of grad', () => {
    insideGrad((v) => {
      expectTypeOf(v).toEqualTypeOf<Value>()
      expectTypeOf(A.tanh(v)).toEqualTypeOf<Value>()
      for (const [name, f] of Object.entries(unaries)) {
        const r = f(v)
        expectTypeOf(r).toEqualTypeOf<Value>()
        if (differentiableUnary.has(name)) isTracerAt(r)
      }
      expectTypeOf(A.add(v, t)).toEqualTypeOf<Value>()
      expectTypeOf(A.add(t, v)).toEqualTypeOf<Value>()
      expectTypeOf(A.add(v, 1)).toEqualTypeOf<Value>()
      expectTypeOf(A.add(1, v)).toEqualTypeOf<Value>()
      for (const [name, f] of Object.entries(binaries))
        for (const r of [f(v, t), f(t, v), f(v, 2), f(2, v), f(v, v)]) {
          expectTypeOf(r).toEqualTypeOf<Value>()
          if (differentiableBinary.has(name)) isTracerAt(r)
        }
    })
  })

  it('reductions, shape ops, lists, where, matmul', () => {
    insideGrad((v) => {
      const rs = [
        A.sum(v),
        A.mean(v, { keepdims: true }),
        A.max(v),
        A.logsumexp(v),
        A.softmax(v),
        A.logSoftmax(v),
        A.clip(v, 0, 1),
        A.leakyRelu(v),
        A.reshape(v, [3, 1]),
        A.transpose(A.reshape(v, [1, 3])),
        A.expandDims(v, 1),
        A.slice(v, [{ start: 1 }]),
        A.pad(v, [[0, 2]]),
        A.broadcastTo(v, [2, 3]),
        A.astype(v, 'float32'),
        A.take(v, [2, 0]),
        A.scatterAdd(T.zeros([3]), [1], A.slice(v, [{ stop: 1 }])),
        A.scatterAdd(v, [1], T.ones([1])),
        A.concat([v, t]),
        A.stack([t, v]),
        A.where(A.greater(v, 0), v, 0),
        A.where(A.greater(t, 0), 1, v),
        A.matmul(v, t),
        A.dot(m, A.slice(v, [{ stop: 2 }])),
      ] as const
      for (const r of rs) {
        expectTypeOf(r).toEqualTypeOf<Value>()
        isTracerAt(r)
      }
      const parts = A.split(v, 3)
      expectTypeOf(parts).toEqualTypeOf<Value[]>()
      parts.forEach(isTracerAt)
      // the result of an op on a traced value is not assignable to a Tensor
      // @ts-expect-error Value is not a Tensor
      const bad: Tensor = A.add(v, 1)
      void bad
      // and a raw tensor kernel does not accept a traced value
      // @ts-expect-error Value is not a TensorLike
      expect(() => T.add(v, 1)).toThrow()
    })
  })
})

describe('transformations keep the tree type', () => {
  interface Params {
    readonly W: Tensor
    readonly b: Tensor
  }
  const params: Params = { W: T.tensor([[0.5], [-0.25]]), b: T.tensor([0.1]) }
  const x = T.tensor([
    [1, 2],
    [3, -1],
  ])
  const loss = (p: Params, xs: Tensor): Value => A.mean(A.square(A.add(A.matmul(xs, p.W), p.b)))

  it('grad(f)(params) has the type of params, and its leaves are tensors', () => {
    const g = A.grad(loss)(params, x)
    expectTypeOf(g).toEqualTypeOf<Params>()
    isTensorAt(g.W)
    isTensorAt(g.b)
    expect(g.W.shape).toEqual([2, 1])
    // by hand: r = xW + b = [0.1, 1.85]; dL/db = mean(2r) = 1.95; dL/dW = xᵀ(2r)/2 = [0.1 + 5.55, 0.2 - 1.85]
    expect(A.item(g.b)).toBeCloseTo(1.95, 12)
    expect(Array.from(A.toArray(g.W))).toEqual([expect.closeTo(5.65, 12), expect.closeTo(-1.65, 12)])
  })

  it('argnums lists give a tuple of the argument types; valueAndGrad too', () => {
    const gs = A.grad(loss, { argnums: [0, 1] })(params, x)
    expectTypeOf(gs).toEqualTypeOf<[Params, Tensor]>()
    const [v, g] = A.valueAndGrad(loss)(params, x)
    expectTypeOf(v).toEqualTypeOf<Value>()
    expectTypeOf(g).toEqualTypeOf<Params>()
    isTensorAt(gs[1])
  })

  it('eager code written over tensors needs no casts', () => {
    // an eager update step: every intermediate is a Tensor, so tensor-only APIs accept it directly
    const g = A.grad(loss)(params, x)
    const next: Params = { W: A.sub(params.W, A.mul(g.W, 0.1)), b: A.sub(params.b, A.mul(g.b, 0.1)) }
    expect(T.toArray(next.b)[0]).toBeCloseTo(0.1 - 0.195, 12)
    expect(T.toString(A.reshape(next.W, [2]))).toContain('tensor(')
  })
})
