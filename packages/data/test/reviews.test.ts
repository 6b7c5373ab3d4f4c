import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  SPLIT_CODES,
  formatDataError,
  loadPolarity,
  loadReviewCsv,
  loadTwoFileCorpus,
  loadTextDataset,
  reviewCsvDataset,
  POLARITY,
  parseLabelMapping,
  splitCorpus,
  tokenize,
  type TextCorpus,
} from '../src/index.js'
import { SHARED_DATA, leftOf, rightOf, tempDir, tempFile } from './helpers.js'

/** Document `d` of a corpus as words, for comparing against tokenize(text). */
const doc = (c: TextCorpus, d: number): string[] =>
  Array.from(c.tokens.subarray(c.offsets[d], c.offsets[d + 1]), (id) => c.words[id]!)

const LABELS = { negative: 0, positive: 1 }

describe('two-file corpus', () => {
  it('reads the shared polarity corpus: 5331 + 5331 snippets, neg 0 then pos 1', async () => {
    const c = rightOf(await loadPolarity(SHARED_DATA))
    expect(c.size).toBe(10662)
    expect(c.classes).toEqual(['negative', 'positive'])
    expect(Array.from(c.labels).filter((l) => l === 0).length).toBe(5331)
    expect(c.labels[0]).toBe(0)
    expect(c.labels[10661]).toBe(1)
    // The first positive line, as printed in the file (already tokenized by the authors).
    expect(doc(c, 5331).slice(0, 6)).toEqual(['the', 'rock', 'is', 'destined', 'to', 'be'])
    expect(c.offsets.length).toBe(10663)
  })
  it('skips blank lines and numbers documents in file order', async () => {
    const a = tempFile('a.txt', 'Bad movie .\n\n  \nawful\n')
    const b = tempFile('b.txt', 'Great!\r\nfine\n')
    const c = rightOf(
      await loadTwoFileCorpus([
        { file: a, name: 'neg' },
        { file: b, name: 'pos' },
      ]),
    )
    expect(c.size).toBe(4)
    expect([0, 1, 2, 3].map((d) => doc(c, d))).toEqual([
      ['bad', 'movie', '.'],
      ['awful'],
      ['great', '!'],
      ['fine'],
    ])
    expect(Array.from(c.labels)).toEqual([0, 0, 1, 1])
  })
  it('reports a missing corpus with where it looked and how to get it', async () => {
    const dir = tempDir()
    const e = leftOf(await loadPolarity(dir))
    expect(e.message).toContain(`looked in ${join(dir, 'rt-polarity')}`)
    expect(e.hint).toContain('npm run fetch -- polarity')
    expect(e.hint).toContain(`--data-dir ${dir}`)
  })
  it('reports an empty file and a Windows-1252 line by number', async () => {
    const empty = tempFile('e.txt', '')
    expect(leftOf(await loadTwoFileCorpus([{ file: empty, name: 'x' }]))).toMatchObject({
      file: empty,
      message: 'file is empty',
    })
    const blank = tempFile('b.txt', '\n  \n')
    expect(leftOf(await loadTwoFileCorpus([{ file: blank, name: 'x' }])).message).toMatch(/only blank lines/)
    const cp1252 = tempFile(
      'c.txt',
      Buffer.concat([Buffer.from('fine\nalso fine\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]),
    )
    const e = leftOf(await loadTwoFileCorpus([{ file: cp1252, name: 'x' }]))
    expect(e).toMatchObject({ file: cp1252, line: 3 })
    expect(e.message).toMatch(/not valid UTF-8/)
    expect(e.hint).toContain('npm run fetch -- polarity')
  })
})

const CSV_HEADER = 'id,review,sentiment,split\n'

describe('review CSV', () => {
  it('parses RFC 4180 quoting: commas, doubled quotes, newlines, HTML', async () => {
    const f = tempFile(
      'r.csv',
      `${CSV_HEADER}1,"Loved it, truly.<br /><br />A ""must"" see",positive,train\n2,"Dull.\nVery dull.",negative,test\n3,ok,positive,train\n`,
    )
    const c = rightOf(
      await loadReviewCsv({
        file: f,
        textColumn: 'review',
        labelColumn: 'sentiment',
        labels: LABELS,
        splitColumn: 'split',
      }),
    )
    expect(c.size).toBe(3)
    expect(doc(c, 0)).toEqual(tokenize('Loved it, truly. A "must" see'))
    expect(doc(c, 1)).toEqual(['dull', '.', 'very', 'dull', '.'])
    expect(Array.from(c.labels)).toEqual([1, 0, 1])
    expect(Array.from(c.split!)).toEqual([SPLIT_CODES.train, SPLIT_CODES.test, SPLIT_CODES.train])
    expect(c.classes).toEqual(['negative', 'positive'])
  })
  it('reads gzip data the same as plain text', async () => {
    const text = `${CSV_HEADER}1,"a, b",positive,train\n2,c,negative,test\n`
    const opts = { textColumn: 'review', labelColumn: 'sentiment', labels: LABELS }
    const plain = rightOf(await loadReviewCsv({ file: tempFile('p.csv', text), ...opts }))
    const gz = rightOf(await loadReviewCsv({ file: tempFile('p.csv.gz', gzipSync(text)), ...opts }))
    expect(gz).toEqual({ ...plain, source: gz.source })
    expect(plain.split).toBeUndefined()
  })
  it('reports an unknown label with its line (counting multi-line records)', async () => {
    const f = tempFile('r.csv', `${CSV_HEADER}1,"two\nlines",positive,train\n2,meh,neutral,train\n`)
    const e = leftOf(
      await loadReviewCsv({ file: f, textColumn: 'review', labelColumn: 'sentiment', labels: LABELS }),
    )
    expect(e).toMatchObject({ file: f, line: 4, column: 'sentiment' })
    expect(formatDataError(e)).toContain(
      `${f}:4: unknown label "neutral" in column sentiment (known: negative, positive)`,
    )
  })
  it('reports a missing column, naming the columns found', async () => {
    const f = tempFile('r.csv', `${CSV_HEADER}1,fine,positive,train\n`)
    const e = leftOf(
      await loadReviewCsv({ file: f, textColumn: 'text', labelColumn: 'sentiment', labels: LABELS }),
    )
    expect(e).toMatchObject({ line: 1, column: 'text' })
    expect(e.message).toBe('no column "text" in the header (columns: id, review, sentiment, split)')
    const headerOnly = tempFile('h.csv', CSV_HEADER)
    const e2 = leftOf(
      await loadReviewCsv({ file: headerOnly, textColumn: 'text', labelColumn: 'sentiment', labels: LABELS }),
    )
    expect(e2).toMatchObject({ line: 1, column: 'text' })
  })
  it('reports bad quoting', async () => {
    const f = tempFile('r.csv', `${CSV_HEADER}1,"unclosed,positive,train\n2,b,negative,test\n`)
    const e = leftOf(
      await loadReviewCsv({ file: f, textColumn: 'review', labelColumn: 'sentiment', labels: LABELS }),
    )
    expect(e.message).toMatch(/^malformed CSV: .*\[CSV_QUOTE_NOT_CLOSED\]$/)
    expect(e.hint).toContain('RFC 4180')
    const g = tempFile('q.csv', `${CSV_HEADER}1,a "quoted" word",positive,train\n`)
    const e2 = leftOf(
      await loadReviewCsv({ file: g, textColumn: 'review', labelColumn: 'sentiment', labels: LABELS }),
    )
    expect(e2).toMatchObject({ line: 2 })
    expect(e2.message).toMatch(/malformed CSV/)
  })
  it('reports a row with the wrong number of fields', async () => {
    const f = tempFile('r.csv', `${CSV_HEADER}1,fine,positive,train\n2,short,negative\n`)
    const e = leftOf(
      await loadReviewCsv({ file: f, textColumn: 'review', labelColumn: 'sentiment', labels: LABELS }),
    )
    expect(e.line).toBe(3)
    expect(e.message).toMatch(
      /Invalid Record Length: columns length is 4, got 3 \[CSV_RECORD_INCONSISTENT_COLUMNS\]$/,
    )
  })
  it('reports a missing file, an empty file, a header-only file, an unknown split value', async () => {
    const opts = { textColumn: 'review', labelColumn: 'sentiment', labels: LABELS }
    expect(leftOf(await loadReviewCsv({ file: '/nonexistent.csv', ...opts })).message).toBe('file not found')
    expect(leftOf(await loadReviewCsv({ file: tempFile('e.csv', ''), ...opts })).message).toBe(
      'file is empty',
    )
    expect(leftOf(await loadReviewCsv({ file: tempFile('h.csv', CSV_HEADER), ...opts })).message).toMatch(
      /^no rows/,
    )
    const f = tempFile('s.csv', `${CSV_HEADER}1,a,positive,train\n2,b,negative,holdout\n`)
    expect(leftOf(await loadReviewCsv({ file: f, ...opts, splitColumn: 'split' }))).toMatchObject({
      line: 3,
      column: 'split',
    })
  })
  it('reports a label mapping that does not cover 0…k-1', async () => {
    const f = tempFile('r.csv', `${CSV_HEADER}1,a,positive,train\n`)
    const e = leftOf(
      await loadReviewCsv({
        file: f,
        textColumn: 'review',
        labelColumn: 'sentiment',
        labels: { positive: 1, negative: 2 },
      }),
    )
    expect(e.message).toMatch(/label mapping/)
  })
  it('honours a split column and carves a stratified dev set out of train', async () => {
    const rows = Array.from(
      { length: 200 },
      (_, i) =>
        `${String(i)},text ${String(i)},${i % 4 === 0 ? 'positive' : 'negative'},${i < 150 ? 'train' : 'test'}`,
    )
    const f = tempFile('big.csv', `${CSV_HEADER}${rows.join('\n')}\n`)
    const c = rightOf(
      await loadReviewCsv({
        file: f,
        textColumn: 'review',
        labelColumn: 'sentiment',
        labels: LABELS,
        splitColumn: 'split',
      }),
    )
    const s = splitCorpus(c, 3)
    expect(s.test).toEqual(Array.from({ length: 50 }, (_, i) => 150 + i))
    expect(s.dev.length).toBe(15)
    expect([...s.train, ...s.dev].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i))
    // 150 train rows: 38 positive (i % 4 == 0), 112 negative → dev gets round(3.8)=4 and round(11.2)=11.
    expect(s.dev.filter((i) => c.labels[i] === 1).length).toBe(4)
    expect(splitCorpus(c, 3)).toEqual(s)
  })
})

describe('parseLabelMapping', () => {
  it('reads positive=1,negative=0 and the arrow spellings', () => {
    expect(parseLabelMapping('positive=1,negative=0')).toEqual(E.right({ positive: 1, negative: 0 }))
    expect(parseLabelMapping('pos→1, neg -> 0')).toEqual(E.right({ pos: 1, neg: 0 }))
    expect(E.isLeft(parseLabelMapping('positive'))).toBe(true)
    expect(E.isLeft(parseLabelMapping('a=x'))).toBe(true)
  })
})

describe('loadTextDataset', () => {
  it('reads a review CSV definition and the polarity definition through one entry point', async () => {
    const file = tempFile('r.csv', `${CSV_HEADER}1,"fine, really",positive,train\n2,no,negative,test\n`)
    const def = reviewCsvDataset({
      file,
      textColumn: 'review',
      labelColumn: 'sentiment',
      splitColumn: 'split',
      labels: LABELS,
    })
    const c = rightOf(await loadTextDataset(def))
    expect(doc(c, 0)).toEqual(['fine', ',', 'really'])
    expect(Array.from(c.split!)).toEqual([0, 2])
    expect(rightOf(await loadTextDataset(POLARITY, SHARED_DATA)).size).toBe(10662)
  })
})
