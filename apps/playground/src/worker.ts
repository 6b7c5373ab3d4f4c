/**
 * The training worker: holds the session, trains while playing and sends frames, so the page never blocks on the
 * library. Training runs in slices of about 40 ms; between slices the worker yields to its message queue, so a
 * `pause` or a new configuration takes effect at the next slice boundary. Every update is the deterministic
 * `stepSession`, so how updates are grouped into slices never changes the run.
 */
import * as E from 'fp-ts/lib/Either.js'
import irisCsv from '../../../packages/data/datasets/iris/iris.csv?raw'
import type { Config } from './config.js'
import { decodeCommand, encodeEvent, type Command, type Event } from './protocol.js'
import { createSession, recordHistory, stepSession, type Session } from './session.js'
import { frameOf } from './views.js'

/** Grid side of the decision-boundary and unit maps. */
const GRID = 48
/** How long one training slice runs before a frame is sent. */
const SLICE_MS = 40

interface WorkerScope {
  postMessage(message: unknown): void
  onmessage: ((ev: MessageEvent) => void) | null
}
const scope = self as unknown as WorkerScope

let session: Session | null = null
let config: Config | null = null
let playing = false
let timer: ReturnType<typeof setTimeout> | null = null
/** A frame is out and the page has not said it drew it: while playing, hold the next one. */
let inFlight = false
/** Training went on while a frame was in flight: send the latest state when the page catches up. */
let stale = false

const send = (e: Event): void => {
  scope.postMessage(encodeEvent(e))
}

const sendFrame = (force = true): void => {
  if (session === null) return
  if (inFlight && !force) {
    stale = true
    return
  }
  session = recordHistory(session)
  inFlight = true
  stale = false
  send({ kind: 'frame', frame: frameOf(session, GRID, playing) })
}

const fail = (err: unknown): void => {
  playing = false
  send({ kind: 'error', message: err instanceof Error ? err.message : String(err) })
}

const slice = (): void => {
  timer = null
  if (!playing || session === null) return
  try {
    const start = performance.now()
    do {
      session = stepSession(session, Number.POSITIVE_INFINITY)
      // the loss curves: every update at first, then about 100 points per step count decade's tenth
      if (session.step % Math.max(1, Math.floor(session.step / 100)) === 0) session = recordHistory(session)
    } while (performance.now() - start < SLICE_MS)
    sendFrame(false)
  } catch (err) {
    fail(err)
    return
  }
  timer = setTimeout(slice, 0)
}

const start = (c: Config): void => {
  config = c
  session = createSession(c, irisCsv)
  send({ kind: 'dataset', dataset: session.data })
  sendFrame()
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
      if (timer === null) timer = setTimeout(slice, 0)
      return
    case 'pause':
      playing = false
      sendFrame()
      return
    case 'drawn':
      inFlight = false
      if (stale) sendFrame()
      return
    case 'step':
      if (session === null) return
      playing = false
      session = stepSession(session, Number.POSITIVE_INFINITY)
      sendFrame()
      return
  }
}

scope.onmessage = (ev: MessageEvent) => {
  const cmd = decodeCommand(ev.data)
  if (E.isLeft(cmd)) {
    send({ kind: 'error', message: `worker: bad command: ${cmd.left}` })
    return
  }
  try {
    handle(cmd.right)
  } catch (err) {
    fail(err)
  }
}
