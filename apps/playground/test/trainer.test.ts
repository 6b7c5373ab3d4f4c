import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, test } from 'vitest'
import { DEFAULT_CONFIG, type Config } from '../src/config.js'
import { decodeEvent, encodeCommand, type Command, type Event } from '../src/protocol.js'
import { createSession, stepMany } from '../src/session.js'
import { createTrainer } from '../src/trainer.js'
import { layerNumbers } from '../src/views.js'

/** A trainer on a fake host: a manual task queue and a clock that advances 1 ms per reading. */
const harness = (sliceMs = 5) => {
  const events: Event[] = []
  const tasks: (() => void)[] = []
  let clock = 0
  const trainer = createTrainer({
    post: (m) => {
      const e = decodeEvent(structuredClone(m))
      if (E.isLeft(e)) throw new Error(e.left)
      events.push(e.right)
    },
    schedule: (fn) => tasks.push(fn),
    now: () => clock++,
    grid: 4,
    sliceMs,
  })
  const send = (c: Command): void => {
    trainer.receive(encodeCommand(c))
  }
  const runTask = (): void => {
    tasks.shift()?.()
  }
  const frames = () => events.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []))
  return { events, tasks, send, runTask, frames }
}

const config: Config = { ...DEFAULT_CONFIG, points: 40, hidden: [3] }

describe('trainer (the worker logic)', () => {
  test('configure: the dataset, then the first frame at step 0 without gradients', () => {
    const h = harness()
    h.send({ kind: 'configure', config })
    expect(h.events.map((e) => e.kind)).toEqual(['dataset', 'frame'])
    expect(h.frames()[0]!.step).toBe(0)
    expect(h.frames()[0]!.grads).toBeNull()
  })

  test('step: one update; its gradients are the session’s own for the same configuration', () => {
    const h = harness()
    h.send({ kind: 'configure', config })
    h.send({ kind: 'step' })
    const f = h.frames()[1]!
    expect(f.step).toBe(1)
    const s1 = stepMany(createSession(config), 1)
    expect(f.grads).toEqual(layerNumbers(s1.lastGrads!))
    expect(f.weights).toEqual(layerNumbers(s1.params))
  })

  test('play: slices of updates, at most one unacknowledged frame; pause stops; the run equals stepping', () => {
    const h = harness()
    h.send({ kind: 'configure', config })
    h.send({ kind: 'drawn', step: 0 })
    h.send({ kind: 'play' })
    h.runTask()
    expect(h.frames()).toHaveLength(2)
    const first = h.frames()[1]!.step
    expect(first).toBeGreaterThan(0)
    // not acknowledged: the next slices train but send nothing
    h.runTask()
    h.runTask()
    expect(h.frames()).toHaveLength(2)
    // the acknowledgement releases the latest state at once
    h.send({ kind: 'drawn', step: first })
    expect(h.frames()).toHaveLength(3)
    const latest = h.frames()[2]!
    expect(latest.step).toBeGreaterThan(first)
    h.send({ kind: 'pause' })
    const paused = h.frames()[3]!
    expect(paused.playing).toBe(false)
    while (h.tasks.length > 0) h.runTask()
    expect(h.frames()).toHaveLength(4)
    // the same parameters as stepping the session directly
    expect(paused.weights).toEqual(layerNumbers(stepMany(createSession(config), paused.step).params))
  })

  test('reset: the same configuration from step 0; a bad command is reported', () => {
    const h = harness()
    h.send({ kind: 'configure', config })
    h.send({ kind: 'step' })
    h.send({ kind: 'reset' })
    expect(h.frames().map((f) => f.step)).toEqual([0, 1, 0])
    h.send({ kind: 'fly' } as unknown as Command)
    const last = h.events[h.events.length - 1]!
    expect(last.kind).toBe('error')
    if (last.kind === 'error') expect(last.message).toContain('bad command')
  })

  test('an Iris run without the CSV is an error event, not a crash', () => {
    const h = harness()
    h.send({ kind: 'configure', config: { ...config, dataset: 'iris' } })
    expect(h.events).toHaveLength(1)
    const e = h.events[0]!
    expect(e.kind === 'error' ? e.message : '').toContain('CSV')
  })
})
