/**
 * W6: the real apps, end to end through `runApp` from @cotangent/cli (flags decoded, training, report and plots
 * written to a temporary run folder that is removed afterwards). Iris runs with its default flags; the sentiment and
 * Fashion-MNIST apps run one epoch. An app that is not in the workspace (yet) is reported as skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runApp, type App } from '@cotangent/cli'
import type { AppSpec } from '../workloads.js'
import type { Runner } from './types.js'

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
        const ends = trainLossEnds(outcome.output.history)
        return ends === null ? { ms } : { ms, first: ends.first, last: ends.last }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
