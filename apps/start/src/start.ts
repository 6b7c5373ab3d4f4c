/**
 * `npm start`: every app in-process on its quick setting, one summary table, and `runs/index.md` linking every
 * report. Apps are loaded by dynamic import, so a missing or broken app is reported in its row and the others still
 * run.
 */
import { relative, join, resolve } from 'node:path'
import { FASHION_MNIST, POLARITY, fetchHint, locateDataset, resolveDataDir, type DatasetDef } from '@cotangent/data'
import * as E from 'fp-ts/lib/Either.js'
import {
  commaList,
  defaultOut,
  enumCodec,
  opt,
  runApp,
  switchFlag,
  type App,
  type AppEnv,
} from '@cotangent/cli'

/** The apps `npm start` runs, in order, with the package each one's `app` comes from. */
export const APPS = ['xor', 'iris', 'backprop', 'graph', 'activations', 'sentiment', 'fashion-mnist'] as const

/** `npm start`'s own flags (besides the common `--seed`, `--out` = the runs folder, `--quiet`). */
export const START_FLAGS = {
  apps: opt(commaList(enumCodec(APPS)), APPS, 'the apps to run, in order'),
  full: switchFlag('run each app with its defaults instead of its quick setting'),
}

/** Name and description of `npm start` for `--help`. */
export const START = {
  name: 'start',
  description:
    'Runs every app in-process, prints a summary table and writes <out>/index.md (--out: the runs folder, default runs).',
}

/**
 * The corpora an app reads from the data directory (`COTANGENT_DATA`, else the download cache). When one is absent,
 * `npm start` skips that app with the way to get it instead of failing the whole run: Iris ships with the project,
 * the text and image corpora are downloaded on request (`npm run fetch -- <name>`).
 */
export const DATASETS: Partial<Record<AppName, readonly DatasetDef[]>> = {
  sentiment: [POLARITY],
  'fashion-mnist': [FASHION_MNIST],
}

/** Why `name` cannot run with the data directory `dataDir` (null when every corpus it reads is there). */
export const missingData = (name: AppName, dataDir: string): string | null => {
  const absent = (DATASETS[name] ?? []).find((def) => E.isLeft(locateDataset(def, dataDir)))
  return absent === undefined
    ? null
    : `skipped: no ${absent.name} data in ${join(dataDir, absent.dir)} (${fetchHint(absent, dataDir)})`
}

/** An app name known to `npm start`. */
export type AppName = (typeof APPS)[number]

/** Loads an app's `app` export from its workspace package. */
export const loadApp = async (name: AppName): Promise<App> => {
  const m = await (name === 'xor'
    ? import('@cotangent/app-xor')
    : name === 'iris'
      ? import('@cotangent/app-iris')
      : name === 'backprop'
        ? import('@cotangent/app-backprop')
        : name === 'graph'
          ? import('@cotangent/app-graph')
          : name === 'activations'
            ? import('@cotangent/app-activations')
            : name === 'sentiment'
              ? import('@cotangent/app-sentiment')
              : import('@cotangent/app-fashion-mnist'))
  return m.app
}

/** One row of the summary. */
export interface Row {
  readonly app: string
  /** `missed`: the run completed (its report is written) but missed a goal it checks (its outcome's `missed`). */
  readonly status: 'ok' | 'missed' | 'failed' | 'missing' | 'skipped'
  /** The app's headline (followed by the goals it missed), or the error. */
  readonly headline: string
  /** The report's path (relative to the working directory), or null. */
  readonly report: string | null
  readonly seconds: number
}

/** Options of {@link runAll}. */
export interface RunAllOptions {
  /** Folder that holds every app's run folder and `index.md` (default `runs`). */
  readonly root: string
  /** Seed passed to every app. */
  readonly seed: number
  /** Run each app with its defaults instead of its quick setting. */
  readonly full: boolean
  readonly now: () => Date
  /** Called before and after each app (progress lines). */
  readonly onStart?: (app: string) => void
  readonly onDone?: (row: Row) => void
  /** Where the apps' own output goes (they run quietly). */
  readonly env?: Partial<AppEnv>
  /** App loader (tests inject their own). */
  readonly load?: (name: AppName) => Promise<App>
  /** The data directory the apps read (default: `resolveDataDir()`, i.e. `COTANGENT_DATA` or the cache). */
  readonly dataDir?: string
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!

/** Runs the apps one after the other (in-process, quiet) and returns one row per app. */
export const runAll = async (names: readonly AppName[], o: RunAllOptions): Promise<readonly Row[]> => {
  const load = o.load ?? loadApp
  const rows: Row[] = []
  for (const name of names) {
    o.onStart?.(name)
    const t0 = performance.now()
    const seconds = (): number => (performance.now() - t0) / 1000
    let row: Row
    const skip = missingData(name, o.dataDir ?? resolveDataDir())
    if (skip !== null) {
      row = { app: name, status: 'skipped', headline: skip, report: null, seconds: seconds() }
      rows.push(row)
      o.onDone?.(row)
      continue
    }
    try {
      const app = await load(name)
      try {
        const out = join(o.root, relative('runs', defaultOut(name, o.now())))
        const r = await runApp(
          app,
          { ...(o.full ? {} : (app.quick ?? {})), seed: o.seed, out, quiet: true },
          o.env ?? {},
        )
        row =
          r.missed.length === 0
            ? { app: name, status: 'ok', headline: r.headline, report: r.reportPath, seconds: seconds() }
            : {
                app: name,
                status: 'missed',
                headline: `${r.headline} — GOAL MISSED: ${r.missed.join('; ')}`,
                report: r.reportPath,
                seconds: seconds(),
              }
      } catch (err) {
        row = {
          app: name,
          status: 'failed',
          headline: `failed: ${message(err)}`,
          report: null,
          seconds: seconds(),
        }
      }
    } catch (err) {
      row = {
        app: name,
        status: 'missing',
        headline: `not available: ${message(err)}`,
        report: null,
        seconds: seconds(),
      }
    }
    rows.push(row)
    o.onDone?.(row)
  }
  return rows
}

/** The summary as a plain-text table (app, headline, report, seconds), columns padded. */
export const summaryTable = (rows: readonly Row[]): string => {
  const cells = [
    ['app', 'result', 'report', 'time'],
    ...rows.map((r) => [r.app, r.headline, r.report ?? '—', `${r.seconds.toFixed(1)} s`]),
  ]
  const widths = cells[0]!.map((_, j) => Math.max(...cells.map((c) => c[j]!.length)))
  const line = (c: readonly string[]): string =>
    c
      .map((x, j) => (j === c.length - 1 ? x.padStart(widths[j]!) : x.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd()
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  )
}

const mdCell = (s: string): string => s.replace(/\|/g, '\\|')

/** `index.md` for the runs folder `root`: one row per app with its headline and a link to its report. */
export const indexMarkdown = (rows: readonly Row[], root: string, when: Date): string =>
  [
    '# Cotangent runs',
    '',
    `\`npm start\` at ${when.toISOString()}: every app on its quick setting (\`npm run <app> -- --help\` for its flags).`,
    '',
    '| app | result | report |',
    '| --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.app} | ${mdCell(r.headline)} | ${r.report === null ? '—' : `[${mdCell(relative(root, resolve(r.report)) || 'report.md')}](${encodeURI(relative(resolve(root), resolve(r.report)))})`} |`,
    ),
    '',
  ].join('\n')
