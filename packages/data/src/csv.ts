/**
 * Small CSV tables read whole (Iris-sized files) through csv-parse, with each record's line number. Large files go
 * through the streamed reader in `reviews.ts` instead.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { parse } from 'csv-parse/sync'
import { dataError, type DataError } from './errors.js'

/** One parsed record and the (1-based) line where it ends. */
export interface CsvRow {
  readonly line: number
  readonly cells: readonly string[]
}

/** A header row and the data rows below it. */
export interface CsvTable {
  readonly header: readonly string[]
  readonly rows: readonly CsvRow[]
}

interface ParsedRecord {
  readonly record: string[]
  readonly info: { readonly lines: number }
}

/** Describes a csv-parse error (bad quoting, …) as a {@link DataError} at the line where the parser stopped. */
export const csvParseError = (file: string, err: unknown): DataError => {
  const e = err as { readonly code?: unknown; readonly lines?: unknown; readonly message?: unknown }
  const line = typeof e.lines === 'number' ? e.lines : undefined
  const code = typeof e.code === 'string' ? e.code : 'CSV_ERROR'
  const message = typeof e.message === 'string' ? e.message : String(err)
  const hint = ['CSV_QUOTE_NOT_CLOSED', 'CSV_INVALID_CLOSING_QUOTE', 'INVALID_OPENING_QUOTE'].includes(code)
    ? 'fields containing quotes, commas or newlines must be wrapped in double quotes, with inner quotes doubled ("") as in RFC 4180'
    : 'check that the file is a comma-separated table with a header row'
  return dataError(file, `malformed CSV: ${message.replace(/,? (at|on) line \d+$/, '')} [${code}]`, hint, {
    line,
  })
}

/**
 * Parses `text` (the contents of `file`) as a CSV table with a header row. Empty lines are skipped; rows may have
 * any number of fields (the caller checks the count, to report it with the line).
 */
export const parseCsvTable = (file: string, text: string): E.Either<DataError, CsvTable> =>
  pipe(
    E.tryCatch(
      () =>
        parse(text, {
          info: true,
          relax_column_count: true,
          skip_empty_lines: true,
          bom: true,
        }) as unknown as ParsedRecord[],
      (err) => csvParseError(file, err),
    ),
    E.chain((records) => {
      const [head, ...rest] = records
      return head === undefined
        ? E.left(
            dataError(
              file,
              'no header row (the file has only empty lines)',
              'add a header row naming the columns',
            ),
          )
        : E.right({
            header: head.record.map((h) => h.trim()),
            rows: rest.map((r) => ({ line: r.info.lines, cells: r.record })),
          })
    }),
  )
