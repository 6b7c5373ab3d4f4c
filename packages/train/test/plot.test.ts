import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { curvesSpec, historySeries, plotCurves, writePlot, type EpochRecord } from '../src/index.js'

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const dir = mkdtempSync(join(tmpdir(), 'cotangent-plot-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const series = [
  { name: 'train', points: [1, 2, 3, 4].map((x) => ({ x, y: 1 / x })) },
  { name: 'dev', points: [1, 2, 3, 4].map((x) => ({ x, y: 1.2 / x })) },
]

describe('plots', () => {
  it('plotCurves renders an SVG with the title and axis labels, and a PNG with a valid signature', async () => {
    const { svg, png } = await plotCurves(series, { title: 'XOR loss curve', yLabel: 'loss', logY: true })
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('XOR loss curve')
    expect(svg).toContain('epoch')
    expect(svg).toContain('loss')
    expect(svg).toContain('dev')
    expect(Array.from(png.slice(0, 8))).toEqual(PNG_SIGNATURE)
    // IHDR: width and height (big-endian) at bytes 16..23; the 2× zoom makes them larger than the plot area
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
    expect(view.getUint32(16)).toBeGreaterThan(960)
    expect(view.getUint32(20)).toBeGreaterThan(560)
    // a budget (vega + resvg render; ~0.5 s idle, several times that under load), not a timing assertion
  }, 60_000)

  it('the spec has a white background and drops points a log axis cannot show', () => {
    const spec = curvesSpec([{ name: 'a', points: [{ x: 1, y: 0 }, { x: 2, y: -1 }, { x: 3, y: 0.5 }, { x: 4, y: Number.NaN }] }], {
      title: 't',
      yLabel: 'y',
      logY: true,
    }) as { background: string; data: { values: unknown[] } }
    expect(spec.background).toBe('white')
    expect(spec.data.values).toEqual([{ series: 'a', x: 3, y: 0.5 }])
  })

  it('writePlot writes .svg and .png (atomically: no temp files left)', async () => {
    const base = join(dir, 'sub', 'loss')
    const paths = await writePlot(base, series, { title: 'Loss', xLabel: 'step', yLabel: 'loss' })
    expect(paths).toEqual({ svg: `${base}.svg`, png: `${base}.png` })
    expect(readFileSync(paths.svg, 'utf8')).toContain('Loss')
    expect(Array.from(readFileSync(paths.png).subarray(0, 8))).toEqual(PNG_SIGNATURE)
    expect(readdirSync(join(dir, 'sub')).sort()).toEqual(['loss.png', 'loss.svg'])
    // a budget (vega + resvg render; ~0.5 s idle, several times that under load), not a timing assertion
  }, 60_000)

  it('historySeries extracts train/dev curves of the loss or a metric', () => {
    const h: EpochRecord[] = [1, 2].map((epoch) => ({
      epoch,
      trainLoss: epoch,
      trainMetrics: { accuracy: epoch / 10 },
      devLoss: epoch * 2,
      devMetrics: { accuracy: epoch / 5 },
      seconds: 0,
      samplesPerSecond: 0,
    }))
    expect(historySeries(h)).toEqual([
      { name: 'train', points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] },
      { name: 'dev', points: [{ x: 1, y: 2 }, { x: 2, y: 4 }] },
    ])
    expect(historySeries(h, 'accuracy')[1]).toEqual({ name: 'dev', points: [{ x: 1, y: 0.2 }, { x: 2, y: 0.4 }] })
    expect(historySeries(h.map((r) => ({ ...r, devLoss: null, devMetrics: null })))).toHaveLength(1)
  })
})
