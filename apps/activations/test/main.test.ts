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

const FIGURES = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'softplus', 'gelu', 'vanishing-gradients']

describe('activations main', () => {
  it('writes config, history, a PNG + SVG per figure and a report whose links exist (tiny settings)', async () => {
    const root = scratchDir('activations-')
    const out = join(root, 'run')
    const c = captureEnv()
    const code = await app.main(
      [
        '--out',
        out,
        '--points',
        '11',
        '--depth',
        '4',
        '--width',
        '5',
        '--batch',
        '6',
        '--trials',
        '2',
        '--seed',
        '3',
      ],
      c.env,
    )
    expect(c.err).toEqual([])
    expect(code).toBe(0)
    const expected = [
      'config.json',
      'history.json',
      'report.md',
      ...FIGURES.flatMap((f) => [`${f}.png`, `${f}.svg`]),
    ].sort()
    expect(readdirSync(out).sort()).toEqual(expected)
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>
    expect(config).toMatchObject({
      points: 11,
      depth: 4,
      width: 5,
      batch: 6,
      trials: 2,
      seed: 3,
      init: 'matched',
      out,
    })
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as {
      curves: { name: string; xs: number[]; df: number[] }[]
      deep: { init: string; sigmoid: { norms: number[] }; relu: { norms: number[] } }[]
    }
    expect(history.curves.map((k) => k.name)).toEqual([
      'sigmoid',
      'tanh',
      'relu',
      'leakyRelu',
      'softplus',
      'gelu',
    ])
    expect(history.curves.every((k) => k.xs.length === 11 && k.df.length === 11)).toBe(true)
    expect(history.deep.map((d) => d.init)).toEqual(['matched', 'xavier', 'he', 'torch'])
    expect(history.deep.every((d) => d.sigmoid.norms.length === 4 && d.relu.norms.length === 4)).toBe(true)
    // every PNG has the PNG signature, every SVG starts with <svg, the JSON parses, the report links resolve
    expect(checkRunFolder(out)).toEqual([])
    const report = readFileSync(join(out, 'report.md'), 'utf8')
    expect([...markdownLinks(report)].sort()).toEqual(FIGURES.flatMap((f) => [`${f}.png`, `${f}.svg`]).sort())
    expect(report).toContain('Vanishing gradients')
    expect(c.out.at(-2)).toMatch(/^activations: /)
  }, 60_000)

  it.each([
    [['--points', '1'], '--points', '1'],
    [['--depth', 'abc'], '--depth', 'abc'],
    [['--batch', '0'], '--batch', '0'],
    [['--init', 'orthogonal'], '--init', 'orthogonal'],
    [['--activation', 'relu'], '--activation', 'unknown flag'],
  ])('bad flag %j: exit 2, one message naming it, nothing written', async (argv, flag, value) => {
    // exit 2, one stderr line naming flag and value, no stack trace, no stdout, nothing written
    expect(badFlagProblems(await runBadFlag(app.main, argv), flag, value)).toEqual([])
  })

  it('--help lists every flag with its default and the allowed inits', async () => {
    const c = captureEnv()
    expect(await app.main(['--help'], c.env)).toBe(0)
    const text = c.out.join('\n')
    for (const f of [
      '--points',
      '--depth',
      '--width',
      '--classes',
      '--batch',
      '--trials',
      '--init',
      '--seed',
      '--out',
      '--quiet',
    ])
      expect(text).toContain(f)
    expect(text).toContain('one of matched, xavier, he, torch')
    expect(text).toContain('[default: 201]')
  })
})
