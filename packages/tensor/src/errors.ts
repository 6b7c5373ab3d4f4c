/**
 * Typed errors for programming mistakes inside numeric code. They are thrown (not returned as Either):
 * a shape mismatch is a bug in the caller, not bad input from the outside world.
 * @module
 */

/** Formats a shape the way every message in Cotangent prints it: `[3,4]`, `[]` for a scalar. */
export const showShape = (shape: readonly number[]): string => `[${shape.join(',')}]`

/** Thrown when shapes do not fit an operation; the message names the operation and the shapes involved. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError'
  /** The operation that rejected the shapes, e.g. `matmul`. */
  readonly op: string
  constructor(op: string, message: string) {
    super(`${op}: ${message}`)
    this.op = op
  }
}

/** Thrown when a dtype does not fit an operation (e.g. float indices passed to `take`). */
export class DTypeError extends Error {
  override readonly name = 'DTypeError'
  /** The operation that rejected the dtype. */
  readonly op: string
  constructor(op: string, message: string) {
    super(`${op}: ${message}`)
    this.op = op
  }
}

/**
 * Ops of this package that have a differentiable counterpart of the same name in `@cotangent/autodiff` (and so in
 * `cotangent`): the fix a {@link TracedValueError} suggests.
 */
const DIFFERENTIABLE = new Set([
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
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'leakyRelu',
  'square',
  'reciprocal',
  'softplus',
  'floor',
  'round',
  'isFinite',
  'where',
  'astype',
  'clip',
  'sum',
  'mean',
  'max',
  'min',
  'argmax',
  'argmin',
  'sumToShape',
  'matmul',
  'dot',
  'reshape',
  'expandDims',
  'squeeze',
  'transpose',
  'broadcastTo',
  'slice',
  'pad',
  'take',
  'scatterAdd',
  'concat',
  'stack',
  'split',
  'toArray',
  'toNested',
  'item',
  'zerosLike',
  'onesLike',
])

/** A short description of what a function received, for error messages: `an array of length 3`, `the number 2`. */
export const describeArgument = (x: unknown): string => {
  if (x === null) return 'null'
  if (x === undefined) return 'undefined'
  if (Array.isArray(x)) return `a plain array of length ${String(x.length)}`
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} (a typed array, not a tensor)`
  switch (typeof x) {
    case 'number':
      return `the number ${String(x)}`
    case 'string':
      return `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return `a ${typeof x}`
    case 'function':
      return 'a function'
    case 'undefined':
      return 'undefined'
    case 'object': {
      const keys = Object.keys(x)
      const name = (x as { constructor?: { name?: unknown } }).constructor?.name
      const kind = typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object'
      return keys.length === 0
        ? kind
        : `${kind} with keys ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`
    }
  }
  return typeof x
}

const looksLikeTensor = (x: unknown): boolean =>
  typeof x === 'object' &&
  x !== null &&
  Array.isArray((x as { shape?: unknown }).shape) &&
  typeof (x as { dtype?: unknown }).dtype === 'string'

/**
 * True for what looks like a traced value of `@cotangent/autodiff`: an object with a shape array, a dtype and the
 * trace it belongs to, that is not a `Tensor`. Detected structurally: this package does not depend on autodiff.
 */
export const looksTraced = (x: unknown): boolean => looksLikeTensor(x) && 'trace' in (x as object)

/**
 * Thrown when a tensor kernel gets an argument that is not a `Tensor` (a plain array, a number where a tensor is
 * required, an object…). The message names the operation and what it got.
 */
export class NotATensorError extends TypeError {
  override readonly name: string = 'NotATensorError'
  /** The operation that rejected the argument, e.g. `matmul`. */
  readonly op: string
  /** What it received, as described in the message (e.g. `a plain array of length 3`). */
  readonly received: string
  constructor(op: string, received: string, message?: string) {
    super(
      message ??
        `tensor.${op}: expected a Tensor, got ${received}${received.startsWith('a plain array') || received.startsWith('the number') ? " (make one with tensor(...) from 'cotangent' or '@cotangent/tensor')" : ''}`,
    )
    this.op = op
    this.received = received
  }
}

/**
 * Thrown when a kernel of `@cotangent/tensor` is handed a traced value (inside `grad`, `jvp`, … of
 * `@cotangent/autodiff`): kernels compute on concrete data only. The message names the differentiable op to use.
 */
export class TracedValueError extends NotATensorError {
  override readonly name: string = 'TracedValueError'
  constructor(op: string) {
    super(
      op,
      'a traced value',
      DIFFERENTIABLE.has(op)
        ? `tensor.${op} received a traced value (inside grad/jvp/vjp or another transformation): use ${op} from 'cotangent' or '@cotangent/autodiff' instead of '@cotangent/tensor'`
        : `tensor.${op} received a traced value (inside grad/jvp/vjp or another transformation), and ${op} has no differentiable version: compute it outside the transformation, or on toTensor(value) from 'cotangent' if no derivative needs to flow through it`,
    )
  }
}

/** The error for a non-tensor argument `x` of `op`: a {@link TracedValueError} for a traced value. */
export const notATensor = (op: string, x: unknown): NotATensorError =>
  looksTraced(x)
    ? new TracedValueError(op)
    : looksLikeTensor(x)
      ? new NotATensorError(
          op,
          'a tensor-like object that is not a Tensor of this copy of @cotangent/tensor',
          `tensor.${op}: expected a Tensor, got a tensor-like object that is not a Tensor of this copy of @cotangent/tensor (are two versions installed? check with npm ls @cotangent/tensor)`,
        )
      : new NotATensorError(op, describeArgument(x))
