import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

describe('README', () => {
  it('shows examples/readme.ts verbatim', () => {
    const readme = readFileSync(here('../README.md'), 'utf8')
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    const example = readFileSync(here('../examples/readme.ts'), 'utf8').split('\n').slice(1).join('\n')
    expect(block?.trim()).toBe(example.trim())
  })

  it('the example runs and prints what its comments say', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cotangent-cli-readme-'))
    process.env.README_OUT = join(dir, 'run')
    try {
      const m = await import('../examples/readme.js')
      // 10 steps of w ← w − 0.2(w − 3) from 0: w = 3(1 − 0.8¹⁰), computed independently here.
      const w = 3 * (1 - 0.8 ** 10)
      expect(m.outcome.headline).toBe(
        `descent: w = ${w.toFixed(4)} after 10 steps (loss ${((w - 3) ** 2).toExponential(2)})`,
      )
      expect(m.outcome.headline).toBe('descent: w = 2.6779 after 10 steps (loss 1.04e-1)')
      expect(m.outcome.files).toEqual(['config.json', 'history.json', 'loss.png', 'loss.svg', 'report.md'])
      expect(readFileSync(join(dir, 'run', 'report.md'), 'utf8')).toContain('![loss per step](loss.png)')
      expect(m.descent.quick).toEqual({ steps: 5 })
    } finally {
      delete process.env.README_OUT
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
