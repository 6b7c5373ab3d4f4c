/**
 * A tokenized text corpus held compactly: every document's tokens as ids into one table of distinct words, all in
 * one Int32Array with offsets — no array of strings per document, so memory grows with the number of tokens
 * (4 bytes each) and distinct words, not with the text.
 * @module
 */
/* eslint-disable functional/no-let, functional/immutable-data --
   the builder fills private growable typed arrays; only frozen snapshots escape through `finish`. */
import { tokenize } from './text.js'

/** Which part of an official split a document belongs to (from a split column). */
export const SPLIT_CODES = { train: 0, dev: 1, test: 2 } as const

/** A tokenized corpus. Documents are numbered `0…size-1`; treat the arrays as read-only. */
export interface TextCorpus {
  /** Where it came from (file names), for messages. */
  readonly source: string
  /** Class names; a document's label is an index into this list. */
  readonly classes: readonly string[]
  /** The distinct words, in order of first appearance; `tokens` hold indices into it. */
  readonly words: readonly string[]
  /** Every document's word ids, one document after the other. */
  readonly tokens: Int32Array
  /** Document `i` is `tokens[offsets[i] … offsets[i+1]-1]`; length `size + 1`. */
  readonly offsets: Int32Array
  /** One label per document. */
  readonly labels: Int32Array
  /** One split code per document ({@link SPLIT_CODES}), when the source had a split column. */
  readonly split?: Int8Array
  /** The number of documents. */
  readonly size: number
}

/** Accumulates documents into a {@link TextCorpus} (private mutable state behind a closure). */
export interface CorpusBuilder {
  /** Tokenizes `text` and appends it with `label` (and a split code, if the corpus has a split column). */
  readonly add: (text: string, label: number, split?: number) => void
  /** The number of documents added so far. */
  readonly size: () => number
  /** The corpus so far (copies trimmed to size). */
  readonly finish: (source: string, classes: readonly string[]) => TextCorpus
}

const grow = <A extends Int32Array | Int8Array>(a: A, need: number, make: (n: number) => A): A => {
  if (need <= a.length) return a
  const b = make(Math.max(need, a.length * 2))
  b.set(a)
  return b
}

/**
 * A new, empty {@link CorpusBuilder}; `withSplit` reserves a split code per document. Tokens are stored in chunks
 * of `chunkTokens` ids (default 2²⁰, 4 MiB) and copied once into one exact-size array by `finish`, so building a
 * corpus of `T` tokens peaks at about `2 · 4T` bytes (the chunks and the result) rather than a doubling array's
 * `3 · 4T`, and never holds a string of the whole text.
 */
export const corpusBuilder = (withSplit = false, chunkTokens = 1 << 20): CorpusBuilder => {
  if (!Number.isSafeInteger(chunkTokens) || chunkTokens < 1)
    throw new RangeError(`corpusBuilder: chunkTokens must be a positive integer, got ${String(chunkTokens)}`)
  const CHUNK = chunkTokens
  const index = new Map<string, number>()
  const words: string[] = []
  const chunks: Int32Array[] = []
  let chunk = new Int32Array(CHUNK)
  let used = 0
  let nTokens = 0
  let offsets = new Int32Array(1 << 12)
  let labels = new Int32Array(1 << 12)
  let split = new Int8Array(withSplit ? 1 << 12 : 0)
  let n = 0
  return {
    add: (text, label, code) => {
      for (const w of tokenize(text)) {
        let id = index.get(w)
        if (id === undefined) {
          id = words.length
          index.set(w, id)
          words.push(w)
        }
        if (used === CHUNK) {
          chunks.push(chunk)
          chunk = new Int32Array(CHUNK)
          used = 0
        }
        chunk[used++] = id
        nTokens++
      }
      offsets = grow(offsets, n + 2, (k) => new Int32Array(k))
      labels = grow(labels, n + 1, (k) => new Int32Array(k))
      if (withSplit) {
        split = grow(split, n + 1, (k) => new Int8Array(k))
        split[n] = code ?? -1
      }
      labels[n] = label
      n++
      offsets[n] = nTokens
    },
    size: () => n,
    finish: (source, classes) => {
      const tokens = new Int32Array(nTokens)
      chunks.forEach((c, i) => {
        tokens.set(c, i * CHUNK)
      })
      tokens.set(chunk.subarray(0, used), chunks.length * CHUNK)
      return {
        source,
        classes: [...classes],
        words: [...words],
        tokens,
        offsets: offsets.slice(0, n + 1),
        labels: labels.slice(0, n),
        ...(withSplit ? { split: split.slice(0, n) } : {}),
        size: n,
      }
    },
  }
}
