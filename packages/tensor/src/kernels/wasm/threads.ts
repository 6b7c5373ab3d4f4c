/**
 * Helper threads for the WebAssembly GEMM (Node.js only): a large product's kernel runs on the calling thread and
 * on up to {@link numThreads} − 1 helper threads at once, over one shared wasm memory.
 *
 * Only the kernel is split; packing and copying stay on the caller. The product is cut into chunks of whole row
 * panels of A (when A has more panels than B) or column panels of B, and every thread takes the next chunk from a
 * shared counter until none is left; the caller waits only for the chunks a helper has already taken. A helper the
 * system has not scheduled yet therefore costs nothing (the caller does its chunks), which keeps products fast on a
 * loaded machine. Each element of C is computed by one call of the same kernel over the same k blocks, so the result
 * is bitwise the same on any number of threads.
 *
 * Threads exist where the engine has `SharedArrayBuffer` and Node's `worker_threads`: the package's `#thread-host`
 * import resolves to `host-node.ts` under the `node` condition and to `host-browser.ts` (no threads) elsewhere, so a
 * browser bundle holds no Node-only code and products there stay single-threaded.
 * Helpers start at the first product large enough to be split, are `unref`ed (they never keep a process alive) and
 * wait in `Atomics.wait` between products.
 * @module
 */
import { host } from '#thread-host'
import type { ThreadHost } from './host.js'

/** True when products can use helper threads here (Node.js with shared memory). */
export const threadsSupported = (): boolean => host !== undefined

/** Most helper threads one product uses (so at most this + 1 threads in all). */
const MAX_HELPERS = 15

/**
 * The default thread count: `COTANGENT_NUM_THREADS` if set, else the cores Node reports, at most 4; 1 without
 * threads (browsers). Exported for the tests.
 * @throws RangeError naming the variable when it is set to anything but an integer from 1 to 16
 */
export const threadsFrom = (h: ThreadHost | undefined): number => {
  if (h === undefined) return 1
  const env = h.envThreads
  if (env !== undefined && env !== '') {
    const n = Number(env)
    if (!Number.isInteger(n) || n < 1 || n > MAX_HELPERS + 1)
      throw new RangeError(
        `COTANGENT_NUM_THREADS: expected an integer from 1 to ${String(MAX_HELPERS + 1)}, got '${env}' (set a thread count, or unset it for one per core)`,
      )
    return n
  }
  return Math.max(1, Math.min(h.cores, 4))
}

let threads: number | undefined

/**
 * The number of threads a large matrix product may run on (the caller's included): `COTANGENT_NUM_THREADS` when
 * set, else the number of cores, at most 4; always 1 where threads are not supported (browsers).
 * @throws RangeError when `COTANGENT_NUM_THREADS` is set to anything but an integer from 1 to 16
 */
export const numThreads = (): number => (threads ??= threadsFrom(host))

/**
 * Sets the number of threads large matrix products run on (like PyTorch's `torch.set_num_threads`): 1 keeps them
 * on the calling thread. Where threads are not supported (browsers) products stay on one thread whatever is set.
 * Results do not depend on it: every element is computed the same way on any number of threads.
 * @throws RangeError when `n` is not an integer from 1 to 16
 */
export const setNumThreads = (n: number): void => {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HELPERS + 1)
    throw new RangeError(
      `setNumThreads: expected an integer from 1 to ${String(MAX_HELPERS + 1)}, got ${String(n)}`,
    )
  threads = n
}

/** Products with fewer multiply–adds run on one thread (waking a helper costs more than it saves). */
export const MIN_THREADED_MACS = 2 ** 20

// The control block, an Int32Array over a SharedArrayBuffer: the job's fields, written by the caller while every
// helper is idle and read by the helpers it then wakes, then one state per helper.
const NEXT = 0 // the next chunk to take (Atomics.add)
const DONE = 1 // chunks finished by helpers
// 2–15: the job, read by the chunk code below: 2 float64?, 3 A, 4 B, 5 C (byte addresses), 6 row panels, 7 k,
// 8 column panels, 9 C's row bytes, 10 k block, 11 split (0 rows of A, 1 columns of B), 12 panels per chunk,
// 13 chunks, 14 operand bytes per panel and k, 15 C bytes per panel
const F64 = 2
const COUNT = 13
const ERRORS = 16 // chunks whose kernel threw on a helper
const HELPED = 17 // chunks helpers have run, in all (tests)
const STATE = 18 // + helper index: IDLE, POSTED, BUSY or STARTING
const IDLE = 0
const POSTED = 1
const STARTING = 4

/**
 * Runs chunk `i` of the job in control block `c` with the kernels `f32` and `f64` (one source for the caller and the
 * helpers, which run it through `new Function`).
 */
const CHUNK_SOURCE = `
const per = c[12], p0 = i * per, kk = c[7], f = c[2] === 1 ? f64 : f32
if (c[11] === 0) f(c[3] + p0 * kk * c[14], c[4], c[5] + p0 * c[15], Math.min(per, c[6] - p0), kk, c[8], c[9], c[10])
else f(c[3], c[4] + p0 * kk * c[14], c[5] + p0 * c[15], c[6], kk, Math.min(per, c[8] - p0), c[9], c[10])
`

/** A helper: instantiates the module on the shared memory, then runs the chunks of each job it is woken for. */
const WORKER_SOURCE = `
const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports
const c = new Int32Array(d.control)
const chunk = new Function('f32', 'f64', 'c', 'i', d.chunk)
const me = ${String(STATE)} + d.index
Atomics.store(c, me, ${String(IDLE)})
ready()
for (;;) {
  Atomics.wait(c, me, ${String(IDLE)})
  if (Atomics.compareExchange(c, me, ${String(POSTED)}, 2) !== ${String(POSTED)}) continue
  for (;;) {
    const i = Atomics.add(c, ${String(NEXT)}, 1)
    if (i >= c[${String(COUNT)}]) break
    try { chunk(ex.gemm_f32, ex.gemm_f64, c, i) } catch { Atomics.add(c, ${String(ERRORS)}, 1) }
    Atomics.add(c, ${String(HELPED)}, 1)
    Atomics.add(c, ${String(DONE)}, 1)
    Atomics.notify(c, ${String(DONE)})
  }
  Atomics.store(c, me, ${String(IDLE)})
}
`

/** A GEMM kernel of the module: `(ap, bp, cp, mp, kk, np, ldc, kc)`, byte addresses and panel counts. */
export type Kernel = (
  ap: number,
  bp: number,
  cp: number,
  mp: number,
  kk: number,
  np: number,
  ldc: number,
  kc: number,
) => void

/** The helper threads of one instance of the GEMM module (its compiled module and shared memory). */
export interface Pool {
  /**
   * Runs the kernel on this thread and the idle helpers, or returns false having done nothing (no helper wanted or
   * idle, or a helper still finishing an earlier product): the caller then runs it. The caller leaves products of
   * fewer than {@link MIN_THREADED_MACS} multiply–adds to itself.
   * `MR` and `W` are the panels' rows of A and columns of B, `es` the bytes per element.
   */
  readonly run: (f64: boolean, ...job: [...Parameters<Kernel>, MR: number, W: number, es: number]) => boolean
  /** Helpers started so far, and the chunks they have run in all. */
  readonly stats: () => { readonly helpers: number; readonly helperChunks: number }
  /** Resolves when every helper wanted now has started (tests). */
  readonly ready: () => Promise<void>
}

/** Internal hook (tests): when on, the caller takes no chunk itself, so every chunk runs on a helper. */
let helpersOnly = false

/** Internal hook (not exported by the package): see {@link helpersOnly}. */
export const setHelpersOnly = (on: boolean): void => {
  helpersOnly = on
}

/** Helpers a product may use now. */
const wanted = (): number => Math.min(numThreads() - 1, MAX_HELPERS)

/** The helpers of `module` instantiated on the shared `memory`, whose kernels `f32` and `f64k` this thread uses. */
export const makePool = (module: object, memory: object, f32: Kernel, f64k: Kernel): Pool | undefined => {
  const th = host
  if (th === undefined) return undefined
  const c = new Int32Array(new SharedArrayBuffer((STATE + MAX_HELPERS) * 4))
  for (let h = 0; h < MAX_HELPERS; h++) c[STATE + h] = STARTING
  /* eslint-disable-next-line @typescript-eslint/no-implied-eval */
  const chunk = new Function('f32', 'f64', 'c', 'i', CHUNK_SOURCE) as (
    f32: Kernel,
    f64: Kernel,
    c: Int32Array,
    i: number,
  ) => void
  const started: Promise<void>[] = []
  let broken = false
  const ensure = (want: number): void => {
    while (started.length < want && !broken) {
      const index = started.length
      try {
        const w = th.spawn(WORKER_SOURCE, { module, memory, control: c.buffer, index, chunk: CHUNK_SOURCE })
        w.unref()
        started.push(
          new Promise((resolve) => {
            // once: a listener left on 'message' would keep the process alive
            w.once('message', () => {
              resolve()
            })
            // a helper that failed to start or stopped is never woken again (it is not IDLE)
            w.on('error', () => {
              Atomics.store(c, STATE + index, STARTING)
              resolve()
            })
            w.on('exit', () => {
              Atomics.store(c, STATE + index, STARTING)
              resolve()
            })
          }),
        )
      } catch {
        broken = true
      }
    }
  }
  const posted: number[] = []
  return {
    run: (f64, ap, bp, cp, mp, kk, np, ldc, kc, MR, W, es) => {
      const want = wanted()
      if (want < 1) return false
      ensure(want)
      posted.length = 0
      for (let h = 0; h < started.length; h++) {
        const s = Atomics.load(c, STATE + h)
        // a helper still in an earlier product may read the job's fields: leave this one to the caller
        if (s !== IDLE && s !== STARTING) return false
        if (s === IDLE && h < want) posted.push(h)
      }
      if (posted.length === 0) return false
      const rows = mp >= np
      const total = rows ? mp : np
      const per = Math.ceil(total / Math.min(total, 4 * (posted.length + 1)))
      const count = Math.ceil(total / per)
      c[F64] = f64 ? 1 : 0
      c[3] = ap
      c[4] = bp
      c[5] = cp
      c[6] = mp
      c[7] = kk
      c[8] = np
      c[9] = ldc
      c[10] = kc
      c[11] = rows ? 0 : 1
      c[12] = per
      c[COUNT] = count
      c[14] = (rows ? MR : W) * es
      c[15] = rows ? MR * ldc : W * es
      c[ERRORS] = 0
      Atomics.store(c, DONE, 0)
      Atomics.store(c, NEXT, 0)
      for (const h of posted) {
        Atomics.store(c, STATE + h, POSTED)
        Atomics.notify(c, STATE + h)
      }
      let mine = 0
      if (!helpersOnly)
        for (;;) {
          const i = Atomics.add(c, NEXT, 1)
          if (i >= count) break
          chunk(f32, f64k, c, i)
          mine++
        }
      // wait for the chunks helpers took; a helper that made no progress for a minute has died with its chunk
      let stalls = 0
      for (let d = Atomics.load(c, DONE); d + mine < count; d = Atomics.load(c, DONE)) {
        if (Atomics.wait(c, DONE, d, 1000) !== 'timed-out') stalls = 0
        else if (++stalls > 60) throw new Error('matmul: a helper thread stopped in the middle of a product')
      }
      if (c[ERRORS] !== 0)
        throw new Error(`matmul: the wasm kernel failed on a helper thread (${String(c[ERRORS])} chunks)`)
      return true
    },
    stats: () => ({ helpers: started.length, helperChunks: Atomics.load(c, HELPED) }),
    ready: async () => {
      ensure(wanted())
      await Promise.all(started)
    },
  }
}
