/**
 * Line plots without a browser: a vega-lite spec, compiled to vega, rendered headless to SVG (`renderer: 'none'`),
 * and rasterised to PNG with resvg (DejaVu Sans; white background).
 * @module
 */
import { Resvg } from '@resvg/resvg-js'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import type { EpochRecord } from './history.js'
import { writeFileAtomic } from './json.js'

/** One named line. */
export interface Series {
  readonly name: string
  readonly points: readonly { readonly x: number; readonly y: number }[]
}

/** Options of {@link plotCurves}. */
export interface PlotOptions {
  readonly title: string
  /** Default `epoch`. */
  readonly xLabel?: string
  readonly yLabel: string
  /** Logarithmic y axis (points with y ≤ 0 are left out). */
  readonly logY?: boolean
  /** d3-format string of the y tick labels (`'.0e'` gives `1e-6` rather than `0.000001`); default vega's own. */
  readonly yFormat?: string
  /** Plot area size in CSS pixels (default 480×280); the PNG is rendered at 2×. */
  readonly width?: number
  readonly height?: number
}

/** A rendered plot. */
export interface Plot {
  readonly svg: string
  readonly png: Uint8Array
}

/** The vega-lite spec {@link plotCurves} renders (exposed for tests and for custom rendering). */
export const curvesSpec = (series: readonly Series[], o: PlotOptions): TopLevelSpec => {
  const logY = o.logY ?? false
  const values = series.flatMap((s) =>
    s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logY || p.y > 0))
      .map((p) => ({ series: s.name, x: p.x, y: p.y })),
  )
  // Epochs (and steps) are integers: ask for integer ticks, so the axis does not read "epoch 1.4".
  const integerX = values.length > 0 && values.every((v) => Number.isInteger(v.x))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    title: o.title,
    width: o.width ?? 480,
    height: o.height ?? 280,
    data: { values },
    mark: { type: 'line', point: values.length <= 60 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: o.xLabel ?? 'epoch',
        ...(integerX ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: o.yLabel,
        scale: logY ? { type: 'log' } : { zero: false },
        ...(o.yFormat === undefined ? {} : { axis: { format: o.yFormat } }),
      },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name) },
    },
    // Headless vega estimates text widths generously, so its default 160 px legend limit cut names like
    // "sigmoid, Xavier init" short; allow legend labels twice as wide.
    config: { font: 'DejaVu Sans', legend: { labelLimit: 320 } },
  }
}

/**
 * Renders any vega-lite spec headless to an SVG string and a PNG (vega → SVG → resvg, DejaVu Sans, 2× zoom): the
 * one pipeline behind every figure.
 */
export const renderVegaLite = async (spec: TopLevelSpec): Promise<Plot> => {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  try {
    const svg = await view.toSVG()
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: 2 },
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng()
    return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) }
  } finally {
    view.finalize()
  }
}

/** Renders line plots to an SVG string and a PNG (2× zoom). */
export const plotCurves = (series: readonly Series[], options: PlotOptions): Promise<Plot> =>
  renderVegaLite(curvesSpec(series, options))

/** Renders and writes `<pathWithoutExt>.svg` and `.png` atomically; returns the two paths. */
export const writePlot = async (
  pathWithoutExt: string,
  series: readonly Series[],
  options: PlotOptions,
): Promise<{ readonly svg: string; readonly png: string }> => {
  const plot = await plotCurves(series, options)
  const paths = { svg: `${pathWithoutExt}.svg`, png: `${pathWithoutExt}.png` }
  writeFileAtomic(paths.svg, plot.svg)
  writeFileAtomic(paths.png, plot.png)
  return paths
}

/**
 * Series from a history: `loss` gives train and dev loss per epoch; a metric name gives its train and dev values.
 * Dev series appear only when the history has them.
 */
export const historySeries = (history: readonly EpochRecord[], what = 'loss'): Series[] => {
  const pick = (side: 'train' | 'dev', r: EpochRecord): number | null =>
    what === 'loss'
      ? side === 'train'
        ? r.trainLoss
        : r.devLoss
      : side === 'train'
        ? (r.trainMetrics[what] ?? null)
        : (r.devMetrics?.[what] ?? null)
  return (['train', 'dev'] as const)
    .map((side) => ({
      name: side,
      points: history.flatMap((r) => {
        const y = pick(side, r)
        return y === null ? [] : [{ x: r.epoch, y }]
      }),
    }))
    .filter((s) => s.points.length > 0)
}
