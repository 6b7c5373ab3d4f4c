import { describe, expect, it } from 'vitest'
import { curvesSpec, plotCurves } from '../src/index.js'

const decades = [
  { name: 'sigmoid, Xavier init (a long name)', points: [1, 2, 3, 4].map((x) => ({ x, y: 10 ** -(2 * x) })) },
]

describe('plot axis format and legend labels', () => {
  it('yFormat sets the y tick format; without it the axis has none of its own', () => {
    const spec = curvesSpec(decades, { title: 't', yLabel: 'y', logY: true, yFormat: '.0e' }) as {
      encoding: { y: { axis?: { format?: string } } }
    }
    expect(spec.encoding.y.axis?.format).toBe('.0e')
    const plain = curvesSpec(decades, { title: 't', yLabel: 'y', logY: true }) as {
      encoding: { y: { axis?: unknown } }
    }
    expect(plain.encoding.y.axis).toBeUndefined()
  })

  it('renders exponent tick labels (1e-6, not 0.000001) and legend names in full', async () => {
    const { svg } = await plotCurves(decades, { title: 't', yLabel: 'y', logY: true, yFormat: '.0e' })
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!)
    expect(texts).toContain('1e-6')
    expect(texts.some((t) => t.startsWith('0.00000'))).toBe(false)
    expect(texts).toContain('sigmoid, Xavier init (a long name)')
    expect(texts.some((t) => t.endsWith('…'))).toBe(false)
  }, 60_000)
})
