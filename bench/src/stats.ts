/** Order statistics of the rounds and the plain-text tables the harness prints. */

/** Median (the mean of the two middle values for an even count), min and max of a non-empty list. */
export const summarize = (xs: readonly number[]): { median: number; min: number; max: number } => {
  if (xs.length === 0) throw new Error('bench: no samples to summarize')
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return { median, min: s[0]!, max: s[s.length - 1]! }
}

/** A number with about three significant digits, thousands grouped (`13,700`, `2.05`, `0.0123`). */
export const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en-US')
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  if (a >= 1) return x.toFixed(2)
  return x.toPrecision(3)
}

/** Columns padded to their widest cell; numbers-looking cells right-aligned. */
export const textTable = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const all = [header, ...rows]
  const widths = header.map((_, j) => Math.max(...all.map((r) => (r[j] ?? '').length)))
  const right = header.map(
    (_, j) => rows.length > 0 && rows.every((r) => /^[\d,.×x—–\s-]+$|^$/.test(r[j] ?? '')),
  )
  const line = (r: readonly string[]): string =>
    r
      .map((c, j) => (right[j] === true ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
