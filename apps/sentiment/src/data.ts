/**
 * The sentiment app's data source: the polarity corpus from the data directory, or a user's review CSV, split
 * (seeded 80/10/10, or the CSV's split column with dev carved out of train), with a training-only vocabulary and
 * the whole corpus encoded for the embedding bag.
 */
import {
  buildVocab,
  encodeCorpus,
  formatDataError,
  loadPolarity,
  loadReviewCsv,
  parseLabelMapping,
  splitCorpus,
  type EncodedCorpus,
  type TextCorpus,
  type Vocab,
} from '@cotangent/data'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'

/** Where the documents come from (decoded flags). */
export interface SourceConfig {
  readonly corpus: 'polarity'
  /** A review CSV; `''` means the polarity corpus. */
  readonly csv: string
  readonly textColumn: string
  readonly labelColumn: string
  /** `''`: no split column (seeded 80/10/10). */
  readonly splitColumn: string
  readonly labels: Readonly<Record<string, number>>
  /** `''`: `$COTANGENT_DATA`, else the cache. */
  readonly dataDir: string
}

/** How the text becomes ids (decoded flags). */
export interface TextConfig {
  readonly vocabSize: number
  readonly minCount: number
  /** Hashed bigram buckets; 0 for unigrams only. */
  readonly bigrams: number
}

/** A label mapping flag (`positive=1,negative=0`), or an already-decoded `{ positive: 1, negative: 0 }`. */
export const LabelMapping = new t.Type<Readonly<Record<string, number>>, Readonly<Record<string, number>>>(
  'a label mapping such as positive=1,negative=0 (CSV label value = class index 0…k-1)',
  (u): u is Readonly<Record<string, number>> =>
    typeof u === 'object' &&
    u !== null &&
    !Array.isArray(u) &&
    Object.values(u).every((v) => Number.isInteger(v)),
  (u, c) => {
    if (typeof u === 'string') {
      const r = parseLabelMapping(u)
      return E.isRight(r) ? t.success(r.right) : t.failure(u, c, r.left)
    }
    return typeof u === 'object' &&
      u !== null &&
      !Array.isArray(u) &&
      Object.values(u).every((v) => Number.isInteger(v))
      ? t.success(u as Readonly<Record<string, number>>)
      : t.failure(u, c, 'expected a label mapping such as positive=1,negative=0')
  },
  t.identity,
)

/** Loads the configured corpus; a `Left` is the formatted data error (file, line, what to do). */
export const loadSource = async (c: SourceConfig): Promise<E.Either<string, TextCorpus>> => {
  const r =
    c.csv === ''
      ? await loadPolarity(c.dataDir === '' ? undefined : c.dataDir)
      : await loadReviewCsv({
          file: c.csv,
          textColumn: c.textColumn,
          labelColumn: c.labelColumn,
          labels: c.labels,
          ...(c.splitColumn === '' ? {} : { splitColumn: c.splitColumn }),
        })
  return E.mapLeft(formatDataError)(r)
}

/**
 * A corpus ready for training: its splits, the training vocabulary and every document encoded. The corpus itself is
 * summarised (source, classes, size), not kept: after encoding only the encoded ids (4 bytes a token) stay in memory.
 */
export interface Prepared {
  readonly corpus: Pick<TextCorpus, 'source' | 'classes' | 'size'>
  readonly splits: { readonly train: number[]; readonly dev: number[]; readonly test: number[] }
  readonly vocab: Vocab
  readonly encoded: EncodedCorpus
  readonly bigramBuckets: number
}

/** Splits with `seed`, builds the vocabulary from the training rows only, and encodes the corpus. */
export const prepare = (corpus: TextCorpus, c: TextConfig, seed: number): Prepared => {
  const splits = splitCorpus(corpus, seed)
  const vocab = buildVocab(corpus, { minCount: c.minCount, maxSize: c.vocabSize }, splits.train)
  const encoded = encodeCorpus(corpus, vocab, { bigramBuckets: c.bigrams })
  return {
    corpus: { source: corpus.source, classes: corpus.classes, size: corpus.size },
    splits,
    vocab,
    encoded,
    bigramBuckets: c.bigrams,
  }
}

/** A one-line description of the source, for reports. */
export const describeSource = (c: SourceConfig, p: Prepared): string => {
  const { train, dev, test } = p.splits
  const counts = `${String(train.length)} train, ${String(dev.length)} dev, ${String(test.length)} test`
  return c.csv === ''
    ? `Sentence polarity corpus v1.0 (Pang & Lee, 2005): ${String(p.corpus.size)} snippets, seeded stratified 80/10/10 split: ${counts}.`
    : `Review CSV \`${c.csv}\` (text \`${c.textColumn}\`, label \`${c.labelColumn}\`${c.splitColumn === '' ? ', seeded stratified 80/10/10 split' : `, split column \`${c.splitColumn}\`, dev carved out of train when it has none`}): ${String(p.corpus.size)} reviews, ${counts}.`
}
