/**
 * The bad-input table: every public function of tensor, autodiff, layers, losses, optim and train tried with a wrong
 * type, shape, dtype, non-finite values, empty or huge input. Each case says what must happen: a typed error whose
 * message names the function (`op`), the offending value/shape/path and the fix, or (where that is what PyTorch/JAX
 * do) a correct result. `bad-inputs.test.ts` asserts every case; docs/bad-inputs.md is the same table.
 *
 * The file only uses the public API (and no test runner), so the same cases can be run against an older tree to
 * record what each input did before.
 */
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as T from '@cotangent/tensor'
import * as A from '@cotangent/autodiff'
import * as L from '@cotangent/losses'
import * as O from '@cotangent/optim'
import * as Y from '@cotangent/layers'
import * as TR from '../src/index.js'

/** What a case must produce. */
export type Expectation =
  | {
      /** The error's `name` (`ShapeError`, `TypeError`…), or `Left` for an `Either` left. */
      readonly name: string
      /** Fragments the message must contain (strings) or match (regexps). */
      readonly message: readonly (string | RegExp)[]
    }
  | { readonly ok: (result: unknown) => boolean; readonly describe: string }

/** One row of the table. */
export interface BadInputCase {
  readonly pkg: 'tensor' | 'autodiff' | 'layers' | 'losses' | 'optim' | 'train'
  /** The call, as shown in the table. */
  readonly input: string
  /** The function the message must name (an `Either`'s error names the file instead). */
  readonly op: string
  readonly run: () => unknown
  readonly expect: Expectation
  /** A message matching this was misleading (it blamed the wrong cause), however clear it looked. */
  readonly misleading?: RegExp
}

/** What running a case did. */
export type Outcome =
  | { readonly kind: 'threw'; readonly name: string; readonly message: string }
  | { readonly kind: 'left'; readonly name: 'Left'; readonly message: string }
  | { readonly kind: 'returned'; readonly value: unknown }

const isLeft = (r: unknown): r is { readonly _tag: 'Left'; readonly left: { readonly message?: unknown } } =>
  typeof r === 'object' && r !== null && (r as { _tag?: unknown })._tag === 'Left'

/** Runs a case and records what happened (never throws). */
export const outcome = (c: BadInputCase): Outcome => {
  try {
    const r = c.run()
    if (isLeft(r)) return { kind: 'left', name: 'Left', message: String(r.left.message) }
    return { kind: 'returned', value: r }
  } catch (e) {
    return e instanceof Error
      ? { kind: 'threw', name: e.name, message: e.message }
      : { kind: 'threw', name: typeof e, message: String(e) }
  }
}

/** `clear` when the outcome meets the expectation; else `silent` (a result where an error was due), `raw` or `misleading`. */
export const classify = (c: BadInputCase, o: Outcome): 'clear' | 'silent' | 'raw' | 'misleading' => {
  const ex = c.expect
  if ('ok' in ex) return o.kind === 'returned' && ex.ok(o.value) ? 'clear' : o.kind === 'returned' ? 'silent' : 'raw'
  if (o.kind === 'returned') return 'silent'
  if (c.misleading?.test(o.message) === true) return 'misleading'
  const meets = o.name === ex.name && ex.message.every((m) => (typeof m === 'string' ? o.message.includes(m) : m.test(o.message)))
  if (meets) return 'clear'
  // an error that names the function (an Either's error names the file), but not all of what the table now asks
  // for, was already readable
  return o.kind === 'left' || o.message.includes(c.op) ? 'clear' : 'raw'
}

// ---------------------------------------------------------------------------------------------------------------
// fixtures

const dir = (() => {
  const cache: { d?: string } = {}
  return (): string => (cache.d ??= mkdtempSync(join(tmpdir(), 'cotangent-bad-inputs-')))
})()

const aFile = (): string => {
  const f = join(dir(), 'a-file')
  writeFileSync(f, 'not a directory')
  return f
}

const circular = (): Record<string, unknown> => {
  const c: Record<string, unknown> = { lr: 0.1 }
  c.self = c
  return c
}

const circularParams = (): unknown => {
  const p: { w: T.Tensor; layers: { W: T.Tensor; parent?: unknown }[] } = { w: T.ones([2]), layers: [{ W: T.ones([2]) }] }
  p.layers[0]!.parent = p
  return p
}

const lin = (inDim: number, outDim: number): { W: T.Tensor; b: T.Tensor } => ({
  W: T.mul(T.normal(T.key(1), [inDim, outDim]), 0.1),
  b: T.zeros([outDim]),
})
const linModel: TR.Model<{ W: A.Value; b: A.Value }> = { apply: (p, x) => A.add(A.matmul(x, p.W), p.b) }
const mse = (o: A.Value, y: T.Tensor): A.Value => A.mean(A.square(A.sub(o, y)))
const toy = (n: number): { x: T.Tensor; y: T.Tensor } => {
  const x = T.normal(T.key(2), [n, 2])
  return { x, y: T.sum(x, { axis: 1, keepdims: true }) }
}
const withNaN = (t: T.Tensor, flat: number, v = Number.NaN): T.Tensor => {
  const a = Array.from(T.toArray(t))
  a[flat] = v
  return T.fromArray(a, t.shape)
}

const fitBase = {
  model: linModel,
  loss: mse,
  optimizer: O.sgd(0.1),
  epochs: 2,
  batchSize: 4,
  seed: 0,
  reporter: TR.quietReporter,
}

const savedCheckpoint = (name: string, params: unknown): string => {
  const p = join(dir(), name)
  const r = TR.saveCheckpoint(p, { params, config: {} }) as unknown
  // older trees wrote without a result; newer ones return an Either
  if (isLeft(r)) throw new Error(String(r.left.message))
  return p
}

const allFinite = (tree: unknown): boolean =>
  A.treeLeaves(tree).every((l) => Array.from(T.toArray(l as T.Tensor)).every(Number.isFinite))

const divergedRun = (): unknown => {
  const path = join(dir(), 'diverged', 'ckpt.json')
  try {
    TR.fit({ ...fitBase, params: lin(2, 1), optimizer: O.sgd(1e6), train: toy(32), epochs: 30, checkpoint: { path } } as never)
    return { threw: false }
  } catch (e) {
    const run = (e as { run?: { history: unknown[]; params: unknown; checkpoint: string | null } }).run
    return { threw: true, name: (e as Error).name, run, saved: existsSync(path), path }
  }
}

const err = (name: string, ...message: (string | RegExp)[]): Expectation => ({ name, message })

// ---------------------------------------------------------------------------------------------------------------
// the cases

export const cases: readonly BadInputCase[] = [
  // tensor: creation and dtype conversion ------------------------------------------------------------------------
  {
    pkg: 'tensor',
    input: "tensor([3e9], { dtype: 'int32' })",
    op: 'tensor',
    run: () => T.tensor([3e9], { dtype: 'int32' }),
    expect: err('DTypeError', 'tensor: value 3000000000 at index [0] cannot be stored as int32', 'keep a float dtype, or clip/round the values first'),
  },
  {
    pkg: 'tensor',
    input: "tensor([[1, 2], [NaN, 4]], { dtype: 'int32' })",
    op: 'tensor',
    run: () => T.tensor([[1, 2], [Number.NaN, 4]], { dtype: 'int32' }),
    expect: err('DTypeError', 'tensor: value NaN at index [1][0] cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "fromArray([1, -3e9], [2], { dtype: 'int32' })",
    op: 'fromArray',
    run: () => T.fromArray([1, -3e9], [2], { dtype: 'int32' }),
    expect: err('DTypeError', 'fromArray: value -3000000000 at index [1] cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "full([2], Infinity, { dtype: 'int32' })",
    op: 'full',
    run: () => T.full([2], Infinity, { dtype: 'int32' }),
    expect: err('DTypeError', 'full: value Infinity (the fill value) cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "scalar(NaN, { dtype: 'int32' })",
    op: 'scalar',
    run: () => T.scalar(Number.NaN, { dtype: 'int32' }),
    expect: err('DTypeError', 'scalar: value NaN (the scalar) cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "astype(tensor([1.5, NaN]), 'int32')",
    op: 'astype',
    run: () => T.astype(T.tensor([1.5, Number.NaN]), 'int32'),
    expect: err('DTypeError', 'astype: value NaN at index [1] cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "astype(tensor([[0], [2 ** 31]]), 'int32')",
    op: 'astype',
    run: () => T.astype(T.tensor([[0], [2 ** 31]]), 'int32'),
    expect: err('DTypeError', 'astype: value 2147483648 at index [1,0] cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "arange(2.1e9, 2.2e9, 5e7, { dtype: 'int32' })",
    op: 'arange',
    run: () => T.arange(2.1e9, 2.2e9, 5e7, { dtype: 'int32' }),
    expect: err('DTypeError', 'arange: value 2150000000 at index [1] cannot be stored as int32'),
  },
  {
    pkg: 'tensor',
    input: "astype(tensor([1]), 'float16')",
    op: 'astype',
    run: () => T.astype(T.tensor([1]), 'float16' as T.DType),
    expect: err('DTypeError', "astype: unknown dtype float16 (use 'float64', 'float32' or 'int32')"),
  },
  {
    pkg: 'tensor',
    input: 'zeros([1e6, 1e6])',
    op: 'zeros',
    run: () => T.zeros([1e6, 1e6]),
    expect: err('ShapeError', 'zeros: shape [1000000,1000000] has 1000000000000 elements, more than the limit of 2147483647', 'use a smaller shape'),
  },
  {
    pkg: 'tensor',
    input: 'eye(1e5)',
    op: 'eye',
    run: () => T.eye(1e5),
    expect: err('ShapeError', 'eye: shape [100000,100000] has 10000000000 elements, more than the limit'),
  },
  {
    pkg: 'tensor',
    input: 'arange(1e10)',
    op: 'arange',
    run: () => T.arange(1e10),
    expect: err('ShapeError', 'arange: shape [10000000000] has 10000000000 elements'),
  },
  {
    pkg: 'tensor',
    input: 'linspace(0, 1, 5e9)',
    op: 'linspace',
    run: () => T.linspace(0, 1, 5e9),
    expect: err('ShapeError', 'linspace: shape [5000000000] has 5000000000 elements'),
  },
  {
    pkg: 'tensor',
    input: 'normal(key(0), [1e5, 1e5])',
    op: 'normal',
    run: () => T.normal(T.key(0), [1e5, 1e5]),
    expect: err('ShapeError', 'normal: shape [100000,100000] has 10000000000 elements'),
  },
  {
    pkg: 'tensor',
    input: "full([2], '1')",
    op: 'full',
    run: () => T.full([2], '1' as unknown as number),
    expect: err('DTypeError', 'full: value must be a number, got string "1"'),
  },
  {
    pkg: 'tensor',
    input: 'zeros([2, -1])',
    op: 'zeros',
    run: () => T.zeros([2, -1]),
    expect: err('ShapeError', 'zeros: invalid shape [2,-1]: dimensions must be non-negative integers (dimension 1 is -1)'),
  },
  {
    pkg: 'tensor',
    input: 'ones([1.5])',
    op: 'ones',
    run: () => T.ones([1.5]),
    expect: err('ShapeError', 'ones: invalid shape [1.5]: dimensions must be non-negative integers (dimension 0 is 1.5)'),
  },
  {
    pkg: 'tensor',
    input: 'zeros(3)',
    op: 'zeros',
    run: () => T.zeros(3 as unknown as number[]),
    expect: err('ShapeError', 'zeros: shape must be an array of dimensions such as [2, 3], got number 3'),
  },
  {
    pkg: 'tensor',
    input: "tensor('abc')",
    op: 'tensor',
    run: () => T.tensor('abc' as unknown as number),
    expect: err('DTypeError', 'tensor: expected a number at top level, got string "abc"'),
  },
  {
    pkg: 'tensor',
    input: 'tensor([1, true])',
    op: 'tensor',
    run: () => T.tensor([1, true] as unknown as number[]),
    expect: err('DTypeError', 'tensor: expected a number at [1], got boolean true'),
  },
  {
    pkg: 'tensor',
    input: 'tensor([[1, 2], [3]])',
    op: 'tensor',
    run: () => T.tensor([[1, 2], [3]]),
    expect: err('ShapeError', 'tensor: ragged input at [1]: expected length 2, got length 1'),
  },
  {
    pkg: 'tensor',
    input: "fromArray(['a'], [1])",
    op: 'fromArray',
    run: () => T.fromArray(['a'] as unknown as number[], [1]),
    expect: err('DTypeError', 'fromArray: values must be numbers, got string "a" at index [0]'),
  },
  {
    pkg: 'tensor',
    input: 'fromArray(5, [1])',
    op: 'fromArray',
    run: () => T.fromArray(5 as unknown as number[], [1]),
    expect: err('DTypeError', 'fromArray: values must be an array or a typed array of numbers, got number 5'),
  },
  {
    pkg: 'tensor',
    input: 'fromArray([1, 2, 3], [2, 2])',
    op: 'fromArray',
    run: () => T.fromArray([1, 2, 3], [2, 2]),
    expect: err('ShapeError', 'fromArray: 3 values cannot fill shape [2,2] (size 4)'),
  },
  {
    pkg: 'tensor',
    input: 'reshape(zeros([4]), [3])',
    op: 'reshape',
    run: () => T.reshape(T.zeros([4]), [3]),
    expect: err('ShapeError', 'reshape: cannot reshape [4] (size 4) into [3] (size 3)'),
  },
  {
    pkg: 'tensor',
    input: 'matmul(zeros([2, 3]), zeros([2, 3]))',
    op: 'matmul',
    run: () => T.matmul(T.zeros([2, 3]), T.zeros([2, 3])),
    expect: err('ShapeError', 'matmul', '[2,3]'),
  },
  {
    pkg: 'tensor',
    input: 'add(zeros([2]), zeros([3]))',
    op: 'add',
    run: () => T.add(T.zeros([2]), T.zeros([3])),
    expect: err('ShapeError', 'add: cannot broadcast [2] with [3]'),
  },
  {
    pkg: 'tensor',
    input: 'sum(zeros([2, 3]), { axis: 2 })',
    op: 'sum',
    run: () => T.sum(T.zeros([2, 3]), { axis: 2 }),
    expect: err('ShapeError', 'sum: axis 2 is out of range for shape [2,3]'),
  },
  {
    pkg: 'tensor',
    input: 'take(zeros([3]), [5])',
    op: 'take',
    run: () => T.take(T.zeros([3]), [5]),
    expect: err('ShapeError', 'take', '5'),
  },
  {
    pkg: 'tensor',
    input: 'arange(0, Infinity)',
    op: 'arange',
    run: () => T.arange(0, Infinity),
    expect: err('ShapeError', 'arange: start and stop must be finite numbers'),
  },

  {
    pkg: 'tensor',
    input: 'add({}, 1) (not a tensor)',
    op: 'add',
    run: () => T.add({} as unknown as T.Tensor, 1),
    expect: err('NotATensorError', 'add: expected a Tensor, got an object'),
  },
  {
    pkg: 'tensor',
    input: 'matmul(3, zeros([2]))',
    op: 'matmul',
    run: () => T.matmul(3 as unknown as T.Tensor, T.zeros([2])),
    expect: err('NotATensorError', 'matmul: expected a Tensor, got the number 3'),
  },

  {
    pkg: 'tensor',
    input: 'concat([])',
    op: 'concat',
    run: () => T.concat([]),
    expect: err('ShapeError', 'concat: needs at least one tensor, got an empty list'),
  },
  {
    pkg: 'tensor',
    input: 'max(zeros([0]))',
    op: 'max',
    run: () => T.max(T.zeros([0])),
    expect: err('ShapeError', 'max: cannot reduce an empty axis of shape [0] (axis 0); max has no identity'),
  },
  {
    pkg: 'tensor',
    input: 'argmax(zeros([0]))',
    op: 'argmax',
    run: () => T.argmax(T.zeros([0])),
    expect: err('ShapeError', 'argmax: cannot take argmax of an empty tensor of shape [0]'),
  },
  {
    pkg: 'tensor',
    input: 'mean(zeros([0])) (empty input: NaN, as NumPy and PyTorch)',
    op: 'mean',
    run: () => T.item(T.mean(T.zeros([0]))),
    expect: { ok: (r) => Number.isNaN(r), describe: 'NaN' },
  },
  {
    pkg: 'tensor',
    input: 'take(zeros([3]), tensor([0.5]))',
    op: 'take',
    run: () => T.take(T.zeros([3]), T.tensor([0.5])),
    expect: err('DTypeError', 'take: indices must be integers, got 0.5 at flat position 0'),
  },
  {
    pkg: 'tensor',
    input: 'transpose(zeros([2, 3]), [0, 0])',
    op: 'transpose',
    run: () => T.transpose(T.zeros([2, 3]), [0, 0]),
    expect: err('ShapeError', 'transpose: axes [0,0] are not a permutation of the 2 axes of shape [2,3]'),
  },
  {
    pkg: 'tensor',
    input: 'key(1.5)',
    op: 'key',
    run: () => T.key(1.5),
    expect: err('Error', 'key: seed must be an integer'),
  },
  {
    pkg: 'tensor',
    input: 'bernoulli(key(0), 2, [2])',
    op: 'bernoulli',
    run: () => T.bernoulli(T.key(0), 2, [2]),
    expect: err('Error', 'bernoulli: p must be a probability in [0, 1], got 2'),
  },

  // autodiff --------------------------------------------------------------------------------------------------
  {
    pkg: 'autodiff',
    input: 'grad(f, { argnums: 3 })(x)',
    op: 'grad',
    run: () => {
      A.grad((x: A.Value) => A.sum(x), { argnums: 3 })(T.zeros([2]))
    },
    expect: err('RangeError', 'grad: argnums 3 is out of range for a call with 1 argument(s)'),
  },
  {
    pkg: 'autodiff',
    input: 'valueAndGrad(f, { hasAux: true }) with f returning one value',
    op: 'valueAndGrad',
    run: () => A.valueAndGrad((x: A.Value) => A.sum(x) as unknown as [A.Value, unknown], { hasAux: true })(T.zeros([2])),
    expect: err('TypeError', 'valueAndGrad: with hasAux the function must return a pair [output, aux], got a single value'),
  },
  {
    pkg: 'autodiff',
    input: 'exp([1]) (a plain array)',
    op: 'exp',
    run: () => A.exp([1] as unknown as A.Value),
    expect: err('NotATensorError', 'exp: expected a Tensor, got a plain array of length 1'),
  },
  {
    pkg: 'autodiff',
    input: 'jvp(f, x, t) (primals not a tuple)',
    op: 'jvp',
    run: () => A.jvp((x: A.Value) => A.sin(x), T.scalar(1) as never, T.scalar(1) as never),
    expect: err('TypeError', 'jvp: primals and tangents must be arrays with one entry per argument of f', 'write jvp(f, [x], [t])'),
  },
  {
    pkg: 'autodiff',
    input: 'treeFlatten(p) with p.layers[0].parent = p',
    op: 'treeFlatten',
    run: () => A.treeFlatten(circularParams()),
    expect: err('TypeError', 'treeFlatten: the tree is circular: layers[0].parent is the root again'),
  },
  {
    pkg: 'autodiff',
    input: 'grad(f)(p) with a circular p',
    op: 'treeFlatten',
    run: () => A.grad((p: { w: A.Value }) => A.sum(p.w))(circularParams() as { w: A.Value }),
    expect: err('TypeError', 'the tree is circular: [0].layers[0].parent is [0] again'),
  },
  {
    pkg: 'autodiff',
    input: 'treePaths(p) with a circular p',
    op: 'treePaths',
    run: () => A.treePaths(circularParams()),
    expect: err('TypeError', 'treePaths: the tree is circular: layers[0].parent is the root again'),
  },
  {
    pkg: 'autodiff',
    input: 'grad(x => x)(tensor([1, 2])) (non-scalar output)',
    op: 'grad',
    run: () => A.grad((x: A.Value) => x)(T.tensor([1, 2])),
    expect: err('ShapeError', 'grad', '[2]'),
  },
  {
    pkg: 'autodiff',
    input: 'vjp(sin, x)[1](cotangent of the wrong shape)',
    op: 'vjp',
    run: () => A.vjp((x: A.Value) => A.sin(x), T.zeros([3]))[1](T.zeros([2])),
    expect: err('ShapeError', 'vjp: cotangent 0 has shape [2] but output leaf 0 has shape [3]'),
  },
  {
    pkg: 'autodiff',
    input: 'treeMap(f, {a}, {b})',
    op: 'treeMap',
    run: () => A.treeMap((x: A.Value) => x, { a: T.ones([1]) }, { b: T.ones([1]) }),
    expect: err('Error', 'treeMap: tree 2 has structure {b: *}'),
  },

  // layers (owned elsewhere; recorded) -------------------------------------------------------------------------
  {
    pkg: 'layers',
    input: 'linear(3).apply(params for 2 inputs, x: [4, 5])',
    op: 'linear',
    run: () => {
      const l = Y.linear(3)
      const [, p] = l.init(T.key(0), [2])
      return l.apply(p, T.zeros([4, 5]))
    },
    expect: err('ShapeError', 'linear: input [4,5]'),
  },

  {
    pkg: 'layers',
    input: 'dropout(1.5)',
    op: 'dropout',
    run: () => Y.dropout(1.5),
    expect: err('RangeError', 'dropout: rate must be in [0, 1), got 1.5'),
  },
  {
    pkg: 'layers',
    input: 'linear(2.5)',
    op: 'linear',
    run: () => Y.linear(2.5),
    expect: err('RangeError', 'linear: nOut must be a positive integer, got 2.5'),
  },

  // losses ---------------------------------------------------------------------------------------------------
  {
    pkg: 'losses',
    input: 'bce(tensor([0.5, 2.5]), tensor([1, 1])) (a logit as a probability)',
    op: 'bce',
    run: () => L.bce(T.tensor([0.5, 2.5]), T.tensor([1, 1])),
    expect: err('RangeError', 'bce: prob must lie in [0, 1], got 2.5 at index [1] of prob [2]', 'for logits use bceWithLogits'),
  },
  {
    pkg: 'losses',
    input: 'bce(tensor([[0.5], [0.2]]), tensor([[1], [-1]]))',
    op: 'bce',
    run: () => L.bce(T.tensor([[0.5], [0.2]]), T.tensor([[1], [-1]])),
    expect: err('RangeError', 'bce: target must lie in [0, 1], got -1 at index [1,0] of target [2,1]'),
  },
  {
    pkg: 'losses',
    input: 'grad(p => bce(p, y))(tensor([-0.1])) (inside a trace: the primal is checked)',
    op: 'bce',
    run: () => A.grad((p: A.Value) => L.bce(p, T.tensor([1])))(T.tensor([-0.1])),
    expect: err('RangeError', 'bce: prob must lie in [0, 1], got -0.1 at index [0]'),
  },
  {
    pkg: 'losses',
    input: 'bceWithLogits(tensor([3]), tensor([2]))',
    op: 'bceWithLogits',
    run: () => L.bceWithLogits(T.tensor([3]), T.tensor([2])),
    expect: err('RangeError', 'bceWithLogits: target must lie in [0, 1], got 2 at index [0]'),
  },
  {
    pkg: 'losses',
    input: 'bce(prob [4], target [2])',
    op: 'bce',
    run: () => L.bce(T.tensor([0.1, 0.2, 0.3, 0.4]), T.tensor([1, 0])),
    expect: err('ShapeError', 'bce: prob [4] and target [2] must have the same shape'),
  },
  {
    pkg: 'losses',
    input: 'accuracy(logits, labels) (no `from`; a perfect logit model)',
    op: 'accuracy',
    run: () => (L.accuracy as (p: unknown, l: unknown) => number)(T.tensor([[3.2], [-0.4], [0.2], [-2.5]]), [1, 0, 1, 0]),
    expect: err('TypeError', "accuracy: options.from must be 'logits' or 'probabilities', got none", "{ from: 'logits' }"),
  },
  {
    pkg: 'losses',
    input: "accuracy(logits, labels, { from: 'probabilities' })",
    op: 'accuracy',
    run: () => L.accuracy(T.tensor([[3.2], [-0.4], [0.2], [-2.5]]), [1, 0, 1, 0], { from: 'probabilities' }),
    expect: err('RangeError', "accuracy: predictions are declared { from: 'probabilities' }, but hold 3.2 at index [0,0]", "pass { from: 'logits' }"),
  },
  {
    pkg: 'losses',
    input: "accuracy(logits, labels, { from: 'logits' }) (a perfect logit model)",
    op: 'accuracy',
    run: () => L.accuracy(T.tensor([[3.2], [-0.4], [0.2], [-2.5]]), [1, 0, 1, 0], { from: 'logits' }),
    expect: { ok: (r) => r === 1, describe: 'returns 1' },
  },
  {
    pkg: 'losses',
    input: 'softmaxCrossEntropy(logits [2,3], labels [0, 3])',
    op: 'softmaxCrossEntropy',
    run: () => L.softmaxCrossEntropy(T.zeros([2, 3]), [0, 3]),
    expect: err('ShapeError', 'softmaxCrossEntropy: label 3 at flat position 1 of labels [2] is outside [0, 3)'),
  },
  {
    pkg: 'losses',
    input: 'softmaxCrossEntropy(logits [2,3], labels [0.5, 1])',
    op: 'softmaxCrossEntropy',
    run: () => L.softmaxCrossEntropy(T.zeros([2, 3]), [0.5, 1]),
    expect: err('DTypeError', 'softmaxCrossEntropy: labels must be integers, got 0.5'),
  },
  {
    pkg: 'losses',
    input: 'nll(logits, labels) (logits instead of log-probabilities)',
    op: 'nll',
    run: () => L.nll(T.tensor([[2, -1, 0.5], [0.1, 3, -2]]), [0, 1]),
    expect: err('RangeError', 'nll: logProbs must be log-probabilities (≤ 0), got 2 at index [0,0] of logProbs [2,3]', 'for logits use softmaxCrossEntropy'),
  },
  {
    pkg: 'losses',
    input: 'nll(logSoftmax(logits), labels) equals softmaxCrossEntropy(logits, labels)',
    op: 'nll',
    run: () => {
      const x = T.tensor([[2, -1, 0.5], [0.1, 3, -2]])
      return [A.item(L.nll(A.logSoftmax(x, -1), [0, 1])), A.item(L.softmaxCrossEntropy(x, [0, 1]))]
    },
    expect: {
      ok: (r) => {
        const [a, b] = r as [number, number]
        // by hand: mean of lse(row) − x[label]
        const lse = (row: number[]): number => Math.log(row.reduce((s, v) => s + Math.exp(v), 0))
        const want = (lse([2, -1, 0.5]) - 2 + lse([0.1, 3, -2]) - 3) / 2
        return Math.abs(a - want) < 1e-12 && Math.abs(b - want) < 1e-12
      },
      describe: 'both equal the hand-computed mean of logsumexp(row) − x[label]',
    },
  },
  {
    pkg: 'losses',
    input: 'mse(pred [3,1], target [3])',
    op: 'mse',
    run: () => L.mse(T.zeros([3, 1]), T.zeros([3])),
    expect: err('ShapeError', 'mse: pred [3,1] and target [3] must have the same shape'),
  },
  {
    pkg: 'losses',
    input: 'confusionMatrix([0, 1], [0, 1], 0)',
    op: 'confusionMatrix',
    run: () => L.confusionMatrix([0, 1], [0, 1], 0),
    expect: err('RangeError', 'confusionMatrix: numClasses must be a positive integer, got 0'),
  },

  {
    pkg: 'losses',
    input: 'softmaxCrossEntropy(zeros([0, 3]), []) (empty batch: NaN, as PyTorch)',
    op: 'softmaxCrossEntropy',
    run: () => A.item(L.softmaxCrossEntropy(T.zeros([0, 3]), [])),
    expect: { ok: (r) => Number.isNaN(r), describe: 'NaN' },
  },

  // optim ------------------------------------------------------------------------------------------------------
  {
    pkg: 'optim',
    input: 'sgd(-0.1)',
    op: 'sgd',
    run: () => O.sgd(-0.1),
    expect: err('RangeError', 'sgd: lr must be a finite number ≥ 0 or a schedule (a function of the step), got -0.1'),
  },
  {
    pkg: 'optim',
    input: 'adam(NaN)',
    op: 'adam',
    run: () => O.adam(Number.NaN),
    expect: err('RangeError', 'adam: lr must be a finite number ≥ 0 or a schedule (a function of the step), got NaN'),
  },
  {
    pkg: 'optim',
    input: 'sgd(() => NaN).update(grads, state)',
    op: 'sgd',
    run: () => O.sgd(() => Number.NaN).update({ w: T.ones([2]) }, { count: 0 }),
    expect: err('RangeError', 'sgd: the learning-rate schedule returned NaN at step 0', 'a schedule must return a finite number ≥ 0 at every step'),
  },
  {
    pkg: 'optim',
    input: 'adam(s => (s < 2 ? 0.1 : NaN)), third update',
    op: 'adam',
    run: () => {
      const p = { w: T.ones([2]) }
      const opt = O.adam((s) => (s < 2 ? 0.1 : Number.NaN))
      const s1 = opt.update(p, opt.init(p), p)[1]
      const s2 = opt.update(p, s1, p)[1]
      return opt.update(p, s2, p)
    },
    expect: err('RangeError', 'adam: the learning-rate schedule returned NaN at step 2'),
  },
  {
    pkg: 'optim',
    input: 'momentum(() => -1).update(grads, state)',
    op: 'momentum',
    run: () => O.momentum(() => -1).update({ w: T.ones([2]) }, O.momentum(0.1).init({ w: T.ones([2]) })),
    expect: err('RangeError', 'momentum: the learning-rate schedule returned -1 at step 0'),
  },
  {
    pkg: 'optim',
    input: 'adam.update(grads with layers[0].b: [4], state, params with b: [3])',
    op: 'adam',
    run: () => {
      const params = { layers: [{ W: T.ones([2, 3]), b: T.ones([3]) }] }
      const grads = { layers: [{ W: T.ones([2, 3]), b: T.ones([4]) }] }
      const opt = O.adam(0.1)
      return opt.update(grads, opt.init(params), params)
    },
    expect: err('ShapeError', 'adam: at layers[0].b, the gradients have shape [4] but the parameters have shape [3]'),
  },
  {
    pkg: 'optim',
    input: 'sgd.update(grads with b: [1], state, params with b: [3])',
    op: 'sgd',
    run: () => O.sgd(0.1).update({ b: T.ones([1]) }, { count: 0 }, { b: T.ones([3]) }),
    expect: err('ShapeError', 'sgd: at b, the gradients have shape [1] but the parameters have shape [3]'),
  },
  {
    pkg: 'optim',
    input: 'applyUpdates({ b: [1] }, { b: [3] })',
    op: 'applyUpdates',
    run: () => O.applyUpdates({ b: T.ones([1]) }, { b: T.ones([3]) }),
    expect: err('ShapeError', 'applyUpdates: at b, the updates have shape [3] but the parameters have shape [1]'),
  },
  {
    pkg: 'optim',
    input: "sgd(0.1).update('not a tree', state)",
    op: 'sgd',
    run: () => O.sgd(0.1).update('not a tree' as never, { count: 0 }),
    expect: err('TypeError', 'sgd: the gradients must be a tree of tensors, but the leaf at (the root) is the string "not a tree"'),
  },
  {
    pkg: 'optim',
    input: 'adam(0.1).init({ w, lr: 0.1 })',
    op: 'adam',
    run: () => O.adam(0.1).init({ w: T.ones([2]), lr: 0.1 }),
    expect: err('TypeError', 'adam.init: the parameters must be a tree of tensors, but the leaf at lr is number 0.1'),
  },
  {
    pkg: 'optim',
    input: 'adam.update({ w }, state of { w, b })',
    op: 'adam',
    run: () => {
      const opt = O.adam(0.1)
      return opt.update({ w: T.ones([2]) }, opt.init({ w: T.ones([2]), b: T.ones([1]) }))
    },
    expect: err('Error', 'adam: the first moment have structure {b: *, w: *}, but the gradients have {w: *}'),
  },
  {
    pkg: 'optim',
    input: 'sgd(warmup({ peak: -1, warmupSteps: 2 })), second update',
    op: 'sgd',
    run: () => {
      const opt = O.sgd(O.warmup({ peak: -1, warmupSteps: 2 }))
      const g = { w: T.ones([2]) }
      return opt.update(g, opt.update(g, { count: 0 })[1])
    },
    expect: err('RangeError', 'sgd: the learning-rate schedule returned -0.5 at step 1'),
  },
  {
    pkg: 'optim',
    input: 'momentum(0.1, 1)',
    op: 'momentum',
    run: () => O.momentum(0.1, 1),
    expect: err('RangeError', 'momentum: beta must be in [0, 1), got 1'),
  },
  {
    pkg: 'optim',
    input: 'clipByGlobalNorm(0)',
    op: 'clipByGlobalNorm',
    run: () => O.clipByGlobalNorm(0),
    expect: err('RangeError', 'clipByGlobalNorm: maxNorm must be a finite number > 0, got 0'),
  },

  // train ------------------------------------------------------------------------------------------------------
  {
    pkg: 'train',
    input: 'fit with NaN in train.x (row 5, column 1)',
    op: 'fit',
    run: () => {
      const d = toy(16)
      return TR.fit({ ...fitBase, params: lin(2, 1), train: { x: withNaN(d.x, 11), y: d.y } })
    },
    expect: err('NonFiniteDataError', 'fit: train.x has NaN at row 5, column 1', 'Clean the data first'),
    misleading: /learning rate/,
  },
  {
    pkg: 'train',
    input: 'fit with Infinity in dev.y (row 3)',
    op: 'fit',
    run: () => {
      const d = toy(16)
      return TR.fit({ ...fitBase, params: lin(2, 1), train: d, dev: { x: d.x, y: withNaN(d.y, 3, Infinity) } })
    },
    expect: err('NonFiniteDataError', 'fit: dev.y has Infinity at row 3, column 0'),
    misleading: /learning rate/,
  },
  {
    pkg: 'train',
    input: 'fit on a custom dataset whose example 9 has NaN',
    op: 'fit',
    run: () => {
      const d = toy(16)
      const x = withNaN(d.x, 18)
      const data: TR.CustomDataset<T.Tensor> = { size: 16, select: (idx) => ({ x: T.take(x, idx), y: T.take(d.y, idx) }) }
      return TR.fit({ ...fitBase, params: lin(2, 1), train: data, shuffle: false } as never)
    },
    expect: err('NonFiniteDataError', 'fit: train.x has NaN at row 9, column 0'),
    misleading: /learning rate/,
  },
  {
    pkg: 'train',
    input: 'fit diverging (sgd(1e6)) with checkpoint: { path }',
    op: 'fit',
    run: divergedRun,
    expect: {
      ok: (r) => {
        const o = r as { threw: boolean; name?: string; run?: { history: unknown[]; params: unknown; checkpoint: string | null }; saved?: boolean; path?: string }
        return o.threw && o.name === 'DivergenceError' && o.run !== undefined && allFinite(o.run.params) && o.run.checkpoint === o.path && o.saved === true
      },
      describe: 'DivergenceError with error.run = { history, params (finite), optState, checkpoint } and the checkpoint on disk',
    },
  },
  {
    pkg: 'train',
    input: 'fit({ epochs: -1 })',
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: toy(8), epochs: -1 }),
    expect: err('RangeError', 'fit: epochs must be an integer ≥ 0, got -1'),
  },
  {
    pkg: 'train',
    input: 'fit({ epochs: 2, initialEpoch: 3 })',
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: toy(8), initialEpoch: 3 }),
    expect: err('RangeError', 'fit: initialEpoch must be an integer in [0, epochs = 2], got 3'),
  },
  {
    pkg: 'train',
    input: 'fit({ seed: 1.5 })',
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: toy(8), seed: 1.5 }),
    expect: err('RangeError', 'fit: seed must be an integer, got 1.5'),
  },
  {
    pkg: 'train',
    input: 'fit({ batchSize: 0 })',
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: toy(8), batchSize: 0 }),
    expect: err('RangeError', 'fit: batchSize must be an integer ≥ 1, got 0'),
  },
  {
    pkg: 'train',
    input: 'fit with train.x [8,2] and train.y [6,1]',
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: { x: T.zeros([8, 2]), y: T.zeros([6, 1]) } }),
    expect: err('ShapeError', 'fit: train.x [8,2] and train.y [6,1] must have the same number of rows'),
  },
  {
    pkg: 'train',
    input: 'fit with an empty training set',
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: { x: T.zeros([0, 2]), y: T.zeros([0, 1]) } }),
    expect: err('RangeError', 'fit: the training set is empty'),
  },
  {
    pkg: 'train',
    input: "fit({ monitor: 'devLoss' }) without a dev set",
    op: 'fit',
    run: () => TR.fit({ ...fitBase, params: lin(2, 1), train: toy(8), monitor: 'devLoss' }),
    expect: err('Error', "fit: monitor 'devLoss' needs a dev set"),
  },
  {
    pkg: 'train',
    input: "saveCheckpoint('<a file>/sub/ckpt.json', …) (a path through a file)",
    op: 'saveCheckpoint',
    run: () => TR.saveCheckpoint(join(aFile(), 'sub', 'ckpt.json'), { params: { w: T.ones([2]) }, config: {} }),
    expect: err('Left', /a-file\/sub\/ckpt\.json: cannot write the checkpoint \(.*(EEXIST|ENOTDIR).*\): a parent of the path is a file, not a directory/),
  },
  {
    pkg: 'train',
    input: 'saveCheckpoint(path, { config: circular })',
    op: 'saveCheckpoint',
    run: () => TR.saveCheckpoint(join(dir(), 'circ.json'), { params: { w: T.ones([2]) }, config: circular() }),
    expect: err('Left', 'circ.json: cannot encode the checkpoint: toJson: cannot encode a circular value: $.config.self is $.config again'),
  },
  {
    pkg: 'train',
    input: 'writeJsonAtomic(path, circular)',
    op: 'toJson',
    run: () => {
      TR.writeJsonAtomic(join(dir(), 'circ2.json'), { a: circular() })
    },
    expect: err('TypeError', 'toJson: cannot encode a circular value: $.a.self is $.a again'),
  },
  {
    pkg: 'train',
    input: "loadCheckpoint('<a file>/ckpt.json')",
    op: 'loadCheckpoint',
    run: () => TR.loadCheckpoint(join(aFile(), 'ckpt.json')),
    expect: err('Left', /a-file\/ckpt\.json: /),
  },
  {
    pkg: 'train',
    input: 'loadCheckpoint(path, { like }) where the file lacks layers[0].b',
    op: 'loadCheckpoint',
    run: () => {
      const p = savedCheckpoint('nobias.json', { layers: [{ W: T.ones([2, 3]) }] })
      return TR.loadCheckpoint(p, { like: { layers: [{ W: T.ones([2, 3]), b: T.ones([3]) }] } })
    },
    expect: err('Left', 'nobias.json: params.layers[0].b: missing (the model has a tensor of shape [3])', 'load it with the matching one'),
  },
  {
    pkg: 'train',
    input: 'loadCheckpoint(path, { like }) of another width',
    op: 'loadCheckpoint',
    run: () => {
      const p = savedCheckpoint('wide.json', { W: T.ones([2, 16]), b: T.ones([16]) })
      return TR.loadCheckpoint(p, { like: { W: T.ones([2, 8]), b: T.ones([8]) } })
    },
    expect: err('Left', 'wide.json: params.W: expected shape [2,8], got [2,16]; params.b: expected shape [8], got [16]'),
  },
  {
    pkg: 'train',
    input: 'loadCheckpoint(path, { optState: adam.init(params) }) of an sgd state',
    op: 'loadCheckpoint',
    run: () => {
      const params = { w: T.ones([2]) }
      const p = join(dir(), 'sgdstate.json')
      TR.saveCheckpoint(p, { params, optState: O.sgd(0.1).init(params), config: {} })
      return TR.loadCheckpoint(p, { like: params, optState: O.adam(0.1).init(params) })
    },
    expect: err('Left', 'sgdstate.json: optState.mu: missing'),
  },
  {
    pkg: 'train',
    input: 'evaluate(model, params, loss, data with NaN in x[2][0])',
    op: 'evaluate',
    run: () => {
      const d = toy(4)
      return TR.evaluate(linModel, lin(2, 1), mse, { x: withNaN(d.x, 4), y: d.y })
    },
    expect: err('NonFiniteDataError', 'evaluate: data.x has NaN at row 2, column 0'),
  },
  {
    pkg: 'train',
    input: 'evaluate(model, params, loss, data, { batchSize: 0 })',
    op: 'evaluate',
    run: () => TR.evaluate(linModel, lin(2, 1), mse, toy(4), { batchSize: 0 }),
    expect: err('RangeError', 'evaluate: batchSize must be an integer ≥ 1, got 0'),
  },
  {
    pkg: 'train',
    input: 'lineReporter(console.log, { every: 0 })',
    op: 'lineReporter',
    run: () => TR.lineReporter(() => undefined, { every: 0 }),
    expect: err('RangeError', 'lineReporter: every must be a positive integer, got 0'),
  },
]
