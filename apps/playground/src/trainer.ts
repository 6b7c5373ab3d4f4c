/**
 * The worker's logic, apart from the worker: it holds the session, trains while playing and posts frames. The
 * environment is passed in (how to post, how to schedule the next slice, a clock), so tests drive it with a fake
 * scheduler and clock. Training runs in slices of about `sliceMs`; between slices control returns to the message
 * queue, so a `pause` or a new configuration takes effect at the next slice boundary. Every update is the
 * deterministic `stepSession`, so how the updates fall into slices never changes the run.
 *
 * Flow control: while playing, at most one frame is in flight, i.e. posted and not yet acknowledged by `drawn`.
 * Training goes on meanwhile, and the latest state is posted when the page catches up.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { Config } from './config.js'
import { decodeCommand, encodeEvent, type Command, type Event } from './protocol.js'
import { createSession, recordHistory, stepSession, type Session } from './session.js'
import { frameOf } from './views.js'

/** What the trainer needs from its host. */
export interface TrainerHost {
  /** Posts an encoded event to the page. */
  readonly post: (message: unknown) => void
  /** Runs `fn` later, after pending messages (a worker's `setTimeout(fn, 0)`). */
  readonly schedule: (fn: () => void) => void
  /** Milliseconds, for the length of a slice. */
  readonly now: () => number
  /** The Iris CSV text (the worker inlines it with Vite's `?raw`). */
  readonly irisCsv?: string
  /** Grid side of the maps (default 48). */
  readonly grid?: number
  /** Length of a training slice (default 40 ms). */
  readonly sliceMs?: number
}

/** A trainer: feed it every message the page sends. */
export interface Trainer {
  readonly receive: (message: unknown) => void
}

/** A trainer bound to its host. */
export const createTrainer = (host: TrainerHost): Trainer => {
  const grid = host.grid ?? 48
  const sliceMs = host.sliceMs ?? 40
  let session: Session | null = null
  let config: Config | null = null
  let playing = false
  let scheduled = false
  let inFlight = false
  let stale = false

  const send = (e: Event): void => {
    host.post(encodeEvent(e))
  }

  const sendFrame = (force: boolean): void => {
    if (session === null) return
    if (inFlight && !force) {
      stale = true
      return
    }
    session = recordHistory(session)
    inFlight = true
    stale = false
    send({ kind: 'frame', frame: frameOf(session, grid, playing) })
  }

  const fail = (err: unknown): void => {
    playing = false
    send({ kind: 'error', message: err instanceof Error ? err.message : String(err) })
  }

  const slice = (): void => {
    scheduled = false
    if (!playing || session === null) return
    try {
      const start = host.now()
      do {
        session = stepSession(session, Number.POSITIVE_INFINITY)
        // the loss curves: every update at first, then about 100 points per factor of ten in steps
        if (session.step % Math.max(1, Math.floor(session.step / 100)) === 0) session = recordHistory(session)
      } while (host.now() - start < sliceMs)
      sendFrame(false)
    } catch (err) {
      fail(err)
      return
    }
    scheduled = true
    host.schedule(slice)
  }

  const start = (c: Config): void => {
    config = c
    session = createSession(c, host.irisCsv)
    send({ kind: 'dataset', dataset: session.data })
    sendFrame(true)
  }

  const handle = (cmd: Command): void => {
    switch (cmd.kind) {
      case 'configure':
        playing = false
        start(cmd.config)
        return
      case 'reset':
        playing = false
        if (config !== null) start(config)
        return
      case 'play':
        if (session === null) return
        playing = true
        if (!scheduled) {
          scheduled = true
          host.schedule(slice)
        }
        return
      case 'pause':
        playing = false
        sendFrame(true)
        return
      case 'drawn':
        inFlight = false
        if (stale) sendFrame(true)
        return
      case 'step':
        if (session === null) return
        playing = false
        session = stepSession(session, Number.POSITIVE_INFINITY)
        sendFrame(true)
        return
    }
  }

  return {
    receive: (message) => {
      const cmd = decodeCommand(message)
      if (E.isLeft(cmd)) {
        send({ kind: 'error', message: `worker: bad command: ${cmd.left}` })
        return
      }
      try {
        handle(cmd.right)
      } catch (err) {
        fail(err)
      }
    },
  }
}
