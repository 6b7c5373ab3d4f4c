/** The harness's flags, decoded into options (a bad flag is a message naming it and what is allowed). */
import { parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import type { HarnessOptions } from './harness.js'
import { SYSTEMS, type SystemId } from './systems/types.js'
import { fullWorkloads, quickWorkloads, type Workload } from './workloads.js'

/** The flags, as `--help` prints them. */
export const HELP = `npm run bench -- [flags]

  --quick              smoke run: tiny step counts, one round, no warm-up, in-process; checks losses fall, no timing claims
  --workloads LIST     comma-separated groups or ids: W1,W2,W3,W4,W5,W6,W7 or W4-1024, W6-iris, W7-imdb, … (default: all)
  --systems LIST       comma-separated: ${SYSTEMS.join(',')} (default: all)
  --rounds N           timed interleaved rounds (default 5; --quick 1)
  --warmup N           untimed rounds first (default 1; --quick 0)
  --in-process         run the JavaScript systems in this process (no peak RSS; default with --quick)
  --isolate            each system in its own process (default without --quick)
  --scale F            multiply W1–W3's step counts and W4–W5's repetitions by F (0 < F ≤ 1; for a loaded machine;
                       printed in every table's title)
  --seed N             data and initial-weight seed (default 0)
  --out FILE           where the JSON rows go (default bench/results.json; --quick: a file in the temp folder)
  --python PATH        the Python for torch/numpy (default /usr/bin/python3)
  --relaxed-simd       start the JavaScript children with --experimental-wasm-relaxed-simd, so the GEMM uses its
                       fused multiply-add variant on Node 20 (Node >= 22 has it by default); needs --isolate
  --verbose            pass the child processes' own output through
  --help               this text`

/** A workload with its step count (W1–W3) or repetitions (W4, W5) multiplied by `f`, its title saying so. */
export const scaled = (w: Workload, f: number): Workload => {
  const s = w.spec
  const tag = (what: string): string => `${w.title} [--scale ${String(f)}: ${what}]`
  switch (s.kind) {
    case 'mlp': {
      const steps = Math.max(2, Math.round(s.steps * f))
      return { ...w, title: tag(`${String(steps)} steps`), spec: { ...s, steps } }
    }
    case 'overhead':
    case 'matmul': {
      const reps = Math.max(1, Math.round(s.reps * f))
      return { ...w, title: tag(`${String(reps)} repetition(s) per round`), spec: { ...s, reps } }
    }
    case 'app':
      return w
  }
}

/** Decoded flags. */
export interface BenchFlags {
  readonly quick: boolean
  readonly out: string | null
  /** The `--scale` factor (1 when not given). */
  readonly scale: number
  readonly harness: Omit<HarnessOptions, 'log'>
}

const positiveInt = (
  name: string,
  v: string | undefined,
  dflt: number,
  min: number,
): E.Either<string, number> => {
  if (v === undefined) return E.right(dflt)
  const n = Number(v)
  return Number.isInteger(n) && n >= min
    ? E.right(n)
    : E.left(`--${name}: got ${JSON.stringify(v)}, expected an integer ≥ ${String(min)}`)
}

const list = (v: string | undefined): string[] | null =>
  v === undefined
    ? null
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)

/** Decodes argv; `Left('help')` for --help, `Left(message)` for a bad flag. */
export const decodeFlags = (argv: readonly string[]): E.Either<string, BenchFlags> => {
  const parse = (a: readonly string[]) =>
    parseArgs({
      args: [...a],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        workloads: { type: 'string' },
        systems: { type: 'string' },
        rounds: { type: 'string' },
        warmup: { type: 'string' },
        'in-process': { type: 'boolean' },
        isolate: { type: 'boolean' },
        scale: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        python: { type: 'string' },
        verbose: { type: 'boolean' },
        'relaxed-simd': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    })
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (e) {
    return E.left(e instanceof Error ? e.message : String(e))
  }
  const v = parsed.values
  if (v.help === true) return E.left('help')
  const quick = v.quick === true
  if (v['in-process'] === true && v.isolate === true)
    return E.left('--in-process and --isolate exclude each other')
  const isolate = v.isolate === true || (!quick && v['in-process'] !== true)
  if (v['relaxed-simd'] === true && !isolate)
    return E.left(
      '--relaxed-simd: the flag is given to child processes, so it needs --isolate (drop --in-process)',
    )
  const all = quick ? quickWorkloads() : fullWorkloads()
  const wl = list(v.workloads)
  let workloads: readonly Workload[] = all
  if (wl !== null) {
    const known = new Set(all.flatMap((w) => [w.id, w.group]))
    const bad = wl.filter((x) => !known.has(x))
    if (bad.length > 0)
      return E.left(`--workloads: unknown ${bad.join(', ')} (known: ${[...known].join(', ')})`)
    const want = new Set(wl)
    workloads = all.filter((w) => want.has(w.id) || want.has(w.group))
  }
  const sl = list(v.systems)
  let systems: readonly SystemId[] = SYSTEMS
  if (sl !== null) {
    const bad = sl.filter((s) => !(SYSTEMS as readonly string[]).includes(s))
    if (bad.length > 0) return E.left(`--systems: unknown ${bad.join(', ')} (known: ${SYSTEMS.join(', ')})`)
    systems = SYSTEMS.filter((s) => sl.includes(s))
  }
  const rounds = positiveInt('rounds', v.rounds, quick ? 1 : 5, 1)
  const warmup = positiveInt('warmup', v.warmup, quick ? 0 : 1, 0)
  const seed = positiveInt('seed', v.seed, 0, 0)
  const scaleN = v.scale === undefined ? 1 : Number(v.scale)
  if (!(scaleN > 0 && scaleN <= 1))
    return E.left(`--scale: got ${JSON.stringify(v.scale)}, expected a number in (0, 1]`)
  if (E.isLeft(rounds)) return rounds
  if (E.isLeft(warmup)) return warmup
  if (E.isLeft(seed)) return seed
  const sized = scaleN === 1 ? workloads : workloads.map((w) => scaled(w, scaleN))
  return E.right({
    quick,
    out: v.out ?? null,
    scale: scaleN,
    harness: {
      workloads: sized,
      systems,
      rounds: rounds.right,
      warmup: warmup.right,
      isolate,
      seed: seed.right,
      python: v.python ?? '/usr/bin/python3',
      verbose: v.verbose === true,
      relaxedSimd: v['relaxed-simd'] === true,
    },
  })
}
