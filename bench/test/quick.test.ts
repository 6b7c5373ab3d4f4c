/**
 * The harness's smoke run (`npm run bench -- --quick`) as a child process, and its checks and formulas in-process.
 * Nothing here asserts a timing: the smoke run checks that every system ran the same problem and learned.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeFlags } from '../src/flags.js'
import { BenchCheckError, checkLosses, ROOT, valueOf, type ResultRow } from '../src/harness.js'
import { throughputRows } from '../src/summary.js'
import { imdbSample, IMDB_MIN_ACCURACY } from '../src/systems/apps.js'
import {
  fullWorkloads,
  imdbTrainReviews,
  makeData,
  quickWorkloads,
  readData,
  reviewCsvPath,
  writeData,
  writeReviewCsv,
  type AppSpec,
  type MlpSpec,
  type Workload,
} from '../src/workloads.js'

const run = promisify(execFile)

const workload = (id: string, all: readonly Workload[] = fullWorkloads()): Workload => {
  const w = all.find((x) => x.id === id)
  if (w === undefined) throw new Error(`no workload ${id}`)
  return w
}

/** The initial loss written out naively (no shared code with the systems): mean of logsumexp(z) − z[label]. */
const naiveInitialLoss = (id: string): number => {
  const w = workload(id, quickWorkloads())
  const spec = w.spec as MlpSpec
  const d = makeData(w, 0)
  const x = d.arrays.x0!.data
  const y = d.arrays.y0!.data
  let h: number[][] = Array.from({ length: spec.batch }, (_, i) =>
    Array.from(x.subarray(i * spec.dims[0]!, (i + 1) * spec.dims[0]!)),
  )
  for (let l = 0; l + 1 < spec.dims.length; l++) {
    const [a, c] = [spec.dims[l]!, spec.dims[l + 1]!]
    const W = d.arrays[`W${String(l)}`]!.data
    const b = d.arrays[`b${String(l)}`]!.data
    h = h.map((row) =>
      Array.from({ length: c }, (_, j) => {
        let s = b[j]!
        for (let k = 0; k < a; k++) s += row[k]! * W[k * c + j]!
        return l + 2 < spec.dims.length ? Math.max(0, s) : s
      }),
    )
  }
  return (
    h.reduce((acc, z, i) => acc + Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[y[i]!]!, 0) /
    spec.batch
  )
}

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-quick-test-'))
  const out = join(dir, 'results.json')
  let stdout = ''
  let rows: readonly ResultRow[] = []

  beforeAll(async () => {
    const r = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        join(ROOT, 'bench', 'src', 'main.ts'),
        '--quick',
        '--out',
        out,
      ],
      {
        cwd: ROOT,
        maxBuffer: 16 * 1024 * 1024,
        timeout: 540_000,
      },
    )
    stdout = r.stdout
    rows = (JSON.parse(readFileSync(out, 'utf8')) as { rows: ResultRow[] }).rows
  }, 600_000)
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs every JavaScript system on every quick workload it supports', () => {
    const have = new Set(rows.map((r) => `${r.workload} ${r.system} ${r.dtype}`))
    for (const wl of ['W1', 'W2', 'W3', 'W5'])
      for (const s of [
        'cotangent float64',
        'cotangent float32',
        'tfjs-cpu float32',
        'tfjs-wasm float32',
        'jaxjs float32',
        'plain float64',
      ])
        expect(have, `${wl} ${s}`).toContain(`${wl} ${s}`)
    for (const s of [
      'cotangent float64',
      'cotangent float32',
      'tfjs-cpu float32',
      'tfjs-wasm float32',
      'jaxjs float32',
      'plain float32',
      'plain float64',
    ])
      expect(have).toContain(`W4-64 ${s}`)
    expect(have).toContain('W6-iris cotangent float64')
  })

  it('every training run starts from the same loss, a naive float64 evaluation of the same data and weights', () => {
    for (const wl of ['W1', 'W2', 'W3']) {
      const ref = naiveInitialLoss(wl)
      for (const r of rows.filter((x) => x.workload === wl))
        expect(Math.abs(r.firstLoss! - ref), `${wl} ${r.system} ${r.dtype}`).toBeLessThan(
          1e-4 * Math.max(1, ref),
        )
    }
  })

  it('every training run learned, and every system lands on the same last loss (identical optimizer arithmetic)', () => {
    for (const wl of ['W1', 'W2', 'W3']) {
      const ws = rows.filter((x) => x.workload === wl)
      const floor = ws.find((r) => r.system === 'plain')!.lastLoss!
      for (const r of ws) {
        expect(r.lastLoss!, `${wl} ${r.system} ${r.dtype}`).toBeLessThan(r.firstLoss!)
        expect(Math.abs(r.lastLoss! - floor), `${wl} ${r.system} ${r.dtype} vs plain`).toBeLessThan(
          2e-3 * Math.max(1, floor),
        )
      }
    }
  })

  it('counts the typed arrays a W3 step allocates: exactly 2 for the plain loop (dz and one hidden delta, by hand)', () => {
    const count = (system: string, dtype: string): number =>
      rows.find(
        (r) =>
          r.workload === 'W3-alloc' &&
          r.unit === 'typed arrays/step' &&
          r.system === system &&
          r.dtype === dtype,
      )!.value
    expect(count('plain', 'float64')).toBe(2)
    // 4·16 + 16·3 + 16 + 3 weights and biases would fit in one array; Cotangent makes fresh ones per op
    expect(count('cotangent', 'float64')).toBeGreaterThan(2)
    expect(count('cotangent', 'float32')).toBeGreaterThan(2)
  })

  it('cotangent-jit ran W1–W3 and W5 in both dtypes, compiled each step once, and equals eager float64', () => {
    const find = (workload: string, system: string, dtype: string, unit?: string): ResultRow | undefined =>
      rows.find(
        (r) =>
          r.workload === workload &&
          r.system === system &&
          r.dtype === dtype &&
          (unit === undefined || r.unit === unit),
      )
    for (const wl of ['W1', 'W2', 'W3', 'W5'])
      for (const dtype of ['float64', 'float32']) {
        expect(find(wl, 'cotangent-jit', dtype), `${wl} cotangent-jit ${dtype}`).toBeDefined()
        // the first call's time is reported beside the table (a measurement: only its presence is checked)
        expect(find(`${wl}-compile`, 'cotangent-jit', dtype, 'ms')!.value).toBeGreaterThan(0)
      }
    expect(rows.some((r) => r.workload.startsWith('W4') && r.system === 'cotangent-jit')).toBe(false)
    // one compile per jitted function over all rounds (the step count and Adam's bias corrections stay outside)
    const compiles = [
      ...stdout.matchAll(/cotangent-jit f(?:32|64): first call .*compiles after the last round: (\d+)/g),
    ]
    expect(compiles.length).toBe(8)
    for (const m of compiles) expect(m[1]).toBe('1')
    // same formulas, same summation order: the compiled float64 step lands where the eager one does
    for (const wl of ['W1', 'W2', 'W3']) {
      const eager = find(wl, 'cotangent', 'float64')!.lastLoss!
      const jitted = find(wl, 'cotangent-jit', 'float64')!.lastLoss!
      expect(Math.abs(jitted - eager), wl).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(eager)))
    }
    // the compiled step allocates fewer typed arrays per W3 step than the eager one
    for (const dtype of ['float64', 'float32'])
      expect(find('W3-alloc', 'cotangent-jit', dtype, 'typed arrays/step')!.value).toBeLessThan(
        find('W3-alloc', 'cotangent', dtype, 'typed arrays/step')!.value,
      )
  })

  it('the Iris app ran end to end and its training loss fell', () => {
    const iris = rows.find((r) => r.workload === 'W6-iris')!
    expect(iris.lastLoss!).toBeLessThan(iris.firstLoss!)
  })

  it('W7: the sentiment app ran on the small synthetic review CSV (--csv, split column), timed by its epoch, and learned', () => {
    const w7 = rows.find((r) => r.workload === 'W7-imdb')!
    expect(w7).toMatchObject({ system: 'cotangent', dtype: 'float32', unit: 's' })
    expect(w7.value).toBeGreaterThan(0)
    expect(w7.lastLoss!).toBeLessThan(w7.firstLoss!)
    expect(stdout).toContain('W7-imdb the sentiment app on a small synthetic review CSV')
  })

  it('rows carry the fields of results.json, and the Python peers ran or were reported skipped', () => {
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['workload', 'system', 'dtype', 'value', 'unit', 'min', 'max']),
      )
      expect(r.min).toBeLessThanOrEqual(r.value)
      expect(r.value).toBeLessThanOrEqual(r.max)
    }
    for (const p of ['torch', 'numpy'])
      expect(rows.some((r) => r.system === p) || stdout.includes(`${p}: skipped`), p).toBe(true)
    expect(stdout).toMatch(/load average \d/)
  })
})

describe('the checks fail loudly', () => {
  const w1 = workload('W1')
  it('a run whose loss did not fall', () => {
    expect(() => {
      checkLosses(w1, { label: 'x f32' }, { ms: 1, first: 2.3, last: 2.31 }, 2.3)
    }).toThrow(BenchCheckError)
    expect(() => {
      checkLosses(w1, { label: 'x f32' }, { ms: 1, first: 2.3, last: 2.3 }, 2.3)
    }).toThrow(/did not learn/)
  })
  it('a run that started from other data or weights', () => {
    expect(() => {
      checkLosses(w1, { label: 'x f32' }, { ms: 1, first: 2.4, last: 1 }, 2.3)
    }).toThrow(/not running the same problem/)
  })
  it('a run without finite losses', () => {
    expect(() => {
      checkLosses(w1, { label: 'x f32' }, { ms: 1, first: Number.NaN, last: 1 }, null)
    }).toThrow(BenchCheckError)
    expect(() => {
      checkLosses(w1, { label: 'x f32' }, { ms: 1 }, null)
    }).toThrow(BenchCheckError)
  })
  it('a good run passes', () => {
    expect(() => {
      checkLosses(w1, { label: 'x f32' }, { ms: 1, first: 2.3000004, last: 1 }, 2.3)
    }).not.toThrow()
  })
})

/** The reviews of a W7 CSV read back with a strict pattern of the format it writes (every review quoted). */
const readReviews = (file: string) => {
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n')
  expect(header).toBe('review,sentiment,split')
  expect(lines.pop()).toBe('')
  return lines.map((l) => {
    const m = /^"((?:[^"]|"")*)",(positive|negative),(train|test)$/.exec(l)
    if (m === null) throw new Error(`not a W7 row: ${l.slice(0, 80)}`)
    return { text: m[1]!.replaceAll('""', '"'), label: m[2]!, split: m[3]! }
  })
}

describe('W7: the synthetic review CSV and its numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-reviews-test-'))
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const spec = { rows: 2000, meanWords: 230, seed: 7 }

  it('is deterministic, cached under a name that hashes its parameters, and balanced across splits and labels', () => {
    const path = writeReviewCsv(spec, dir)
    expect(path).toBe(reviewCsvPath(spec, dir))
    const bytes = readFileSync(path)
    // a second call reuses the file; another directory regenerates the same bytes; another seed differs
    expect(writeReviewCsv(spec, dir)).toBe(path)
    const again = mkdtempSync(join(tmpdir(), 'bench-reviews-test-'))
    try {
      expect(readFileSync(writeReviewCsv(spec, again)).equals(bytes)).toBe(true)
    } finally {
      rmSync(again, { recursive: true, force: true })
    }
    expect(reviewCsvPath({ ...spec, seed: 8 }, dir)).not.toBe(path)
    const reviews = readReviews(path)
    expect(reviews).toHaveLength(2000)
    for (const split of ['train', 'test'])
      for (const label of ['positive', 'negative'])
        expect(reviews.filter((r) => r.split === split && r.label === label)).toHaveLength(500)
  })

  it('has IMDB-like lengths, HTML breaks, quotes to escape, and a class signal a word count can see', () => {
    const reviews = readReviews(writeReviewCsv(spec, dir))
    const words = reviews.map((r) => r.text.split(' '))
    const mean = words.reduce((s, w) => s + w.length, 0) / words.length
    expect(mean).toBeGreaterThan(200)
    expect(mean).toBeLessThan(260)
    expect(Math.min(...words.map((w) => w.length))).toBeGreaterThanOrEqual(10)
    expect(reviews.some((r) => r.text.includes('<br /><br />'))).toBe(true)
    expect(reviews.some((r) => r.text.includes('"'))).toBe(true)
    // the sign of (xo… words − qu… words) predicts the label far better than chance
    const right = reviews.filter((r, i) => {
      const w = words[i]!
      const score = w.filter((x) => x.startsWith('xo')).length - w.filter((x) => x.startsWith('qu')).length
      return (score > 0 ? 'positive' : 'negative') === r.label
    }).length
    expect(right / reviews.length).toBeGreaterThan(0.8)
  })

  it('the workload: 50,000 rows at full size, 2,000 in --quick; makeData passes the cached file as --csv', () => {
    const full = workload('W7-imdb').spec as AppSpec
    expect(full).toMatchObject({
      app: 'sentiment',
      config: { epochs: 1, splitColumn: 'split', labels: { negative: 0, positive: 1 } },
      reviews: { rows: 50_000, meanWords: 230 },
    })
    expect(imdbTrainReviews(full.reviews!)).toBe(22_500)
    const quick = workload('W7-imdb', quickWorkloads())
    const q = quick.spec as AppSpec
    expect(q.reviews!.rows).toBe(2000)
    expect(imdbTrainReviews(q.reviews!)).toBe(900)
    const d = makeData(quick, 0).spec as AppSpec
    expect(d.config.csv).toBe(reviewCsvPath(q.reviews!))
    expect(existsSync(d.config.csv as string)).toBe(true)
  })

  it('imdbSample: the first epoch times the run; losses and accuracy must show learning', () => {
    const h = (acc: number, epochs: { trainLoss: number; seconds: number }[]) => ({
      history: epochs,
      test: { loss: 0.4, accuracy: acc },
    })
    expect(imdbSample(h(0.9, [{ trainLoss: 0.6, seconds: 12.5 }]))).toEqual({
      ms: 12_500,
      first: 0.6,
      last: 0.4,
    })
    expect(
      imdbSample(
        h(0.9, [
          { trainLoss: 0.6, seconds: 2 },
          { trainLoss: 0.3, seconds: 3 },
        ]),
      ),
    ).toEqual({ ms: 2000, first: 0.6, last: 0.3 })
    expect(() => imdbSample(h(IMDB_MIN_ACCURACY - 0.01, [{ trainLoss: 0.69, seconds: 1 }]))).toThrow(
      /below 0.7 after 1 epoch\(s\): the run did not learn/,
    )
    expect(() => imdbSample({ history: [], test: { loss: 1, accuracy: 1 } })).toThrow(/no epoch history/)
    expect(() => imdbSample(h(0.9, [{ trainLoss: Number.NaN, seconds: 1 }]))).toThrow(/non-finite/)
  })

  it('throughputRows: training reviews / epoch seconds, min–max from the seconds', () => {
    const row: ResultRow = {
      workload: 'W7-imdb',
      system: 'cotangent',
      dtype: 'float32',
      value: 45,
      unit: 's',
      min: 30,
      max: 90,
      rounds: 3,
    }
    expect(throughputRows([row], false)).toEqual([
      { ...row, unit: 'reviews/s', value: 500, min: 250, max: 750 },
    ])
    expect(throughputRows([row], true)[0]!.value).toBe(20)
    expect(throughputRows([{ ...row, workload: 'W6-sentiment' }], false)).toEqual([])
  })
})

describe('workloads, values and flags', () => {
  it("the workloads are issue #10's table", () => {
    const mlp = (id: string): MlpSpec => workload(id).spec as MlpSpec
    expect(mlp('W1')).toMatchObject({
      dims: [784, 256, 10],
      batch: 128,
      steps: 200,
      optimizer: { kind: 'sgd' },
    })
    expect(mlp('W2')).toMatchObject({
      dims: [512, 512, 512, 2],
      batch: 64,
      steps: 200,
      optimizer: { kind: 'adam' },
    })
    expect(mlp('W3')).toMatchObject({
      dims: [4, 16, 3],
      batch: 120,
      nBatches: 1,
      steps: 2000,
      optimizer: { kind: 'momentum' },
    })
    expect(
      fullWorkloads()
        .filter((w) => w.group === 'W4')
        .map((w) => w.spec),
    ).toMatchObject([
      { kind: 'matmul', n: 256 },
      { kind: 'matmul', n: 1024 },
    ])
    expect(workload('W5').spec).toMatchObject({ kind: 'overhead', mlp: mlp('W1') })
  })
  it('values: samples/s, ms, GFLOP/s, ratio', () => {
    expect(valueOf(workload('W1'), { ms: 2000 })).toBeCloseTo((200 * 128) / 2, 9)
    expect(valueOf(workload('W3'), { ms: 734 })).toBe(734)
    const w4 = workload('W4-1024')
    expect(valueOf(w4, { ms: 1000 })).toBeCloseTo((2 * 2 * 1024 ** 3) / 1e9, 9)
    expect(valueOf(workload('W5'), { ms: 30, baseMs: 15 })).toBe(2)
  })
  it('the same seed gives the same data; the data file round-trips exactly', () => {
    const w = workload('W3')
    const a = makeData(w, 3)
    expect(makeData(w, 3).arrays.x0!.data).toEqual(a.arrays.x0!.data)
    expect(makeData(w, 4).arrays.x0!.data).not.toEqual(a.arrays.x0!.data)
    const dir = mkdtempSync(join(tmpdir(), 'bench-data-test-'))
    try {
      const back = readData(writeData(dir, a))
      expect(Object.keys(back.arrays)).toEqual(Object.keys(a.arrays))
      for (const k of Object.keys(a.arrays)) {
        expect(back.arrays[k]!.shape).toEqual(a.arrays[k]!.shape)
        expect(back.arrays[k]!.data).toEqual(a.arrays[k]!.data)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
  it('bad flags name the flag and what is allowed', () => {
    const bad = (argv: string[]): string => {
      const r = decodeFlags(argv)
      return E.isLeft(r) ? r.left : 'accepted'
    }
    expect(bad(['--systems', 'cotangent,keras'])).toMatch(/--systems: unknown keras \(known: cotangent/)
    expect(bad(['--workloads', 'W9'])).toMatch(/--workloads: unknown W9/)
    expect(bad(['--rounds', '0'])).toMatch(/--rounds: got "0"/)
    expect(bad(['--frobnicate'])).toMatch(/frobnicate/)
    expect(bad(['--help'])).toBe('help')
    expect(bad(['--scale', '2'])).toMatch(/--scale: got "2", expected a number in \(0, 1\]/)
    const ok = decodeFlags(['--workloads', 'W4,W3', '--systems', 'plain', '--scale', '0.1'])
    if (E.isLeft(ok)) throw new Error(ok.left)
    expect(ok.right.harness.workloads.map((w) => w.id)).toEqual(['W3', 'W4-256', 'W4-1024'])
    expect(ok.right.harness.workloads.map((w) => w.spec)).toMatchObject([
      { steps: 200 },
      { reps: 2 },
      { reps: 1 },
    ])
    expect(ok.right.harness.isolate).toBe(true)
    expect(ok.right.harness.rounds).toBe(5)
    expect(ok.right.harness.relaxedSimd).toBe(false)
    expect(bad(['--relaxed-simd', '--in-process'])).toMatch(/--relaxed-simd: .* needs --isolate/)
    expect(bad(['--relaxed-simd', '--quick'])).toMatch(/--relaxed-simd: .* needs --isolate/)
    const fma = decodeFlags(['--relaxed-simd'])
    expect(E.isRight(fma) && fma.right.harness.relaxedSimd).toBe(true)
  })
})
