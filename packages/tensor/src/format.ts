/**
 * NumPy-like printing of tensors: `String(t)` and `t.toString()` use {@link toString} once this module is loaded
 * (the package index loads it).
 *
 * ```text
 * tensor([[ 1.50, -2.25],
 *         [ 3.00,  4.00]])
 * ```
 *
 * Rules (NumPy's `array_repr` with `floatmode='maxprec_equal'`, and PyTorch's default precision):
 * - Floats are rounded to at most `precision` (default **4**) decimals; trailing zeros are trimmed to the longest
 *   decimal part any printed element needs, and every element gets that many decimals, so columns line up.
 *   Whole numbers print as `1.`; NaN and infinities as `nan`, `inf`, `-inf`; float32 values print their shortest
 *   float32 representation (so `0.1` in float32 prints `0.1`).
 * - Scientific notation (`1.5e-05`) is used for every element when the largest finite magnitude is ≥ 1e8, the
 *   smallest non-zero magnitude is < 1e-4, or their ratio exceeds 1000 (NumPy's rule); exponents have at least
 *   two digits.
 * - int32 prints integers. All elements are right-aligned to one width.
 * - Tensors with more than `threshold` (default 1000) elements are summarised: along every axis longer than
 *   `2·edgeItems` (default 3) only the first and last `edgeItems` entries are printed, with `...` between.
 * - Rows longer than `lineWidth` (default 75) columns wrap, continuing under the row's first element.
 * - A dtype other than float64 is appended: `, dtype=float32`. Empty tensors print as `tensor([])` (1-D) or
 *   `tensor([], shape=[0, 3])`; 0-d tensors as `tensor(3.5)`.
 * @module
 */
import { setFormatter, checkTensor, dataOf, type Tensor } from './tensor.js'
import type { DType } from './dtype.js'

/** Options for {@link toString}. */
export interface FormatOptions {
  /** Maximum number of decimals for floats (default 4; trailing zeros are trimmed). */
  readonly precision?: number
  /** Summarise (with `...`) when the tensor has more elements than this (default 1000). */
  readonly threshold?: number
  /** Entries printed at each end of a summarised axis (default 3). */
  readonly edgeItems?: number
  /** Maximum line length before a row wraps (default 75). */
  readonly lineWidth?: number
}

const PREFIX = 'tensor('

const checkOption = (name: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`toString: ${name} must be an integer in [${min}, ${max}], got ${String(value)}`)
  return value
}

/** The shortest decimal that rounds to the float32 value `x` (as a double). */
const shortest32 = (x: number): number => {
  if (!Number.isFinite(x) || x === 0) return x
  for (let p = 1; p < 9; p++) {
    const v = Number(x.toPrecision(p))
    if (Math.fround(v) === x) return v
  }
  return x
}

const fractionDigits = (s: string): number => {
  const dot = s.indexOf('.')
  if (dot < 0) return 0
  let end = s.length
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--
  return end - dot - 1
}

/** Cuts a fixed string with `precision` decimals down to `digits` decimals (the cut part is zeros). */
const cut = (s: string, precision: number, digits: number): string =>
  digits === 0
    ? `${precision === 0 ? s : s.slice(0, s.length - precision - 1)}.`
    : s.slice(0, s.length - (precision - digits))

const special = (x: number): string | undefined =>
  Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : undefined

/** Builds the element formatter for the printed values of a tensor. */
const elementFormatter = (
  values: readonly number[],
  dtype: DType,
  precision: number,
): ((x: number) => string) => {
  if (dtype === 'int32') return (x) => String(x)
  const prep = dtype === 'float32' ? shortest32 : (x: number): number => x
  let maxAbs = 0
  let minAbs = Infinity
  for (const raw of values) {
    const x = prep(raw)
    if (!Number.isFinite(x) || x === 0) continue
    const a = Math.abs(x)
    if (a > maxAbs) maxAbs = a
    if (a < minAbs) minAbs = a
  }
  const scientific = maxAbs > 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3)
  let digits = 0
  let expDigits = 2
  for (const raw of values) {
    const x = prep(raw)
    if (!Number.isFinite(x)) continue
    if (scientific) {
      const s = x.toExponential(precision)
      const e = s.indexOf('e')
      digits = Math.max(digits, fractionDigits(s.slice(0, e)))
      expDigits = Math.max(expDigits, s.length - e - 2)
    } else digits = Math.max(digits, fractionDigits(x.toFixed(precision)))
  }
  if (scientific)
    return (raw) => {
      const x = prep(raw)
      const sp = special(x)
      if (sp !== undefined) return sp
      const s = x.toExponential(precision)
      const e = s.indexOf('e')
      const mantissa = cut(s.slice(0, e), precision, digits)
      return `${Object.is(x, -0) ? '-' : ''}${mantissa}e${s[e + 1]!}${s.slice(e + 2).padStart(expDigits, '0')}`
    }
  return (raw) => {
    const x = prep(raw)
    const sp = special(x)
    if (sp !== undefined) return sp
    return `${Object.is(x, -0) ? '-' : ''}${cut(x.toFixed(precision), precision, digits)}`
  }
}

/** The indices printed along an axis of length `n` (`-1` marks the `...`). */
const shownIndices = (n: number, summarise: boolean, edge: number): number[] => {
  if (!summarise || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i)
  const head = Array.from({ length: edge }, (_, i) => i)
  const tail = Array.from({ length: edge }, (_, i) => n - edge + i)
  return [...head, -1, ...tail]
}

/**
 * A NumPy-like rendering of `t`, e.g. `tensor([[1., 2.],\n        [3., 4.]])` — see the module documentation for
 * the rules. `String(t)` gives the same with default options.
 */
export const toString = (t: Tensor, options?: FormatOptions): string => {
  checkTensor('toString', t)
  const precision = checkOption('precision', options?.precision ?? 4, 0, 20)
  const threshold = checkOption('threshold', options?.threshold ?? 1000, 0, Number.MAX_SAFE_INTEGER)
  const edge = checkOption('edgeItems', options?.edgeItems ?? 3, 1, Number.MAX_SAFE_INTEGER)
  const lineWidth = checkOption('lineWidth', options?.lineWidth ?? 75, 1, Number.MAX_SAFE_INTEGER)
  const suffix = t.dtype === 'float64' ? '' : `, dtype=${t.dtype}`
  const shape = t.shape
  const nd = shape.length
  if (t.size === 0)
    return nd === 1 ? `${PREFIX}[]${suffix})` : `${PREFIX}[], shape=[${shape.join(', ')}]${suffix})`
  const data = dataOf(t)
  if (nd === 0) return `${PREFIX}${elementFormatter([data[0]!], t.dtype, precision)(data[0]!)}${suffix})`

  const summarise = t.size > threshold
  const shown = shape.map((n) => shownIndices(n, summarise, edge))
  const strides = new Array<number>(nd)
  let acc = 1
  for (let d = nd - 1; d >= 0; d--) {
    strides[d] = acc
    acc *= shape[d]!
  }

  // Gather the printed values, to choose one format (and one width) for all of them.
  const values: number[] = []
  const collect = (axis: number, offset: number): void => {
    for (const i of shown[axis]!) {
      if (i < 0) continue
      const o = offset + i * strides[axis]!
      if (axis === nd - 1) values.push(data[o]!)
      else collect(axis + 1, o)
    }
  }
  collect(0, 0)
  const fmt = elementFormatter(values, t.dtype, precision)
  let width = 0
  for (const v of values) width = Math.max(width, fmt(v).length)

  const render = (axis: number, offset: number): string => {
    const column = PREFIX.length + axis + 1 // where this block's entries start
    const indent = ' '.repeat(column)
    const idx = shown[axis]!
    if (axis === nd - 1) {
      let out = '['
      let col = column
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k]!
        const item = i < 0 ? '...' : fmt(data[offset + i * strides[axis]!]!).padStart(width)
        const piece = `${item}${k === idx.length - 1 ? ']' : ','}`
        if (k === 0) {
          out += piece
          col += piece.length
        } else if (col + 1 + piece.length > lineWidth) {
          out += `\n${indent}${piece}`
          col = column + piece.length
        } else {
          out += ` ${piece}`
          col += 1 + piece.length
        }
      }
      return out
    }
    const sep = `,${'\n'.repeat(nd - axis - 1)}${indent}`
    const parts = idx.map((i) => (i < 0 ? '...' : render(axis + 1, offset + i * strides[axis]!)))
    return `[${parts.join(sep)}]`
  }
  return `${PREFIX}${render(0, 0)}${suffix})`
}

setFormatter((t) => toString(t))
