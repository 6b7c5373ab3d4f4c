/**
 * Text to tokens: a tokenizer for review text and the FNV-1a hash behind hashed word bigrams.
 * @module
 */

const TAG = /<[^<>]*>/g
const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&apos;': "'",
  '&nbsp;': ' ',
}
// eslint-disable-next-line no-control-regex -- any code unit above 0x7f
const NON_ASCII = /[^\u0000-\u007f]/
const ENTITY = /&(?:amp|lt|gt|quot|#39|apos|nbsp);/g
// A word: letters/digits/marks, with inner apostrophes or hyphens (`don't`, `jean-claude`, `21st`); anything else
// that is not white space is a token of its own (`!`, `,`, `"`, `…`).
const TOKEN = /[\p{L}\p{N}\p{M}]+(?:['’-][\p{L}\p{N}\p{M}]+)*|[^\s\p{L}\p{N}\p{M}]/gu

/**
 * Splits text into lower-case tokens: HTML tags (`<br />`, `<i>`) become spaces and the common entities
 * (`&amp;`, `&quot;`, `&#39;`, …) their characters; then the text is NFKC-normalized and lower-cased, and cut into
 * words (runs of letters and digits, keeping inner apostrophes and hyphens: `don't`, `jean-claude`) and single
 * punctuation or symbol characters.
 *
 * `tokenize('Great film!<br /><br />Didn\'t "love" it...')` is
 * `['great', 'film', '!', "didn't", '"', 'love', '"', 'it', '.', '.', '.']`.
 */
export const tokenize = (text: string): string[] => {
  const plain = text.replace(TAG, ' ').replace(ENTITY, (e) => ENTITIES[e] ?? e)
  // NFKC leaves ASCII alone; skip it for the common all-ASCII text.
  return (NON_ASCII.test(plain) ? plain.normalize('NFKC') : plain).toLowerCase().match(TOKEN) ?? []
}

/** The 32-bit FNV-1a offset basis (the hash of the empty string). */
export const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

const step = (h: number, byte: number): number => Math.imul(h ^ byte, FNV_PRIME) >>> 0

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `s`, continuing from `h` (default {@link FNV_OFFSET}), so
 * `fnv1a(b, fnv1a(a)) === fnv1a(a + b)`. An unsigned 32-bit integer; stable across runs, machines and languages
 * (`fnv1a('a')` is `0xe40c292c`, `fnv1a('foobar')` is `0xbf9cf968`, the published test vectors).
 */
export const fnv1a = (s: string, h: number = FNV_OFFSET): number => {
  // A hash loop over local numbers only.
  /* eslint-disable functional/no-let */
  let x = h >>> 0
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1)
      if (lo >= 0xdc00 && lo < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00)
        i++
      }
    }
    /* eslint-enable functional/no-let */
    if (c < 0x80) x = step(x, c)
    else if (c < 0x800) x = step(step(x, 0xc0 | (c >> 6)), 0x80 | (c & 63))
    else if (c < 0x10000) x = step(step(step(x, 0xe0 | (c >> 12)), 0x80 | ((c >> 6) & 63)), 0x80 | (c & 63))
    else
      x = step(
        step(step(step(x, 0xf0 | (c >> 18)), 0x80 | ((c >> 12) & 63)), 0x80 | ((c >> 6) & 63)),
        0x80 | (c & 63),
      )
  }
  return x
}

/** The hash of the bigram `a b`: {@link fnv1a} of `a + ' ' + b` (computed without building the string). */
export const bigramHash = (a: string, b: string): number => fnv1a(b, step(fnv1a(a), 0x20))
