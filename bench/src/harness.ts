/**
 * The harness: for each selected workload, sets every selected system up once (in its own process by default),
 * warms it up, then runs interleaved rounds — each system once per round, the order rotated each round — and
 * reports the median and min–max of the rounds, checks that every training run learned (last loss below the
 * first, first loss equal to the float64 reference of the same data and weights) and that every matmul is right.
 */
import { execFile, spawnSync } from 'node:child_process'
import { promisify } from 'node:util'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startChild, type Child } from './child.js'
import { fmt, summarize, textTable } from './stats.js'
import { referenceFirstLoss } from './systems/plain.js'
import { dtypesFor, isPython, setupInProcess } from './systems/registry.js'
import type { FloatDType, Runner, Sample, SystemId } from './systems/types.js'
import { arrayOf, makeData, writeData, type DataFile, type Workload } from './workloads.js'
import { rng } from './rng.js'

const here = dirname(fileURLToPath(import.meta.url))
/** The repository root (bench/src/../..). */
export const ROOT = resolve(here, '..', '..')

/** What a harness run does. */
export interface HarnessOptions {
  readonly workloads: readonly Workload[]
  readonly systems: readonly SystemId[]
  readonly rounds: number
  readonly warmup: number
  /** Each system in its own process (honest peak RSS) rather than all in this one. */
  readonly isolate: boolean
  readonly seed: number
  readonly python: string
  readonly verbose: boolean
  /** Start the JavaScript children with V8's `--experimental-wasm-relaxed-simd` (the GEMM's fma variant on Node 20). */
  readonly relaxedSimd?: boolean
  readonly log: (line: string) => void
  /** Called with every row so far after each workload (the CLI rewrites results.json, so a cut-off run keeps them). */
  readonly onRows?: (rows: readonly ResultRow[]) => void
}

/** One row of bench/results.json. */
export interface ResultRow {
  readonly workload: string
  readonly system: string
  readonly dtype: FloatDType
  readonly value: number
  readonly unit: string
  readonly min: number
  readonly max: number
  readonly rounds: number
  readonly firstLoss?: number
  readonly lastLoss?: number
  readonly peakRssMb?: number
}

/** A check that failed: the harness stops and exits non-zero. */
export class BenchCheckError extends Error {
  override readonly name = 'BenchCheckError'
}

interface Entrant {
  readonly system: SystemId
  readonly dtype: FloatDType
  readonly label: string
  readonly run: () => Promise<Sample>
  readonly sample: (indices: readonly number[]) => Promise<readonly number[]>
  readonly close: () => Promise<number | null>
}

const short = (d: FloatDType): string => (d === 'float32' ? 'f32' : 'f64')

/** The value a workload reports for one run. */
export const valueOf = (w: Workload, s: Sample): number => {
  const spec = w.spec
  switch (spec.kind) {
    case 'mlp':
      return w.unit === 'ms' ? s.ms : (spec.steps * spec.batch) / (s.ms / 1000)
    case 'overhead':
      if (s.baseMs === undefined) throw new BenchCheckError(`${w.id}: the run gave no forward time`)
      return s.ms / s.baseMs
    case 'matmul':
      return (spec.reps * 2 * spec.n ** 3) / (s.ms / 1000) / 1e9
    case 'app':
      return s.ms / 1000
  }
}

const pythonHas = (python: string, module: string): boolean =>
  spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 }).status === 0

const PY_ENV = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }

const jsChild = (o: Pick<HarnessOptions, 'verbose' | 'relaxedSimd'>): Child =>
  startChild(
    process.execPath,
    [
      ...(o.relaxedSimd === true ? ['--experimental-wasm-relaxed-simd'] : []),
      '--import',
      'tsx',
      '--conditions=source',
      join(here, 'worker.ts'),
    ],
    process.env,
    o.verbose,
  )

const entrantFor = async (
  o: HarnessOptions,
  system: SystemId,
  dtype: FloatDType,
  data: DataFile,
  dataPath: () => string,
): Promise<Entrant> => {
  const label = `${system} ${short(dtype)}`
  if (o.isolate || isPython(system)) {
    const child = isPython(system)
      ? startChild(
          o.python,
          [join(ROOT, 'bench', 'python', 'peers.py')],
          { ...process.env, ...PY_ENV },
          o.verbose,
        )
      : jsChild(o)
    const setup = await child.request({ op: 'setup', system, dtype, data: dataPath(), seed: o.seed })
    if (!setup.ok) {
      child.kill()
      throw new Error(setup.error ?? 'setup failed')
    }
    return {
      system,
      dtype,
      label,
      run: async () => {
        const r = await child.request({ op: 'run' })
        if (!r.ok || r.sample === undefined)
          throw new BenchCheckError(`${label}: run failed: ${r.error ?? 'no sample'}`)
        return r.sample
      },
      sample: async (indices) => {
        const r = await child.request({ op: 'sample', indices })
        if (!r.ok || r.values === undefined)
          throw new BenchCheckError(`${label}: no output: ${r.error ?? ''}`)
        return r.values
      },
      close: async () => {
        const kb = await child.close()
        child.kill()
        return kb
      },
    }
  }
  const runner: Runner = await setupInProcess(system, data, dtype, o.seed)
  return {
    system,
    dtype,
    label,
    run: () => runner.run(),
    sample: async (indices) => {
      if (runner.output === undefined) throw new BenchCheckError(`${label}: no output`)
      const out = await runner.output()
      return indices.map((i) => out[i]!)
    },
    close: () => Promise.resolve(null),
  }
}

/** Checks a matmul's product at 32 seeded positions against float64 dot products of the same inputs. */
const checkMatmul = async (w: Workload, data: DataFile, e: Entrant): Promise<void> => {
  if (w.spec.kind !== 'matmul') return
  const n = w.spec.n
  const a = arrayOf(data, 'a').data
  const b = arrayOf(data, 'b').data
  const r = rng(12345)
  const indices = Array.from({ length: 32 }, () => Math.floor(r.uniform() * n * n))
  const got = await e.sample(indices)
  const tol = e.dtype === 'float32' ? 1e-4 : 1e-12
  indices.forEach((idx, q) => {
    const i = Math.floor(idx / n)
    const j = idx % n
    let ref = 0
    let scale = 0
    for (let k = 0; k < n; k++) {
      ref += a[i * n + k]! * b[k * n + j]!
      scale += Math.abs(a[i * n + k]! * b[k * n + j]!)
    }
    const v = got[q]!
    if (!(Math.abs(v - ref) <= tol * scale))
      throw new BenchCheckError(
        `${w.id} ${e.label}: product entry [${String(i)}, ${String(j)}] is ${String(v)}, the float64 reference is ${String(ref)} (tolerance ${String(tol * scale)})`,
      )
  })
}

/**
 * Checks a run: for a training workload, finite first and last losses, the first equal to the float64 reference of
 * the same data and initial weights, and the last below the first; for an app, a falling training loss when its
 * history has one. Throws a {@link BenchCheckError} naming the workload, the system and the numbers.
 */
export const checkLosses = (
  w: Workload,
  e: { readonly label: string },
  s: Sample,
  reference: number | null,
): void => {
  if (w.spec.kind === 'app') {
    // an app's history gives its first and last epoch's training loss when it has more than one epoch
    if (s.first !== undefined && s.last !== undefined && !(s.last < s.first))
      throw new BenchCheckError(
        `${w.id}: the app's training loss did not fall (first epoch ${String(s.first)}, last ${String(s.last)})`,
      )
    return
  }
  if (w.spec.kind !== 'mlp') return
  const { first, last } = s
  if (first === undefined || last === undefined || !Number.isFinite(first) || !Number.isFinite(last))
    throw new BenchCheckError(
      `${w.id} ${e.label}: the run gave no finite first and last loss (${String(first)} → ${String(last)})`,
    )
  if (reference !== null && Math.abs(first - reference) > 1e-3 * Math.max(1, Math.abs(reference)))
    throw new BenchCheckError(
      `${w.id} ${e.label}: first loss ${String(first)} differs from the float64 reference ${String(reference)} of the same data and initial weights: it is not running the same problem`,
    )
  if (!(last < first))
    throw new BenchCheckError(
      `${w.id} ${e.label}: the loss did not fall (first ${String(first)}, last ${String(last)}): this run did not learn`,
    )
}

/** What ./count.ts measures per W3 step (the last three are 0 for systems other than Cotangent). */
interface StepCounts {
  readonly arrays: number
  readonly bytes: number
  /** Eager primitive evaluations (kernel runs dispatched by autodiff's `bind`). */
  readonly primitives: number
  /** Tensors created (kernel launches, views and creation functions included). */
  readonly tensors: number
  /** Evaluations per step of each primitive, by name. */
  readonly byPrimitive: Readonly<Record<string, number>>
}

/**
 * Typed arrays (and their bytes), primitive evaluations and tensors created per W3 step, counted in a process of
 * its own by ./count.ts; null when the count could not be taken (the reason is logged).
 */
const countAllocations = async (
  system: SystemId,
  dtype: FloatDType,
  seed: number,
  log: (l: string) => void,
): Promise<StepCounts | null> => {
  try {
    const r = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', join(here, 'count.ts'), system, dtype, String(seed)],
      { cwd: ROOT, timeout: 600_000, maxBuffer: 4 * 1024 * 1024 },
    )
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@bench '))
    if (line === undefined) throw new Error('no count in its output')
    const c = JSON.parse(line.slice('@@bench '.length)) as StepCounts
    return c
  } catch (e) {
    log(
      `  allocation count for ${system} ${short(dtype)} failed: ${e instanceof Error ? e.message : String(e)}`,
    )
    return null
  }
}

const loadText = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')

/** Runs the harness; resolves to the rows (throws {@link BenchCheckError} when a check fails). */
export const runHarness = async (o: HarnessOptions): Promise<readonly ResultRow[]> => {
  const log = o.log
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  log(`Cotangent bench — ${new Date().toISOString()}`)
  log(`node ${process.version}, ${String(cpus().length)} × ${cpu}; load average ${loadText()} (1, 5, 15 min)`)
  log(
    o.relaxedSimd === true
      ? 'wasm relaxed SIMD: on (children run with --experimental-wasm-relaxed-simd: the GEMM uses fused multiply-add)'
      : 'wasm relaxed SIMD: engine default (off on Node 20: the GEMM uses multiply + add; --relaxed-simd turns it on)',
  )
  log(
    `${String(o.rounds)} interleaved round(s) after ${String(o.warmup)} warm-up round(s); ` +
      (o.isolate
        ? 'each system in its own process'
        : 'every JavaScript system in this process (no peak RSS)'),
  )
  const available = o.systems.filter((s) => {
    if (!isPython(s)) return true
    const need = s === 'torch' ? ['numpy', 'torch'] : ['numpy']
    const missing = need.filter((m) => !pythonHas(o.python, m))
    if (missing.length > 0) {
      log(`${s}: skipped (${o.python} cannot import ${missing.join(', ')})`)
      return false
    }
    return true
  })
  let idleRss: number | null = null
  if (o.isolate && available.some((s) => !isPython(s))) {
    const c = jsChild(o)
    idleRss = await c.close()
    c.kill()
    if (idleRss !== null) log(`an idle worker process (node + tsx) peaks at ${fmt(idleRss / 1024)} MB RSS`)
  }
  // the apps read their data sets from $COTANGENT_DATA; default it to the shared folder beside the checkout
  const shared = resolve(ROOT, '..', 'shared', 'data')
  if (process.env.COTANGENT_DATA === undefined && existsSync(shared)) {
    process.env.COTANGENT_DATA = shared
    log(`COTANGENT_DATA unset: the apps read ${shared}`)
  }
  const tmp = mkdtempSync(join(tmpdir(), 'cotangent-bench-'))
  const rows: ResultRow[] = []
  try {
    for (const w of o.workloads) {
      const data = makeData(w, o.seed)
      let path: string | null = null
      const dataPath = (): string => (path ??= writeData(tmp, data))
      const reference = w.spec.kind === 'mlp' ? referenceFirstLoss(data, w.spec) : null
      const wanted = available.flatMap((s) =>
        dtypesFor(s, w.spec.kind)
          .filter((d) => w.dtypes.includes(d))
          .map((d) => [s, d] as const),
      )
      log('')
      log(w.title)
      const entrants: Entrant[] = []
      try {
        for (const [s, d] of wanted) {
          try {
            entrants.push(await entrantFor(o, s, d, data, dataPath))
          } catch (e) {
            const why = e instanceof Error ? e.message : String(e)
            if (w.spec.kind === 'app') log(`  ${w.id}: skipped (${why})`)
            else throw new BenchCheckError(`${w.id} ${s} ${short(d)}: setup failed: ${why}`)
          }
        }
        if (entrants.length === 0) continue
        const loadStart = loadText()
        for (const e of entrants) await checkMatmul(w, data, e)
        for (let r = 0; r < o.warmup; r++)
          for (const e of entrants) checkLosses(w, e, await e.run(), reference)
        const samples = new Map<Entrant, Sample[]>(entrants.map((e) => [e, []]))
        for (let r = 0; r < o.rounds; r++) {
          const order = entrants.map((_, i) => entrants[(i + r) % entrants.length]!)
          for (const e of order) {
            const s = await e.run()
            checkLosses(w, e, s, reference)
            samples.get(e)!.push(s)
          }
        }
        const rss = new Map<Entrant, number | null>()
        for (const e of entrants) rss.set(e, await e.close())
        const wrows = entrants.map((e): ResultRow => {
          const ss = samples.get(e)!
          const st = summarize(ss.map((s) => valueOf(w, s)))
          const lastRun = ss[ss.length - 1]
          const kb = rss.get(e) ?? null
          return {
            workload: w.id,
            system: e.system,
            dtype: e.dtype,
            value: st.median,
            unit: w.unit,
            min: st.min,
            max: st.max,
            rounds: ss.length,
            ...(lastRun?.first === undefined ? {} : { firstLoss: lastRun.first }),
            ...(lastRun?.last === undefined ? {} : { lastLoss: lastRun.last }),
            ...(kb === null ? {} : { peakRssMb: kb / 1024 }),
          }
        })
        rows.push(...wrows)
        printTable(w, wrows, reference, loadStart, idleRss, log)
        // compiled systems: the first call's time (staging + compile + one run), measured once at setup
        for (const e of entrants) {
          const s = samples.get(e)?.at(-1)
          if (s?.compileMs === undefined) continue
          log(
            `  ${e.label}: first call (staging + compile + one run) ${fmt(s.compileMs)} ms${s.stagingMs === undefined ? '' : `, of which staging + compile ${fmt(s.stagingMs)} ms`}; compiles after the last round: ${String(s.compiles ?? '?')}`,
          )
          const once = (workload: string, v: number): void => {
            rows.push({ workload, system: e.system, dtype: e.dtype, value: v, unit: 'ms', min: v, max: v, rounds: 1 })
          }
          once(`${w.id}-compile`, s.compileMs)
          if (s.stagingMs !== undefined) once(`${w.id}-staging`, s.stagingMs)
        }
        if (w.group === 'W3') {
          const counted = entrants.filter(
            (e) => e.system === 'cotangent' || e.system === 'cotangent-jit' || e.system === 'plain',
          )
          for (const e of counted) {
            const c = await countAllocations(e.system, e.dtype, o.seed, log)
            if (c === null) continue
            log(
              `  allocations per W3 step, ${e.label}: ${fmt(c.arrays)} typed arrays, ${fmt(c.bytes / 1024)} kB (JS typed arrays; wasm memory not seen)`,
            )
            const row = (unit: string, value: number): ResultRow => ({
              workload: 'W3-alloc',
              system: e.system,
              dtype: e.dtype,
              value,
              unit,
              min: value,
              max: value,
              rounds: 1,
            })
            rows.push(row('typed arrays/step', c.arrays), row('bytes/step', c.bytes))
            if (e.system === 'cotangent' || e.system === 'cotangent-jit') {
              const by = Object.entries(c.byPrimitive)
                .sort(([, a], [, b]) => b - a)
                .map(([k, v]) => `${k} ${fmt(v)}`)
                .join(', ')
              log(
                `  kernel launches per W3 step, ${e.label}: ${fmt(c.tensors)} tensors created, ${fmt(c.primitives)} eager primitive evaluations (${by})`,
              )
              rows.push(
                row('tensors created/step', c.tensors),
                row('primitive evaluations/step', c.primitives),
              )
            }
          }
        }
        o.onRows?.(rows)
      } finally {
        for (const e of entrants) await e.close().catch(() => null)
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  log('')
  log(`load average at the end ${loadText()}`)
  return rows
}

const baselineOf = (rows: readonly ResultRow[]): ResultRow | null =>
  rows.find((r) => r.system === 'cotangent' && r.dtype === 'float32') ??
  rows.find((r) => r.system === 'cotangent') ??
  rows.find((r) => r.system === 'plain') ??
  null

const printTable = (
  w: Workload,
  rows: readonly ResultRow[],
  reference: number | null,
  loadStart: string,
  idleRssKb: number | null,
  log: (l: string) => void,
): void => {
  const base = baselineOf(rows)
  const baseName = base === null ? null : `${base.system} ${short(base.dtype)}`
  const better = w.direction === 'higher' ? 'higher is better' : 'lower is better'
  log(
    `  [${w.unit}, ${better}; median and min–max of ${String(rows[0]?.rounds ?? 0)} round(s); load ${loadStart} → ${loadText()}]`,
  )
  if (reference !== null)
    log(`  float64 reference loss of the initial weights on batch 0: ${reference.toFixed(6)}`)
  const header = [
    'system',
    'dtype',
    w.unit,
    'min–max',
    baseName === null ? '×' : `× ${baseName}`,
    ...(w.spec.kind === 'mlp' || w.spec.kind === 'app' ? ['loss first → last'] : []),
    'peak RSS MB',
    ...(idleRssKb === null ? [] : ['above idle MB']),
  ]
  const body = rows.map((r) => {
    const ratio =
      base === null
        ? ''
        : w.direction === 'higher'
          ? (r.value / base.value).toFixed(2)
          : (base.value / r.value).toFixed(2)
    return [
      r.system,
      short(r.dtype),
      fmt(r.value),
      `${fmt(r.min)}–${fmt(r.max)}`,
      ratio,
      ...(w.spec.kind === 'mlp' || w.spec.kind === 'app'
        ? [
            r.firstLoss === undefined
              ? '—'
              : `${r.firstLoss.toFixed(4)} → ${(r.lastLoss ?? Number.NaN).toFixed(4)}`,
          ]
        : []),
      r.peakRssMb === undefined ? '—' : fmt(r.peakRssMb),
      ...(idleRssKb === null
        ? []
        : [
            r.peakRssMb === undefined || r.system === 'torch' || r.system === 'numpy'
              ? '—'
              : fmt(r.peakRssMb - idleRssKb / 1024),
          ]),
    ]
  })
  log(
    textTable(header, body)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  )
  if (baseName !== null)
    log(
      `  × = ${w.direction === 'higher' ? `value / ${baseName}'s value` : `${baseName}'s value / value`}: above 1 is better than ${baseName}`,
    )
}
