/**
 * The app contract. `defineApp({ name, description, flags, quick, run })` gives an {@link App}: `app.main(argv)` is
 * the command line (decode flags → run → write the run folder → print the headline; returns the exit code), and
 * {@link runApp} runs the same app in-process from a partial config (what `npm start` does).
 * @module
 */
import { resolve, relative } from 'node:path'
import type { LineReporterOptions, Reporter } from '@cotangent/train'
import { lineReporter, quietReporter } from '@cotangent/train'
import * as E from 'fp-ts/lib/Either.js'
import { failureMessage } from './codecs.js'
import { FlagError } from './errors.js'
import {
  COMMON_FLAGS,
  decodeArgv,
  kebab,
  withHint,
  type ConfigOf,
  type Flags,
  type RawConfig,
} from './flags.js'
import { epochTicker, progress, type Progress, type ProgressMode } from './progress.js'
import type { Block } from './report.js'
import { unusableTarget, writeRunFolder } from './runfolder.js'

/** What an app's `run` gets besides its config: where to print and how to show progress. */
export interface RunIO {
  readonly quiet: boolean
  /** Prints an informational line (nothing with `--quiet`). */
  readonly log: (line: string) => void
  /** A progress counter: a bar with ETA on a TTY, a line per tenth otherwise, nothing with `--quiet`. */
  readonly progress: (label: string, total: number) => Progress
  /**
   * A `fit` reporter: with `total` epochs (over a whole sweep), one progress bar/line set ticking per epoch with
   * loss and accuracy; without, `@cotangent/train`'s line reporter. Quiet: nothing.
   */
  readonly reporter: (
    options?: LineReporterOptions & { readonly label?: string; readonly total?: number },
  ) => Reporter
}

/** What a run produces; the plumbing writes it (see `writeRunFolder`) and prints `headline`. */
export interface AppOutput {
  /** One line: the run's main result (`xor: 100/100 seeds solved with 4 hidden units`). */
  readonly headline: string
  /** The report's blocks (figures are rendered to PNG + SVG next to `report.md`). */
  readonly report: readonly Block[]
  /** Written as `history.json` (per-epoch records, per-seed results…). */
  readonly history: unknown
  /** Further files by name. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>
  /** Lines printed after the run (before the headline), except with `--quiet`. */
  readonly summary?: readonly string[]
  /**
   * The goals the run checked and missed, one sentence each (`mean test accuracy 93.1% is below the goal of 95%`);
   * absent or empty when every goal was met. A run with misses still writes its complete run folder (the report
   * says what was missed), but `main` prints each miss on stderr and exits 1, and `npm start` marks its row.
   */
  readonly missed?: readonly string[]
}

/** An app's declaration. */
export interface AppDefinition<F extends Flags> {
  /** The command name (`xor`); also the folder under `runs/`. */
  readonly name: string
  /** One sentence for `--help`. */
  readonly description: string
  readonly flags: F
  /** The quick setting `npm start` uses (merged over the defaults). */
  readonly quick?: Partial<ConfigOf<NoInfer<F>>>
  /** The computation: pure apart from `io`; it must not write files itself. */
  run(config: ConfigOf<NoInfer<F>>, io: RunIO): Promise<AppOutput>
}

/** Where an app's output goes (injectable for tests). */
export interface AppEnv {
  readonly stdout: (line: string) => void
  readonly stderr: (line: string) => void
  /** Whether stdout is a terminal (progress bar vs. lines). */
  readonly isTTY: boolean
  readonly now: () => Date
}

/** A defined app: its declaration plus the command line. */
export interface App<F extends Flags = Flags> extends AppDefinition<F> {
  /**
   * Decodes `argv`, runs, writes the run folder and prints; resolves to the exit code: 0, 1 when the run failed or
   * missed a goal (see {@link AppOutput.missed}), 2 on bad flags.
   */
  main(argv: readonly string[], env?: Partial<AppEnv>): Promise<number>
}

/** The outcome of a completed run. */
export interface RunOutcome {
  readonly app: string
  readonly headline: string
  /** The run folder and its report (as given, usually relative to the working directory). */
  readonly dir: string
  readonly reportPath: string
  /** File names in the run folder. */
  readonly files: readonly string[]
  readonly config: Readonly<Record<string, unknown>>
  readonly output: AppOutput
  /** The goals the run missed ({@link AppOutput.missed}); empty when every goal was met. */
  readonly missed: readonly string[]
}

const defaultEnv = (): AppEnv => ({
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
  isTTY: process.stdout.isTTY && process.env.CI === undefined,
  now: () => new Date(),
})

/** `runs/<app>/<timestamp>` with a file-name-safe ISO timestamp (`2026-12-01T22-38-00-000Z`). */
export const defaultOut = (app: string, now: Date): string =>
  `runs/${app}/${now.toISOString().replace(/[:.]/g, '-')}`

/** The RunIO of one run, plus `close()`, which finishes any progress the app left open. */
const makeIO = (quiet: boolean, env: AppEnv): RunIO & { readonly close: () => void } => {
  const mode: ProgressMode = quiet ? 'none' : env.isTTY ? 'bar' : 'lines'
  const open = new Set<Progress>()
  const counter = (label: string, total: number): Progress => {
    const p = progress(label, total, { mode, write: env.stdout })
    const tracked: Progress = {
      tick: p.tick,
      done: () => {
        open.delete(tracked) // eslint-disable-line functional/immutable-data
        p.done()
      },
    }
    open.add(tracked) // eslint-disable-line functional/immutable-data
    return tracked
  }
  return {
    close: () => {
      ;[...open].forEach((p) => {
        p.done()
      })
    },
    quiet,
    log: (line) => {
      if (!quiet) env.stdout(line)
    },
    progress: counter,
    reporter: (o = {}) => {
      if (quiet) return quietReporter
      if (o.total === undefined) return lineReporter(env.stdout, o)
      const p = counter(o.label ?? 'epochs', o.total)
      return {
        ...epochTicker(p),
        abort: () => {
          p.done()
        },
      }
    },
  }
}

const completeConfig = <F extends Flags>(app: AppDefinition<F>, raw: RawConfig, now: Date): ConfigOf<F> =>
  ({
    ...raw,
    out: raw.out === '' || raw.out === undefined ? defaultOut(app.name, now) : raw.out,
  }) as ConfigOf<F>

const execute = async <F extends Flags>(
  app: AppDefinition<F>,
  config: ConfigOf<F>,
  env: AppEnv,
): Promise<RunOutcome> => {
  const problem = unusableTarget(config.out)
  if (problem !== null) throw new FlagError(`${app.name}: --out: ${problem}`)
  const io = makeIO(config.quiet, env)
  const output = await app.run(config, io).finally(io.close)
  const files = await writeRunFolder(config.out, {
    config,
    history: output.history,
    report: output.report,
    ...(output.files === undefined ? {} : { files: output.files }),
  })
  const dir = config.out
  const rel = relative(process.cwd(), resolve(dir, 'report.md'))
  return {
    app: app.name,
    headline: output.headline,
    dir,
    reportPath: rel.startsWith('..') ? resolve(dir, 'report.md') : rel,
    files,
    config,
    output,
    missed: output.missed ?? [],
  }
}

/**
 * Decodes a partial config (values already typed, or strings as on the command line) against the app's flags,
 * filling defaults; throws a {@link FlagError} naming the field, the value and what is allowed.
 */
export const decodeConfig = <F extends Flags>(
  app: AppDefinition<F>,
  partial: Readonly<Record<string, unknown>>,
  now: Date = new Date(),
): ConfigOf<F> => {
  const all: Flags = { ...app.flags, ...COMMON_FLAGS }
  const unknown = Object.keys(partial).filter((k) => !Object.hasOwn(all, k))
  if (unknown.length > 0)
    throw new FlagError(
      `${app.name}: unknown config field ${unknown.join(', ')} (fields: ${Object.keys(all).join(', ')})`,
    )
  const raw = Object.fromEntries(
    Object.entries(all).map(([key, spec]) => {
      const given = Object.hasOwn(partial, key) ? partial[key] : undefined
      if (spec.kind === 'switch') {
        if (given !== undefined && typeof given !== 'boolean')
          throw new FlagError(
            `${app.name}: --${kebab(key)}: got ${JSON.stringify(given)}, expected true or false`,
          )
        return [key, given ?? false]
      }
      if (given === undefined) return [key, spec.default]
      const r = spec.codec.decode(given)
      if (E.isLeft(r))
        throw new FlagError(
          `${app.name}: --${kebab(key)}: got ${JSON.stringify(given)}, ${failureMessage(r.left, spec.codec.name)}`,
        )
      return [key, r.right]
    }),
  )
  return completeConfig(app, raw, now)
}

/**
 * Runs an app in-process with `partial` over its defaults (quiet unless `quiet: false` is given) and writes its run
 * folder. Rejects with a {@link FlagError} for a bad config, or with the app's own error.
 */
export const runApp = async <F extends Flags>(
  app: AppDefinition<F>,
  partial: Partial<ConfigOf<F>> = {},
  env: Partial<AppEnv> = {},
): Promise<RunOutcome> => {
  const e = { ...defaultEnv(), ...env }
  const config = decodeConfig(app, { quiet: true, ...partial }, e.now())
  return execute(app, config, e)
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** Defines an app: the declaration plus `main(argv)` (see {@link App}). */
export const defineApp = <const F extends Flags>(definition: AppDefinition<F>): App<F> => {
  const clash = Object.keys(definition.flags).filter((k) => Object.hasOwn(COMMON_FLAGS, k) || k === 'help')
  if (clash.length > 0)
    throw new Error(
      `defineApp(${definition.name}): flag ${clash.join(', ')} is common to every app; rename it`,
    )
  const shorts = Object.values(definition.flags).flatMap((s) => (s.short === undefined ? [] : [s.short]))
  const badShort = shorts.find((c, i) => c === 'h' || c.length !== 1 || shorts.indexOf(c) !== i)
  if (badShort !== undefined)
    throw new Error(`defineApp(${definition.name}): short flag -${badShort} is taken or not one letter`)
  return defineChecked(definition)
}

const defineChecked = <const F extends Flags>(definition: AppDefinition<F>): App<F> => ({
  ...definition,
  run: (config, io) => definition.run(config, io),
  main: async (argv, envIn = {}) => {
    const env = { ...defaultEnv(), ...envIn }
    const decoded = await decodeArgv(definition, definition.flags, argv)
    if (E.isLeft(decoded)) {
      if (decoded.left._tag === 'help') {
        env.stdout(decoded.left.text)
        return 0
      }
      env.stderr(decoded.left.message)
      return 2
    }
    const config = completeConfig(definition, decoded.right, env.now())
    try {
      const outcome = await execute(definition, config, env)
      if (!config.quiet)
        outcome.output.summary?.forEach((l) => {
          env.stdout(l)
        })
      env.stdout(outcome.headline)
      env.stdout(`report: ${outcome.reportPath}`)
      outcome.missed.forEach((m) => {
        env.stderr(`${definition.name}: goal missed: ${m}`)
      })
      return outcome.missed.length > 0 ? 1 : 0
    } catch (err) {
      if (err instanceof FlagError) {
        env.stderr(withHint(err.message, 'see --help for every flag and its allowed values'))
        return err.exitCode
      }
      env.stderr(`${definition.name}: failed: ${errorText(err)}`)
      if (process.env.COTANGENT_DEBUG !== undefined && err instanceof Error && err.stack !== undefined)
        env.stderr(err.stack)
      return 1
    }
  },
})
