/**
 * Loaders for labelled text: the two-file format (one snippet per line, one file per class, as the polarity
 * corpus) and review CSVs (optionally gzipped) with configurable columns. Both stream their input, tokenizing each
 * document as it arrives into a compact {@link TextCorpus}.
 * @module
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { pipeline, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { CsvError, parse } from 'csv-parse'
import { corpusBuilder, SPLIT_CODES, type TextCorpus } from './corpus.js'
import { csvParseError } from './csv.js'
import { locateDataset, resolveDataDir } from './datadir.js'
import { POLARITY, type DatasetDef } from './datasets.js'
import { dataError, type DataError } from './errors.js'
import { firstMessage, ioError } from './files.js'

/** One class of a two-file corpus: its file (one snippet per line) and name. Labels are positions in the list. */
export interface ClassFile {
  readonly file: string
  readonly name: string
}

const checkFile = async (file: string, hint: string): Promise<E.Either<DataError, number>> =>
  stat(file).then(
    (s) =>
      s.isFile()
        ? s.size === 0
          ? E.left(dataError(file, 'file is empty', hint))
          : E.right(s.size)
        : E.left(dataError(file, 'is a directory, expected a file', hint)),
    (err: unknown) => E.left(ioError(file, err, hint)),
  )

const REPLACEMENT = '\uFFFD'

/**
 * Reads a two-file (or n-file) corpus: file `k` of `classes` holds the snippets of class `k`, one per line (UTF-8;
 * blank lines are skipped). A missing or empty file (or one of blank lines only), or a line that is not valid UTF-8 (a Windows-1252 original,
 * say) is a `Left` naming the file and line.
 */
export const loadTwoFileCorpus = async (
  classes: readonly ClassFile[],
  hint = 'each file must be UTF-8 text with one snippet per line',
): Promise<E.Either<DataError, TextCorpus>> => {
  const builder = corpusBuilder()
  for (const [label, c] of classes.entries()) {
    const ok = await checkFile(c.file, hint)
    if (E.isLeft(ok)) return ok
    const before = builder.size()
    const lines = createInterface({ input: createReadStream(c.file, 'utf8'), crlfDelay: Infinity })
    const bad = await (async (): Promise<DataError | undefined> => {
      // eslint-disable-next-line functional/no-let
      let line = 0
      try {
        for await (const text of lines) {
          line++
          if (text.includes(REPLACEMENT))
            return dataError(
              c.file,
              'not valid UTF-8 (a Windows-1252 or Latin-1 file?)',
              'convert the file to UTF-8, e.g. `iconv -f windows-1252 -t utf-8`; `npm run fetch -- polarity` stores a converted copy',
              { line },
            )
          if (text.trim() !== '') builder.add(text, label)
        }
        return undefined
      } catch (err) {
        return ioError(c.file, err, hint)
      }
    })()
    if (bad !== undefined) return E.left(bad)
    if (builder.size() === before)
      return E.left(dataError(c.file, 'no snippets: the file holds only blank lines', hint))
  }
  return E.right(
    builder.finish(
      classes.map((c) => c.file).join(', '),
      classes.map((c) => c.name),
    ),
  )
}

/**
 * The polarity corpus from `dataDir` (default {@link resolveDataDir}: `--data-dir`, `$COTANGENT_DATA` or the cache):
 * `rt-polarity/neg.txt` (label 0, negative) and `rt-polarity/pos.txt` (label 1, positive), 5,331 snippets each.
 * A missing corpus is a `Left` saying where it looked and how to download it.
 */
export const loadPolarity = (dataDir?: string): Promise<E.Either<DataError, TextCorpus>> =>
  loadTextDataset(POLARITY, dataDir)

/** Options of {@link loadReviewCsv}. */
export interface ReviewCsvOptions {
  /** The CSV file, with a header row; gzip data (`.csv.gz`) is detected by its magic bytes and unpacked on the fly. */
  readonly file: string
  /** Header of the text column, e.g. `review`. */
  readonly textColumn: string
  /** Header of the label column, e.g. `sentiment`. */
  readonly labelColumn: string
  /**
   * Label values to class indices, e.g. `{ negative: 0, positive: 1 }`; the indices must be `0…k-1`. Class names
   * are the keys in index order.
   */
  readonly labels: Readonly<Record<string, number>>
  /** Header of an optional official split column. */
  readonly splitColumn?: string
  /**
   * Split-column values per part; defaults `train: ['train']`, `dev: ['dev', 'valid', 'validation', 'val']`,
   * `test: ['test']` (compared case-insensitively).
   */
  readonly splitValues?: {
    readonly train?: readonly string[]
    readonly dev?: readonly string[]
    readonly test?: readonly string[]
  }
}

const DEFAULT_SPLITS = { train: ['train'], dev: ['dev', 'valid', 'validation', 'val'], test: ['test'] }

/** Parses a label mapping written `positive=1,negative=0` (or with `→` / `:`), as a command-line flag gives it. */
export const parseLabelMapping = (spec: string): E.Either<string, Readonly<Record<string, number>>> => {
  const pairs = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => p.split(/\s*(?:=|→|->|:)\s*/))
  const bad = pairs.find((p) => p.length !== 2 || p[0] === '' || !/^\d+$/.test(p[1] ?? ''))
  if (pairs.length === 0 || bad !== undefined)
    return E.left(`label mapping must look like positive=1,negative=0, got ${JSON.stringify(spec)}`)
  return E.right(Object.fromEntries(pairs.map((p) => [p[0]!, Number(p[1])])))
}

const classNames = (
  file: string,
  labels: Readonly<Record<string, number>>,
): E.Either<DataError, string[]> => {
  const entries = Object.entries(labels)
  const k = entries.length
  const names = Array.from({ length: k }, (_, i) => entries.filter(([, v]) => v === i).map(([n]) => n))
  return k >= 2 && names.every((n) => n.length >= 1)
    ? E.right(names.map((n) => n.join('/')))
    : E.left(
        dataError(
          file,
          `label mapping ${JSON.stringify(labels)} must send at least two values onto the class indices 0…k-1, each used`,
          'give e.g. { negative: 0, positive: 1 }',
        ),
      )
}

const peekGzip = async (file: string): Promise<boolean> => {
  const fh = await open(file, 'r')
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0)
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b
  } finally {
    await fh.close()
  }
}

interface CsvRecord {
  readonly record: Readonly<Record<string, string | undefined>>
  readonly info: { readonly lines: number }
}

const CsvRecordCodec = t.type({
  record: t.UnknownRecord,
  info: t.type({ lines: t.number }),
})

/**
 * Streams a review CSV (RFC 4180 quoting, through csv-parse; gzip is unpacked on the fly) into a
 * {@link TextCorpus}: each row's text column is tokenized, its label column mapped through `labels`, and its split
 * column (if any) recorded. Memory holds the token ids, not the text. A missing or empty file, a missing column
 * (named with the columns found), bad quoting, a row with the wrong number of fields, an unknown label or split
 * value is a `Left` with the file and line.
 */
export const loadReviewCsv = async (options: ReviewCsvOptions): Promise<E.Either<DataError, TextCorpus>> => {
  const { file, textColumn, labelColumn, splitColumn } = options
  const hint = `a CSV with a header row holding the columns ${[textColumn, labelColumn, ...(splitColumn === undefined ? [] : [splitColumn])].join(', ')}`
  const ok = await checkFile(file, hint)
  if (E.isLeft(ok)) return ok
  const names = classNames(file, options.labels)
  if (E.isLeft(names)) return names
  const labelOf = new Map(Object.entries(options.labels))
  const splits = { ...DEFAULT_SPLITS, ...options.splitValues }
  const splitOf = new Map(
    (['train', 'dev', 'test'] as const).flatMap((part) =>
      splits[part].map((v) => [v.toLowerCase(), SPLIT_CODES[part]] as const),
    ),
  )
  const gz = await peekGzip(file)
  const builder = corpusBuilder(splitColumn !== undefined)
  const source: Readable = createReadStream(file)
  const header: string[] = []
  const parser = parse({
    columns: (names: string[]) => {
      header.push(...names) // eslint-disable-line functional/immutable-data -- records the header once
      return names
    },
    info: true,
    bom: true,
    skip_empty_lines: true,
  })
  const rows: Readable = gz
    ? pipeline(source, createGunzip(), parser, () => undefined)
    : pipeline(source, parser, () => undefined)
  const failure = await (async (): Promise<DataError | undefined> => {
    // eslint-disable-next-line functional/no-let
    let first = true
    try {
      for await (const raw of rows as AsyncIterable<unknown>) {
        const decoded = CsvRecordCodec.decode(raw)
        if (E.isLeft(decoded))
          return dataError(file, `unexpected CSV record: ${firstMessage(decoded.left)}`, hint)
        const { record, info } = decoded.right as CsvRecord
        const line = info.lines
        if (first) {
          first = false
          const have = Object.keys(record)
          const missing = [textColumn, labelColumn, ...(splitColumn === undefined ? [] : [splitColumn])].find(
            (c) => !have.includes(c),
          )
          if (missing !== undefined)
            return dataError(
              file,
              `no column ${JSON.stringify(missing)} in the header (columns: ${have.join(', ')})`,
              hint,
              {
                line: 1,
                column: missing,
              },
            )
        }
        const text = record[textColumn] ?? ''
        const labelValue = (record[labelColumn] ?? '').trim()
        const label = labelOf.get(labelValue)
        if (label === undefined)
          return dataError(
            file,
            `unknown label ${JSON.stringify(labelValue)} in column ${labelColumn} (known: ${[...labelOf.keys()].join(', ')})`,
            'fix the row or add the value to the label mapping',
            { line, column: labelColumn },
          )
        if (splitColumn === undefined) builder.add(text, label)
        else {
          const splitValue = (record[splitColumn] ?? '').trim()
          const code = splitOf.get(splitValue.toLowerCase())
          if (code === undefined)
            return dataError(
              file,
              `unknown split ${JSON.stringify(splitValue)} in column ${splitColumn} (known: ${[...splitOf.keys()].join(', ')})`,
              'use train / dev / test, or pass splitValues',
              { line, column: splitColumn },
            )
          builder.add(text, label, code)
        }
      }
      if (!first) return undefined
      const missing = [textColumn, labelColumn, ...(splitColumn === undefined ? [] : [splitColumn])].find(
        (c) => header.length > 0 && !header.includes(c),
      )
      return missing === undefined
        ? dataError(file, 'no rows (only a header, or nothing)', hint)
        : dataError(
            file,
            `no column ${JSON.stringify(missing)} in the header (columns: ${header.join(', ')})`,
            hint,
            {
              line: 1,
              column: missing,
            },
          )
    } catch (err) {
      if (err instanceof CsvError) return csvParseError(file, err)
      const code = (err as { code?: unknown }).code
      if (typeof code === 'string' && code.startsWith('Z_'))
        return dataError(
          file,
          `broken gzip data (${err instanceof Error ? err.message : String(err)})`,
          'download or compress the file again',
        )
      return ioError(file, err, hint)
    } finally {
      source.destroy()
    }
  })()
  return failure === undefined ? E.right(builder.finish(file, names.right)) : E.left(failure)
}

/**
 * Reads any text data set definition: a two-file corpus (the polarity corpus) from `dataDir` (default
 * {@link resolveDataDir}), or a review CSV (`reviewCsvDataset`) from its file. Other kinds are a `Left`.
 */
export const loadTextDataset = async (
  def: DatasetDef,
  dataDir?: string,
): Promise<E.Either<DataError, TextCorpus>> => {
  const format = def.format
  if (format.kind === 'review-csv')
    return loadReviewCsv({
      file: format.file,
      textColumn: format.textColumn,
      labelColumn: format.labelColumn,
      labels: format.labels,
      ...(format.splitColumn === undefined ? {} : { splitColumn: format.splitColumn }),
    })
  if (format.kind !== 'two-file')
    return E.left(
      dataError(
        def.name,
        `is not a text data set (format ${format.kind})`,
        'choose polarity or a review CSV',
      ),
    )
  const located = locateDataset(def, dataDir ?? resolveDataDir())
  if (E.isLeft(located)) return located
  return loadTwoFileCorpus(format.classes.map((c) => ({ file: located.right[c.file]!, name: c.name })))
}
