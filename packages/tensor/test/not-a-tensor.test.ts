/**
 * Kernels handed something that is not a Tensor throw a typed error naming the operation and what they got,
 * never the engine's `Cannot read private member #data`. A traced value of autodiff is recognised structurally
 * (an object with a shape array and a dtype that is not a Tensor), since this package does not depend on
 * autodiff; the real tracers are tested in autodiff's `traced-kernels.test.ts`.
 */
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.js'
import { NotATensorError, TracedValueError } from '../src/index.js'

const x = T.tensor([1, 2, 3])
const m = T.tensor([
  [1, 2],
  [3, 4],
])
/** Stands in for an autodiff tracer: what the tensor package can see of one. */
const fakeTracer = { shape: [3], dtype: 'float64', size: 3, ndim: 1, trace: { level: 1 } }

/** Every kernel family, called with `bad` in a tensor position. The first field is the op the error must name. */
const calls: readonly (readonly [string, (bad: never) => unknown])[] = [
  ['exp', (b) => T.exp(b)],
  ['tanh', (b) => T.tanh(b)],
  ['add', (b) => T.add(b, x)],
  ['add', (b) => T.add(x, b)],
  ['mul', (b) => T.mul(b, 2)],
  ['sub', (b) => T.sub(1, b)],
  ['where', (b) => T.where(b, x, 0)],
  ['astype', (b) => T.astype(b, 'float64')],
  ['clip', (b) => T.clip(b, 0, 1)],
  ['sum', (b) => T.sum(b, { axis: 0 })],
  ['mean', (b) => T.mean(b)],
  ['argmax', (b) => T.argmax(b)],
  ['sumToShape', (b) => T.sumToShape(b, [3])],
  ['matmul', (b) => T.matmul(b, m)],
  ['matmul', (b) => T.matmul(m, b)],
  ['outer', (b) => T.outer(b, x)],
  ['reshape', (b) => T.reshape(b, [3])],
  ['transpose', (b) => T.transpose(b)],
  ['slice', (b) => T.slice(b, [{ start: 1 }])],
  ['pad', (b) => T.pad(b, [[1, 1]])],
  ['take', (b) => T.take(b, [0])],
  ['scatterAdd', (b) => T.scatterAdd(b, [0], x)],
  ['concat', (b) => T.concat([x, b])],
  ['stack', (b) => T.stack([b, x])],
  ['split', (b) => T.split(b, 3)],
  ['toArray', (b) => T.toArray(b)],
  ['toNested', (b) => T.toNested(b)],
  ['item', (b) => T.item(b)],
  ['toString', (b) => T.toString(b)],
  ['shuffle', (b) => T.shuffle(T.key(0), b)],
]

const caught = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

describe('a non-tensor argument is a NotATensorError naming the op and what it got', () => {
  const bads: readonly (readonly [unknown, string])[] = [
    [[1, 2, 3], 'a plain array of length 3'],
    [{ a: 1, b: 2 }, 'an object with keys a, b'],
    [new Float64Array(3), 'a Float64Array (a typed array, not a tensor)'],
    ['abc', 'the string "abc"'],
    [undefined, 'undefined'],
    [null, 'null'],
  ]
  for (const [op, call] of calls)
    it(`${op}`, () => {
      for (const [bad, described] of bads) {
        const e = caught(() => call(bad as never))
        expect(e).toBeInstanceOf(NotATensorError)
        expect(e).not.toBeInstanceOf(TracedValueError)
        const err = e as NotATensorError
        expect(err.op).toBe(op)
        expect(err.received).toBe(described)
        expect(err.message).toBe(
          `tensor.${op}: expected a Tensor, got ${described}${described.startsWith('a plain array') ? " (make one with tensor(...) from 'cotangent' or '@cotangent/tensor')" : ''}`,
        )
      }
    })

  it('a number where a tensor is required names the number and how to make a tensor', () => {
    const e = caught(() => T.exp(3 as never)) as NotATensorError
    expect(e).toBeInstanceOf(NotATensorError)
    expect(e.message).toBe(
      "tensor.exp: expected a Tensor, got the number 3 (make one with tensor(...) from 'cotangent' or '@cotangent/tensor')",
    )
    expect((caught(() => T.matmul(m, 2 as never)) as Error).message).toBe(
      "tensor.matmul: expected a Tensor, got the number 2 (make one with tensor(...) from 'cotangent' or '@cotangent/tensor')",
    )
    // where numbers are allowed (element-wise operands) they still work
    expect(Array.from(T.toArray(T.add(2, 3)))).toEqual([5])
  })

  it('a list op given a single tensor says it wants an array', () => {
    const e = caught(() => T.concat(x as never)) as NotATensorError
    expect(e).toBeInstanceOf(NotATensorError)
    expect(e.message).toMatch(/^tensor\.concat: expected an array of Tensors, got an? /)
  })

  it('a tensor-like object without a trace (e.g. a Tensor of a second installed copy) is named as such', () => {
    const e = caught(() => T.add({ shape: [3], dtype: 'float64', size: 3 } as never, x)) as NotATensorError
    expect(e).toBeInstanceOf(NotATensorError)
    expect(e).not.toBeInstanceOf(TracedValueError)
    expect(e.message).toBe(
      'tensor.add: expected a Tensor, got a tensor-like object that is not a Tensor of this copy of @cotangent/tensor (are two versions installed? check with npm ls @cotangent/tensor)',
    )
  })

  it('undefined and null are named too where the data is read first', () => {
    expect((caught(() => T.toArray(undefined as never)) as Error).message).toBe(
      'tensor.toArray: expected a Tensor, got undefined',
    )
    expect((caught(() => T.matmul(null as never, m)) as Error).message).toBe(
      'tensor.matmul: expected a Tensor, got null',
    )
  })
})

describe('a traced value is a TracedValueError that names the differentiable op to use', () => {
  for (const [op, call] of calls)
    it(`${op}`, () => {
      const e = caught(() => call(fakeTracer as never))
      expect(e).toBeInstanceOf(TracedValueError)
      expect(e).toBeInstanceOf(NotATensorError) // one catch covers both
      expect((e as TracedValueError).op).toBe(op)
      const message = (e as Error).message
      expect(
        message.startsWith(
          `tensor.${op} received a traced value (inside grad/jvp/vjp or another transformation)`,
        ),
      ).toBe(true)
      if (['outer', 'toString', 'shuffle'].includes(op))
        expect(message).toContain(`${op} has no differentiable version`)
      else
        expect(message).toContain(
          `use ${op} from 'cotangent' or '@cotangent/autodiff' instead of '@cotangent/tensor'`,
        )
    })

  it('the exact message for add', () => {
    expect((caught(() => T.add(fakeTracer as never, 1)) as Error).message).toBe(
      "tensor.add received a traced value (inside grad/jvp/vjp or another transformation): use add from 'cotangent' or '@cotangent/autodiff' instead of '@cotangent/tensor'",
    )
  })

  it('ops that would have returned the input unchanged refuse it as well', () => {
    // same shape, no permutation, same dtype, full slice: each used to hand the traced value straight back
    expect(caught(() => T.reshape(fakeTracer as never, [3]))).toBeInstanceOf(TracedValueError)
    expect(caught(() => T.transpose(fakeTracer as never, [0]))).toBeInstanceOf(TracedValueError)
    expect(caught(() => T.astype(fakeTracer as never, 'float64'))).toBeInstanceOf(TracedValueError)
    expect(caught(() => T.slice(fakeTracer as never, []))).toBeInstanceOf(TracedValueError)
  })
})
