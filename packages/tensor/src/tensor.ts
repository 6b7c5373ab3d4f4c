/**
 * The immutable n-d array. A `Tensor` owns a flat typed array that no export can reach or change: every function
 * returns a new tensor (or, for pure views such as `reshape`, shares storage that nobody can write to).
 * @module
 */
import { allocate, isDType, type DType, type Storage } from './dtype.js'
import { ShapeError, DTypeError, NotATensorError, describeArgument, notATensor, showShape } from './errors.js'
import { checkShape, sizeOf } from './shape.js'

let readStorage: (t: Tensor, op: string) => Storage
let construct: (data: Storage, shape: readonly number[], dtype: DType) => Tensor
let formatter: (t: Tensor) => string = (t) => `Tensor(${showShape(t.shape)}, ${t.dtype})`

/**
 * An immutable n-dimensional array of `float64` (default), `float32` or `int32` values, stored in row-major order.
 * Create one with {@link tensor}, {@link zeros}, {@link fromArray}…; read it with {@link toArray} or
 * {@link toNested}.
 */
export class Tensor {
  /** Dimensions, outermost first; `[]` for a scalar. Frozen. */
  readonly shape: readonly number[]
  /** Element type. */
  readonly dtype: DType
  /** Number of elements (product of `shape`). */
  readonly size: number
  readonly #data: Storage

  private constructor(data: Storage, shape: readonly number[], dtype: DType) {
    this.#data = data
    // a frozen array can never change, so it is shared (every tensor's shape is one); anything else is copied
    this.shape = Object.isFrozen(shape) && Array.isArray(shape) ? shape : Object.freeze(shape.slice())
    this.dtype = dtype
    this.size = data.length
    Object.freeze(this)
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length
  }

  /** A NumPy-like rendering, e.g. `tensor([[1, 2], [3, 4]])`. */
  toString(): string {
    return formatter(this)
  }

  static {
    // the private-field read is the brand check every kernel pays anyway; only when it fails (a traced value, an
    // array, a number…) is the typed error built, so the check costs nothing on the hot path
    readStorage = (t, op) => {
      try {
        return t.#data
      } catch {
        throw notATensor(op, t)
      }
    }
    construct = (data, shape, dtype) => new Tensor(data, shape, dtype)
  }
}

/** @internal Installs the NumPy-like formatter (lives in format.ts to keep this module small). */
export const setFormatter = (f: (t: Tensor) => string): void => {
  formatter = f
}

/**
 * @internal The storage of a tensor, for kernels inside this package only. Never write to it, never let it escape.
 * This is the one place tensor data is read: anything that is not a Tensor (a traced value of autodiff, a plain
 * array, a number) throws a `TracedValueError`/`NotATensorError` naming `op`, the public operation being run.
 */
export const dataOf = (t: Tensor, op = 'kernel'): Storage => readStorage(t, op)

/**
 * @internal `x` itself when it is a Tensor, else the typed error naming `op` and what it got. For the kernels that
 * read an argument's shape before its data (reductions, matmul, movement), so a non-tensor fails before that.
 */
export const checkTensor = (op: string, x: Tensor): Tensor => {
  if (!(x instanceof Tensor)) throw notATensor(op, x)
  return x
}

/** @internal Like {@link checkTensor} for a list argument (`concat`, `stack`): an array of Tensors. */
export const checkTensors = (op: string, xs: readonly Tensor[]): void => {
  if (!Array.isArray(xs))
    throw new NotATensorError(op, describeArgument(xs), `tensor.${op}: expected an array of Tensors, got ${describeArgument(xs)}`)
  for (const x of xs) if (!(x instanceof Tensor)) throw notATensor(op, x)
}

let observer: ((t: Tensor) => void) | null = null

/**
 * @internal Instrumentation for benchmarks and profilers, not part of the computing API: installs `fn` (or, with
 * `null`, removes it) to be called with every tensor this package creates — each kernel's result (a view such as
 * `reshape` included) and each tensor made by `tensor`, `zeros`, `fromArray`… — so a caller can count kernel runs.
 * Returns the observer it replaces. The observer only watches (what it returns is ignored; the tensor is
 * immutable); with none installed (the default) the cost is one comparison per tensor. Exported from the package
 * as `unstable_setTensorObserver`.
 */
export const setTensorObserver = (fn: ((t: Tensor) => void) | null): ((t: Tensor) => void) | null => {
  if (fn !== null && typeof fn !== 'function')
    throw new TypeError(
      `tensor.unstable_setTensorObserver: expected a function or null, got ${describeValue(fn)}`,
    )
  const prev = observer
  observer = fn
  return prev
}

/**
 * @internal Wraps freshly computed storage. The caller gives up the array: nothing may write to it afterwards.
 */
export const wrap = (data: Storage, shape: readonly number[], dtype?: DType): Tensor => {
  const t = construct(data, shape, dtype ?? dtypeOfStorage(data))
  if (observer !== null) observer(t)
  return t
}

const dtypeOfStorage = (d: Storage): DType =>
  d instanceof Float64Array ? 'float64' : d instanceof Float32Array ? 'float32' : 'int32'

/** Options for the creation functions. */
export interface CreateOptions {
  /** Element type; `float64` when omitted. */
  readonly dtype?: DType
}

/** A number or an arbitrarily nested array of numbers, as accepted by {@link tensor}. */
export type NestedArray = number | readonly NestedArray[]

const checkDType = (op: string, dtype: unknown): DType => {
  if (!isDType(dtype)) throw new DTypeError(op, `unknown dtype ${String(dtype)} (use 'float64', 'float32' or 'int32')`)
  return dtype
}

const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

/** True when int32 storage holds `Math.trunc(v)` exactly: a finite number whose truncation is in int32's range. */
const fitsInt32 = (v: number): boolean => v > INT32_MIN - 1 && v < INT32_MAX + 1

/** `[i,j,…]`, the multi-index of flat row-major position `flat` in `shape` (`[]` for a scalar). */
export const showIndex = (flat: number, shape: readonly number[]): string => {
  const idx = new Array<number>(shape.length)
  let r = flat
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!
    idx[i] = d === 0 ? 0 : r % d
    r = d === 0 ? 0 : Math.floor(r / d)
  }
  return `[${idx.join(',')}]`
}

/**
 * @internal The error for a value that int32 storage cannot hold (NaN, ±Infinity, or outside
 * [−2147483648, 2147483647]); `at` names where it is. Storing it would wrap around or turn NaN into 0.
 */
export const int32Error = (op: string, v: number, at: string): DTypeError =>
  new DTypeError(
    op,
    `value ${String(v)} ${at} cannot be stored as int32 (int32 holds finite numbers in [${INT32_MIN}, ${INT32_MAX}]; fractions truncate toward zero): keep a float dtype, or clip/round the values first`,
  )

const describeValue = (v: unknown): string => {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`
  if (typeof v === 'function') return 'a function'
  if (typeof v === 'symbol') return v.toString()
  return `${typeof v} ${(v as number | boolean | bigint).toString()}`
}

const checkNumber = (op: string, name: string, v: unknown): number => {
  if (typeof v !== 'number') throw new DTypeError(op, `${name} must be a number, got ${describeValue(v)}`)
  return v
}

/** Copies `values` into int32 or float storage; int32 truncates toward zero and rejects what it cannot hold. */
const fill = (op: string, data: Storage, values: ArrayLike<number>, shape: readonly number[]): void => {
  if (data instanceof Int32Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!
      if (!fitsInt32(v)) throw int32Error(op, v, `at index ${showIndex(i, shape)}`)
      data[i] = Math.trunc(v)
    }
    return
  }
  if (!ArrayBuffer.isView(values))
    // a plain array may hold anything; a typed array holds numbers
    for (let i = 0; i < values.length; i++)
      if (typeof values[i] !== 'number')
        throw new DTypeError(op, `values must be numbers, got ${describeValue(values[i])} at index ${showIndex(i, shape)}`)
  data.set(values)
}

/** Allocates storage for `shape` after checking it (dimensions, and the element-count limit 2³¹ − 1). */
const allocateFor = (op: string, dtype: DType, shape: readonly number[]): Storage => {
  checkShape(op, shape)
  return allocate(dtype, sizeOf(shape))
}

/**
 * Creates a tensor from a number or a nested array. Ragged input (sub-arrays of different lengths, or a number
 * where an array is expected) throws a ShapeError naming the offending index, e.g. `[1][2]`; a leaf that is not a
 * number, or (for `int32`) a value int32 cannot hold — NaN, ±Infinity, beyond ±2³¹ — throws a DTypeError naming
 * it. Fractions truncate toward zero in `int32`.
 */
export const tensor = (value: NestedArray, options?: CreateOptions): Tensor => {
  const dtype = checkDType('tensor', options?.dtype ?? 'float64')
  const shape: number[] = []
  let probe: NestedArray = value
  while (Array.isArray(probe)) {
    shape.push(probe.length)
    probe = (probe as readonly NestedArray[])[0] ?? 0
    if ((probe as unknown) === undefined) break
  }
  const data = allocateFor('tensor', dtype, shape)
  const int = dtype === 'int32'
  let k = 0
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        if (Array.isArray(v))
          throw new ShapeError('tensor', `ragged input at ${path || 'top level'}: expected a number, got an array`)
        throw new DTypeError('tensor', `expected a number at ${path || 'top level'}, got ${describeValue(v)}`)
      }
      if (int && !fitsInt32(v)) throw int32Error('tensor', v, `at index ${path || '[]'}`)
      data[k++] = int ? Math.trunc(v) : v
      return
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new ShapeError(
        'tensor',
        `ragged input at ${path || 'top level'}: expected ${Array.isArray(v) ? 'length ' : 'an array of length '}${shape[depth]}, got ${Array.isArray(v) ? `length ${(v as readonly NestedArray[]).length}` : typeof v === 'number' ? 'a number' : describeValue(v)}`,
      )
    const arr = v as readonly NestedArray[]
    for (let i = 0; i < arr.length; i++) walk(arr[i]!, depth + 1, `${path}[${i}]`)
  }
  walk(value, 0, '')
  return wrap(data, shape, dtype)
}

/** A 0-d tensor holding `value` (for `int32`, a value int32 can hold; fractions truncate toward zero). */
export const scalar = (value: number, options?: CreateOptions): Tensor => {
  const dtype = checkDType('scalar', options?.dtype ?? 'float64')
  checkNumber('scalar', 'value', value)
  const data = allocate(dtype, 1)
  if (dtype === 'int32' && !fitsInt32(value)) throw int32Error('scalar', value, '(the scalar)')
  data[0] = value
  return wrap(data, [])
}

/**
 * A tensor of `shape` filled with `value`. The shape must be non-negative integers with at most 2³¹ − 1
 * elements; for `int32`, `value` must be a value int32 can hold.
 */
export const full = (shape: readonly number[], value: number, options?: CreateOptions): Tensor =>
  filled('full', shape, value, options)

const filled = (op: string, shape: readonly number[], value: number, options?: CreateOptions): Tensor => {
  const dtype = checkDType(op, options?.dtype ?? 'float64')
  const data = allocateFor(op, dtype, shape)
  checkNumber(op, 'value', value)
  if (dtype === 'int32' && !fitsInt32(value)) throw int32Error(op, value, '(the fill value)')
  if (!Object.is(value, 0)) data.fill(value) // fresh storage is +0 already; -0 must still be written
  return wrap(data, shape)
}

/** A tensor of zeros. */
export const zeros = (shape: readonly number[], options?: CreateOptions): Tensor => filled('zeros', shape, 0, options)

/** A tensor of ones. */
export const ones = (shape: readonly number[], options?: CreateOptions): Tensor => filled('ones', shape, 1, options)

/** Zeros with the shape (and, unless overridden, the dtype) of `t`. */
export const zerosLike = (t: Tensor, options?: CreateOptions): Tensor =>
  full(t.shape, 0, { dtype: options?.dtype ?? t.dtype })

/** Ones with the shape (and, unless overridden, the dtype) of `t`. */
export const onesLike = (t: Tensor, options?: CreateOptions): Tensor =>
  full(t.shape, 1, { dtype: options?.dtype ?? t.dtype })

/**
 * Evenly spaced values in `[start, stop)` with `step` (NumPy's arange). With one argument, `arange(n)` is
 * `0, 1, …, n-1`.
 */
export const arange = (start: number, stop?: number, step = 1, options?: CreateOptions): Tensor => {
  const [a, b] = stop === undefined ? [0, start] : [start, stop]
  if (!Number.isFinite(a) || !Number.isFinite(b))
    throw new ShapeError('arange', `start and stop must be finite numbers, got start=${a}, stop=${b}`)
  if (step === 0 || !Number.isFinite(step)) throw new ShapeError('arange', `step must be a finite non-zero number, got ${step}`)
  const n = Math.max(0, Math.ceil((b - a) / step))
  const dtype = checkDType('arange', options?.dtype ?? 'float64')
  const data = allocateFor('arange', dtype, [n])
  if (dtype === 'int32')
    for (const v of [a, a + (n - 1) * step]) if (n > 0 && !fitsInt32(v)) throw int32Error('arange', v, `at index [${v === a ? 0 : n - 1}]`)
  for (let i = 0; i < n; i++) data[i] = a + i * step
  return wrap(data, [n])
}

/** `num` evenly spaced values from `start` to `stop` inclusive. */
export const linspace = (start: number, stop: number, num: number, options?: CreateOptions): Tensor => {
  if (!Number.isInteger(num) || num < 0) throw new ShapeError('linspace', `num must be a non-negative integer, got ${num}`)
  const dtype = checkDType('linspace', options?.dtype ?? 'float64')
  const data = allocateFor('linspace', dtype, [num])
  if (dtype === 'int32')
    for (const [v, i] of [[start, 0], [stop, num - 1]] as const) if (num > 0 && !fitsInt32(v)) throw int32Error('linspace', v, `at index [${i}]`)
  const step = num > 1 ? (stop - start) / (num - 1) : 0
  for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? stop : start + i * step
  return wrap(data, [num])
}

/** The `n`×`m` identity matrix (`m` defaults to `n`). */
export const eye = (n: number, m: number = n, options?: CreateOptions): Tensor => {
  const data = allocateFor('eye', checkDType('eye', options?.dtype ?? 'float64'), [n, m])
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1
  return wrap(data, [n, m])
}

/**
 * A tensor of `shape` from flat row-major values (copied). The length must equal the shape's size; a plain array
 * must hold numbers only, and for `int32` values int32 can hold (a DTypeError names the first offending index).
 */
export const fromArray = (values: ArrayLike<number>, shape: readonly number[], options?: CreateOptions): Tensor => {
  checkShape('fromArray', shape)
  const n = sizeOf(shape)
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number')
    throw new DTypeError('fromArray', `values must be an array or a typed array of numbers, got ${describeValue(values)}`)
  if (values.length !== n)
    throw new ShapeError('fromArray', `${values.length} values cannot fill shape ${showShape(shape)} (size ${n})`)
  const dtype = checkDType('fromArray', options?.dtype ?? 'float64')
  const data = allocate(dtype, n)
  fill('fromArray', data, values, shape)
  return wrap(data, shape)
}

/** A copy of the flat row-major values, as a `Float64Array` (`Float32Array`/`Int32Array` for those dtypes). */
export const toArray = (t: Tensor): Storage => dataOf(t, 'toArray').slice()

/** The values as nested JS arrays (a number for a scalar). */
export const toNested = (t: Tensor): NestedArray => {
  const d = dataOf(t, 'toNested')
  const shape = t.shape
  if (shape.length === 0) return d[0]!
  let k = 0
  const build = (depth: number): NestedArray[] => {
    const n = shape[depth]!
    const out = new Array<NestedArray>(n)
    if (depth === shape.length - 1) for (let i = 0; i < n; i++) out[i] = d[k++]!
    else for (let i = 0; i < n; i++) out[i] = build(depth + 1)
    return out
  }
  return build(0)
}

/**
 * The single element of a tensor of size 1, or, with `index`, the element at that multi-index
 * (negative indices count from the end).
 */
export const item = (t: Tensor, index?: readonly number[]): number => {
  const d = dataOf(t, 'item')
  if (index === undefined) {
    if (t.size !== 1) throw new ShapeError('item', `expected a tensor with one element, got shape ${showShape(t.shape)}`)
    return d[0]!
  }
  if (index.length !== t.shape.length)
    throw new ShapeError('item', `index [${index.join(',')}] has ${index.length} entries for shape ${showShape(t.shape)}`)
  let off = 0
  for (let i = 0; i < index.length; i++) {
    const n = t.shape[i]!
    const j = index[i]! < 0 ? index[i]! + n : index[i]!
    if (!Number.isInteger(j) || j < 0 || j >= n)
      throw new ShapeError('item', `index [${index.join(',')}] is out of bounds for shape ${showShape(t.shape)}`)
    off = off * n + j
  }
  return d[off]!
}

/** True when `x` is a Tensor. */
export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor
