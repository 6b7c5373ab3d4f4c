/** What every system implements: a runner per (workload, dtype), set up once and run once per round. */
import type { DataFile } from '../workloads.js'

/**
 * The systems the harness knows. `cotangent` is the eager user loop, `cotangent-jit` the same loop with the whole
 * step under one `ct.jit`. `torch` and `numpy` run in Python (bench/python/peers.py).
 */
export const SYSTEMS = ['cotangent', 'cotangent-jit', 'tfjs-cpu', 'tfjs-wasm', 'jaxjs', 'plain', 'torch', 'numpy'] as const

/** A system's id. */
export type SystemId = (typeof SYSTEMS)[number]

/** A floating dtype. */
export type FloatDType = 'float32' | 'float64'

/**
 * One timed run. `ms` is the timed part only (no setup, no data conversion). Training runs give the loss before
 * the first step (`first`) and after the last step's update (`last`); W5 also gives `baseMs`, the forward's time.
 */
export interface Sample {
  readonly ms: number
  readonly baseMs?: number
  readonly first?: number
  readonly last?: number
  /**
   * Compiled systems: the wall time of the compiled step's first call (staging, the compiler's passes, code
   * generation and one run), measured once at setup; the same number in every sample.
   */
  readonly compileMs?: number
  /** Compiled systems: the part of that first call spent staging and compiling (`ct.jit`'s `stats().compileMs`). */
  readonly stagingMs?: number
  /** Compiled systems: the jitted step's `stats().compiles` after this run (1 when nothing recompiled). */
  readonly compiles?: number
}

/** A set-up workload: `run` repeats the same work from the same initial state each time. */
export interface Runner {
  readonly run: () => Promise<Sample>
  /** Matmul workloads: the product, read back, so the harness can check it against a float64 reference. */
  readonly output?: () => Promise<ArrayLike<number>>
}

/** Builds a runner for one system, dtype and data file. */
export type SetupFn = (data: DataFile, dtype: FloatDType) => Promise<Runner>
