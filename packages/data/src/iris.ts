/**
 * Fisher's Iris data (150 flowers, 4 measurements in cm, 3 species), vendored in `datasets/iris/iris.csv` with its
 * provenance, and a decoder for files in the same format.
 * @module
 */
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { FiniteNumberFromString, labelIndex } from './codecs.js'
import { parseCsvTable, type CsvRow } from './csv.js'
import { dataError, type DataError } from './errors.js'
import { firstMessage, readFileE } from './files.js'

/** The four feature columns, in file order. */
export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const

/** The three species; a row's label is the index in this list (setosa 0, versicolor 1, virginica 2). */
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'] as const

/** The vendored copy shipped with the package (`datasets/iris/iris.csv`, see its PROVENANCE.md). */
export const IRIS_FILE: string = fileURLToPath(new URL('../datasets/iris/iris.csv', import.meta.url))

/** A decoded Iris table: `x[i]` holds the four measurements of flower `i`, `y[i]` its species index. */
export interface Iris {
  /** `n × 4` measurements in cm, in the order of {@link IRIS_FEATURES}. */
  readonly x: number[][]
  /** `n` labels in `0, 1, 2`, indices into {@link IRIS_CLASSES}. */
  readonly y: number[]
  readonly features: readonly string[]
  readonly classes: readonly string[]
}

const HEADER = [...IRIS_FEATURES, 'species']
const Species = labelIndex(IRIS_CLASSES, 'Species')
const FORMAT_HINT = `each row must be ${HEADER.join(',')} with four numbers and a species (${IRIS_CLASSES.join(', ')})`

const decodeRow =
  (file: string) =>
  (row: CsvRow): E.Either<DataError, { readonly x: number[]; readonly y: number }> => {
    if (row.cells.length !== HEADER.length)
      return E.left(
        dataError(
          file,
          `expected ${String(HEADER.length)} fields, got ${String(row.cells.length)}`,
          FORMAT_HINT,
          { line: row.line },
        ),
      )
    const x = IRIS_FEATURES.map((column, j) => ({ column, r: FiniteNumberFromString.decode(row.cells[j]) }))
    const bad = x.find((c) => E.isLeft(c.r))
    if (bad !== undefined && E.isLeft(bad.r))
      return E.left(
        dataError(file, `column ${bad.column}: ${firstMessage(bad.r.left)}`, FORMAT_HINT, {
          line: row.line,
          column: bad.column,
        }),
      )
    const species = Species.decode(row.cells[4]?.trim())
    if (E.isLeft(species))
      return E.left(
        dataError(file, `column species: unknown species: ${firstMessage(species.left)}`, FORMAT_HINT, {
          line: row.line,
          column: 'species',
        }),
      )
    return E.right({ x: x.map((c) => (E.isRight(c.r) ? c.r.right : NaN)), y: species.right })
  }

/**
 * Reads Iris from a CSV with the header `sepal_length,sepal_width,petal_length,petal_width,species` (default: the
 * vendored copy, 150 rows). A missing or empty file, a wrong header, a row with the wrong number of fields, a
 * non-numeric measurement or an unknown species is a `Left` naming the file and line.
 */
export const loadIris = (file: string = IRIS_FILE): E.Either<DataError, Iris> =>
  pipe(
    readFileE(
      file,
      'pass the path of an Iris CSV, or call loadIris() for the copy shipped with @cotangent/data',
    ),
    E.chain((buf) => parseCsvTable(file, buf.toString('utf8'))),
    E.chain((table) =>
      table.header.join(',') === HEADER.join(',')
        ? E.right(table.rows)
        : E.left(
            dataError(
              file,
              `unexpected header ${JSON.stringify(table.header.join(','))}`,
              `the first line must be ${HEADER.join(',')}`,
              {
                line: 1,
              },
            ),
          ),
    ),
    E.chain((rows) =>
      rows.length === 0
        ? E.left(dataError(file, 'no data rows below the header', FORMAT_HINT))
        : E.traverseArray(decodeRow(file))(rows),
    ),
    E.map((rows) => ({
      x: rows.map((r) => r.x),
      y: rows.map((r) => r.y),
      features: IRIS_FEATURES,
      classes: IRIS_CLASSES,
    })),
  )
