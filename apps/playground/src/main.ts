/**
 * The page: reads the configuration from the URL, wires the controls, talks to the training worker through the
 * typed protocol, and draws each frame (decision boundary, loss curves, hidden-unit maps, weights, gradients) and the
 * expression's computation graph.
 */
import * as E from 'fp-ts/lib/Either.js'
import { instance, type Viz } from '@viz-js/viz'
import { configFromQuery, configToQuery, decodeConfig, DEFAULT_CONFIG, type Config } from './config.js'
import type { Dataset } from './data.js'
import { exprGraph, parsePoint } from './expr-graph.js'
import { networkGraph } from './network-graph.js'
import { decodeEvent, encodeCommand, type Command } from './protocol.js'
import {
  cellColor,
  CLASS_COLORS,
  css,
  curvePoints,
  curveRange,
  paramEntries,
  signedColor,
  weightEdges,
  type Frame,
  type LayerNumbers,
} from './views.js'

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`playground: the page has no #${id}`)
  return el
}
/** The element `#id`, checked to be of the given kind. */
const typed = <T extends HTMLElement>(id: string, kind: { new (): T; prototype: T }): T => {
  const el = $(id)
  if (!(el instanceof kind)) throw new Error(`playground: #${id} is a ${el.tagName}, not a ${kind.name}`)
  return el
}
const SVG_NS = 'http://www.w3.org/2000/svg'
const svgEl = (tag: string, attrs: Readonly<Record<string, string | number>>): SVGElement => {
  const el = document.createElementNS(SVG_NS, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  return el
}
const fmt = (x: number | null, digits = 4): string =>
  x === null || !Number.isFinite(x)
    ? '–'
    : Math.abs(x) >= 1e-3 || x === 0
      ? x.toFixed(digits)
      : x.toExponential(2)
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`

// ---------------------------------------------------------------------------------------------------------------
// State

const initial = configFromQuery(location.search)
let config: Config = E.isRight(initial) ? initial.right : DEFAULT_CONFIG
let dataset: Dataset | null = null
let lastFrame: Frame | null = null
let playing = false

const showError = (message: string | null): void => {
  const el = $('error')
  el.hidden = message === null
  el.textContent = message ?? ''
}
if (E.isLeft(initial))
  showError(`The link's configuration was not valid (${initial.left}); using the defaults.`)

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' })
const send = (c: Command): void => {
  worker.postMessage(encodeCommand(c))
}

// ---------------------------------------------------------------------------------------------------------------
// Controls

const input = (id: string): HTMLInputElement => typed(id, HTMLInputElement)
const select = (id: string): HTMLSelectElement => typed(id, HTMLSelectElement)

const renderLayers = (): void => {
  const box = $('layers')
  box.replaceChildren()
  config.hidden.forEach((w, i) => {
    const row = document.createElement('div')
    row.className = 'layer-row'
    const label = document.createElement('span')
    label.textContent = `hidden ${String(i + 1)}: width`
    const width = document.createElement('input')
    width.type = 'number'
    width.min = '1'
    width.max = '32'
    width.value = String(w)
    width.className = 'layer-width'
    width.addEventListener('change', () => {
      const v = Math.round(Number(width.value))
      apply({ hidden: config.hidden.map((x, j) => (j === i ? v : x)) })
    })
    const remove = document.createElement('button')
    remove.type = 'button'
    remove.textContent = '−'
    remove.title = 'remove this layer'
    remove.addEventListener('click', () => {
      apply({ hidden: config.hidden.filter((_, j) => j !== i) })
    })
    row.append(label, width, remove)
    box.append(row)
  })
  if (config.hidden.length === 0) {
    const p = document.createElement('p')
    p.className = 'hint'
    p.textContent = 'No hidden layer: a linear classifier.'
    box.append(p)
  }
}

/** Writes the configuration into the controls. */
const showConfig = (): void => {
  select('dataset').value = config.dataset
  input('noise').value = String(config.noise)
  $('noise-out').textContent = config.noise.toFixed(2)
  input('trainRatio').value = String(config.trainRatio)
  $('ratio-out').textContent = pct(config.trainRatio)
  input('points').value = String(config.points)
  input('seed').value = String(config.seed)
  select('activation').value = config.activation
  input('lr').value = String(config.lr)
  select('optimizer').value = config.optimizer
  input('batchSize').value = String(config.batchSize)
  input('weightDecay').value = String(config.weightDecay)
  select('init').value = config.init
  input('initConstant').value = String(config.initConstant)
  $('constant-row').hidden = config.init !== 'constant'
  $('iris-features').hidden = config.dataset !== 'iris'
  for (const box of $('iris-features').querySelectorAll<HTMLInputElement>('input'))
    box.checked = config.irisFeatures.includes(Number(box.value))
  const toy = config.dataset !== 'iris'
  input('noise').disabled = !toy
  input('points').disabled = !toy
  renderLayers()
  const link = typed('permalink', HTMLAnchorElement)
  link.href = `?${configToQuery(config)}`
}

/** A new configuration: checked, put in the URL and the controls, and sent to the worker as a fresh run. */
const apply = (patch: Partial<Config>): void => {
  const next = decodeConfig({ ...config, ...patch })
  if (E.isLeft(next)) {
    showError(`Not applied: ${next.left}`)
    showConfig()
    return
  }
  showError(null)
  config = next.right
  history.replaceState(null, '', `?${configToQuery(config)}`)
  showConfig()
  setPlaying(false)
  send({ kind: 'configure', config })
}

const setPlaying = (p: boolean): void => {
  playing = p
  $('play').textContent = p ? '❚❚ Pause' : '▶ Play'
}

const numberField = (id: keyof Config, parse: (s: string) => number = Number): void => {
  input(id).addEventListener('change', () => {
    apply({ [id]: parse(input(id).value) })
  })
}
const selectField = (id: keyof Config): void => {
  select(id).addEventListener('change', () => {
    apply({ [id]: select(id).value })
  })
}

selectField('dataset')
selectField('activation')
selectField('optimizer')
selectField('init')
numberField('points')
numberField('seed')
numberField('lr')
numberField('batchSize')
numberField('weightDecay')
numberField('initConstant')
numberField('noise')
numberField('trainRatio')
input('noise').addEventListener('input', () => {
  $('noise-out').textContent = Number(input('noise').value).toFixed(2)
})
input('trainRatio').addEventListener('input', () => {
  $('ratio-out').textContent = pct(Number(input('trainRatio').value))
})
$('iris-features').addEventListener('change', () => {
  const boxes = [...$('iris-features').querySelectorAll<HTMLInputElement>('input')]
  const chosen = boxes.filter((b) => b.checked).map((b) => Number(b.value))
  // keep the order in which they were checked: the first two stay the drawn ones
  const kept = config.irisFeatures.filter((f) => chosen.includes(f))
  apply({ irisFeatures: [...kept, ...chosen.filter((f) => !kept.includes(f))] })
})
$('add-layer').addEventListener('click', () => {
  apply({ hidden: [...config.hidden, config.hidden[config.hidden.length - 1] ?? 4] })
})
$('play').addEventListener('click', () => {
  setPlaying(!playing)
  send({ kind: playing ? 'play' : 'pause' })
})
$('step').addEventListener('click', () => {
  setPlaying(false)
  send({ kind: 'step' })
})
$('reset').addEventListener('click', () => {
  setPlaying(false)
  send({ kind: 'reset' })
})

// ---------------------------------------------------------------------------------------------------------------
// Drawing

const toPixel = (d: Dataset, size: number, x: number, y: number): [number, number] => {
  const [lo, hi] = d.domain
  return [((x - lo) / (hi - lo)) * size, ((hi - y) / (hi - lo)) * size]
}

const drawPoints = (d: Dataset): void => {
  const canvas = typed('points-layer', HTMLCanvasElement)
  const g = canvas.getContext('2d')!
  g.clearRect(0, 0, canvas.width, canvas.height)
  const dot = (row: readonly number[], label: number, test: boolean): void => {
    const [px, py] = toPixel(d, canvas.width, row[0]!, row[1]!)
    g.beginPath()
    g.arc(px, py, 3.5, 0, 2 * Math.PI)
    g.fillStyle = css(CLASS_COLORS[label % CLASS_COLORS.length]!)
    g.fill()
    g.lineWidth = test ? 1.5 : 1
    g.strokeStyle = test ? '#000' : '#fff'
    g.stroke()
  }
  d.xTrain.forEach((r, i) => {
    dot(r, d.yTrain[i]!, false)
  })
  d.xTest.forEach((r, i) => {
    dot(r, d.yTest[i]!, true)
  })
  $('legend').replaceChildren(
    ...d.classes.map((c, k) => {
      const s = document.createElement('span')
      const sw = document.createElement('span')
      sw.className = 'dot'
      sw.style.background = css(CLASS_COLORS[k % CLASS_COLORS.length]!)
      s.append(sw, c)
      return s
    }),
    Object.assign(document.createElement('span'), {
      textContent: `  — ${d.features.slice(0, 2).join(' (→) vs ')} (↑); white rims: train, black: test`,
    }),
  )
}

const scratch = document.createElement('canvas')

/**
 * Paints an n×n grid of colours over a whole canvas: one pixel per cell on a scratch canvas, scaled up with
 * smoothing, so cell centres keep their colour and the boundary between them is interpolated.
 */
const paintGrid = (
  canvas: HTMLCanvasElement,
  n: number,
  colorOf: (cell: number) => readonly [number, number, number],
): void => {
  scratch.width = n
  scratch.height = n
  const s = scratch.getContext('2d')!
  const img = s.createImageData(n, n)
  for (let cell = 0; cell < n * n; cell++) {
    const [R, G, B] = colorOf(cell)
    img.data[4 * cell] = R
    img.data[4 * cell + 1] = G
    img.data[4 * cell + 2] = B
    img.data[4 * cell + 3] = 255
  }
  s.putImageData(img, 0, 0)
  const g = canvas.getContext('2d')!
  g.imageSmoothingEnabled = true
  g.imageSmoothingQuality = 'high'
  g.clearRect(0, 0, canvas.width, canvas.height)
  g.drawImage(scratch, 0, 0, canvas.width, canvas.height)
}

const drawBoundary = (f: Frame, classes: number): void => {
  paintGrid(typed('boundary', HTMLCanvasElement), f.n, (cell) =>
    cellColor(f.probs.slice(cell * classes, (cell + 1) * classes)),
  )
}

const drawCurves = (f: Frame): void => {
  const svg = $('curves') as unknown as SVGSVGElement
  const W = 360
  const H = 150
  const pad = { l: 44, r: 8, t: 8, b: 20 }
  const range = curveRange(f.history)
  const w = W - pad.l - pad.r
  const h = H - pad.t - pad.b
  const g = svgEl('g', { transform: `translate(${String(pad.l)},${String(pad.t)})` })
  g.append(svgEl('rect', { x: 0, y: 0, width: w, height: h, fill: 'none', stroke: '#ccc' }))
  const line = (pick: (p: Frame['history'][number]) => number, color: string, id: string): SVGElement =>
    svgEl('polyline', {
      id,
      points: curvePoints(f.history, pick, w, h, range),
      fill: 'none',
      stroke: color,
      'stroke-width': 1.5,
    })
  g.append(
    line((p) => p.trainLoss, '#333', 'train-curve'),
    line((p) => p.testLoss, '#d33', 'test-curve'),
  )
  const text = (x: number, y: number, s: string, anchor = 'end'): SVGElement => {
    const t = svgEl('text', { x, y, 'font-size': 10, 'text-anchor': anchor, fill: '#555' })
    t.textContent = s
    return t
  }
  svg.replaceChildren(
    g,
    text(pad.l - 4, pad.t + 8, fmt(range.hi, 3)),
    text(pad.l - 4, pad.t + h, fmt(range.lo, 3)),
    text(pad.l, H - 5, '0', 'start'),
    text(W - pad.r, H - 5, `step ${String(range.maxStep)}`),
  )
}

/** The network: inputs, hidden units (each with its output map), outputs, and every weight as an edge. */
const drawNetwork = (f: Frame, d: Dataset): void => {
  const box = $('network')
  const widths = [d.features.length, ...f.weights.map((l) => l.b.length)]
  const maxUnits = Math.max(...widths)
  const size = Math.max(18, Math.min(44, Math.floor(420 / maxUnits) - 8))
  const gap = size + 8
  const colGap = 150
  const height = maxUnits * gap + 30
  const width = (widths.length - 1) * colGap + size + 160
  const pos = (layer: number, unit: number): [number, number] => {
    const n = widths[layer]!
    const top = (height - 30 - n * gap) / 2 + 20
    return [20 + layer * colGap, top + unit * gap]
  }
  const svg = svgEl('svg', { width, height, id: 'weights-svg' })
  const edges = weightEdges(f.weights)
  for (const e of edges) {
    const [x1, y1] = pos(e.layer, e.from)
    const [x2, y2] = pos(e.layer + 1, e.to)
    const line = svgEl('line', {
      x1: x1 + size,
      y1: y1 + size / 2,
      x2,
      y2: y2 + size / 2,
      stroke: e.color,
      'stroke-width': e.width.toFixed(2),
      'data-param': `layers[${String(e.layer)}].W[${String(e.from)}][${String(e.to)}]`,
    })
    const grad = f.grads?.[e.layer]?.W[e.from]?.[e.to]
    const title = svgEl('title', {})
    title.textContent = `layers[${String(e.layer)}].W[${String(e.from)}][${String(e.to)}] = ${String(e.weight)}${grad === undefined ? '' : `\n∂loss/∂w = ${String(grad)}`}`
    line.append(title)
    svg.append(line)
  }
  const children: Element[] = [svg]
  const label = (x: number, y: number, text: string, title?: string): void => {
    const el = document.createElement('span')
    el.className = 'node-label'
    el.style.left = `${String(x)}px`
    el.style.top = `${String(y)}px`
    el.textContent = text
    if (title !== undefined) el.title = title
    children.push(el)
  }
  d.features.forEach((name, i) => {
    const [x, y] = pos(0, i)
    const r = svgEl('rect', { x, y, width: size, height: size, fill: '#dbeafe', stroke: '#999' })
    svg.append(r)
    label(x - 4, y + size + 1, name.replace(' (standardised)', ''))
  })
  const unitScale = (values: readonly number[]): number => Math.max(1e-9, ...values.map(Math.abs))
  f.units.forEach((u) => {
    const [x, y] = pos(u.layer + 1, u.unit)
    const c = document.createElement('canvas')
    c.width = 2 * size
    c.height = 2 * size
    c.style.left = `${String(x)}px`
    c.style.top = `${String(y)}px`
    c.style.width = `${String(size)}px`
    c.style.height = `${String(size)}px`
    c.dataset.unit = `${String(u.layer)}-${String(u.unit)}`
    const s = unitScale(u.values)
    paintGrid(c, f.n, (cell) => signedColor(u.values[cell]!, s))
    const bias = f.weights[u.layer]!.b[u.unit]!
    const gb = f.grads?.[u.layer]?.b[u.unit]
    c.title = `hidden layer ${String(u.layer + 1)}, unit ${String(u.unit + 1)}: output in [${fmt(Math.min(...u.values), 3)}, ${fmt(Math.max(...u.values), 3)}]\nbias layers[${String(u.layer)}].b[${String(u.unit)}] = ${String(bias)}${gb === undefined ? '' : `\n∂loss/∂b = ${String(gb)}`}`
    children.push(c)
  })
  const out = widths.length - 1
  d.classes.forEach((name, k) => {
    const [x, y] = pos(out, k)
    svg.append(
      svgEl('rect', {
        x,
        y,
        width: size,
        height: size,
        fill: css(CLASS_COLORS[k % CLASS_COLORS.length]!),
        stroke: '#999',
      }),
    )
    label(x + size + 6, y + size / 2 - 7, `logit: ${name}`)
  })
  box.style.height = `${String(height + 10)}px`
  box.replaceChildren(...children)
}

const gradTable = (name: string, grads: LayerNumbers, weights: LayerNumbers, layer: number): HTMLElement => {
  const table = document.createElement('table')
  const caption = document.createElement('caption')
  caption.textContent = name
  table.append(caption)
  const head = document.createElement('tr')
  head.append(
    ...['', ...grads.b.map((_, j) => `unit ${String(j + 1)}`)].map((s) =>
      Object.assign(document.createElement('th'), { textContent: s }),
    ),
  )
  table.append(head)
  const row = (
    label: string,
    values: readonly number[],
    params: readonly number[],
    path: (j: number) => string,
  ): void => {
    const tr = document.createElement('tr')
    tr.append(Object.assign(document.createElement('th'), { textContent: label }))
    values.forEach((g, j) => {
      const td = document.createElement('td')
      td.textContent = fmt(g, 4)
      td.dataset.grad = path(j)
      td.dataset.value = String(g)
      td.title = `${path(j)}\nparameter ${String(params[j])}\ngradient ${String(g)}`
      tr.append(td)
    })
    table.append(tr)
  }
  grads.W.forEach((r, i) => {
    row(
      `W[${String(i)}][·]`,
      r,
      weights.W[i]!,
      (j) => `layers[${String(layer)}].W[${String(i)}][${String(j)}]`,
    )
  })
  row('b[·]', grads.b, weights.b, (j) => `layers[${String(layer)}].b[${String(j)}]`)
  return table
}

const drawGrads = (f: Frame, before: Frame | null): void => {
  const box = $('grads')
  if (f.grads === null) {
    box.replaceChildren(
      Object.assign(document.createElement('p'), {
        className: 'hint',
        textContent: 'No update yet: press Step.',
      }),
    )
    return
  }
  // the gradient was taken at the parameters before the update: those of the previous frame when it was one step back
  const at = before !== null && before.step === f.step - 1 ? before.weights : f.weights
  const summary = document.createElement('p')
  const entries = paramEntries(f.grads)
  const norm = Math.sqrt(entries.reduce((s, e) => s + e.value * e.value, 0))
  summary.textContent = `After update ${String(f.step)}: mini-batch loss ${fmt(f.lastBatchLoss)}, gradient norm ${fmt(norm)} over ${String(entries.length)} parameters. Hover a cell for full precision.`
  const layers = document.createElement('div')
  layers.className = 'grad-layers'
  layers.append(
    ...f.grads.map((g, i) =>
      gradTable(
        i === f.grads!.length - 1
          ? `layers[${String(i)}] (output)`
          : `layers[${String(i)}] (hidden ${String(i + 1)})`,
        g,
        at[i]!,
        i,
      ),
    ),
  )
  box.replaceChildren(summary, layers)
}

const drawFrame = (f: Frame): void => {
  const before = lastFrame
  lastFrame = f
  $('step-count').textContent = String(f.step)
  $('train-loss').textContent = fmt(f.metrics.trainLoss)
  $('test-loss').textContent = fmt(f.metrics.testLoss)
  $('train-acc').textContent = pct(f.metrics.trainAccuracy)
  $('test-acc').textContent = pct(f.metrics.testAccuracy)
  if (dataset === null) return
  drawBoundary(f, dataset.classes.length)
  drawCurves(f)
  drawNetwork(f, dataset)
  drawGrads(f, before)
  if (!playing && select('graph-source').value === 'example') exprChanged()
  document.body.dataset.step = String(f.step)
}

worker.addEventListener('message', (ev: MessageEvent) => {
  const e = decodeEvent(ev.data)
  if (E.isLeft(e)) {
    showError(`A message from the worker was malformed: ${e.left}`)
    return
  }
  const m = e.right
  if (m.kind === 'error') {
    setPlaying(false)
    showError(m.message)
  } else if (m.kind === 'dataset') {
    dataset = m.dataset
    lastFrame = null
    drawPoints(m.dataset)
  } else {
    drawFrame(m.frame)
    send({ kind: 'drawn', step: m.frame.step })
  }
})
worker.addEventListener('error', (ev) => {
  showError(`The training worker failed: ${ev.message}`)
})

// ---------------------------------------------------------------------------------------------------------------
// Expression graph

let viz: Promise<Viz> | null = null
let exprRequest = 0

/** The DOT source to draw: the typed expression's or one training example's (Left: the message to show). */
const graphSource = (): E.Either<string, { readonly dot: string; readonly program: string }> => {
  if (select('graph-source').value === 'example') {
    if (dataset === null || lastFrame === null) return E.left('waiting for the first frame')
    const n = dataset.yTrain.length
    const i = Math.round(Number(input('example-index').value))
    if (!(i >= 0 && i < n)) return E.left(`training example: choose 0 to ${String(n - 1)}`)
    const label = dataset.yTrain[i]!
    return networkGraph(
      config,
      lastFrame.weights,
      { x: dataset.xTrain[i]!, label, className: dataset.classes[label] ?? String(label) },
      dataset.classes.length,
    )
  }
  const point = parsePoint(input('expr-point').value)
  if (E.isLeft(point)) return point
  const g = exprGraph(input('expr').value, point.right)
  if (E.isRight(g))
    input('expr-point').placeholder = g.right.variables
      .map((x) => `${x}=${String(g.right.point[x])}`)
      .join(', ')
  return g
}

const drawExpr = async (): Promise<void> => {
  const request = ++exprRequest
  const errBox = $('expr-error')
  const example = select('graph-source').value === 'example'
  $('expr-inputs').hidden = example
  $('example-row').hidden = !example
  const g = graphSource()
  if (E.isLeft(g)) {
    errBox.hidden = false
    errBox.textContent = g.left
    $('expr-graph').hidden = true
    return
  }
  $('expr-graph').hidden = false
  errBox.hidden = true
  errBox.textContent = ''
  viz ??= instance()
  const v = await viz
  if (request !== exprRequest) return
  const svg = v.renderSVGElement(g.right.dot)
  $('expr-graph').replaceChildren(svg)
  $('expr-program').textContent = g.right.program
}

const exprChanged = (): void => {
  drawExpr().catch((err: unknown) => {
    const errBox = $('expr-error')
    errBox.hidden = false
    errBox.textContent = err instanceof Error ? err.message : String(err)
  })
}
input('expr').value = 'ln(x) + exp(y)*z'
input('expr-point').value = 'x=2, y=0.5, z=3'
input('expr').addEventListener('input', exprChanged)
select('graph-source').addEventListener('change', exprChanged)
input('example-index').addEventListener('input', exprChanged)
input('expr-point').addEventListener('input', exprChanged)

// ---------------------------------------------------------------------------------------------------------------
// Start

showConfig()
history.replaceState(null, '', `?${configToQuery(config)}`)
send({ kind: 'configure', config })
exprChanged()
