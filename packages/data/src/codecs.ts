/**
 * io-ts codecs for the cells of text data files. Loaders decode every cell through one of these at the boundary.
 * @module
 */
import * as t from 'io-ts'

/** A CSV cell holding a finite decimal number (`"5.1"`, `"-3e2"`; not `""`, `"abc"`, `"NaN"`, `"Infinity"`). */
export const FiniteNumberFromString = new t.Type<number, string>(
  'FiniteNumberFromString',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'expected a string')
    const s = u.trim()
    const x = Number(s)
    return s !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) && Number.isFinite(x)
      ? t.success(x)
      : t.failure(u, c, `expected a number, got ${JSON.stringify(u)}`)
  },
  String,
)

/**
 * A codec for one of a fixed set of string labels, decoding to the label's index in `names`: `labelIndex(['a',
 * 'b']).decode('b')` is `Right(1)`.
 */
export const labelIndex = (
  names: readonly string[],
  name = `oneOf(${names.join('|')})`,
): t.Type<number, string> =>
  new t.Type<number, string>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 0 && u < names.length,
    (u, c) => {
      const i = typeof u === 'string' ? names.indexOf(u) : -1
      return i >= 0
        ? t.success(i)
        : t.failure(u, c, `expected one of ${names.join(', ')}, got ${JSON.stringify(u)}`)
    },
    (i) => names[i] ?? String(i),
  )
