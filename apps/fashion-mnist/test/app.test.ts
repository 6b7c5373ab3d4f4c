import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ImageSet } from '@cotangent/data'
import { describe, expect, it } from 'vitest'
import { badFlagProblems, captureEnv, checkRunFolder, runBadFlag, scratchDir } from '@cotangent/cli/testing'
import { app } from '../src/app.js'
import { topConfusions, trainValRows } from '../src/fashion.js'

const SHARED_DATA = process.env.COTANGENT_DATA ?? resolve(import.meta.dirname, '../../../../shared/data')
const dir = scratchDir('cotangent-fashion-')

describe('fashion-mnist main on a subset', () => {
  it('trains, evaluates the test images once, and writes every file', async () => {
    const c = captureEnv()
    const target = join(dir, 'run')
    const argv = ['--data-dir', SHARED_DATA, '--limit', '1200', '--test-limit', '500', '--epochs', '2']
    expect(
      await app.main(
        [...argv, '--hidden-dims', '32', '--batch-size', '64', '--out', target, '--quiet'],
        c.env,
      ),
    ).toBe(0)
    expect(c.err).toEqual([])
    expect(c.out[0]).toMatch(
      /^fashion-mnist: test accuracy \d+\.\d% \(500 images\) after 2 epochs, checkpoint epoch [12], \d+ s$/,
    )
    const files = readdirSync(target).sort()
    expect(files).toEqual([
      'accuracy.png',
      'accuracy.svg',
      'config.json',
      'confusion.png',
      'confusion.svg',
      'history.json',
      'loss.png',
      'loss.svg',
      'report.md',
    ])
    // PNG signatures, SVGs, JSON that parses and report links that resolve
    expect(checkRunFolder(target)).toEqual([])
    const h = JSON.parse(readFileSync(join(target, 'history.json'), 'utf8'))
    expect(h.split).toEqual({ train: 1000, val: 200, test: 500 })
    expect(h.history).toHaveLength(2)
    // 10 classes: chance is 10%; two epochs on 1,000 images already classify most test images.
    expect(h.test.accuracy).toBeGreaterThan(0.5)
    const confusion: number[][] = h.test.confusion
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(500)
    const diagonal = confusion.reduce((s, row, i) => s + row[i]!, 0)
    expect(diagonal / 500).toBeCloseTo(h.test.accuracy, 10)
    const md = readFileSync(join(target, 'report.md'), 'utf8')
    expect(md).toContain('| true \\\\ predicted | T-shirt/top | Trouser |')
    expect(md).toContain('(A subset run: the goal applies to the full data.)')
  })

  const bad: readonly (readonly [readonly string[], string])[] = [
    [['--lr', '-1'], "fashion-mnist: --lr: got '-1', expected a number > 0"],
    [['--hidden-dims', '0'], "fashion-mnist: --hidden-dims: got '0', '0' is not an integer ≥ 1"],
    [['--epochs', 'ten'], "fashion-mnist: --epochs: got 'ten', expected an integer ≥ 1"],
    [['--val-fraction', '1'], "fashion-mnist: --val-fraction: got '1', expected a number in [0, 1)"],
  ]
  for (const [argv, message] of bad)
    it(`${argv.join(' ')} → exit 2, one line, nothing written`, async () => {
      // exit 2, one stderr line naming the flag, no stack trace, no stdout, nothing written
      expect(badFlagProblems(await runBadFlag(app.main, argv), message)).toEqual([])
    })
})

describe('trainValRows', () => {
  const set: ImageSet = {
    images: new Uint8Array(0),
    labels: Uint8Array.from({ length: 600 }, (_, i) => i % 3),
    count: 600,
    height: 0,
    width: 0,
  }
  it('splits the training images into disjoint, stratified train and validation rows, the same for the same seed', () => {
    const r = trainValRows(set, 1 / 6, 0)
    expect(r.train.length + r.val.length).toBe(600)
    expect(Math.abs(r.val.length - 100)).toBeLessThanOrEqual(1) // each class of 200 gives 33 or 34
    expect(new Set([...r.train, ...r.val]).size).toBe(600)
    const perClass = (rows: readonly number[]) =>
      [0, 1, 2].map((k) => rows.filter((i) => set.labels[i] === k).length)
    expect(perClass(r.val).every((n) => Math.abs(n - 100 / 3) <= 1)).toBe(true)
    expect(trainValRows(set, 1 / 6, 0)).toEqual(r)
    expect(trainValRows(set, 1 / 6, 1)).not.toEqual(r)
  })
  it('a limit takes a stratified subset first', () => {
    const r = trainValRows(set, 0.25, 0, 120)
    expect(r.train.length + r.val.length).toBe(120)
    expect(r.val).toHaveLength(30)
    expect(new Set([...r.train, ...r.val]).size).toBe(120)
    expect([0, 1, 2].map((k) => [...r.train, ...r.val].filter((i) => set.labels[i] === k).length)).toEqual([
      40, 40, 40,
    ])
  })
})

describe('topConfusions', () => {
  it('lists the largest off-diagonal cells, largest first', () => {
    expect(
      topConfusions(
        [
          [50, 3, 0],
          [7, 40, 1],
          [0, 7, 30],
        ],
        3,
      ),
    ).toEqual([
      [1, 0, 7],
      [2, 1, 7],
      [0, 1, 3],
    ])
  })
})
