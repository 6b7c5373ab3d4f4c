import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defineApp, heading, opt, PositiveInt, type App, type Flags } from '@cotangent/cli'
import { indexMarkdown, runAll, summaryTable, type AppName, type Row } from '../src/start.js'

let root = ''
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cotangent-start-'))
})
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
})

const seen: unknown[] = []
const fake = defineApp({
  name: 'fake',
  description: 'a fake app',
  flags: { n: opt(PositiveInt, 100, 'size') },
  quick: { n: 2 },
  run: (config) => {
    seen.push(config)
    return Promise.resolve({
      headline: `fake: n = ${config.n} | ok`,
      report: [heading(1, 'fake')],
      history: [],
    })
  },
})
const short = defineApp({
  name: 'short',
  description: 'misses its goal',
  flags: {},
  run: () =>
    Promise.resolve({
      headline: 'short: 90%',
      report: [heading(1, 'short')],
      history: [],
      missed: ['mean 90% is below the goal of 95%'],
    }),
})
const broken = defineApp({
  name: 'broken',
  description: 'fails',
  flags: {},
  run: () => Promise.reject(new Error('no luck\nsecond line')),
})

const load = (name: AppName): Promise<App<Flags>> =>
  name === 'xor'
    ? Promise.resolve(fake as unknown as App<Flags>)
    : name === 'iris'
      ? Promise.resolve(broken as unknown as App<Flags>)
      : Promise.reject(new Error(`Cannot find package '@cotangent/app-${name}'`))

describe('runAll', () => {
  it('runs each app on its quick setting with the seed, into <root>/<app>/<timestamp>, and reports failures and missing apps in their rows', async () => {
    const done: string[] = []
    const rows = await runAll(['xor', 'iris', 'graph'], {
      root,
      seed: 5,
      full: false,
      now: () => new Date(Date.UTC(2026, 11, 1, 23, 0, 0)),
      load,
      onDone: (r) => done.push(r.app),
    })
    expect(done).toEqual(['xor', 'iris', 'graph'])
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      n: 2,
      seed: 5,
      quiet: true,
      out: join(root, 'xor', '2026-12-01T23-00-00-000Z'),
    })
    expect(rows.map((r) => [r.app, r.status])).toEqual([
      ['xor', 'ok'],
      ['iris', 'failed'],
      ['graph', 'missing'],
    ])
    expect(rows[0]!.headline).toBe('fake: n = 2 | ok')
    expect(existsSync(rows[0]!.report!)).toBe(true)
    expect(rows[1]!.headline).toBe('failed: no luck')
    expect(rows[2]!.headline).toBe("not available: Cannot find package '@cotangent/app-graph'")
    expect(rows[1]!.report).toBeNull()
  })

  it('a run that misses a goal keeps its report and is marked missed, with the goal in its headline', async () => {
    const rows = await runAll(['xor'], {
      root: join(root, 'missed'),
      seed: 0,
      full: false,
      now: () => new Date(),
      load: () => Promise.resolve(short as unknown as App<Flags>),
    })
    expect(rows[0]!.status).toBe('missed')
    expect(rows[0]!.headline).toBe('short: 90% — GOAL MISSED: mean 90% is below the goal of 95%')
    expect(readFileSync(rows[0]!.report!, 'utf8')).toContain('# short')
  })

  it('an app whose corpus is absent from the data directory is skipped with the fetch hint, not loaded or failed', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cotangent-nodata-'))
    const loaded: string[] = []
    const rows = await runAll(['sentiment', 'fashion-mnist', 'xor'], {
      root: join(root, 'nodata'),
      seed: 0,
      full: false,
      now: () => new Date(),
      dataDir: empty,
      load: (name) => {
        loaded.push(name)
        return load(name)
      },
    })
    expect(loaded).toEqual(['xor'])
    expect(rows.map((r) => [r.app, r.status])).toEqual([
      ['sentiment', 'skipped'],
      ['fashion-mnist', 'skipped'],
      ['xor', 'ok'],
    ])
    expect(rows[0]!.headline).toBe(
      `skipped: no polarity data in ${join(empty, 'rt-polarity')} (download it with \`npm run fetch -- polarity --data-dir ${empty}\`, or point --data-dir / COTANGENT_DATA at a directory holding rt-polarity/)`,
    )
    expect(rows[1]!.headline).toContain(`no fashion-mnist data in ${join(empty, 'fashion-mnist')}`)
    rmSync(empty, { recursive: true, force: true })
  })

  it('with the corpora in the data directory, the real-data apps are loaded and run', async () => {
    // $COTANGENT_DATA as CI sets it, else the shared data sets beside the checkout
    const dataDir = process.env.COTANGENT_DATA ?? resolve(import.meta.dirname, '../../../../shared/data')
    const loaded: string[] = []
    await runAll(['sentiment', 'fashion-mnist'], {
      root: join(root, 'withdata'),
      seed: 0,
      full: false,
      now: () => new Date(),
      dataDir,
      load: (name) => {
        loaded.push(name)
        return Promise.resolve(fake as unknown as App<Flags>)
      },
    })
    expect(loaded).toEqual(['sentiment', 'fashion-mnist'])
  })

  it('--full runs the defaults', async () => {
    seen.length = 0
    await runAll(['xor'], { root: join(root, 'full'), seed: 0, full: true, now: () => new Date(), load })
    expect(seen[0]).toMatchObject({ n: 100 })
  })
})

describe('summary and index', () => {
  const rows: Row[] = [
    { app: 'xor', status: 'ok', headline: 'xor: fine', report: 'runs/xor/t/report.md', seconds: 1.5 },
    { app: 'graph', status: 'missing', headline: 'not available: x', report: null, seconds: 0 },
  ]
  it('summaryTable pads columns and shows — for a missing report', () => {
    expect(summaryTable(rows).split('\n')).toEqual([
      'app    result            report                 time',
      '-----  ----------------  --------------------  -----',
      'xor    xor: fine         runs/xor/t/report.md  1.5 s',
      'graph  not available: x  —                     0.0 s',
    ])
  })

  it('indexMarkdown links every report relative to the runs folder, and the links resolve', async () => {
    const r = await runAll(['xor'], {
      root: join(root, 'idx'),
      seed: 0,
      full: false,
      now: () => new Date(),
      load,
    })
    const md = indexMarkdown(r, join(root, 'idx'), new Date(0))
    expect(md).toContain('| xor | fake: n = 2 \\| ok | [xor/')
    const link = /\]\(([^)]+)\)/.exec(md)![1]!
    expect(existsSync(join(root, 'idx', decodeURI(link)))).toBe(true)
    expect(relative(join(root, 'idx'), r[0]!.report!)).toBe(decodeURI(link))
    expect(readFileSync(r[0]!.report!, 'utf8')).toContain('# fake')
    expect(indexMarkdown(rows, 'runs', new Date(0))).toContain('| graph | not available: x | — |')
  })
})
