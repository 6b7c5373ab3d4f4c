/**
 * W6 and W7: the real apps, end to end through `runApp` from @cotangent/cli (flags decoded, training, report and
 * plots written to a temporary run folder that is removed afterwards). Iris runs with its default flags; the
 * sentiment and Fashion-MNIST apps run one epoch. W7 runs the sentiment app, unchanged, on a synthetic review CSV
 * (`--csv … --split-column split`) and times its first epoch. An app that is not in the workspace (yet) is reported
 * as skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runApp, type App } from '@cotangent/cli'
import type { AppSpec } from '../workloads.js'
import type { Runner, Sample } from './types.js'

const load = async (name: AppSpec['app']): Promise<App> => {
  const m = (await (name === 'iris'
    ? import('@cotangent/app-iris')
    : name === 'sentiment'
      ? import(/* @vite-ignore */ '@cotangent/app-' + 'sentiment')
      : import(/* @vite-ignore */ '@cotangent/app-' + 'fashion-mnist'))) as { readonly app?: App }
  if (m.app === undefined) throw new Error(`the package @cotangent/app-${name} exports no \`app\``)
  return m.app
}

/** The first and last `trainLoss` of the first epoch history found in an app's history (depth-first), if any. */
export const trainLossEnds = (history: unknown): { first: number; last: number } | null => {
  if (Array.isArray(history)) {
    const rows = history as unknown[]
    const losses = rows.map((r) =>
      typeof r === 'object' && r !== null && typeof (r as { trainLoss?: unknown }).trainLoss === 'number'
        ? (r as { trainLoss: number }).trainLoss
        : null,
    )
    if (losses.length >= 2 && losses.every((l) => l !== null))
      return { first: losses[0]!, last: losses[losses.length - 1]! }
    for (const r of rows) {
      const found = trainLossEnds(r)
      if (found !== null) return found
    }
    return null
  }
  if (typeof history === 'object' && history !== null)
    for (const v of Object.values(history)) {
      const found = trainLossEnds(v)
      if (found !== null) return found
    }
  return null
}

interface EpochRow {
  readonly trainLoss: number
  readonly seconds: number
}

const isEpochRow = (u: unknown): u is EpochRow =>
  typeof u === 'object' &&
  u !== null &&
  typeof (u as { trainLoss?: unknown }).trainLoss === 'number' &&
  typeof (u as { seconds?: unknown }).seconds === 'number'

/** Below this test accuracy a W7 run did not learn (its synthetic reviews carry a strong class signal). */
export const IMDB_MIN_ACCURACY = 0.7

/**
 * W7's sample from the sentiment app's history (`{ history: EpochRecord[], test: { loss, accuracy } }`): `ms` is the
 * first epoch's wall time (its training pass and dev evaluation, as the app measured it; loading, encoding, the test
 * evaluation and the report are outside it); `first` / `last` are the first and last epoch's mean training loss
 * with two or more epochs, else the epoch's mean training loss and the checkpoint's test loss. Throws (naming the
 * numbers) when the history is not the sentiment app's, a loss is not finite, or the test accuracy is below
 * {@link IMDB_MIN_ACCURACY}: a number cannot come from a run that did not learn.
 */
export const imdbSample = (history: unknown): Sample => {
  const h = history as {
    readonly history?: unknown
    readonly test?: { readonly loss?: unknown; readonly accuracy?: unknown }
  } | null
  const epochs = Array.isArray(h?.history) ? (h.history as unknown[]) : []
  const test = h?.test
  if (
    epochs.length === 0 ||
    !epochs.every(isEpochRow) ||
    typeof test?.loss !== 'number' ||
    typeof test.accuracy !== 'number'
  )
    throw new Error('W7: the sentiment app gave no epoch history and test evaluation')
  const rows = epochs
  const first = rows[0]!.trainLoss
  const last = rows.length >= 2 ? rows[rows.length - 1]!.trainLoss : test.loss
  if (!Number.isFinite(first) || !Number.isFinite(last))
    throw new Error(`W7: non-finite losses (${String(first)} → ${String(last)})`)
  if (!(test.accuracy >= IMDB_MIN_ACCURACY))
    throw new Error(
      `W7: test accuracy ${test.accuracy.toFixed(3)} is below ${String(IMDB_MIN_ACCURACY)} after ${String(rows.length)} epoch(s): the run did not learn the synthetic reviews' class signal`,
    )
  return { ms: rows[0]!.seconds * 1000, first, last }
}

/**
 * Sets up one app: resolves to its runner, or rejects with the reason it cannot run (not in the workspace, or no
 * `epochs` flag for the one-epoch apps).
 */
export const setupApp = async (spec: AppSpec, seed: number): Promise<Runner> => {
  const app = await load(spec.app)
  const missing = Object.keys(spec.config).filter((k) => !Object.hasOwn(app.flags, k))
  if (missing.length > 0)
    throw new Error(`the ${spec.app} app has no flag ${missing.map((k) => `--${k}`).join(', ')}`)
  const partial: Record<string, unknown> = { ...spec.config, seed, quiet: true }
  const silent = { stdout: () => undefined, stderr: () => undefined }
  return {
    run: async () => {
      const dir = mkdtempSync(join(tmpdir(), `cotangent-bench-${spec.app}-`))
      try {
        const t0 = performance.now()
        const outcome = await runApp(app, { ...partial, out: join(dir, 'run') }, silent)
        const ms = performance.now() - t0
        if (spec.reviews !== undefined) return imdbSample(outcome.output.history)
        const ends = trainLossEnds(outcome.output.history)
        return ends === null ? { ms } : { ms, first: ends.first, last: ends.last }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
