/**
 * Element-wise kernels with NumPy broadcasting.
 *
 * Each operation's inner loop is generated once, at module load, from a JS expression (`new Function`), so every
 * operation gets its own monomorphic loop that V8 compiles with the expression inlined: no per-element closure
 * call and no per-element allocation. Broadcasting walks the outer dimensions and runs the generated loop over
 * the innermost one with stride 0 or 1 per operand.
 * @module
 */
import { allocate, floatOf, isDType, promote, type DType, type FloatDType, type Storage } from '../dtype.js'
import { DTypeError } from '../errors.js'
import { broadcastShapes, broadcastStrides, shapesEqual } from '../shape.js'
import { Tensor, checkTensor, dataOf, int32Error, showIndex, wrap } from '../tensor.js'

/** A tensor or a plain number (a weakly typed scalar that adopts the other operand's dtype). */
export type TensorLike = Tensor | number

type UnaryLoop = (out: Storage, a: Storage, n: number) => void
type BinaryLoop = (
  out: Storage,
  o0: number,
  a: Storage,
  a0: number,
  sa: number,
  b: Storage,
  b0: number,
  sb: number,
  n: number,
) => void

/* eslint-disable @typescript-eslint/no-implied-eval */
const unaryLoop = (expr: string): UnaryLoop =>
  new Function('out', 'a', 'n', `for (let i = 0; i < n; i++) { const x = a[i]; out[i] = ${expr}; }`) as UnaryLoop

const binaryLoop = (expr: string): BinaryLoop =>
  new Function(
    'out',
    'o0',
    'a',
    'a0',
    'sa',
    'b',
    'b0',
    'sb',
    'n',
    `if (sa === 1 && sb === 1) { for (let i = 0; i < n; i++) { const x = a[a0 + i], y = b[b0 + i]; out[o0 + i] = ${expr}; } }
     else if (sb === 0) { const y = b[b0]; for (let i = 0; i < n; i++) { const x = a[a0 + i * sa]; out[o0 + i] = ${expr}; } }
     else if (sa === 0) { const x = a[a0]; for (let i = 0; i < n; i++) { const y = b[b0 + i * sb]; out[o0 + i] = ${expr}; } }
     else { for (let i = 0; i < n; i++) { const x = a[a0 + i * sa], y = b[b0 + i * sb]; out[o0 + i] = ${expr}; } }`,
  ) as BinaryLoop

/**
 * A binary loop over a 2-d output `[rows, cols]` whose operands are read with row strides `ra`/`rb` (0: the row
 * broadcasts) and column strides `ca`/`cb` (0 or 1): one call for the whole matrix instead of one per row, which
 * matters for narrow matrices (`[B,3] − [B,1]`).
 */
type MatrixLoop = (
  out: Storage,
  a: Storage,
  ra: number,
  ca: number,
  b: Storage,
  rb: number,
  cb: number,
  rows: number,
  cols: number,
) => void

const matrixLoop = (expr: string): MatrixLoop =>
  new Function(
    'out',
    'a',
    'ra',
    'ca',
    'b',
    'rb',
    'cb',
    'rows',
    'cols',
    `let o = 0;
     if (ca === 1 && cb === 1) { for (let r = 0; r < rows; r++) { const ia = r * ra, ib = r * rb; for (let c = 0; c < cols; c++, o++) { const x = a[ia + c], y = b[ib + c]; out[o] = ${expr}; } } }
     else if (cb === 0) { for (let r = 0; r < rows; r++) { const ia = r * ra, y = b[r * rb]; for (let c = 0; c < cols; c++, o++) { const x = a[ia + c * ca]; out[o] = ${expr}; } } }
     else { for (let r = 0; r < rows; r++) { const x = a[r * ra], ib = r * rb; for (let c = 0; c < cols; c++, o++) { const y = b[ib + c]; out[o] = ${expr}; } } }`,
  ) as MatrixLoop
/* eslint-enable @typescript-eslint/no-implied-eval */

// One-element scratch per operand position and storage type. A number operand is written into it for the length
// of one kernel call instead of into a fresh array: kernels run synchronously, never call each other while a
// scratch is in use, and only read their operands (the result is always fresh storage), so none escapes.
const scratch64 = [new Float64Array(1), new Float64Array(1), new Float64Array(1)] as const
const scratch32 = [new Float32Array(1), new Float32Array(1), new Float32Array(1)] as const

/** `v` as one-element storage of `dtype` (int32: float64), in the scratch of operand position `slot`. */
const scalarStorage = (v: number, dtype: DType, slot: 0 | 1 | 2): Storage => {
  const s = dtype === 'float32' ? scratch32[slot] : scratch64[slot]
  s[0] = v
  return s
}

/**
 * Runs a binary loop over two operands with broadcasting, writing into fresh storage of `dtype`.
 * Exported for the other kernel modules (e.g. `where`).
 */
export const broadcastBinary = (
  op: string,
  loop: BinaryLoop,
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  dtype: DType,
  matrix?: MatrixLoop,
): [Storage, readonly number[]] => {
  if (shapesEqual(aShape, bShape)) {
    const out = allocate(dtype, a.length)
    loop(out, 0, a, 0, 1, b, 0, 1, a.length)
    return [out, aShape]
  }
  const shape = broadcastShapes(op, aShape, bShape)
  let n = 1
  for (const d of shape) n *= d
  const out = allocate(dtype, n)
  if (n === 0) return [out, shape]
  if (a.length === 1 || b.length === 1) {
    loop(out, 0, a, 0, a.length === 1 ? 0 : 1, b, 0, b.length === 1 ? 0 : 1, n)
    return [out, shape]
  }
  const nd = shape.length
  if (nd === 2) {
    // the common matrix patterns ([B,n]+[n], [B,n]−[B,1], [B,n]·[1,n]…): one loop call per row, no odometer,
    // and the strides read off the operand shapes (a broadcast dimension gets 0)
    const rows = shape[0]!
    const cols = shape[1]!
    const ca = aShape.length > 0 && aShape[aShape.length - 1] !== 1 ? 1 : 0
    const cb = bShape.length > 0 && bShape[bShape.length - 1] !== 1 ? 1 : 0
    const ra = aShape.length === 2 && aShape[0] !== 1 ? aShape[1]! : 0
    const rb = bShape.length === 2 && bShape[0] !== 1 ? bShape[1]! : 0
    if (matrix !== undefined) matrix(out, a, ra, ca, b, rb, cb, rows, cols)
    else for (let r = 0, o = 0; r < rows; r++, o += cols) loop(out, o, a, r * ra, ca, b, r * rb, cb, cols)
    return [out, shape]
  }
  const sa = broadcastStrides(aShape, shape)
  const sb = broadcastStrides(bShape, shape)
  const inner = shape[nd - 1]!
  const isa = sa[nd - 1]!
  const isb = sb[nd - 1]!
  const idx = new Array<number>(nd - 1).fill(0)
  let ao = 0
  let bo = 0
  for (let o = 0; o < n; o += inner) {
    loop(out, o, a, ao, isa, b, bo, isb, inner)
    // advance the odometer over the outer dimensions
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++
      ao += sa[d]!
      bo += sb[d]!
      if (idx[d]! < shape[d]!) break
      ao -= sa[d]! * shape[d]!
      bo -= sb[d]! * shape[d]!
      idx[d] = 0
    }
  }
  return [out, shape]
}

/** A unary element-wise operation on tensors. */
export type UnaryOp = (a: Tensor) => Tensor
/** A binary element-wise operation with broadcasting; either side may be a plain number. */
export type BinaryOp = (a: TensorLike, b: TensorLike) => Tensor

const defineUnary = (op: string, expr: string, keepInt = false): UnaryOp => {
  const loop = unaryLoop(expr)
  return (a) => {
    const d = dataOf(a, op) // first: a non-tensor fails here with a typed error
    const dtype: DType = keepInt && a.dtype === 'int32' ? 'int32' : floatOf(a.dtype)
    const out = allocate(dtype, d.length)
    loop(out, d, d.length)
    return wrap(out, a.shape, dtype)
  }
}

const operand = (
  op: string,
  x: TensorLike,
  other: TensorLike,
  slot: 0 | 1 | 2,
): [Storage, readonly number[], DType] => {
  if (typeof x === 'number') {
    const dt = typeof other === 'number' ? 'float64' : other.dtype
    return [scalarStorage(x, dt, slot), [], dt]
  }
  return [dataOf(x, op), x.shape, x.dtype]
}

const defineBinary = (op: string, expr: string, resultDType: (a: DType, b: DType) => FloatDType = promote): BinaryOp => {
  const loop = binaryLoop(expr)
  const matrix = matrixLoop(expr)
  return (a, b) => {
    if (typeof b === 'number' && typeof a !== 'number') {
      // tensor ⊕ number (e.g. `x * 0.9`): the number adopts `a`'s dtype and broadcasts to `a`'s shape
      const d = dataOf(a, op)
      const dtype = resultDType(a.dtype, a.dtype)
      const out = allocate(dtype, d.length)
      loop(out, 0, d, 0, 1, scalarStorage(b, a.dtype, 1), 0, 0, d.length)
      return wrap(out, a.shape, dtype)
    }
    if (typeof a === 'number' && typeof b !== 'number') {
      const d = dataOf(b, op)
      const dtype = resultDType(b.dtype, b.dtype)
      const out = allocate(dtype, d.length)
      loop(out, 0, scalarStorage(a, b.dtype, 0), 0, 0, d, 0, 1, d.length)
      return wrap(out, b.shape, dtype)
    }
    if (typeof a !== 'number' && typeof b !== 'number') {
      const da = dataOf(a, op)
      const db = dataOf(b, op)
      const dtype = resultDType(a.dtype, b.dtype)
      const [out, shape] = broadcastBinary(op, loop, da, a.shape, db, b.shape, dtype, matrix)
      return wrap(out, shape, dtype)
    }
    const [da, sa, ta] = operand(op, a, b, 0)
    const [db, sb, tb] = operand(op, b, a, 1)
    const dtype = resultDType(ta, tb)
    const [out, shape] = broadcastBinary(op, loop, da, sa, db, sb, dtype)
    return wrap(out, shape, dtype)
  }
}

/** Element-wise `a + b` with broadcasting. */
export const add: BinaryOp = defineBinary('add', 'x + y')
/** Element-wise `a - b` with broadcasting. */
export const sub: BinaryOp = defineBinary('sub', 'x - y')
/** Element-wise `a * b` with broadcasting. */
export const mul: BinaryOp = defineBinary('mul', 'x * y')
/** Element-wise `a / b` with broadcasting (IEEE semantics: x/0 is ±Infinity or NaN). */
export const div: BinaryOp = defineBinary('div', 'x / y')
/**
 * Element-wise `a ** b` with broadcasting. IEEE 754 / C `pow` semantics (those of NumPy, PyTorch and JAX), which
 * differ from `Math.pow` in two cases: `pow(1, y)` is 1 for every `y` (NaN and ±Infinity included) and
 * `pow(-1, ±Infinity)` is 1.
 */
export const pow: BinaryOp = defineBinary(
  'pow',
  '(x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) ? 1 : Math.pow(x, y)',
)
/** Element-wise maximum; NaN if either is NaN. */
export const maximum: BinaryOp = defineBinary('maximum', '(x !== x || y !== y) ? NaN : (x >= y ? x : y)')
/** Element-wise minimum; NaN if either is NaN. */
export const minimum: BinaryOp = defineBinary('minimum', '(x !== x || y !== y) ? NaN : (x <= y ? x : y)')
/** Element-wise `atan2(a, b)`. */
export const atan2: BinaryOp = defineBinary('atan2', 'Math.atan2(x, y)')

/** 1 where `a == b`, else 0 (in the promoted float dtype). */
export const equal: BinaryOp = defineBinary('equal', 'x === y ? 1 : 0')
/** 1 where `a != b`, else 0. */
export const notEqual: BinaryOp = defineBinary('notEqual', 'x !== y ? 1 : 0')
/** 1 where `a < b`, else 0. */
export const less: BinaryOp = defineBinary('less', 'x < y ? 1 : 0')
/** 1 where `a > b`, else 0. */
export const greater: BinaryOp = defineBinary('greater', 'x > y ? 1 : 0')
/** 1 where `a <= b`, else 0. */
export const lessEqual: BinaryOp = defineBinary('lessEqual', 'x <= y ? 1 : 0')
/** 1 where `a >= b`, else 0. */
export const greaterEqual: BinaryOp = defineBinary('greaterEqual', 'x >= y ? 1 : 0')

/** Element-wise negation (int32 stays int32). */
export const neg: UnaryOp = defineUnary('neg', '-x', true)
/** Element-wise absolute value (int32 stays int32). */
export const abs: UnaryOp = defineUnary('abs', 'Math.abs(x)', true)
/** Element-wise sign: -1, 0 or 1 (NaN for NaN). */
export const sign: UnaryOp = defineUnary('sign', 'x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN')
/** Element-wise `e^x`. */
export const exp: UnaryOp = defineUnary('exp', 'Math.exp(x)')
/** Element-wise natural logarithm. */
export const log: UnaryOp = defineUnary('log', 'Math.log(x)')
/** Element-wise `log(1 + x)`, accurate near 0. */
export const log1p: UnaryOp = defineUnary('log1p', 'Math.log1p(x)')
/** Element-wise `e^x - 1`, accurate near 0. */
export const expm1: UnaryOp = defineUnary('expm1', 'Math.expm1(x)')
/** Element-wise square root. */
export const sqrt: UnaryOp = defineUnary('sqrt', 'Math.sqrt(x)')
/** Element-wise sine. */
export const sin: UnaryOp = defineUnary('sin', 'Math.sin(x)')
/** Element-wise cosine. */
export const cos: UnaryOp = defineUnary('cos', 'Math.cos(x)')
/** Element-wise hyperbolic tangent. */
export const tanh: UnaryOp = defineUnary('tanh', 'Math.tanh(x)')
/** Element-wise logistic sigmoid `1 / (1 + e^-x)`, computed without overflow for large |x|. */
export const sigmoid: UnaryOp = defineUnary('sigmoid', 'x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))')
/**
 * Element-wise `max(x, 0)`; NaN stays NaN (as with {@link maximum}) and −0 gives +0. (`Math.max(x, 0)` is exactly
 * `x > 0 || x !== x ? x : 0`, and V8 compiles it without a branch.)
 */
export const relu: UnaryOp = defineUnary('relu', 'Math.max(x, 0)')
/**
 * The derivative of {@link relu} applied to a tangent `t`: `t` where `x > 0`, 0 where `x ≤ 0` (the subgradient 0
 * at 0, as PyTorch and JAX), `t` where `x` is NaN; `x` and `t` broadcast together. One pass, no mask: the JVP and
 * transpose rules of autodiff's `relu`. The result has `t`'s (float) dtype.
 */
export const reluGrad: BinaryOp = defineBinary('reluGrad', 'x <= 0 ? 0 : y', (_x, t) => floatOf(t))

const checkSlope = (op: string, slope: number): number => {
  if (typeof slope !== 'number') throw new DTypeError(op, `slope must be a number, got ${typeof slope}`)
  return slope
}

const leakyReluLoop = binaryLoop('x > 0 ? x : x * y')

/**
 * Element-wise leaky ReLU: `x` where `x > 0`, `slope·x` elsewhere (NaN stays NaN). One pass; the slope is
 * rounded to `x`'s dtype first, so it equals `where(x > 0, x, x * slope)`.
 */
export const leakyRelu = (x: Tensor, slope: number): Tensor => {
  const d = dataOf(x, 'leakyRelu')
  checkSlope('leakyRelu', slope)
  const dtype = floatOf(x.dtype)
  const out = allocate(dtype, d.length)
  leakyReluLoop(out, 0, d, 0, 1, scalarStorage(slope, x.dtype, 1), 0, 0, d.length)
  return wrap(out, x.shape, dtype)
}

/**
 * The derivative of {@link leakyRelu} applied to a tangent `t`: `t` where `x > 0`, `slope·t` elsewhere (NaN `x`
 * included), the slope rounded to `t`'s dtype; `x` and `t` broadcast together. One pass when their shapes are
 * equal. The result has `t`'s (float) dtype.
 */
export const leakyReluGrad = (x: Tensor, t: Tensor, slope: number): Tensor => {
  const dx = dataOf(x, 'leakyReluGrad')
  const dt = dataOf(t, 'leakyReluGrad')
  checkSlope('leakyReluGrad', slope)
  if (!shapesEqual(x.shape, t.shape)) return where(greater(x, 0), t, mul(t, slope))
  const dtype = floatOf(t.dtype)
  const out = allocate(dtype, dt.length)
  const s = scalarStorage(slope, t.dtype, 1)[0]!
  for (let i = 0; i < dt.length; i++) out[i] = dx[i]! > 0 ? dt[i]! : dt[i]! * s
  return wrap(out, t.shape, dtype)
}

/** Element-wise square. */
export const square: UnaryOp = defineUnary('square', 'x * x')
/** Element-wise reciprocal `1 / x`. */
export const reciprocal: UnaryOp = defineUnary('reciprocal', '1 / x')
/** Element-wise `log(1 + e^x)`, computed without overflow. */
export const softplus: UnaryOp = defineUnary('softplus', '(x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)))')
/** Element-wise floor. */
export const floor: UnaryOp = defineUnary('floor', 'Math.floor(x)')
/** Element-wise ceiling. */
export const ceil: UnaryOp = defineUnary('ceil', 'Math.ceil(x)')
/**
 * Element-wise rounding to the nearest integer; halves round to even (`round(2.5)` is 2, `round(-0.5)` is -0), as
 * in NumPy, PyTorch and JAX (`Math.round` would round halves toward +∞).
 */
export const round: UnaryOp = defineUnary('round', 'x - Math.floor(x) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x)')
/** 1 where the element is NaN, else 0. */
export const isNaN: UnaryOp = defineUnary('isNaN', 'x !== x ? 1 : 0')
/** 1 where the element is finite, else 0. */
export const isFinite: UnaryOp = defineUnary('isFinite', '(x - x) === 0 ? 1 : 0')

const whereLoop3 = (
  out: Storage,
  c: Storage,
  sc: readonly number[],
  a: Storage,
  sa: readonly number[],
  b: Storage,
  sb: readonly number[],
  shape: readonly number[],
): void => {
  const nd = shape.length
  const n = out.length
  const idx = new Array<number>(nd).fill(0)
  let co = 0
  let ao = 0
  let bo = 0
  for (let o = 0; o < n; o++) {
    out[o] = c[co] !== 0 ? a[ao]! : b[bo]!
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++
      co += sc[d]!
      ao += sa[d]!
      bo += sb[d]!
      if (idx[d]! < shape[d]!) break
      co -= sc[d]! * shape[d]!
      ao -= sa[d]! * shape[d]!
      bo -= sb[d]! * shape[d]!
      idx[d] = 0
    }
  }
}

/**
 * The flat stride of an operand read as the (broadcast) output `shape`: 0 for a single element, 1 when its shape
 * is the output's, −1 otherwise (a genuine broadcast that needs the odometer).
 */
const flatStride = (d: Storage, s: readonly number[], shape: readonly number[]): number =>
  d.length === 1 ? 0 : shapesEqual(s, shape) ? 1 : -1

/** True for a plain number that int32 storage holds exactly (so it may adopt an int32 operand's dtype). */
const fitsInt32 = (x: TensorLike): boolean => typeof x !== 'number' || (x | 0) === x

/**
 * Picks `a` where `cond` is non-zero and `b` elsewhere; all three broadcast together. The result has the
 * promoted dtype of `a` and `b`, except that two int32 operands give int32. A number next to an int32 tensor
 * keeps int32 only if int32 holds it exactly (`where(c, 2.5, i)` is float64, as in NumPy).
 */
export const where = (cond: TensorLike, a: TensorLike, b: TensorLike): Tensor => {
  const [dc, shc] = operand('where', cond, a, 0)
  const [da, sha, ta] = operand('where', a, b, 1)
  const [db, shb, tb] = operand('where', b, a, 2)
  const shape = broadcastShapes('where', broadcastShapes('where', shc, sha), shb)
  const dtype = ta === 'int32' && tb === 'int32' && fitsInt32(a) && fitsInt32(b) ? 'int32' : promote(ta, tb)
  let n = 1
  for (const d of shape) n *= d
  const out = allocate(dtype, n)
  if (n === 0) return wrap(out, shape, dtype)
  const fc = flatStride(dc, shc, shape)
  const fa = flatStride(da, sha, shape)
  const fb = flatStride(db, shb, shape)
  if (fc === 1 && fa === 1 && fb === 1)
    // all three of the output's shape: a straight loop
    for (let o = 0; o < n; o++) out[o] = dc[o] !== 0 ? da[o]! : db[o]!
  else if (fc === 1 && fa === 1 && fb === 0) {
    // `where(mask, x, 0)`
    const y = db[0]!
    for (let o = 0; o < n; o++) out[o] = dc[o] !== 0 ? da[o]! : y
  } else if (fc === 1 && fa === 0 && fb === 1) {
    // `where(mask, 0, x)`
    const y = da[0]!
    for (let o = 0; o < n; o++) out[o] = dc[o] !== 0 ? y : db[o]!
  } else if (fc >= 0 && fa >= 0 && fb >= 0)
    // every operand is either the output's shape or a single element: one flat loop
    for (let o = 0; o < n; o++) out[o] = dc[o * fc] !== 0 ? da[o * fa]! : db[o * fb]!
  else
    whereLoop3(out, dc, broadcastStrides(shc, shape), da, broadcastStrides(sha, shape), db, broadcastStrides(shb, shape), shape)
  return wrap(out, shape, dtype)
}

/**
 * Converts to another dtype (float → int32 truncates toward zero). Returns the input when the dtype matches. A
 * value int32 cannot hold (NaN, ±Infinity, beyond ±2³¹) is a DTypeError naming it and its index, not a silent
 * wrap-around or 0 (NumPy's and C's undefined cast).
 */
export const astype = (a: Tensor, dtype: DType): Tensor => {
  if (checkTensor('astype', a).dtype === dtype) return a
  if (!isDType(dtype)) throw new DTypeError('astype', `unknown dtype ${String(dtype)} (use 'float64', 'float32' or 'int32')`)
  const d = dataOf(a)
  const out = allocate(dtype, d.length)
  if (dtype === 'int32')
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!
      // the range test is false for NaN too
      if (!(v > -2147483649 && v < 2147483648)) throw int32Error('astype', v, `at index ${showIndex(i, a.shape)}`)
      out[i] = Math.trunc(v)
    }
  else out.set(d)
  return wrap(out, a.shape, dtype)
}

/** Clamps every element into `[lo, hi]`. */
export const clip = (a: Tensor, lo: number, hi: number): Tensor => minimum(maximum(checkTensor('clip', a), lo), hi)
