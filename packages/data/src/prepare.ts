/**
 * The usual text pipeline in one call: seeded stratified split, vocabulary from the training rows, encoding.
 * @module
 */
import type { TextCorpus } from './corpus.js'
import { splitCorpus } from './split.js'
import { buildVocab, encodeCorpus, type PrepareOptions, type PreparedText } from './vocab.js'

/**
 * Splits `corpus` ({@link splitCorpus}: 80/10/10 stratified, or its split column with dev carved out of train),
 * builds the vocabulary from the training rows only (`minCount`, `maxSize`), and encodes every document (with
 * `bigramBuckets` hashed bigrams). The same options and seed give the same result.
 */
export const prepareText = (corpus: TextCorpus, options: PrepareOptions): PreparedText => {
  const splits = splitCorpus(corpus, options.seed, {
    ...(options.fractions === undefined ? {} : { fractions: options.fractions }),
    ...(options.devFraction === undefined ? {} : { devFraction: options.devFraction }),
  })
  const vocab = buildVocab(
    corpus,
    {
      ...(options.minCount === undefined ? {} : { minCount: options.minCount }),
      ...(options.maxSize === undefined ? {} : { maxSize: options.maxSize }),
    },
    splits.train,
  )
  const encoded = encodeCorpus(
    corpus,
    vocab,
    options.bigramBuckets === undefined ? {} : { bigramBuckets: options.bigramBuckets },
  )
  return { splits, vocab, encoded }
}
