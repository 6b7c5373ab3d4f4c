/**
 * Windows-1252 decoding by table. Node 20.20's `TextDecoder('windows-1252')` decodes as ISO-8859-1 (bytes
 * 0x80–0x9F become C1 control characters instead of `€ … ‘ ’ “ ” – —`), which would corrupt the polarity corpus;
 * this follows the WHATWG `index-windows-1252` instead.
 * @module
 */

/** Code points of bytes 0x80–0x9F in Windows-1252 (WHATWG; the five unassigned bytes map to the C1 controls). */
const HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
]

const TABLE: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  String.fromCharCode(b >= 0x80 && b < 0xa0 ? HIGH[b - 0x80]! : b),
)

/** Decodes Windows-1252 bytes (every byte is defined, so this cannot fail). */
export const decodeWindows1252 = (bytes: Uint8Array): string => Array.from(bytes, (b) => TABLE[b]!).join('')

/**
 * Decodes `bytes` in `encoding` (a WHATWG label): Windows-1252 through {@link decodeWindows1252}, anything else
 * through a fatal `TextDecoder` (malformed input throws).
 */
export const decodeText = (bytes: Uint8Array, encoding: string): string =>
  ['windows-1252', 'cp1252', 'x-cp1252'].includes(encoding.toLowerCase())
    ? decodeWindows1252(bytes)
    : new TextDecoder(encoding, { fatal: true }).decode(bytes)
