/**
 * The whole run as one Markdown table (a row per workload and dtype, a column per system: median and min–max), as
 * bench/README.md shows it, with W7's throughput derived from its epoch seconds. `tsx bench/src/summary.ts
 * [bench/results.json]` prints it from a results file.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ResultRow } from './harness.js'
import { fmt } from './stats.js'
import { imdbTrainReviews, quickWorkloads, W7_REVIEWS, type AppSpec } from './workloads.js'

/**
 * W7's throughput rows: for every `W7-imdb` row in seconds (the epoch's wall time), a `reviews/s` row of the
 * training reviews of that run (22,500 at full size; a `quick` run's 900) divided by the seconds; its min–max come
 * from the seconds' max–min. Other rows give nothing.
 */
export const throughputRows = (rows: readonly ResultRow[], quick: boolean): ResultRow[] => {
  const reviews = quick
    ? (quickWorkloads().find((w) => w.id === 'W7-imdb')?.spec as AppSpec | undefined)?.reviews
    : W7_REVIEWS
  if (reviews === undefined) return []
  const n = imdbTrainReviews(reviews)
  return rows
    .filter((r) => r.workload === 'W7-imdb' && r.unit === 's')
    .map((r) => ({ ...r, unit: 'reviews/s', value: n / r.value, min: n / r.max, max: n / r.min }))
}

const ORDER = ['torch', 'numpy', 'jaxjs', 'tfjs-wasm', 'tfjs-cpu', 'plain', 'cotangent', 'cotangent-jit']

const NAMES: Readonly<Record<string, string>> = {
  torch: 'PyTorch (1 thr)',
  numpy: 'NumPy hand backprop (1 thr)',
  jaxjs: 'jax-js jit',
  'tfjs-wasm': 'TF.js wasm',
  'tfjs-cpu': 'TF.js cpu',
  plain: 'plain TS loop',
  cotangent: 'Cotangent',
  'cotangent-jit': 'Cotangent jit',
}

/** The Markdown table of `rows` (columns: the systems present; cells: `median (min–max)`). */
export const markdownSummary = (rows: readonly ResultRow[]): string => {
  const systems = ORDER.filter((s) => rows.some((r) => r.system === s))
  const keys = [...new Set(rows.map((r) => `${r.workload}\u0000${r.dtype}\u0000${r.unit}`))]
  const header = ['workload', 'dtype', 'unit', ...systems.map((s) => NAMES[s] ?? s)]
  const body = keys.map((k) => {
    const [workload, dtype, unit] = k.split('\u0000') as [string, string, string]
    const cells = systems.map((s) => {
      const r = rows.find(
        (x) => x.workload === workload && x.dtype === dtype && x.unit === unit && x.system === s,
      )
      if (r === undefined) return '—'
      return r.min === r.max ? fmt(r.value) : `${fmt(r.value)} (${fmt(r.min)}–${fmt(r.max)})`
    })
    return [workload, dtype === 'float32' ? 'f32' : 'f64', unit, ...cells]
  })
  const line = (c: readonly string[]): string => `| ${c.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n')
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? 'bench/results.json'
  const data = JSON.parse(readFileSync(file, 'utf8')) as { rows: ResultRow[]; quick?: boolean }
  const rows = [...data.rows, ...throughputRows(data.rows, data.quick === true)]
  process.stdout.write(`${markdownSummary(rows)}\n`)
}
