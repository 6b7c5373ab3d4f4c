/**
 * The page ↔ worker message protocol. Both sides encode with {@link encodeCommand}/{@link encodeEvent} (plain,
 * structured-clone-safe objects) and decode what they receive with {@link decodeCommand}/{@link decodeEvent},
 * io-ts checks that name the bad field, so a malformed message is reported instead of drawn.
 *
 * Commands (page → worker): `configure` (a new run from a configuration), `play`, `pause`, `step` (one update),
 * `reset` (the current configuration from the start), `drawn` (the page has drawn a frame: the worker sends at most
 * one frame ahead of the page, so a slow page never piles up a queue and stays responsive).
 * Events (worker → page): `dataset` (the points of a new run), `frame` (everything drawn), `error`.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import { ConfigCodec, DATASETS } from './config.js'
import type { Dataset } from './data.js'
import type { Frame } from './views.js'

const Rows = t.readonlyArray(t.readonlyArray(t.number))
const Numbers = t.readonlyArray(t.number)
/** A finite number or null (JSON has no NaN): losses of an empty set, no update yet. */
const MaybeNumber = t.union([t.number, t.null])

/** Page → worker. */
export const CommandCodec = t.union(
  [
    t.type({ kind: t.literal('configure'), config: ConfigCodec }),
    t.type({ kind: t.literal('play') }),
    t.type({ kind: t.literal('pause') }),
    t.type({ kind: t.literal('step') }),
    t.type({ kind: t.literal('reset') }),
    t.type({ kind: t.literal('drawn'), step: t.number }),
  ],
  'Command',
)
/** A command to the worker. */
export type Command = t.TypeOf<typeof CommandCodec>

const DatasetCodec = t.type({
  name: t.union(DATASETS.map((d) => t.literal(d)) as unknown as [t.LiteralC<string>, t.LiteralC<string>]),
  xTrain: Rows,
  yTrain: Numbers,
  xTest: Rows,
  yTest: Numbers,
  classes: t.readonlyArray(t.string),
  features: t.readonlyArray(t.string),
  domain: t.tuple([t.number, t.number]),
})

const LayerCodec = t.type({ W: Rows, b: Numbers })

const WireFrameCodec = t.type({
  step: t.number,
  playing: t.boolean,
  metrics: t.type({
    trainLoss: MaybeNumber,
    testLoss: MaybeNumber,
    trainAccuracy: t.number,
    testAccuracy: t.number,
  }),
  history: t.readonlyArray(t.type({ step: t.number, trainLoss: MaybeNumber, testLoss: MaybeNumber })),
  n: t.number,
  probs: Numbers,
  units: t.readonlyArray(t.type({ layer: t.number, unit: t.number, values: Numbers })),
  weights: t.readonlyArray(LayerCodec),
  grads: t.union([t.readonlyArray(LayerCodec), t.null]),
  lastBatchLoss: MaybeNumber,
})

/** Worker → page, as sent (NaN written as null). */
export const EventCodec = t.union(
  [
    t.type({ kind: t.literal('dataset'), dataset: DatasetCodec }),
    t.type({ kind: t.literal('frame'), frame: WireFrameCodec }),
    t.type({ kind: t.literal('error'), message: t.string }),
  ],
  'Event',
)

/** An event from the worker. */
export type Event =
  | { readonly kind: 'dataset'; readonly dataset: Dataset }
  | { readonly kind: 'frame'; readonly frame: Frame }
  | { readonly kind: 'error'; readonly message: string }

const report = <A>(codec: t.Decoder<unknown, A>, u: unknown): E.Either<string, A> => {
  const r = codec.decode(u)
  return E.isLeft(r) ? E.left(PathReporter.report(r).join('; ')) : E.right(r.right)
}

/** A command as a plain object. */
export const encodeCommand = (c: Command): unknown => JSON.parse(JSON.stringify(c)) as unknown

/** Checks a received command. */
export const decodeCommand = (u: unknown): E.Either<string, Command> => report(CommandCodec, u)

const nanToNull = (x: number): number | null => (Number.isFinite(x) ? x : null)
const nullToNaN = (x: number | null): number => (x === null ? NaN : x)

/** An event as a plain object (non-finite losses become null, as JSON would have them). */
export const encodeEvent = (e: Event): unknown => {
  if (e.kind !== 'frame') return e
  const f = e.frame
  return {
    kind: 'frame',
    frame: {
      ...f,
      metrics: {
        ...f.metrics,
        trainLoss: nanToNull(f.metrics.trainLoss),
        testLoss: nanToNull(f.metrics.testLoss),
      },
      history: f.history.map((h) => ({
        step: h.step,
        trainLoss: nanToNull(h.trainLoss),
        testLoss: nanToNull(h.testLoss),
      })),
      lastBatchLoss: f.lastBatchLoss === null ? null : nanToNull(f.lastBatchLoss),
    },
  }
}

/** Checks a received event and restores NaN losses. */
export const decodeEvent = (u: unknown): E.Either<string, Event> => {
  const r = report(EventCodec, u)
  if (E.isLeft(r)) return r
  const e = r.right
  if (e.kind === 'error') return E.right(e)
  if (e.kind === 'dataset') return E.right({ kind: 'dataset', dataset: e.dataset as Dataset })
  const f = e.frame
  return E.right({
    kind: 'frame',
    frame: {
      ...f,
      metrics: {
        ...f.metrics,
        trainLoss: nullToNaN(f.metrics.trainLoss),
        testLoss: nullToNaN(f.metrics.testLoss),
      },
      history: f.history.map((h) => ({
        step: h.step,
        trainLoss: nullToNaN(h.trainLoss),
        testLoss: nullToNaN(h.testLoss),
      })),
    },
  })
}
