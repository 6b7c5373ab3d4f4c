import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
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

const dir = scratchDir('cotangent-iris-')

describe('iris main', () => {
  it(
    'with tiny settings writes every file; JSON parses, PNGs are PNGs, report links resolve',
    { timeout: 120_000 },
    async () => {
      const { env, out, err } = captureEnv()
      const target = join(dir, 'run')
      const argv = [
        '--lr',
        '0.1',
        '--hidden',
        '4,8',
        '--epochs',
        '5',
        '--splits',
        '2',
        '--out',
        target,
        '--quiet',
      ]
      expect(await app.main(argv, env)).toBe(0)
      expect(err).toEqual([])
      const files = readdirSync(target).sort()
      expect(files).toEqual([
        'config.json',
        'history.json',
        'loss-lr0.1-h4.png',
        'loss-lr0.1-h4.svg',
        'loss-lr0.1-h8.png',
        'loss-lr0.1-h8.svg',
        'report.md',
        'val-accuracy.png',
        'val-accuracy.svg',
      ])
      // PNG signatures, SVGs, JSON that parses and report links that resolve
      expect(checkRunFolder(target)).toEqual([])
      expect(JSON.parse(readFileSync(join(target, 'config.json'), 'utf8'))).toMatchObject({
        lr: [0.1],
        hidden: [4, 8],
        epochs: 5,
        splits: 2,
      })
      const h = JSON.parse(readFileSync(join(target, 'history.json'), 'utf8'))
      expect(h.sweep).toHaveLength(2)
      expect(h.sweep[0].history).toHaveLength(5)
      expect(h.splits).toHaveLength(2)
      expect(h.best.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(30)
      const md = readFileSync(join(target, 'report.md'), 'utf8')
      expect(markdownLinks(md)).toHaveLength(6)
      expect(md).toContain('| true \\\\ predicted | setosa | versicolor | virginica |')
      expect(out).toHaveLength(2)
      expect(out[0]).toMatch(/^iris: best lr 0\.1, [48] hidden, test \d+\.\d%; over 2 splits /)
    },
  )

  const bad: readonly (readonly [readonly string[], string])[] = [
    [['--lr', '0'], "iris: --lr: got '0', '0' is not a number > 0"],
    [['--lr', '0.1,-1'], "iris: --lr: got '0.1,-1', '-1' is not a number > 0"],
    [['--batch', '0'], "iris: --batch: got '0', expected an integer ≥ 1"],
    [['--hidden', 'abc'], "iris: --hidden: got 'abc', 'abc' is not an integer ≥ 1"],
    [['--epochs', '1.5'], "iris: --epochs: got '1.5', expected an integer ≥ 1"],
    [['--activation', 'relu'], 'iris: unknown flag --activation'],
  ]
  it.each(bad)('bad flags %j exit 2 with one message and write nothing', async (argv, message) => {
    // exit 2, one stderr line naming the flag, no stack trace, no stdout, nothing written
    expect(badFlagProblems(await runBadFlag(app.main, argv), message)).toEqual([])
  })

  it('a bad data file fails with its file and line, exit 1, and writes nothing', async () => {
    const file = join(dir, 'bad.csv')
    writeFileSync(
      file,
      'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,rose\n',
    )
    const { env, err } = captureEnv()
    const target = join(dir, 'baddata')
    expect(await app.main(['--data', file, '--out', target, '--quiet'], env)).toBe(1)
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(`${file}:3`)
    expect(existsSync(target)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([])
  })
})
