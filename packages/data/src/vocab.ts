/**
 * Vocabularies over a {@link TextCorpus} and the encoding of documents into embedding-bag token ids, with optional
 * hashed word bigrams.
 * @module
 */
/* eslint-disable functional/no-let, functional/immutable-data --
   counting and encoding loops fill private typed arrays that are returned once, never changed afterwards. */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { TextCorpus } from './corpus.js'
import { dataError, type DataError } from './errors.js'
import { firstMessage } from './files.js'
import { bigramHash, tokenize } from './text.js'

/** The unknown-word token; always id 0. */
export const UNK = '<unk>'

/** A vocabulary: `tokens[id]` is the word with that id; id 0 is {@link UNK}, then by falling count. */
export interface Vocab {
  /** Words by id; `tokens[0]` is `'<unk>'`. */
  readonly tokens: readonly string[]
  /** Training-set count of each word (`counts[0]` counts the words left out by `minCount`/`maxSize`). */
  readonly counts: readonly number[]
  /** Word → id. */
  readonly index: ReadonlyMap<string, number>
  /** `tokens.length`, including `<unk>`. */
  readonly size: number
}

/** Options of {@link buildVocab}. */
export interface VocabOptions {
  /** Words seen fewer times than this are left out (they encode as `<unk>`). Default 1. */
  readonly minCount?: number
  /** Largest vocabulary, `<unk>` included; the most frequent words are kept. Default: no limit. */
  readonly maxSize?: number
}

/**
 * Builds a vocabulary from the documents `rows` of `corpus` (pass the training rows only, so dev and test words do
 * not leak in; default all). Id 0 is `<unk>`; the other words follow by falling count, ties in code-unit order
 * of the words, so the result does not depend on document order. Words with fewer than `minCount` occurrences
 * are dropped, and only the `maxSize - 1` most frequent are kept.
 */
export const buildVocab = (corpus: TextCorpus, options?: VocabOptions, rows?: readonly number[]): Vocab => {
  const minCount = options?.minCount ?? 1
  const maxSize = options?.maxSize ?? Infinity
  if (!Number.isInteger(minCount) || minCount < 1)
    throw new RangeError(`buildVocab: minCount must be a positive integer, got ${String(minCount)}`)
  if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize < 1))
    throw new RangeError(
      `buildVocab: maxSize must be a positive integer (it includes <unk>), got ${String(maxSize)}`,
    )
  const counts = new Int32Array(corpus.words.length)
  const count = (d: number): void => {
    for (let j = corpus.offsets[d]!; j < corpus.offsets[d + 1]!; j++) counts[corpus.tokens[j]!]!++
  }
  if (rows === undefined) for (let d = 0; d < corpus.size; d++) count(d)
  else
    for (const d of rows) {
      if (!Number.isInteger(d) || d < 0 || d >= corpus.size)
        throw new RangeError(`buildVocab: row ${String(d)} is outside [0, ${String(corpus.size)})`)
      count(d)
    }
  const kept = corpus.words
    .map((w, id) => ({ w, c: counts[id]! }))
    .filter((e) => e.c >= minCount && e.w !== UNK)
    .sort((a, b) => b.c - a.c || (a.w < b.w ? -1 : a.w > b.w ? 1 : 0))
    .slice(0, Math.max(0, maxSize - 1))
  const total = counts.reduce((a, b) => a + b, 0)
  const tokens = [UNK, ...kept.map((e) => e.w)]
  return {
    tokens,
    counts: [total - kept.reduce((a, e) => a + e.c, 0), ...kept.map((e) => e.c)],
    index: new Map(tokens.map((w, i) => [w, i])),
    size: tokens.length,
  }
}

/** Options of the encoders. */
export interface EncodeOptions {
  /**
   * Number of hashed word-bigram buckets (default 0: unigrams only). Bigram `a b` gets id
   * `vocab.size + fnv1a(a + ' ' + b) % bigramBuckets` (32-bit FNV-1a over UTF-8, {@link bigramHash}), so the
   * embedding table needs {@link embeddingRows} rows.
   */
  readonly bigramBuckets?: number
}

/** Rows the embedding table needs for `vocab` and these options: `vocab.size + bigramBuckets`. */
export const embeddingRows = (vocab: Vocab, options?: EncodeOptions): number =>
  vocab.size + (options?.bigramBuckets ?? 0)

const checkBuckets = (op: string, b: number): void => {
  if (!Number.isInteger(b) || b < 0)
    throw new RangeError(`${op}: bigramBuckets must be a non-negative integer, got ${String(b)}`)
}

/**
 * Token ids of a word list: each word's vocabulary id (0 for unknown words), then — with `bigramBuckets` — one
 * hashed id per adjacent pair of words (known or not), after the unigrams.
 */
export const encodeTokens = (vocab: Vocab, words: readonly string[], options?: EncodeOptions): number[] => {
  const buckets = options?.bigramBuckets ?? 0
  checkBuckets('encodeTokens', buckets)
  const uni = words.map((w) => vocab.index.get(w) ?? 0)
  return buckets === 0
    ? uni
    : [...uni, ...words.slice(1).map((w, i) => vocab.size + (bigramHash(words[i]!, w) % buckets))]
}

/** {@link encodeTokens} of {@link tokenize}d text: what a model sees for a sentence typed at prediction time. */
export const encodeText = (vocab: Vocab, text: string, options?: EncodeOptions): number[] =>
  encodeTokens(vocab, tokenize(text), options)

/** A corpus as embedding-bag input: every document's token ids in one Int32Array. Treat it as read-only. */
export interface EncodedCorpus {
  /** All token ids (unigrams, then the document's bigrams), document after document. */
  readonly ids: Int32Array
  /** Document `i` is `ids[offsets[i] … offsets[i+1]-1]`; length `size + 1`. */
  readonly offsets: Int32Array
  readonly labels: Int32Array
  readonly classes: readonly string[]
  /** Split codes per document, when the source had a split column. */
  readonly split?: Int8Array
  readonly size: number
  /** Rows the embedding table needs (`vocab.size + bigramBuckets`); every id is below it. */
  readonly numEmbeddings: number
}

/**
 * Encodes every document of `corpus` with `vocab` as {@link encodeTokens} does (same ids), into one Int32Array
 * with offsets: memory is 4 bytes per token, whatever the vocabulary size.
 */
export const encodeCorpus = (corpus: TextCorpus, vocab: Vocab, options?: EncodeOptions): EncodedCorpus => {
  const buckets = options?.bigramBuckets ?? 0
  checkBuckets('encodeCorpus', buckets)
  const map = Int32Array.from(corpus.words, (w) => vocab.index.get(w) ?? 0)
  const n = corpus.size
  let total = 0
  for (let d = 0; d < n; d++) {
    const len = corpus.offsets[d + 1]! - corpus.offsets[d]!
    total += buckets > 0 && len > 0 ? 2 * len - 1 : len
  }
  const ids = new Int32Array(total)
  const offsets = new Int32Array(n + 1)
  let k = 0
  for (let d = 0; d < n; d++) {
    const a = corpus.offsets[d]!
    const b = corpus.offsets[d + 1]!
    for (let j = a; j < b; j++) ids[k++] = map[corpus.tokens[j]!]!
    if (buckets > 0)
      for (let j = a + 1; j < b; j++)
        ids[k++] =
          vocab.size +
          (bigramHash(corpus.words[corpus.tokens[j - 1]!]!, corpus.words[corpus.tokens[j]!]!) % buckets)
    offsets[d + 1] = k
  }
  return {
    ids,
    offsets,
    labels: corpus.labels,
    classes: corpus.classes,
    ...(corpus.split === undefined ? {} : { split: corpus.split }),
    size: n,
    numEmbeddings: vocab.size + buckets,
  }
}

/** A vocabulary as plain JSON (for checkpoints: `predict` must encode text exactly as training did). */
export const VocabJson = t.type({ tokens: t.array(t.string), counts: t.array(t.number) })

/** The JSON form of a vocabulary, {@link VocabJson}. */
export type VocabJson = t.TypeOf<typeof VocabJson>

/** A vocabulary as {@link VocabJson}: its tokens and counts, in id order. */
export const vocabToJson = (vocab: Vocab): VocabJson => ({
  tokens: [...vocab.tokens],
  counts: [...vocab.counts],
})

/**
 * Decodes a vocabulary saved by {@link vocabToJson} (`source` names the file for errors): the tokens must start
 * with `<unk>`, be distinct, and have one non-negative integer count each.
 */
export const vocabFromJson = (u: unknown, source: string): E.Either<DataError, Vocab> => {
  const hint =
    'the vocabulary must be the one saved with the model (tokens starting with <unk>, one count each)'
  const decoded = VocabJson.decode(u)
  if (E.isLeft(decoded))
    return E.left(dataError(source, `bad vocabulary: ${firstMessage(decoded.left)}`, hint))
  const { tokens, counts } = decoded.right
  if (tokens[0] !== UNK)
    return E.left(
      dataError(source, `bad vocabulary: token 0 is ${JSON.stringify(tokens[0])}, not ${UNK}`, hint),
    )
  if (counts.length !== tokens.length || counts.some((c) => !Number.isInteger(c) || c < 0))
    return E.left(
      dataError(
        source,
        `bad vocabulary: ${String(counts.length)} counts for ${String(tokens.length)} tokens, or a count that is not a non-negative integer`,
        hint,
      ),
    )
  const index = new Map(tokens.map((w, i) => [w, i]))
  if (index.size !== tokens.length)
    return E.left(dataError(source, 'bad vocabulary: a token appears twice', hint))
  return E.right({ tokens, counts, index, size: tokens.length })
}

/** Options of {@link prepareText}. */
export interface PrepareOptions extends VocabOptions, EncodeOptions {
  /** Seed of the split. */
  readonly seed: number
  /** Train/dev/test fractions without a split column (default 80/10/10). */
  readonly fractions?: readonly [number, number, number]
  /** Dev fraction carved out of train when the split column has no dev rows (default 0.1). */
  readonly devFraction?: number
}

/** The usual text pipeline's result: the split, the training vocabulary, and the encoded corpus. */
export interface PreparedText {
  readonly splits: { readonly train: number[]; readonly dev: number[]; readonly test: number[] }
  readonly vocab: Vocab
  readonly encoded: EncodedCorpus
}
