import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, test } from 'vitest'
import { DEFAULT_CONFIG } from '../src/config.js'
import { makeDataset } from '../src/data.js'
import {
  decodeCommand,
  decodeEvent,
  encodeCommand,
  encodeEvent,
  type Command,
  type Event,
} from '../src/protocol.js'
import type { Frame } from '../src/views.js'

const frame: Frame = {
  step: 3,
  playing: true,
  metrics: { trainLoss: 0.5, testLoss: NaN, trainAccuracy: 0.75, testAccuracy: 0 },
  history: [
    { step: 0, trainLoss: 0.7, testLoss: NaN },
    { step: 3, trainLoss: 0.5, testLoss: NaN },
  ],
  n: 2,
  probs: [0.1, 0.9, 0.5, 0.5, 1, 0, 0.3, 0.7],
  units: [{ layer: 0, unit: 0, values: [1, -1, 0.5, 0] }],
  weights: [{ W: [[1, 2]], b: [0, -1] }],
  grads: [{ W: [[0.25, -0.5]], b: [1e-9, 0] }],
  lastBatchLoss: 0.6,
}

describe('worker protocol', () => {
  test.each<Command>([
    { kind: 'configure', config: DEFAULT_CONFIG },
    { kind: 'play' },
    { kind: 'pause' },
    { kind: 'step' },
    { kind: 'reset' },
    { kind: 'drawn', step: 12 },
  ])('command round trip: %o', (c) => {
    expect(decodeCommand(encodeCommand(c))).toEqual(E.right(c))
  })

  test('commands survive structured cloning (plain objects only)', () => {
    const c: Command = { kind: 'configure', config: DEFAULT_CONFIG }
    expect(decodeCommand(structuredClone(encodeCommand(c)))).toEqual(E.right(c))
  })

  test.each([
    [{ kind: 'jump' }, 'kind'],
    [{ kind: 'configure', config: { ...DEFAULT_CONFIG, lr: -1 } }, 'lr'],
    [{ kind: 'configure' }, 'config'],
    [null, 'Command'],
  ])('a bad command is rejected naming what is wrong: %o', (u, what) => {
    const r = decodeCommand(u)
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) expect(r.left).toContain(what)
  })

  test('frame round trip, NaN losses through JSON as null and back', () => {
    const wire = encodeEvent({ kind: 'frame', frame })
    const json = JSON.parse(JSON.stringify(wire)) as unknown
    const back = decodeEvent(json)
    expect(E.isRight(back)).toBe(true)
    if (E.isRight(back) && back.right.kind === 'frame') {
      expect(back.right.frame.metrics.testLoss).toBeNaN()
      expect(back.right.frame.history[1]!.testLoss).toBeNaN()
      expect({
        ...back.right.frame,
        metrics: { ...back.right.frame.metrics, testLoss: 0 },
        history: [],
      }).toEqual({
        ...frame,
        metrics: { ...frame.metrics, testLoss: 0 },
        history: [],
      })
    }
  })

  test('dataset and error events round trip', () => {
    const d: Event = { kind: 'dataset', dataset: makeDataset({ ...DEFAULT_CONFIG, points: 20 }) }
    expect(decodeEvent(structuredClone(encodeEvent(d)))).toEqual(E.right(d))
    const err: Event = { kind: 'error', message: 'boom' }
    expect(decodeEvent(encodeEvent(err))).toEqual(E.right(err))
  })

  test('a malformed frame is rejected naming the field', () => {
    const wire = encodeEvent({ kind: 'frame', frame }) as { frame: Record<string, unknown> }
    const r = decodeEvent({ ...wire, frame: { ...wire.frame, probs: ['x'] } })
    expect(E.isLeft(r)).toBe(true)
    if (E.isLeft(r)) expect(r.left).toContain('probs')
  })
})
