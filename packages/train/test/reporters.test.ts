import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { sgd } from '@cotangent/optim'
import {
  defaultReporter,
  fit,
  formatEpoch,
  formatNumber,
  formatSeconds,
  formatSummary,
  lineReporter,
  progressReporter,
  quietReporter,
  type EpochRecord,
  type Reporter,
} from '../src/index.js'
import { binaryAccuracy, initLin, linearModel, logisticLoss, toyData } from './helpers.js'

const record: EpochRecord = {
  epoch: 3,
  trainLoss: 0.693147,
  trainMetrics: { accuracy: 0.5 },
  devLoss: 0.70012,
  devMetrics: { accuracy: 0.25 },
  seconds: 0.0123,
  samplesPerSecond: 3333.4,
}

describe('formatting', () => {
  it('formats numbers, epochs and summaries', () => {
    expect(formatNumber(0.5)).toBe('0.5000')
    expect(formatSeconds(0.0123)).toBe('12.3 ms')
    expect(formatSeconds(4.567)).toBe('4.57 s')
    expect(formatNumber(1.23e-5)).toBe('1.230e-5')
    expect(formatNumber(0)).toBe('0.0000')
    expect(formatNumber(Number.NaN)).toBe('NaN')
    expect(formatNumber(-Infinity)).toBe('-Infinity')
    expect(formatEpoch(record, { epochs: 50 })).toBe(
      'epoch  3/50  train loss 0.6931 accuracy 0.5000 | dev loss 0.7001 accuracy 0.2500 | 12.3 ms, 3333 samples/s',
    )
    expect(formatEpoch({ ...record, devLoss: null, devMetrics: null, trainMetrics: {} }, { epochs: 9 })).toBe(
      'epoch 3/9  train loss 0.6931 | 12.3 ms, 3333 samples/s',
    )
    expect(formatSummary({ epochsRun: 20, bestEpoch: 12, monitor: 'devLoss', bestValue: 0.12345, stoppedEarly: true })).toBe(
      'best epoch 12 of 20 (devLoss 0.1235); stopped early',
    )
  })
})

const data = toyData(32, 1)
const run = (reporter: Reporter, epochs = 3) =>
  fit({
    model: linearModel(),
    loss: logisticLoss,
    params: initLin(2, 1),
    optimizer: sgd(0.5),
    train: data,
    dev: data,
    epochs,
    batchSize: 8,
    seed: 1,
    metrics: { accuracy: binaryAccuracy },
    reporter,
  })

describe('reporters', () => {
  it('lineReporter writes one line per epoch and a summary through the injected writer', () => {
    const lines: string[] = []
    const r = run(lineReporter((l) => lines.push(l)))
    expect(lines).toHaveLength(4)
    lines.slice(0, 3).forEach((l, i) => {
      expect(l).toMatch(
        new RegExp(`^epoch ${i + 1}/3 {2}train loss \\d\\.\\d{4} accuracy \\d\\.\\d{4} \\| dev loss \\d\\.\\d{4} accuracy \\d\\.\\d{4} \\| \\d+\\.\\d+ (ms|s), \\d+ samples/s$`),
      )
      expect(l).toContain(`train loss ${formatNumber(r.history[i]!.trainLoss)}`)
    })
    expect(lines[3]).toBe(`best epoch ${r.bestEpoch} of 3 (devLoss ${formatNumber(r.bestValue)})`)
  })

  it('lineReporter with `every` prints the first, every k-th and the last epoch', () => {
    const lines: string[] = []
    run(lineReporter((l) => lines.push(l), { every: 3, summary: false }), 7)
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['epoch 1/7', 'epoch 3/7', 'epoch 6/7', 'epoch 7/7'])
    expect(() => lineReporter(() => undefined, { every: 0 })).toThrow('lineReporter: every must be a positive integer, got 0')
  })

  it('quietReporter reports nothing and does not change training', () => {
    const lines: string[] = []
    const a = run(quietReporter)
    const b = run(lineReporter((l) => lines.push(l)))
    expect(a.history.map((h) => h.trainLoss)).toEqual(b.history.map((h) => h.trainLoss))
  })

  it('progressReporter on a non-TTY stream: plain ASCII lines, no escape codes, epoch lines through write', () => {
    const stream = new PassThrough() as PassThrough & { isTTY?: boolean }
    const chunks: string[] = []
    stream.on('data', (c: Buffer) => chunks.push(c.toString()))
    const lines: string[] = []
    run(progressReporter({ stream: stream as unknown as NodeJS.WriteStream, write: (l) => lines.push(l) }))
    const out = chunks.join('')
    expect(out).toContain('epoch 1 |')
    expect(out).toMatch(/\| 4\/4 steps \| loss \d\.\d{4} \| \d+ samples\/s/)
    expect(out).not.toContain('\u001b[')
    expect(lines).toHaveLength(4)
    expect(lines[0]).toMatch(/^epoch 1\/3 {2}train loss/)
  })

  it('defaultReporter: lines when quiet, in CI or without a TTY; the bar otherwise', () => {
    const lines: string[] = []
    const w = (l: string): void => {
      lines.push(l)
    }
    const isLine = (r: ReturnType<typeof defaultReporter>): boolean => r.step === undefined
    expect(isLine(defaultReporter({ quiet: true, isTTY: true, env: {}, write: w }))).toBe(true)
    expect(isLine(defaultReporter({ isTTY: false, env: {}, write: w }))).toBe(true)
    expect(isLine(defaultReporter({ isTTY: true, env: { CI: 'true' }, write: w }))).toBe(true)
    expect(isLine(defaultReporter({ isTTY: true, env: { CI: 'false' }, write: w }))).toBe(false)
    expect(isLine(defaultReporter({ isTTY: true, env: {}, write: w }))).toBe(false)
    defaultReporter({ quiet: true, write: w }).epoch?.(record, { epochs: 50, stepsPerEpoch: 1, batchSize: 1, trainSize: 1, devSize: null })
    expect(lines).toEqual([formatEpoch(record, { epochs: 50 })])
  })
})
