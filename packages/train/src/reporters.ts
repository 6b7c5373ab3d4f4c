/**
 * Reporters: where `fit`'s progress goes. They only do output; training is the same whichever you pick.
 *
 * - {@link lineReporter}: one plain line per epoch (CI logs, files, tests with an injected writer).
 * - {@link progressReporter}: a cli-progress bar per epoch with loss and throughput on a TTY, then the epoch's line;
 *   without a TTY, cli-progress's `noTTYOutput` mode prints plain periodic lines instead of redrawing.
 * - {@link quietReporter}: nothing.
 * - {@link defaultReporter}: the line reporter when `quiet`, in CI, or when stdout is not a TTY; else the bar.
 * - {@link autoReporter}: what `fit` uses when given no reporter — the bar on a terminal, nothing otherwise.
 * @module
 */
import cliProgress from 'cli-progress'
import type { EpochRecord, FitInfo, FitSummary, Reporter } from './history.js'

/** Formats a loss or metric: fixed 4 decimals in [1e-3, 1e5), else exponential; NaN and ±Infinity as words. */
export const formatNumber = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  return a === 0 || (a >= 1e-3 && a < 1e5) ? x.toFixed(4) : x.toExponential(3)
}

/** Formats a duration: milliseconds below one second (`12.3 ms`), else seconds (`4.56 s`). */
export const formatSeconds = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`)

const metricsText = (m: Readonly<Record<string, number>>): string =>
  Object.entries(m)
    .map(([k, v]) => ` ${k} ${formatNumber(v)}`)
    .join('')

/**
 * The one-line summary of an epoch, e.g.
 * `epoch  3/50  train loss 0.6931 accuracy 0.5000 | dev loss 0.7001 accuracy 0.5000 | 12.3 ms, 3333 samples/s`.
 */
export const formatEpoch = (r: EpochRecord, info: Pick<FitInfo, 'epochs'>): string => {
  const w = String(info.epochs).length
  const dev = r.devLoss === null ? '' : ` | dev loss ${formatNumber(r.devLoss)}${metricsText(r.devMetrics ?? {})}`
  return `epoch ${String(r.epoch).padStart(w)}/${info.epochs}  train loss ${formatNumber(r.trainLoss)}${metricsText(r.trainMetrics)}${dev} | ${formatSeconds(r.seconds)}, ${Math.round(r.samplesPerSecond)} samples/s`
}

/** The closing line of a run, e.g. `best epoch 12 of 20 (devLoss 0.1234); stopped early`. */
export const formatSummary = (s: FitSummary): string =>
  `best epoch ${s.bestEpoch} of ${s.epochsRun} (${s.monitor} ${formatNumber(s.bestValue)})${s.stoppedEarly ? '; stopped early' : ''}`

/** Options of {@link lineReporter}. */
export interface LineReporterOptions {
  /** Print every `every`-th epoch (plus the first; default 1: all). */
  readonly every?: number
  /** Print the closing summary line (default true). */
  readonly summary?: boolean
}

/** One line per epoch (and a closing summary) through `write` (default `console.log`). */
export const lineReporter = (write: (line: string) => void = console.log, options: LineReporterOptions = {}): Reporter => {
  const every = options.every ?? 1
  if (!Number.isInteger(every) || every < 1) throw new RangeError(`lineReporter: every must be a positive integer, got ${String(every)}`)
  return {
    epoch: (r, info) => {
      if (r.epoch === 1 || r.epoch % every === 0 || r.epoch === info.epochs) write(formatEpoch(r, info))
    },
    end: (s) => {
      if (options.summary ?? true) write(formatSummary(s))
    },
  }
}

/** Reports nothing. */
export const quietReporter: Reporter = Object.freeze({})

/** Options of {@link progressReporter}. */
export interface ProgressReporterOptions {
  /** The stream the bar draws on (default `process.stderr`). */
  readonly stream?: NodeJS.WriteStream
  /** Where the per-epoch lines go (default `console.log`). */
  readonly write?: (line: string) => void
}

/**
 * A progress bar per epoch (`epoch 3/50 |=====-----| 12/20 steps | loss 0.4321 | 5120 samples/s`), replaced by the
 * epoch's summary line when the epoch ends. On a non-TTY stream the bar prints plain lines at most once a second
 * (cli-progress `noTTYOutput`, legacy ASCII preset).
 */
export const progressReporter = (options: ProgressReporterOptions = {}): Reporter => {
  const stream = options.stream ?? process.stderr
  const write = options.write ?? console.log
  const tty = (stream.isTTY as boolean | undefined) ?? false
  // The bar is inherently stateful (cli-progress is an object that redraws); it lives in this closure only.
  const live: { bar: cliProgress.SingleBar | null } = { bar: null }
  const stop = (): void => {
    live.bar?.stop()
    live.bar = null // eslint-disable-line functional/immutable-data
  }
  return {
    step: (s) => {
      const payload = {
        loss: formatNumber(s.meanLoss),
        throughput: String(Math.round(s.seconds > 0 ? s.samples / s.seconds : 0)),
      }
      if (live.bar === null) {
        const bar = new cliProgress.SingleBar(
          {
            format: `epoch ${s.epoch} |{bar}| {value}/{total} steps | loss {loss} | {throughput} samples/s`,
            stream,
            noTTYOutput: !tty,
            notTTYSchedule: 1000,
            clearOnComplete: tty,
            hideCursor: tty,
            barsize: 30,
          },
          cliProgress.Presets.legacy,
        )
        bar.start(s.stepsPerEpoch, s.step, payload)
        live.bar = bar // eslint-disable-line functional/immutable-data
      } else live.bar.update(s.step, payload)
    },
    epoch: (r, info) => {
      stop()
      write(formatEpoch(r, info))
    },
    end: (s) => {
      stop()
      write(formatSummary(s))
    },
    abort: () => {
      stop()
    },
  }
}

/** Options of {@link defaultReporter}. */
export interface DefaultReporterOptions extends LineReporterOptions {
  /** Prefer plain lines even on a terminal. */
  readonly quiet?: boolean
  /** Defaults to `process.stdout.isTTY`. */
  readonly isTTY?: boolean
  /** Defaults to `process.env`; a set `CI` variable selects plain lines. */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly write?: (line: string) => void
}

/** The line reporter when `quiet`, under `CI`, or when stdout is not a TTY; the progress bar otherwise. */
export const defaultReporter = (options: DefaultReporterOptions = {}): Reporter => {
  const tty = options.isTTY ?? process.stdout.isTTY
  const ci = (options.env ?? process.env).CI
  const plain = options.quiet === true || !tty || (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0')
  return plain ? lineReporter(options.write, options) : progressReporter(options.write === undefined ? {} : { write: options.write })
}

/** Options of {@link autoReporter}. */
export interface AutoReporterOptions {
  /** Whether the bar's stream is a terminal; defaults to `process.stderr.isTTY`. */
  readonly isTTY?: boolean
  /** Defaults to `process.env`; a set `CI` variable means no terminal. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** The stream the bar draws on (default `process.stderr`). */
  readonly stream?: NodeJS.WriteStream
  /** Where the per-epoch lines go (default `console.log`). */
  readonly write?: (line: string) => void
}

/**
 * `fit`'s default: on a terminal (and not under `CI`), the {@link progressReporter} — a bar per epoch, then the
 * epoch's line and a closing summary; otherwise {@link quietReporter}, so tests, pipes and logs get no output they
 * did not ask for (pass {@link lineReporter} for plain lines there).
 */
export const autoReporter = (options: AutoReporterOptions = {}): Reporter => {
  const stream = options.stream ?? (typeof process === 'undefined' ? undefined : process.stderr)
  const tty = options.isTTY ?? stream?.isTTY ?? false
  const ci = (options.env ?? (typeof process === 'undefined' ? {} : process.env)).CI
  const onTerminal = tty && (ci === undefined || ci === '' || ci === 'false' || ci === '0')
  return onTerminal
    ? progressReporter({ ...(stream === undefined ? {} : { stream }), ...(options.write === undefined ? {} : { write: options.write }) })
    : quietReporter
}
