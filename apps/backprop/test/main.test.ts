import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  badFlagProblems,
  captureEnv,
  checkRunFolder,
  markdownLinks,
  runBadFlag,
  scratchDir,
} from '@cotangent/cli/testing'
import { app } from '../src/app.js'

describe('backprop main', () => {
  it('writes config, history, plots and a report whose links exist (tiny settings)', async () => {
    const root = scratchDir('backprop-')
    const out = join(root, 'run')
    const c = captureEnv()
    const code = await app.main(
      ['--out', out, '--steps', '30', '--attempts', '2', '--batch', '3', '--hidden', '4', '--seed', '7'],
      c.env,
    )
    // 30 steps do not reach the target mean MSE < 0.01: the folder is complete, the miss is on stderr, exit 1
    expect(c.err).toHaveLength(1)
    expect(c.err[0]).toMatch(
      /^backprop: goal missed: the optimizer loop ended at train MSE .* not below the target 0\.01, after 2 attempt\(s\)$/,
    )
    expect(code).toBe(1)
    const files = readdirSync(out).sort()
    expect(files).toEqual(['config.json', 'history.json', 'loss.png', 'loss.svg', 'report.md'])
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>
    expect(config).toMatchObject({ steps: 30, attempts: 2, batch: 3, hidden: 4, seed: 7, out })
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as {
      distances: Record<string, number>
      attempts: { mseCurve: number[] }[]
      twoLayer: { maxAbsDiff: Record<string, number> }[]
      control: { trainSize: number } | null
    }
    expect(Object.values(history.distances).every((d) => d <= 1e-12)).toBe(true)
    expect(history.attempts.length).toBeGreaterThanOrEqual(1)
    expect(history.attempts[0]!.mseCurve.length).toBe(30)
    expect(history.twoLayer.length).toBe(3)
    expect(history.control?.trainSize).toBe(200)
    // loss.png has the PNG signature, loss.svg starts with <svg, the JSON parses, the report links resolve
    expect(checkRunFolder(out)).toEqual([])
    const report = readFileSync(join(out, 'report.md'), 'utf8')
    expect(markdownLinks(report)).toEqual(['loss.png', 'loss.svg'])
    expect(report).toContain('‖manual − grad‖₂')
    expect(report).toContain('Shapes of the intermediates')
    expect(c.out.at(-2)).toMatch(/^backprop: manual = grad/)
  }, 60_000)

  it.each([
    [['--lr', '0'], '--lr', '0'],
    [['--steps', 'abc'], '--steps', 'abc'],
    [['--batch', '0'], '--batch', '0'],
    [['--batch', '1'], '--batch', 'an integer ≥ 2'],
    [['--optimizer', 'lbfgs'], '--optimizer', 'lbfgs'],
    [['--bogus', '1'], '--bogus', 'unknown flag'],
  ])('bad flag %j: exit 2, one message naming it, nothing written', async (argv, flag, value) => {
    // exit 2, one stderr line naming flag and value, no stack trace, no stdout, nothing written
    expect(badFlagProblems(await runBadFlag(app.main, argv), flag, value)).toEqual([])
  })

  it('--help lists every flag with its default', async () => {
    const c = captureEnv()
    expect(await app.main(['--help'], c.env)).toBe(0)
    const text = c.out.join('\n')
    for (const f of [
      '--train-size',
      '--test-size',
      '--step-lr',
      '--optimizer',
      '--lr',
      '--steps',
      '--attempts',
      '--target',
      '--batch',
      '--hidden',
      '--control-size',
      '--seed',
      '--out',
      '--quiet',
    ])
      expect(text).toContain(f)
    expect(text).toContain('one of adam, momentum, sgd')
    expect(text).toContain('[default: 2000]')
  })
})
