/**
 * The report writer: a report is a list of blocks (plain data), rendered to Markdown by {@link renderMarkdown}.
 * Figures are blocks too: the run folder renders each to `<name>.png` and `<name>.svg` and links the PNG.
 * @module
 */
import type { PlotOptions, Series } from '@cotangent/train'
import type { TopLevelSpec } from 'vega-lite'

/** A table cell: text, a number (printed as given by `format` or `String`), or empty. */
export type Cell = string | number | null

/** A figure's content: line curves (`@cotangent/train`'s `plotCurves`) or any vega-lite spec (e.g. {@link heatmapSpec}). */
export type FigureContent =
  | { readonly type: 'curves'; readonly series: readonly Series[]; readonly options: PlotOptions }
  | { readonly type: 'vega-lite'; readonly spec: TopLevelSpec }

/** One block of a report. */
export type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3 | 4; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | {
      readonly kind: 'table'
      readonly columns: readonly string[]
      readonly rows: readonly (readonly Cell[])[]
      /** Per-column alignment (default: right for columns whose cells are all numbers, else left). */
      readonly align?: readonly ('left' | 'right' | 'center')[]
    }
  | { readonly kind: 'code'; readonly text: string; readonly lang?: string }
  | { readonly kind: 'image'; readonly alt: string; readonly path: string }
  | {
      readonly kind: 'figure'
      /** File name without extension (`loss` → `loss.png`, `loss.svg`); letters, digits, `-`, `_`, `.` only. */
      readonly name: string
      readonly alt: string
      readonly content: FigureContent
    }

/** `# text` (level 1–4). */
export const heading = (level: 1 | 2 | 3 | 4, text: string): Block => ({ kind: 'heading', level, text })
/** A paragraph of Markdown text. */
export const paragraph = (text: string): Block => ({ kind: 'paragraph', text })
/** A bullet list. */
export const list = (items: readonly string[]): Block => ({ kind: 'list', items })
/** A table from column names and rows (each row as long as `columns`). */
export const table = (
  columns: readonly string[],
  rows: readonly (readonly Cell[])[],
  align?: readonly ('left' | 'right' | 'center')[],
): Block => ({ kind: 'table', columns, rows, ...(align === undefined ? {} : { align }) })
/** A fenced code block. */
export const code = (text: string, lang?: string): Block => ({
  kind: 'code',
  text,
  ...(lang === undefined ? {} : { lang }),
})
/** A link to an image file that already exists (relative to report.md). */
export const image = (alt: string, path: string): Block => ({ kind: 'image', alt, path })
/** A line plot, rendered by the run folder to `<name>.png`/`.svg`. */
export const curvesFigure = (
  name: string,
  alt: string,
  series: readonly Series[],
  options: PlotOptions,
): Block => ({
  kind: 'figure',
  name,
  alt,
  content: { type: 'curves', series, options },
})
/** A figure from a vega-lite spec, rendered by the run folder to `<name>.png`/`.svg`. */
export const specFigure = (name: string, alt: string, spec: TopLevelSpec): Block => ({
  kind: 'figure',
  name,
  alt,
  content: { type: 'vega-lite', spec },
})

/** Escapes a table cell: pipes and newlines would break the row. */
const cellText = (c: Cell): string =>
  (c === null ? '' : String(c)).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')

/** Renders one table; throws a RangeError when a row's length differs from the columns'. */
const renderTable = (b: Extract<Block, { kind: 'table' }>): string => {
  b.rows.forEach((r, i) => {
    if (r.length !== b.columns.length)
      throw new RangeError(
        `table: row ${i} has ${r.length} cells for ${b.columns.length} columns (${b.columns.join(', ')})`,
      )
  })
  const align =
    b.align ??
    b.columns.map((_, j) =>
      b.rows.length > 0 && b.rows.every((r) => typeof r[j] === 'number') ? 'right' : 'left',
    )
  const rule = align.map((a) => (a === 'right' ? '---:' : a === 'center' ? ':---:' : '---'))
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`
  return [line(b.columns.map(cellText)), line(rule), ...b.rows.map((r) => line(r.map(cellText)))].join('\n')
}

const fence = (text: string): string => {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length))
  return '`'.repeat(longest + 1)
}

/** Valid figure names: they become file names next to report.md. */
export const FIGURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Renders blocks to Markdown (figures as a PNG link plus an SVG link, as the run folder writes them). */
export const renderMarkdown = (blocks: readonly Block[]): string =>
  `${blocks
    .map((b): string => {
      switch (b.kind) {
        case 'heading':
          return `${'#'.repeat(b.level)} ${b.text}`
        case 'paragraph':
          return b.text
        case 'list':
          return b.items.map((i) => `- ${i}`).join('\n')
        case 'table':
          return renderTable(b)
        case 'code': {
          const f = fence(b.text)
          return `${f}${b.lang ?? ''}\n${b.text.replace(/\n$/, '')}\n${f}`
        }
        case 'image':
          return `![${b.alt}](${encodeURI(b.path)})`
        case 'figure':
          if (!FIGURE_NAME.test(b.name))
            throw new RangeError(`figure: name '${b.name}' must match ${String(FIGURE_NAME)}`)
          return `![${b.alt}](${b.name}.png)\n\n[SVG](${b.name}.svg)`
      }
    })
    .join('\n\n')}\n`

/** The figures among the blocks. */
export const figuresOf = (blocks: readonly Block[]): readonly Extract<Block, { kind: 'figure' }>[] =>
  blocks.filter((b): b is Extract<Block, { kind: 'figure' }> => b.kind === 'figure')
