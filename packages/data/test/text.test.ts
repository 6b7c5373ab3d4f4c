import { describe, expect, it } from 'vitest'
import * as fc from 'fast-check'
import {
  FNV_OFFSET,
  UNK,
  bigramHash,
  buildVocab,
  corpusBuilder,
  embeddingRows,
  encodeCorpus,
  encodeText,
  encodeTokens,
  fnv1a,
  tokenize,
  prepareText,
  splitCorpus,
  vocabFromJson,
  vocabToJson,
} from '../src/index.js'
import * as E from 'fp-ts/lib/Either.js'

describe('tokenize', () => {
  it('lower-cases, splits punctuation and strips HTML (hand-written expectations)', () => {
    expect(tokenize('Great film!<br /><br />Didn\'t "love" it...')).toEqual([
      'great',
      'film',
      '!',
      "didn't",
      '"',
      'love',
      '"',
      'it',
      '.',
      '.',
      '.',
    ])
    expect(tokenize('A <i>truly</i> BAD movie, 2/10.')).toEqual([
      'a',
      'truly',
      'bad',
      'movie',
      ',',
      '2',
      '/',
      '10',
      '.',
    ])
    expect(tokenize('Jean-Claude Van Damme&#39;s best &amp; worst')).toEqual([
      'jean-claude',
      'van',
      "damme's",
      'best',
      '&',
      'worst',
    ])
    expect(tokenize('  \n\t ')).toEqual([])
    expect(tokenize('')).toEqual([])
    expect(tokenize('Café CRÈME')).toEqual(['café', 'crème'])
    // NFKC: the ellipsis character becomes three full stops, as the ASCII spelling does.
    expect(tokenize('wait…')).toEqual(['wait', '.', '.', '.'])
    // A trailing apostrophe or hyphen is punctuation, not part of the word.
    expect(tokenize("dogs' -bad-")).toEqual(['dogs', "'", '-', 'bad', '-'])
  })
  it('keeps the polarity corpus tokens as they are (already lower-cased and spaced)', () => {
    const line =
      'the rock is destined to be the 21st century\'s new " conan " and that he\'s going to make a splash . '
    expect(tokenize(line)).toEqual(line.trim().split(/\s+/))
  })
  it('never yields white space or empty tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        for (const tok of tokenize(s)) expect(tok).toMatch(/^\S+$/u)
      }),
    )
  })
})

// Reference FNV-1a over the UTF-8 bytes, written the textbook way (BigInt multiply, mask).
const refFnv = (s: string): number => {
  let h = 0x811c9dc5n
  for (const b of new TextEncoder().encode(s)) h = ((h ^ BigInt(b)) * 0x01000193n) & 0xffffffffn
  return Number(h)
}

describe('fnv1a', () => {
  it('matches the published 32-bit FNV-1a test vectors', () => {
    expect(fnv1a('')).toBe(FNV_OFFSET)
    expect(fnv1a('a')).toBe(0xe40c292c)
    expect(fnv1a('foobar')).toBe(0xbf9cf968)
  })
  it('equals a byte-wise reference over UTF-8 (surrogate pairs included) and chains', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        (a, b) => {
          expect(fnv1a(a)).toBe(refFnv(a))
          expect(fnv1a(b, fnv1a(a))).toBe(refFnv(a + b))
          expect(bigramHash(a, b)).toBe(refFnv(`${a} ${b}`))
        },
      ),
    )
  })
})

const corpusOf = (docs: readonly (readonly [string, number])[]) => {
  const b = corpusBuilder()
  for (const [text, label] of docs) b.add(text, label)
  return b.finish('test', ['neg', 'pos'])
}

describe('corpusBuilder', () => {
  it('stores the tokens of any documents exactly, whatever the chunk size (a naive per-document reference)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.array(fc.constantFrom('a', 'b', 'good', 'film', '!', ''), { maxLength: 9 }), fc.nat(1)),
          {
            maxLength: 12,
          },
        ),
        fc.integer({ min: 1, max: 5 }),
        (docs, chunkTokens) => {
          const b = corpusBuilder(false, chunkTokens)
          for (const [words, label] of docs) b.add(words.join(' '), label)
          const c = b.finish('test', ['neg', 'pos'])
          const lists = docs.map(([words]) => words.filter((w) => w !== ''))
          expect(c.size).toBe(docs.length)
          expect(Array.from(c.offsets)).toEqual(
            lists.reduce((o, l) => [...o, o[o.length - 1]! + l.length], [0]),
          )
          expect(Array.from(c.tokens, (id) => c.words[id])).toEqual(lists.flat())
          expect(Array.from(c.labels)).toEqual(docs.map(([, l]) => l))
        },
      ),
      { seed: 8, numRuns: 200 },
    )
  })
  it('rejects a chunk size that is not a positive integer', () => {
    expect(() => corpusBuilder(false, 0)).toThrow(/chunkTokens must be a positive integer, got 0/)
  })
})

describe('buildVocab', () => {
  // Counts: the 4, . 3, good 3, bad 2, film 2, and 1 each for ! , a plot.
  const corpus = corpusOf([
    ['the good film !', 1],
    ['The bad film', 0],
    ['the good plot', 1],
    ['a good, bad...', 0],
    ['the', 0],
  ])
  it('puts <unk> at id 0, then words by falling count, ties in code-unit order', () => {
    const v = buildVocab(corpus)
    expect(v.tokens).toEqual([UNK, 'the', '.', 'good', 'bad', 'film', '!', ',', 'a', 'plot'])
    expect(v.counts).toEqual([0, 4, 3, 3, 2, 2, 1, 1, 1, 1])
    expect(v.size).toBe(10)
    expect(v.index.get('good')).toBe(3)
  })
  it('minCount and maxSize leave words out, counted under <unk>', () => {
    const v = buildVocab(corpus, { minCount: 2 })
    expect(v.tokens).toEqual([UNK, 'the', '.', 'good', 'bad', 'film'])
    expect(v.counts[0]).toBe(4) // ! , a plot
    const w = buildVocab(corpus, { maxSize: 3 })
    expect(w.tokens).toEqual([UNK, 'the', '.'])
    expect(w.counts[0]).toBe(11)
  })
  it('counts only the given rows (the training split)', () => {
    expect(buildVocab(corpus, {}, [1]).tokens).toEqual([UNK, 'bad', 'film', 'the'])
  })
  it('rejects bad options', () => {
    expect(() => buildVocab(corpus, { minCount: 0 })).toThrow(/minCount/)
    expect(() => buildVocab(corpus, { maxSize: 0 })).toThrow(/maxSize/)
    expect(() => buildVocab(corpus, {}, [99])).toThrow(/outside/)
  })
})

describe('encoding', () => {
  const corpus = corpusOf([
    ['good film', 1],
    ['bad bad film', 0],
    ['', 1],
    ['unseen words here', 0],
  ])
  const vocab = buildVocab(corpus, {}, [0, 1])
  it('maps words to ids and unknown words to 0 (hand-computed)', () => {
    // bad 2, film 2, good 1 → ids 1, 2, 3
    expect(vocab.tokens).toEqual([UNK, 'bad', 'film', 'good'])
    expect(encodeText(vocab, 'Good, bad FILM?')).toEqual([3, 0, 1, 2, 0])
  })
  it('appends hashed bigrams after the unigrams', () => {
    const ids = encodeTokens(vocab, ['good', 'film', 'zzz'], { bigramBuckets: 10 })
    expect(ids).toEqual([3, 2, 0, 4 + (refFnv('good film') % 10), 4 + (refFnv('film zzz') % 10)])
    expect(embeddingRows(vocab, { bigramBuckets: 10 })).toBe(14)
  })
  it('encodeCorpus gives every document the ids encodeTokens gives its tokens', () => {
    const texts = ['good film', 'bad bad film', '', 'unseen words here']
    for (const buckets of [0, 7]) {
      const enc = encodeCorpus(corpus, vocab, { bigramBuckets: buckets })
      expect(enc.size).toBe(4)
      expect(enc.numEmbeddings).toBe(4 + buckets)
      texts.forEach((text, d) => {
        expect(Array.from(enc.ids.subarray(enc.offsets[d], enc.offsets[d + 1]))).toEqual(
          encodeTokens(vocab, tokenize(text), { bigramBuckets: buckets }),
        )
      })
      expect(Array.from(enc.labels)).toEqual([1, 0, 1, 0])
      expect(Math.max(...enc.ids)).toBeLessThan(enc.numEmbeddings)
    }
  })
})

describe('vocabulary JSON', () => {
  const corpus = corpusOf([
    ['good film', 1],
    ['bad film', 0],
  ])
  const vocab = buildVocab(corpus)
  it('round-trips through JSON text', () => {
    const back = vocabFromJson(JSON.parse(JSON.stringify(vocabToJson(vocab))), 'vocab.json')
    expect(E.isRight(back) && back.right.tokens).toEqual(vocab.tokens)
    expect(E.isRight(back) && encodeText(back.right, 'good bad unknown')).toEqual(
      encodeText(vocab, 'good bad unknown'),
    )
  })
  it('rejects a malformed vocabulary, naming the file', () => {
    const bad = (u: unknown): string => (E.isLeft(vocabFromJson(u, 'v.json')) ? 'left' : 'right')
    expect(bad({ tokens: ['film'], counts: [1] })).toBe('left')
    expect(bad({ tokens: ['<unk>', 'a', 'a'], counts: [0, 1, 1] })).toBe('left')
    expect(bad({ tokens: ['<unk>', 'a'], counts: [0] })).toBe('left')
    expect(bad({ tokens: ['<unk>'] })).toBe('left')
    expect(bad({ tokens: ['<unk>', 'a'], counts: [0, 2] })).toBe('right')
    const e = vocabFromJson(null, 'v.json')
    expect(E.isLeft(e) && e.left.file).toBe('v.json')
  })
})

describe('prepareText', () => {
  it('is splitCorpus, then buildVocab on the training rows, then encodeCorpus', () => {
    const docs = Array.from(
      { length: 40 },
      (_, i) => [`word${String(i % 7)} common ${i % 2 === 0 ? 'even' : 'odd'}`, i % 2] as const,
    )
    const corpus = corpusOf(docs)
    const p = prepareText(corpus, { seed: 3, minCount: 2, bigramBuckets: 11 })
    const splits = splitCorpus(corpus, 3)
    expect(p.splits).toEqual(splits)
    const vocab = buildVocab(corpus, { minCount: 2 }, splits.train)
    expect(p.vocab.tokens).toEqual(vocab.tokens)
    expect(p.encoded).toEqual(encodeCorpus(corpus, vocab, { bigramBuckets: 11 }))
  })
})
