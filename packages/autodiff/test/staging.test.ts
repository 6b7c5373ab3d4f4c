/**
 * Staged programs (makeGraph): the IR, its printer, its evaluator, DOT output, every primitive of the registry,
 * nested transformations and custom rules. References are independent of staging: eager evaluation of the same
 * function (a different interpreter: kernels called directly), closed forms, and hand-written expected programs.
 */
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import type { DType, Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Program, Value } from '../src/index.js'
import * as P from '../src/primitives.js'
import { definePrimitive, type ArgValue, type Primitive } from '../src/core.js'

const close = (got: Value, want: Value | readonly number[] | number, tol = 1e-12): void => {
  const g = Array.from(A.toArray(got))
  const w: readonly number[] =
    typeof want === 'number' ? [want] : A.isValue(want) ? Array.from(A.toArray(want)) : want
  expect(g.length).toBe(w.length)
  g.forEach((x, i) => {
    const y = w[i]!
    if (Number.isNaN(y)) expect(Number.isNaN(x)).toBe(true)
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(y)))
  })
}

/** Bitwise equality of values, shapes and dtypes (NaN equals NaN). */
const same = (got: Value, want: Tensor): void => {
  const g = A.toTensor(got)
  expect(g.shape).toEqual(want.shape)
  expect(g.dtype).toBe(want.dtype)
  expect(Array.from(T.toArray(g))).toEqual(Array.from(T.toArray(want)))
}

const s = (x: number): Tensor => T.scalar(x)
const e3 = Math.exp(3)

describe('the seed expression f(x, y, z) = ln x + e^y·z', () => {
  const f = (x: Value, y: Value, z: Value): Value => A.add(A.log(x), A.mul(A.exp(y), z))
  const p = A.makeGraph(f)(s(1), s(3), s(2))

  it('stages one equation per primitive application, with shapes and dtypes', () => {
    expect(p.eqns.map((e) => e.prim.name)).toEqual(['log', 'exp', 'mul', 'add'])
    expect(p.inVars.map((v) => [v.shape, v.dtype])).toEqual([
      [[], 'float64'],
      [[], 'float64'],
      [[], 'float64'],
    ])
    const [x, y, z] = p.inVars
    const [h1, h2, h3, out] = p.eqns
    expect(h1!.inputs).toEqual([x])
    expect(h2!.inputs).toEqual([y])
    expect(h3!.inputs).toEqual([h2!.out, z])
    expect(out!.inputs).toEqual([h1!.out, h3!.out])
    expect(p.outs).toEqual([out!.out])
    expect(p.consts).toEqual([])
  })

  it('prints like make_jaxpr', () => {
    expect(A.showProgram(p)).toBe(
      [
        '{ lambda ; a:f64[] b:f64[] c:f64[] . let',
        '    d:f64[] = log a',
        '    e:f64[] = exp b',
        '    f:f64[] = mul e c',
        '    g:f64[] = add d f',
        '  in (g) }',
      ].join('\n'),
    )
  })

  it('evaluates to 2e³ at (1, 3, 2) and to f at another point', () => {
    close(A.evalGraph(p, s(1), s(3), s(2)), 2 * e3)
    close(A.evalGraph(p, s(2), s(-1), s(0.5)), Math.log(2) + Math.exp(-1) * 0.5)
  })

  it('evalGraphVars gives every intermediate: h1 = 0, h2 = e³, h3 = 2e³', () => {
    const vals = A.evalGraphVars(p, [s(1), s(3), s(2)])
    close(vals[p.eqns[0]!.out.id]!, 0)
    close(vals[p.eqns[1]!.out.id]!, e3)
    close(vals[p.eqns[2]!.out.id]!, 2 * e3)
    close(vals[p.eqns[3]!.out.id]!, 2 * e3)
  })

  it('grad of the evaluated program gives ∂x = 1, ∂y = 2e³, ∂z = e³', () => {
    const g = A.grad((x: Value, y: Value, z: Value) => A.evalGraph(p, x, y, z), {
      argnums: [0, 1, 2],
    })
    const [gx, gy, gz] = g(s(1), s(3), s(2))
    close(gx, 1)
    close(gy, 2 * e3)
    close(gz, e3)
  })

  it('perturbing each intermediate (onVar) gives its adjoint by one grad: f̄ = 1, h̄1 = 1, h̄3 = 1, h̄2 = z = 2', () => {
    const outId = (p.outs[0] as A.Var).id
    const adj = A.grad((eps: Value) => {
      const vals = A.evalGraphVars(p, [s(1), s(3), s(2)], {
        onVar: (v, x) => {
          const k = p.eqns.findIndex((e) => e.out.id === v.id)
          return k < 0 ? x : A.add(x, A.reshape(A.take(eps, [k]), []))
        },
      })
      return vals[outId]!
    })(T.zeros([p.eqns.length]))
    close(adj, [1, 2, 1, 1])
  })
})

describe('the printer', () => {
  it('names variables a…z, ba, bb…', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 26 * 26].map(A.varName)).toEqual([
      'a',
      'b',
      'z',
      'ba',
      'bb',
      'bz',
      'ca',
      'baa',
    ])
  })

  it('shows literals, parameters, hoisted constants and several outputs', () => {
    const W = T.tensor([
      [1, 2],
      [3, 4],
    ])
    const p = A.makeGraph((x: Value) => {
      const y = A.matmul(x, W)
      return { total: A.sum(y, { axis: 1, keepdims: true }), scaled: A.mul(A.astype(y, 'float32'), 2) }
    })(T.ones([3, 2]))
    expect(A.showProgram(p)).toBe(
      [
        '{ lambda a:f64[2,2] ; b:f64[3,2] . let',
        '    c:f64[3,2] = matmul[transA=false transB=false] b a',
        '    d:f64[3,1] = sum[axes=[1] keepdims=true] c',
        '    e:f32[3,2] = astype[dtype=float32] c',
        '    f:f32[3,2] = mul e 2.0',
        '  in (f, d) }',
      ].join('\n'),
    )
    expect(p.consts).toEqual([W])
    const out = A.evalGraph(
      p,
      T.tensor([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
    )
    close(out.total, [3, 7, 10])
    expect(out.scaled.dtype).toBe('float32')
    close(out.scaled, [2, 4, 6, 8, 8, 12])
  })

  it('inlines 0-d tensor constants as typed literals and prints index parameters', () => {
    const p = A.makeGraph((x: Value) => A.take(A.mul(x, T.scalar(3, { dtype: 'float32' })), [2, 0]))(
      T.ones([3], { dtype: 'float32' }),
    )
    expect(A.showProgram(p)).toBe(
      [
        '{ lambda ; a:f32[3] . let',
        '    b:f32[3] = mul a 3.0:f32[]',
        '    c:f32[2] = take[indices=[2,0] axis=0] b',
        '  in (c) }',
      ].join('\n'),
    )
  })
})

describe('toDot', () => {
  const p = A.makeGraph((x: Value, y: Value) => A.mul(A.add(x, 1), y))(s(1), s(2))
  it('has one node per variable and literal, one edge per operand, the output double-bordered', () => {
    const dot = A.toDot(p)
    expect(dot.startsWith('digraph program {')).toBe(true)
    expect(dot.trimEnd().endsWith('}')).toBe(true)
    for (const v of [...p.inVars, ...p.eqns.map((e) => e.out)]) expect(dot).toContain(`  v${String(v.id)} [`)
    expect(dot.match(/->/g)?.length).toBe(4)
    expect(dot).toMatch(/v3 \[label="d = mul\(c, b\)\\nf64\[\]"[^\n]*peripheries="2"/)
    expect(dot).toContain('label="1.0"')
    // fonts on nodes and edges (Graphviz otherwise falls back to Times on edges)
    expect(dot).toMatch(/edge \[fontname="DejaVu Sans"/)
  })
  it('takes names, extra lines and edge labels, escaping quotes and backslashes', () => {
    const dot = A.toDot(p, {
      name: (v) => (v.id === 0 ? 'x"1' : `n${String(v.id)}`),
      nodeLines: (v) => [`id\\${String(v.id)}`],
      edgeLabel: (_e, k, i) => `∂${String(k)}/${String(i)}`,
      rankdir: 'TB',
      types: false,
    })
    expect(dot).toContain('v0 [label="x\\"1\\nid\\\\0"')
    expect(dot).toContain('label="∂1/1"')
    expect(dot).toContain('rankdir="TB"')
    expect(dot).not.toContain('f64[]')
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Every primitive of the registry

const isPrimitive = (x: unknown): x is Primitive =>
  typeof x === 'object' && x !== null && 'name' in x && 'impl' in x && 'jvp' in x

const registry: readonly Primitive[] = Object.values(P).filter(isPrimitive)

const M = T.tensor([
  [0.5, 1.5, 2.5],
  [3.5, 0.25, 1],
])
const V3 = T.tensor([2, 0.5, 1.25])
const C = T.tensor([
  [1, 0, 1],
  [0, 0, 1],
])

interface Case {
  readonly args: readonly ArgValue[]
  readonly params: unknown
  /** Try the case with int32 tensors too (false where the kernel needs floats, e.g. astype's tangent). */
  readonly int?: boolean
}

const red = (axes: number[], keepdims: boolean) => ({ axes, keepdims })

/** At least one case per primitive name; the coverage test fails for a primitive without one. */
const cases: Readonly<Record<string, readonly Case[]>> = {
  ...Object.fromEntries(
    [
      'add',
      'sub',
      'mul',
      'div',
      'pow',
      'maximum',
      'minimum',
      'equal',
      'notEqual',
      'less',
      'greater',
      'lessEqual',
      'greaterEqual',
    ].map((n) => [
      n,
      [
        { args: [M, V3], params: undefined },
        { args: [M, 2], params: undefined },
        { args: [3, V3], params: undefined },
      ],
    ]),
  ),
  where: [
    { args: [C, M, V3], params: undefined },
    { args: [C, M, 0], params: undefined },
  ],
  relu: [{ args: [T.sub(M, 1)], params: undefined }],
  reluGrad: [
    { args: [T.sub(M, 1), M], params: undefined },
    { args: [T.sub(M, 1), V3], params: undefined },
  ],
  leakyRelu: [{ args: [T.sub(M, 1)], params: { slope: 0.1 } }],
  leakyReluGrad: [{ args: [T.sub(M, 1), M], params: { slope: 0.1 } }],
  ...Object.fromEntries(
    [
      'neg',
      'exp',
      'log',
      'log1p',
      'expm1',
      'sqrt',
      'sin',
      'cos',
      'tanh',
      'sigmoid',
      'abs',
      'sign',
      'floor',
      'round',
      'isFinite',
      'stopGradient',
    ].map((n) => [n, [{ args: [M], params: undefined }]]),
  ),
  astype: [
    { args: [M], params: { dtype: 'float32' } },
    { args: [M], params: { dtype: 'int32' } },
  ],
  sum: [
    { args: [M], params: red([1], false) },
    { args: [M], params: red([0, 1], true) },
  ],
  max: [{ args: [M], params: red([0], false) }],
  min: [{ args: [M], params: red([1], true) }],
  argmax: [
    { args: [M], params: {} },
    { args: [M], params: { axis: 1 } },
    { args: [M], params: { axis: -2, keepdims: true } },
  ],
  argmin: [{ args: [M], params: { axis: 0 } }],
  reshape: [{ args: [M], params: { shape: [3, 2] } }],
  transpose: [{ args: [M], params: { perm: [1, 0] } }],
  broadcastTo: [{ args: [V3], params: { shape: [4, 3] } }],
  slice: [{ args: [M], params: { ranges: [{ start: 1 }, { start: 0, stop: 3, step: 2 }] } }],
  embedSlice: [{ args: [V3], params: { shape: [2, 3], ranges: [{ start: 1, stop: 2 }] } }],
  take: [
    { args: [M], params: { indices: [2, 0, 2, 1], axis: 1 } },
    { args: [M], params: { indices: T.tensor([[1], [0]], { dtype: 'int32' }), axis: 0 } },
  ],
  scatterAdd: [
    {
      args: [
        M,
        T.tensor([
          [1, 2],
          [3, 4],
        ]),
      ],
      params: { indices: [2, 2], axis: 1 },
    },
  ],
  concat: [{ args: [M, T.tensor([[9, 8, 7]])], params: { axis: 0 } }],
  matmul: [
    { args: [M, T.transpose(M)], params: { transA: false, transB: false } },
    { args: [M, M], params: { transA: false, transB: true } },
    { args: [M, M], params: { transA: true, transB: false } },
    { args: [V3, T.transpose(M)], params: { transA: false, transB: false } },
  ],
}

const castTensors = (args: readonly ArgValue[], dtype: DType, skipFirst: boolean): ArgValue[] =>
  args.map((a, i) => (typeof a === 'number' || (skipFirst && i === 0) ? a : T.astype(a as Tensor, dtype)))

/** Stages `prim(args; params)` with the tensor arguments as inputs (numbers stay literals). */
const stageOne = (prim: Primitive, args: readonly ArgValue[], params: unknown): Program<Value[], Value> => {
  const tensors = args.filter((a): a is Tensor => typeof a !== 'number')
  return A.makeGraph((...xs: Value[]) => {
    let k = 0
    return A.bind(
      prim,
      args.map((a) => (typeof a === 'number' ? a : xs[k++]!)),
      params,
    )
  })(...tensors)
}

describe('every primitive of the registry stages, has the right abstract value, and evaluates like eager code', () => {
  it('the registry is what we think it is', () => {
    expect(registry.length).toBeGreaterThanOrEqual(45)
    const names = registry.map((p) => p.name)
    for (const n of ['add', 'matmul', 'scatterAdd', 'embedSlice', 'stopGradient', 'argmin'])
      expect(names).toContain(n)
  })

  it('has a case for every primitive', () => {
    expect(registry.map((p) => p.name).filter((n) => cases[n] === undefined)).toEqual([])
  })

  for (const prim of registry)
    it(`${prim.name}: one equation, abstract value = the kernel's output, values bitwise equal (f64, f32, i32, mixed)`, () => {
      expect(A.hasAbstractRule(prim)).toBe(true)
      for (const c of cases[prim.name] ?? []) {
        const variants: ArgValue[][] = [
          [...c.args],
          castTensors(c.args, 'float32', false),
          castTensors(c.args, 'int32', false),
          castTensors(c.args, 'float32', true),
        ]
        for (const args of variants) {
          let want: Tensor
          try {
            want = prim.impl(args as (Tensor | number)[], c.params)
          } catch {
            continue // the kernel rejects these dtypes eagerly; nothing to compare
          }
          const p = stageOne(prim, args, c.params)
          expect(p.eqns.length).toBe(1)
          expect(p.eqns[0]!.prim).toBe(prim)
          const out = p.eqns[0]!.out
          expect(
            [out.shape, out.dtype],
            `${prim.name} on ${args.map((a) => (typeof a === 'number' ? 'weak' : a.dtype)).join(',')}`,
          ).toEqual([want.shape, want.dtype])
          same(A.evalGraph(p, ...args.filter((a): a is Tensor => typeof a !== 'number')), want)
        }
      }
    })

  it('a user-defined primitive without an abstract rule is staged through one evaluation on zeros', () => {
    const outerP = definePrimitive<undefined>({
      name: 'outer',
      impl: ([a, b]) => T.mul(T.reshape(a as Tensor, [-1, 1]), T.reshape(b as Tensor, [1, -1])),
      jvp: () => {
        throw new Error('not needed')
      },
    })
    expect(A.hasAbstractRule(outerP as Primitive)).toBe(false)
    const p = A.makeGraph((a: Value, b: Value) => A.bind(outerP, [a, b], undefined))(
      T.ones([2]),
      T.ones([3], { dtype: 'float32' }),
    )
    expect([p.eqns[0]!.out.shape, p.eqns[0]!.out.dtype]).toEqual([[2, 3], 'float64'])
    close(
      A.evalGraph(p, T.tensor([1, 2]), T.tensor([1, 10, 100], { dtype: 'float32' })),
      [1, 10, 100, 2, 20, 200],
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Nested transformations

describe('makeGraph of transformations gives the program of the derivative', () => {
  const cube = (x: Value): Value => A.sum(A.mul(A.mul(x, x), x))
  const x0 = T.tensor([0.5, -1, 2])

  it('grad: the program evaluates to 3x² at new points, and contains the transposed (cotangent) equations', () => {
    const p = A.makeGraph(A.grad(cube))(x0)
    const x1 = T.tensor([1, 2, -3])
    close(A.evalGraph(p, x1), [3, 12, 27])
    // nothing was computed on the values of x while staging: every product involving x is an equation
    expect(p.eqns.filter((e) => e.prim.name === 'mul').length).toBeGreaterThanOrEqual(4)
    expect(p.inVars.map((v) => v.shape)).toEqual([[3]])
  })

  it('jvp: primal and tangent outputs as a tree', () => {
    const f = (x: Value): Value => A.mul(A.sin(x), x)
    const p = A.makeGraph((x: Value, t: Value) => A.jvp(f, [x], [t]))(x0, x0)
    const [y, ty] = A.evalGraph(p, T.tensor([1, 2, 3]), T.tensor([1, 0, 2]))
    close(
      y,
      [1, 2, 3].map((v) => Math.sin(v) * v),
    )
    close(
      ty,
      [1, 2, 3].map((v, i) => [1, 0, 2][i]! * (Math.cos(v) * v + Math.sin(v))),
    )
  })

  it('vjp: the pullback applied to a staged cotangent', () => {
    const f = (x: Value): Value => A.exp(A.mul(x, 2))
    const p = A.makeGraph((x: Value, c: Value) => A.vjp(f, x)[1](c)[0])(x0, x0)
    close(A.evalGraph(p, T.tensor([0, 1, -1]), T.tensor([1, 2, 3])), [2, 4 * Math.exp(2), 6 * Math.exp(-2)])
  })

  it('hessian, jacfwd and jacrev: closed forms at a new point', () => {
    const x1 = T.tensor([1, -2, 0.5])
    close(A.evalGraph(A.makeGraph(A.hessian(cube))(x0), x1), [6, 0, 0, 0, -12, 0, 0, 0, 3])
    const sq = (x: Value): Value => A.mul(x, x)
    close(A.evalGraph(A.makeGraph(A.jacfwd(sq))(x0), x1), [2, 0, 0, 0, -4, 0, 0, 0, 1])
    close(A.evalGraph(A.makeGraph(A.jacrev(sq))(x0), x1), [2, 0, 0, 0, -4, 0, 0, 0, 1])
  })

  it('grad, jvp and hessian of an evaluated program (differentiating the IR)', () => {
    const p = A.makeGraph(cube)(x0)
    const F = (x: Value): Value => A.evalGraph(p, x)
    close(A.grad(F)(x0), [0.75, 3, 12])
    close(A.jvp(F, [x0], [T.tensor([1, 1, 1])])[1], 0.75 + 3 + 12)
    close(A.hessian(F)(x0), [3, 0, 0, 0, -6, 0, 0, 0, 12])
  })

  it('a Hessian with tanh, matmul and logsumexp, seven ways with staging, agrees with the closed form', () => {
    const W = T.tensor([
      [0.3, -0.5, 0.2],
      [0.1, 0.4, -0.3],
      [-0.2, 0.6, 0.5],
    ])
    const f = (x: Value): Value => A.add(A.sum(A.mul(A.tanh(A.matmul(W, x)), A.mul(x, x))), A.logsumexp(x))
    const x1 = T.tensor([0.4, -0.7, 1.1])
    // by hand (a = Wx, hᵢ = tanh aᵢ, sᵢ = 1 − hᵢ², σ = softmax x):
    // ∂²f/∂xⱼ∂xₖ = Σᵢ −2hᵢsᵢWᵢⱼWᵢₖxᵢ² + 2sₖWₖⱼxₖ + 2sⱼWⱼₖxⱼ + (2hⱼ + σⱼ)δⱼₖ − σⱼσₖ
    const w = T.toNested(W) as number[][]
    const xv = [0.4, -0.7, 1.1]
    const h = w.map((row) => Math.tanh(row.reduce((acc, wij, j) => acc + wij * xv[j]!, 0)))
    const sd = h.map((v) => 1 - v * v)
    const ex = xv.map(Math.exp)
    const sg = ex.map((v) => v / ex.reduce((p, q) => p + q, 0))
    const ref = xv.flatMap((_, j) =>
      xv.map(
        (__, k) =>
          xv.reduce((acc, xi, i) => acc - 2 * h[i]! * sd[i]! * w[i]![j]! * w[i]![k]! * xi * xi, 0) +
          2 * sd[k]! * w[k]![j]! * xv[k]! +
          2 * sd[j]! * w[j]![k]! * xv[j]! +
          (j === k ? 2 * h[j]! + sg[j]! : 0) -
          sg[j]! * sg[k]!,
      ),
    )
    const pf = A.makeGraph(f)(x1)
    const F = (x: Value): Value => A.evalGraph(pf, x)
    const ways: [string, Value][] = [
      ['makeGraph(hessian)', A.evalGraph(A.makeGraph(A.hessian(f))(x1), x1)],
      ['hessian(evalGraph)', A.hessian(F)(x1)],
      ['jacfwd(grad(evalGraph))', A.jacfwd(A.grad(F))(x1)],
      ['makeGraph(jacrev(jacrev))', A.evalGraph(A.makeGraph(A.jacrev(A.jacrev(f)))(x1), x1)],
      ['makeGraph(jacfwd(grad(evalGraph)))', A.evalGraph(A.makeGraph(A.jacfwd(A.grad(F)))(x1), x1)],
      [
        'evalGraph of the staged program of a staged gradient',
        A.evalGraph(A.makeGraph(A.jacrev((x: Value) => A.evalGraph(A.makeGraph(A.grad(f))(x1), x)))(x1), x1),
      ],
      [
        'jvp(grad) columns through the IR',
        A.stack(
          [0, 1, 2].map(
            (i) =>
              A.jvp(
                A.grad(F),
                [x1],
                [
                  T.fromArray(
                    [0, 1, 2].map((j) => (j === i ? 1 : 0)),
                    [3],
                  ),
                ],
              )[1],
          ),
          1,
        ),
      ],
    ]
    for (const [name, H] of ways) {
      expect(H.shape, name).toEqual([3, 3])
      close(H, ref, 1e-10)
    }
    close(A.hessian(f)(x1), ref, 1e-10) // the eager Hessian too
    expect(Math.abs(ref[1]!)).toBeGreaterThan(1e-3)
  })

  it('a function closing over a value of an enclosing grad: the value becomes a constant and gradients flow through it', () => {
    const x = T.tensor([1, 2, 3])
    // d/dy Σ (x·y)² = Σ 2x²y
    const g = A.grad((y: Value) => {
      const p = A.makeGraph((u: Value) => A.sum(A.mul(A.mul(u, y), A.mul(u, y))))(x)
      expect(p.consts.length).toBe(1)
      expect(A.showProgram(p).startsWith('{ lambda a:f64[] ;')).toBe(true)
      return A.evalGraph(p, x)
    })(s(0.5))
    close(g, 2 * (1 + 4 + 9) * 0.5)
  })

  it('makeGraph inside makeGraph, and re-staging an evaluated program reproduces it', () => {
    const f = (x: Value): Value => A.sum(A.tanh(A.mul(x, 3)))
    const p = A.makeGraph(f)(x0)
    const again = A.makeGraph((x: Value) => A.evalGraph(p, x))(x0)
    expect(A.showProgram(again)).toBe(A.showProgram(p))
    const outer = A.makeGraph((x: Value) => A.add(A.evalGraph(A.makeGraph(f)(x), x), 1))(x0)
    expect(outer.eqns.map((e) => e.prim.name)).toEqual(['mul', 'tanh', 'sum', 'add'])
  })

  it('parameter trees in, trees out: a linear layer staged over { W, b } and a batch', () => {
    const layer = (p: { W: Value; b: Value }, x: Value): Value => A.tanh(A.add(A.matmul(x, p.W), p.b))
    const params = { b: T.zeros([2]), W: T.ones([3, 2]) }
    const prog = A.makeGraph(layer)(params, T.ones([4, 3]))
    // leaves in sorted-key order ('W' < 'b'), then x
    expect(prog.inVars.map((v) => v.shape)).toEqual([[3, 2], [2], [4, 3]])
    const p2 = {
      W: T.tensor([
        [1, 0],
        [0, 1],
        [1, 1],
      ]),
      b: T.tensor([0.5, -0.5]),
    }
    const x2 = T.tensor([
      [1, 2, 3],
      [0, 0, 0],
      [-1, 1, 0],
      [2, 2, 2],
    ])
    same(A.evalGraph(prog, p2, x2), A.toTensor(layer(p2, x2)))
    const g = A.grad((p: { W: Value; b: Value }) => A.sum(A.evalGraph(prog, p, x2)))(p2)
    // by hand with kernels: s = 1 − tanh²(xW + b); ∂/∂W = xᵀs, ∂/∂b = Σ_rows s
    const t = T.tanh(T.add(T.matmul(x2, p2.W), p2.b))
    const sd = T.sub(1, T.mul(t, t))
    close(g.W, T.matmul(T.transpose(x2), sd))
    close(g.b, T.sum(sd, { axis: 0 }))
  })

  it('the linear map of linearize stages into its tangent program (customVjp appears as customLin)', () => {
    const [, fLin] = A.linearize((x: Value) => A.mul(A.sin(x), 3), T.tensor([0, 1]))
    const p = A.makeGraph(fLin)(T.zeros([2]))
    expect(p.eqns.map((e) => e.prim.name)).toEqual(['mul', 'mul'])
    close(A.evalGraph(p, T.tensor([1, 2])), [3 * Math.cos(0), 6 * Math.cos(1)])
    const half = A.customVjp(
      (x: Value) => A.mul(x, 1),
      (x: Value) => [A.mul(x, 1), null] as const,
      (_r, ct) => [A.mul(ct, 0.5)],
      'half',
    )
    const [, hLin] = A.linearize((x: Value) => half(x), T.ones([2]))
    const q = A.makeGraph(hLin)(T.zeros([2]))
    expect(A.showProgram(q)).toContain('customLin[name=half aval=f64[2]] a')
    expect(() => A.evalGraph(q, T.ones([2]))).toThrow(/defines only a reverse-mode rule/)
    expect(() => hLin(T.ones([2]))).toThrow(/defines only a reverse-mode rule/)
  })

  it('static arguments are passed as they are and baked into the program', () => {
    const p = A.makeGraph(
      (x: Value, n: number, mode: string) => (mode === 'pow' ? A.pow(x, n) : A.mul(x, n)),
      {
        staticArgnums: [1, 2],
      },
    )(x0, 3, 'pow')
    expect(A.showProgram(p)).toBe(
      ['{ lambda ; a:f64[3] . let', '    b:f64[3] = pow a 3.0', '  in (b) }'].join('\n'),
    )
    close(A.evalGraph(p, T.tensor([2, 3, 4])), [8, 27, 64])
    expect(() => A.makeGraph((x: Value) => x, { staticArgnums: [2] })(x0)).toThrow(
      /staticArgnums 2 is out of range/,
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Custom rules

describe('custom rules are their own equations', () => {
  it('softplus (customJvp) is one equation; its derivative through the IR is sigmoid', () => {
    const p = A.makeGraph((x: Value) => A.softplus(x))(T.zeros([3]))
    expect(p.eqns.map((e) => e.prim.name)).toEqual(['customJvp'])
    expect(A.showProgram(p)).toContain('b:f64[3] = customJvp[name=softplus] a')
    const x = T.tensor([-2, 0, 40])
    same(A.evalGraph(p, x), A.toTensor(A.softplus(x)))
    const sig = [-2, 0, 40].map((v) => 1 / (1 + Math.exp(-v)))
    close(A.grad((u: Value) => A.sum(A.evalGraph(p, u)))(x), sig)
    close(A.jvp((u: Value) => A.evalGraph(p, u), [x], [T.ones([3])])[1], sig)
    // second order: σ' = σ(1 − σ)
    close(
      A.hessian((u: Value) => A.sum(A.evalGraph(p, u)))(x),
      [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (i === j ? sig[i]! * (1 - sig[i]!) : 0))),
    )
  })

  it('a customJvp rule that differs from the true derivative is the one used (straight-through round)', () => {
    const ste = A.customJvp(
      (x: Value) => A.round(x),
      (_p, [t]) => [A.round(_p[0]), t],
      'ste',
    )
    const p = A.makeGraph((x: Value) => A.sum(ste(x)))(T.zeros([2]))
    expect(A.showProgram(p)).toContain('customJvp[name=ste] a')
    close(A.grad((u: Value) => A.evalGraph(p, u))(T.tensor([0.2, 1.7])), [1, 1])
  })

  it('customVjp: one equation; reverse mode through the IR uses bwd; forward mode is refused as in eager code', () => {
    const clipGrad = A.customVjp(
      (x: Value) => A.mul(x, 1),
      (x: Value) => [A.mul(x, 1), null] as const,
      (_r, ct) => [A.mul(ct, 0.5)],
      'halfGrad',
    )
    const p = A.makeGraph((x: Value) => A.sum(clipGrad(x)))(T.zeros([2]))
    expect(A.showProgram(p)).toContain('customVjp[name=halfGrad] a')
    const F = (u: Value): Value => A.evalGraph(p, u)
    close(F(T.tensor([1, 2])), 3)
    close(A.grad(F)(T.tensor([1, 2])), [0.5, 0.5])
    const eager = (): unknown => A.jvp((u: Value) => A.sum(clipGrad(u)), [T.ones([2])], [T.ones([2])])
    const staged = (): unknown => A.jvp(F, [T.ones([2])], [T.ones([2])])
    expect(eager).toThrow(/reverse-mode rule/)
    expect(staged).toThrow(/reverse-mode rule/)
  })

  it('makeGraph(grad(f)) of a custom-rule function contains the rule (the derivative is the rule)', () => {
    const p = A.makeGraph(A.grad((x: Value) => A.sum(A.softplus(x))))(T.zeros([2]))
    expect(p.eqns.map((e) => e.prim.name)).toContain('sigmoid')
    close(A.evalGraph(p, T.tensor([0, 1])), [0.5, 1 / (1 + Math.exp(-1))])
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Errors

describe('errors name the problem', () => {
  const p = A.makeGraph((x: Value) => A.sum(x))(T.ones([2, 3]))
  it('evalGraph checks shapes, dtypes and structure', () => {
    expect(() => A.evalGraph(p, T.ones([3, 2]))).toThrow(T.ShapeError)
    expect(() => A.evalGraph(p, T.ones([3, 2]))).toThrow(
      /input leaf 0 has shape \[3,2\] but the program was staged for \[2,3\]/,
    )
    expect(() => A.evalGraph(p, T.ones([2, 3], { dtype: 'float32' }))).toThrow(
      /dtype float32 but the program was staged for float64/,
    )
    expect(() => (A.evalGraph as (q: Program, ...a: unknown[]) => unknown)(p, [T.ones([2, 3])])).toThrow(
      /structure/,
    )
  })
  it('reading a staged value is a StagedValueError that says what to do', () => {
    expect(() => A.makeGraph((x: Value) => A.item(A.sum(x)))(T.ones([2]))).toThrow(A.StagedValueError)
    expect(() =>
      A.makeGraph((x: Value, i: Value) => A.take(x, i))(T.ones([3]), T.tensor([0, 1], { dtype: 'int32' })),
    ).toThrow(/cannot read the values of a staged value \(\[2\], int32\).*static argument/)
  })
  it('a staged value used after makeGraph returned is a leaked tracer', () => {
    const leaked: Value[] = []
    A.makeGraph((x: Value) => {
      leaked.push(x)
      return x
    })(T.ones([2]))
    expect(() => A.add(leaked[0]!, 1)).toThrow(A.LeakedTracerError)
  })
  it('non-tensor leaves are rejected with their position', () => {
    expect(() => A.makeGraph((x: unknown) => x)('text')).toThrow(/leaf 0 of the arguments is string/)
    expect(() => A.makeGraph(() => 'text')()).toThrow(/leaf 0 of the result is string/)
  })
})
