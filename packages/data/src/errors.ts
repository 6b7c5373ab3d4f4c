/**
 * The one error type of every loader: which file, which line (and column) went wrong, what was wrong, and what to
 * do about it.
 * @module
 */

/**
 * Bad user input found while reading a data file: a missing or empty file, a malformed row, an unknown label, a
 * failed download. Loaders return it in the `Left` of an `Either`; print it with {@link formatDataError}.
 */
export interface DataError {
  /** The file (or URL) at fault. */
  readonly file: string
  /** 1-based line of the offending row, when the problem is in one row. */
  readonly line?: number
  /** The column (CSV header name, or field position) at fault, when known. */
  readonly column?: string
  /** What is wrong, e.g. `expected a number in column sepal_width, got "abc"`. */
  readonly message: string
  /** What to do about it, e.g. `run npm run fetch -- polarity`. */
  readonly hint: string
}

/** Builds a {@link DataError}, leaving out `line` / `column` when they are undefined (exact optional properties). */
export const dataError = (
  file: string,
  message: string,
  hint: string,
  where?: { readonly line?: number | undefined; readonly column?: string | undefined },
): DataError => ({
  file,
  ...(where?.line === undefined ? {} : { line: where.line }),
  ...(where?.column === undefined ? {} : { column: where.column }),
  message,
  hint,
})

/** `file:line: message (hint)` — or `file: message (hint)` without a line — as compilers print errors. */
export const formatDataError = (e: DataError): string =>
  `${e.file}${e.line === undefined ? '' : `:${String(e.line)}`}: ${e.message} (${e.hint})`
