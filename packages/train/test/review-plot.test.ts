import { describe, expect, it } from 'vitest'
import { curvesSpec, plotCurves } from '../src/index.js'

describe('review: epoch axes', () => {
  const series = [{ name: 'train', points: [1, 2, 3, 4].map((x) => ({ x, y: 1 / x })) }]

  it('integer x values (epochs) get integer ticks: no "1.4" or "2.6" epoch labels', async () => {
    const spec = curvesSpec(series, { title: 't', yLabel: 'loss' }) as { encoding: { x: { axis?: { tickMinStep?: number } } } }
    expect(spec.encoding.x.axis?.tickMinStep).toBe(1)
    const { svg } = await plotCurves(series, { title: 't', yLabel: 'loss' })
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!)
    expect(labels).toContain('2')
    expect(labels.some((l) => /^\d+\.\d+$/.test(l) && Number(l) >= 1 && Number(l) <= 4 && !Number.isInteger(Number(l)))).toBe(false)
    // a budget (vega + resvg render; ~0.5 s idle, several times that under load), not a timing assertion
  }, 60_000)

  it('fractional x values keep the default ticks', () => {
    const spec = curvesSpec([{ name: 'a', points: [{ x: 0.5, y: 1 }, { x: 1.5, y: 2 }] }], { title: 't', yLabel: 'y' }) as {
      encoding: { x: { axis?: unknown } }
    }
    expect(spec.encoding.x.axis).toBeUndefined()
  })
})
