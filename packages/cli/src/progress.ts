/**
 * Progress for app runs. On a TTY: a cli-progress bar with the latest loss/accuracy and an ETA. Not on a TTY: plain
 * lines at every tenth of the work (deterministic, log-friendly). With `--quiet`: nothing.
 * @module
 */
import type { EpochRecord, Reporter } from '@cotangent/train'
import { formatNumber } from '@cotangent/train'
import cliProgress from 'cli-progress'

/** Values shown next to the bar (`loss 0.1234 accuracy 0.9750`). */
export type ProgressPayload = Readonly<Record<string, number>>

/** A unit of work being counted. */
export interface Progress {
  /** Count `n` (default 1) more units done; `payload` replaces the shown values. */
  readonly tick: (payload?: ProgressPayload, n?: number) => void
  /** Finish (stops a bar; prints the final plain line if not printed yet). */
  readonly done: () => void
}

/** How progress is shown. */
export type ProgressMode = 'bar' | 'lines' | 'none'

/** Where progress goes. */
export interface ProgressOptions {
  readonly mode: ProgressMode
  /** Line writer for `lines` mode. */
  readonly write: (line: string) => void
  /** Stream the bar draws on (default `process.stderr`). */
  readonly stream?: NodeJS.WriteStream
}

const payloadText = (p: ProgressPayload): string =>
  Object.entries(p)
    .map(([k, v]) => `${k} ${Number.isInteger(v) && !/loss|accuracy/.test(k) ? String(v) : formatNumber(v)}`)
    .join(' ')

const eta = (seconds: number): string =>
  !Number.isFinite(seconds)
    ? '?'
    : seconds < 60
      ? `${Math.round(seconds)}s`
      : `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`

/** A progress counter over `total` units labelled `label`. */
export const progress = (label: string, total: number, o: ProgressOptions): Progress => {
  if (o.mode === 'none' || total <= 0) return { tick: () => undefined, done: () => undefined }
  if (o.mode === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} |{bar}| {value}/{total} | {payload} | ETA {eta_formatted}`,
        stream: o.stream ?? process.stderr,
        clearOnComplete: true,
        hideCursor: true,
        barsize: 30,
        etaBuffer: 50,
      },
      cliProgress.Presets.legacy,
    )
    const state = { value: 0 }
    bar.start(total, 0, { payload: '' })
    return {
      tick: (payload = {}, n = 1) => {
        state.value += n // eslint-disable-line functional/immutable-data
        bar.update(Math.min(state.value, total), { payload: payloadText(payload) })
      },
      done: () => {
        bar.stop()
      },
    }
  }
  const t0 = performance.now()
  const state = { value: 0, printed: -1, payload: {} as ProgressPayload }
  const print = (): void => {
    const s = (performance.now() - t0) / 1000
    const left =
      state.value >= total ? '' : `, ETA ${eta((s / Math.max(state.value, 1)) * (total - state.value))}`
    const p = payloadText(state.payload)
    o.write(`${label} ${state.value}/${total}${p === '' ? '' : ` ${p}`} (${eta(s)} elapsed${left})`)
    state.printed = state.value // eslint-disable-line functional/immutable-data
  }
  return {
    tick: (payload = {}, n = 1) => {
      const before = Math.floor((state.value * 10) / total)
      state.value = Math.min(state.value + n, total) // eslint-disable-line functional/immutable-data
      state.payload = payload // eslint-disable-line functional/immutable-data
      if (Math.floor((state.value * 10) / total) > before) print()
    },
    done: () => {
      if (state.printed !== state.value) print()
    },
  }
}

/**
 * A `fit` reporter that ticks `p` once per epoch with the train loss and accuracy (and the dev ones, when
 * present) — use one {@link progress} over all epochs of a sweep to get one bar with a true ETA.
 */
export const epochTicker = (p: Progress): Reporter => ({
  epoch: (r: EpochRecord) => {
    const acc = r.trainMetrics.accuracy
    const devAcc = r.devMetrics?.accuracy
    p.tick({
      loss: r.trainLoss,
      ...(acc === undefined ? {} : { accuracy: acc }),
      ...(r.devLoss === null ? {} : { 'dev loss': r.devLoss }),
      ...(devAcc === undefined ? {} : { 'dev accuracy': devAcc }),
    })
  },
})
