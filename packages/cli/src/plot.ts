/**
 * Figures beyond `@cotangent/train`'s line plots, for the run folder: every vega-lite spec goes through train's
 * `renderVegaLite` (the pipeline behind `plotCurves`, re-exported here), and `heatmapSpec` builds the spec of a
 * function of two variables such as a classifier's decision surface.
 * @module
 */
import { renderVegaLite } from '@cotangent/train'
import type { TopLevelSpec } from 'vega-lite'

export { renderVegaLite }

/** A grid of values of f(x, y) and optional labelled points on top. */
export interface HeatmapOptions {
  readonly title: string
  /** Cell centres and values (a regular grid: every x and y spaced by `step`). */
  readonly cells: readonly { readonly x: number; readonly y: number; readonly value: number }[]
  /** Grid spacing (cell width and height). */
  readonly step: number
  /** Points drawn on top, coloured by `label`. */
  readonly points?: readonly { readonly x: number; readonly y: number; readonly label: string }[]
  readonly xLabel?: string
  readonly yLabel?: string
  /** Legend title of the colour scale. */
  readonly valueLabel?: string
  /** Colour domain (default: the values' range). */
  readonly domain?: readonly [number, number]
  /** Plot size in CSS pixels (default 360×360). */
  readonly width?: number
  readonly height?: number
}

/** The vega-lite spec of a heat map with points on top (render it with {@link renderVegaLite}). */
export const heatmapSpec = (o: HeatmapOptions): TopLevelSpec => {
  const h = o.step / 2
  const width = o.width ?? 360
  const height = o.height ?? 360
  const xs = o.cells.map((c) => c.x)
  const ys = o.cells.map((c) => c.y)
  const xDomain = [Math.min(...xs) - h, Math.max(...xs) + h] as const
  const yDomain = [Math.min(...ys) - h, Math.max(...ys) + h] as const
  // Each cell reaches 0.75 px (CSS; 1.5 px in the 2× PNG) past its neighbours' edges, so that every pixel on a
  // seam is covered opaquely by some cell: a smaller overlap leaves anti-aliased pixels blended with the white
  // background (faint seams). The outer cells are clipped at the plot edge.
  const ex = h + (0.75 * (xDomain[1] - xDomain[0])) / width
  const ey = h + (0.75 * (yDomain[1] - yDomain[0])) / height
  const cells = o.cells.map((c) => ({
    x0: c.x - ex,
    x1: c.x + ex,
    y0: c.y - ey,
    y1: c.y + ey,
    value: c.value,
  }))
  const x = {
    title: o.xLabel ?? 'x',
    scale: { domain: [...xDomain], nice: false, zero: false },
    axis: { grid: false },
  }
  const y = {
    title: o.yLabel ?? 'y',
    scale: { domain: [...yDomain], nice: false, zero: false },
    axis: { grid: false },
  }
  const layer: readonly object[] = [
    {
      data: { values: cells },
      mark: { type: 'rect', strokeWidth: 0, clip: true },
      encoding: {
        x: { field: 'x0', type: 'quantitative', ...x },
        x2: { field: 'x1' },
        y: { field: 'y0', type: 'quantitative', ...y },
        y2: { field: 'y1' },
        color: {
          field: 'value',
          type: 'quantitative',
          title: o.valueLabel ?? 'value',
          scale: { scheme: 'blueorange', ...(o.domain === undefined ? {} : { domain: [...o.domain] }) },
        },
      },
    },
    ...(o.points === undefined || o.points.length === 0
      ? []
      : [
          {
            data: { values: o.points.map((p) => ({ ...p })) },
            mark: { type: 'point', filled: true, size: 260, stroke: 'black', strokeWidth: 1.5, opacity: 1 },
            encoding: {
              x: { field: 'x', type: 'quantitative' },
              y: { field: 'y', type: 'quantitative' },
              shape: {
                field: 'label',
                type: 'nominal',
                title: 'target',
                scale: { range: ['circle', 'square'] },
              },
              fill: {
                field: 'label',
                type: 'nominal',
                title: 'target',
                scale: { range: ['white', 'black'] },
              },
            },
          },
        ]),
  ]
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    title: o.title,
    width,
    height,
    layer,
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans', axis: { grid: false } },
  } as TopLevelSpec
}
