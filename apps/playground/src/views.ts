/**
 * View models: what the page draws, computed as plain numbers from a session, with no DOM. The decision boundary and
 * every hidden unit's map come from one batched forward pass over a grid of the drawn square; the worker sends them
 * to the page in a frame.
 * @module
 */
import * as ct from 'cotangent'
import type { Config } from './config.js'
import { metrics, type HistoryPoint, type Metrics, type Params, type Session } from './session.js'

/** A dense layer's parameters as plain numbers: `W[i][j]` from input i to unit j, `b[j]`. */
export interface LayerNumbers {
  readonly W: readonly (readonly number[])[]
  readonly b: readonly number[]
}

/** The output map of one hidden unit over the grid (row-major, top row first). */
export interface UnitMap {
  readonly layer: number
  readonly unit: number
  readonly values: readonly number[]
}

/** Everything the page draws after some updates. */
export interface Frame {
  readonly step: number
  /** Whether the worker is training on its own (play) when it sent the frame. */
  readonly playing: boolean
  readonly metrics: Metrics
  readonly history: readonly HistoryPoint[]
  /** Grid side: the maps have `n × n` cells. */
  readonly n: number
  /** Class probabilities per grid cell, `probs[cell · classes + k]`. */
  readonly probs: readonly number[]
  readonly units: readonly UnitMap[]
  readonly weights: readonly LayerNumbers[]
  /** Gradients of the last update's mini-batch loss (null before the first update). */
  readonly grads: readonly LayerNumbers[] | null
  readonly lastBatchLoss: number | null
}

/** The centre of grid cell `(row, col)` in data coordinates (row 0 is the top, i.e. the largest x2). */
export const cellCenter = (
  domain: readonly [number, number],
  n: number,
  row: number,
  col: number,
): readonly [number, number] => {
  const [lo, hi] = domain
  const h = (hi - lo) / n
  return [lo + (col + 0.5) * h, hi - (row + 0.5) * h]
}

/**
 * The grid's inputs as a `[n·n, dims]` tensor: the first two features take the cell centres, the others 0 (the
 * training mean, as Iris is standardised).
 */
export const gridInputs = (domain: readonly [number, number], n: number, dims: number): ct.Tensor => {
  const data = new Float64Array(n * n * dims)
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      const [x1, x2] = cellCenter(domain, n, r, c)
      data[(r * n + c) * dims] = x1
      data[(r * n + c) * dims + 1] = x2
    }
  return ct.fromArray(data, [n * n, dims])
}

/**
 * The MLP layer by layer: every hidden layer's output (after the activation) and the logits. The same arithmetic as
 * `ct.nn.mlp`'s `apply` (`x @ W + b`, the activation between layers), kept apart so the hidden units can be drawn.
 */
export const forwardLayers = (
  params: Params,
  x: ct.Value,
  activation: Config['activation'],
): { readonly hidden: readonly ct.Value[]; readonly logits: ct.Value } => {
  const act = ct.nn.activationFn(activation)
  const hidden: ct.Value[] = []
  let h = x
  params.layers.forEach((l, i) => {
    const z = ct.add(ct.matmul(h, l.W), l.b)
    if (i < params.layers.length - 1) {
      h = act(z)
      hidden.push(h)
    } else h = z
  })
  return { hidden, logits: h }
}

/** Decision-boundary probabilities and every hidden unit's map over an `n × n` grid. */
export const gridView = (
  s: Session,
  n: number,
): { readonly probs: readonly number[]; readonly units: readonly UnitMap[] } => {
  const x = gridInputs(s.data.domain, n, s.data.features.length)
  const { hidden, logits } = forwardLayers(s.params, x, s.config.activation)
  const probs = Array.from(ct.toArray(ct.softmax(logits, -1)))
  const units = hidden.flatMap((h, layer) => {
    const width = h.shape[1]!
    const v = ct.toArray(h)
    return Array.from({ length: width }, (_, unit) => ({
      layer,
      unit,
      values: Array.from({ length: n * n }, (_, cell) => v[cell * width + unit]!),
    }))
  })
  return { probs, units }
}

/** A parameter tree's dense layers as nested number arrays. */
export const layerNumbers = (p: Params): LayerNumbers[] =>
  p.layers.map((l) => ({ W: ct.toNested(l.W) as number[][], b: Array.from(ct.toArray(l.b)) }))

/** The frame of a session: metrics, history, the maps on an `n × n` grid, weights and the last gradients. */
export const frameOf = (s: Session, n: number, playing: boolean): Frame => {
  const { probs, units } = gridView(s, n)
  return {
    step: s.step,
    playing,
    metrics: metrics(s),
    history: s.history,
    n,
    probs,
    units,
    weights: layerNumbers(s.params),
    grads: s.lastGrads === null ? null : layerNumbers(s.lastGrads),
    lastBatchLoss: s.lastBatchLoss,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Colours

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number]

/** Class colours (orange, blue, green, …), Playground-like on a light background. */
export const CLASS_COLORS: readonly Rgb[] = [
  [245, 147, 34],
  [8, 119, 189],
  [60, 160, 70],
  [200, 60, 160],
]

const WHITE: Rgb = [255, 255, 255]

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  Math.round(a[0] + (b[0] - a[0]) * t),
  Math.round(a[1] + (b[1] - a[1]) * t),
  Math.round(a[2] + (b[2] - a[2]) * t),
]

/**
 * The heat-map colour of a cell from its class probabilities: the colour of the most likely class, faded towards
 * white as the model becomes unsure (white where the top two classes tie, so the boundary is the white seam).
 */
export const cellColor = (p: readonly number[]): Rgb => {
  let top = 0
  for (let k = 1; k < p.length; k++) if (p[k]! > p[top]!) top = k
  const sorted = [...p].sort((a, b) => b - a)
  const margin = (sorted[0] ?? 1) - (sorted[1] ?? 0)
  return mix(WHITE, CLASS_COLORS[top % CLASS_COLORS.length]!, 0.15 + 0.6 * Math.min(1, margin))
}

/** A diverging colour for a signed value relative to `scale`: orange negative, white 0, blue positive. */
export const signedColor = (v: number, scale: number): Rgb => {
  const t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0
  return t < 0 ? mix(WHITE, CLASS_COLORS[0]!, -t) : mix(WHITE, CLASS_COLORS[1]!, t)
}

/** A CSS colour string. */
export const css = (c: Rgb): string => `rgb(${String(c[0])}, ${String(c[1])}, ${String(c[2])})`

// ---------------------------------------------------------------------------------------------------------------
// Network drawing and curves

/** One weight as a drawn edge. */
export interface Edge {
  /** The weight's layer (0 = input → first hidden). */
  readonly layer: number
  readonly from: number
  readonly to: number
  readonly weight: number
  /** Stroke width in pixels, growing with |weight| relative to the largest. */
  readonly width: number
  readonly color: string
}

/** Every weight as an edge, coloured by sign and sized by magnitude. */
export const weightEdges = (layers: readonly LayerNumbers[]): Edge[] => {
  const maxAbs = Math.max(1e-12, ...layers.flatMap((l) => l.W.flat().map(Math.abs)))
  return layers.flatMap((l, layer) =>
    l.W.flatMap((row, from) =>
      row.map((weight, to) => ({
        layer,
        from,
        to,
        weight,
        width: 0.5 + 5 * (Math.abs(weight) / maxAbs),
        color: css(signedColor(weight, maxAbs)),
      })),
    ),
  )
}

/** A parameter entry with its path, as the gradient table lists it. */
export interface ParamEntry {
  /** `layers[0].W[1][2]`, `layers[1].b[0]`. */
  readonly path: string
  readonly value: number
}

/** Every scalar of a layer list with its path (weights row by row, then the bias). */
export const paramEntries = (layers: readonly LayerNumbers[]): ParamEntry[] =>
  layers.flatMap((l, i) => [
    ...l.W.flatMap((row, r) =>
      row.map((value, c) => ({ path: `layers[${String(i)}].W[${String(r)}][${String(c)}]`, value })),
    ),
    ...l.b.map((value, c) => ({ path: `layers[${String(i)}].b[${String(c)}]`, value })),
  ])

/**
 * A loss curve as SVG polyline points in a `width × height` box: x by step, y on a log scale between the smallest
 * and largest finite loss of both curves (so both share the axis). Non-finite losses are skipped.
 */
export const curvePoints = (
  history: readonly HistoryPoint[],
  pick: (h: HistoryPoint) => number,
  width: number,
  height: number,
  range: { readonly lo: number; readonly hi: number; readonly maxStep: number },
): string => {
  const ly = (v: number): number => Math.log(Math.max(v, 1e-12))
  const span = ly(range.hi) - ly(range.lo) || 1
  return history
    .filter((h) => Number.isFinite(pick(h)))
    .map((h) => {
      const x = range.maxStep > 0 ? (h.step / range.maxStep) * width : 0
      const y = height - ((ly(pick(h)) - ly(range.lo)) / span) * height
      return `${x.toFixed(1)},${y.toFixed(1)}`
    })
    .join(' ')
}

/** The shared axis range of the two loss curves. */
export const curveRange = (
  history: readonly HistoryPoint[],
): { readonly lo: number; readonly hi: number; readonly maxStep: number } => {
  const vs = history.flatMap((h) => [h.trainLoss, h.testLoss]).filter((v) => Number.isFinite(v) && v > 0)
  const lo = vs.length === 0 ? 0.01 : Math.min(...vs)
  const hi = vs.length === 0 ? 1 : Math.max(...vs)
  return {
    lo: lo === hi ? lo / 2 : lo,
    hi: lo === hi ? hi * 2 : hi,
    maxStep: history[history.length - 1]?.step ?? 0,
  }
}
