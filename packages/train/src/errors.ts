/**
 * The typed errors of `fit`.
 * @module
 */
import type { EpochRecord } from './history.js'

/** Where a non-finite loss appeared. */
export type DivergencePhase = 'train' | 'dev'

/** What a diverged run had done so far, so that nothing is lost when `fit` throws. */
export interface DivergedRun<P = unknown, S = unknown> {
  /** The records of the epochs completed before the divergence. */
  readonly history: readonly EpochRecord[]
  /**
   * The last parameters whose leaves are all finite (usually those of the step before the divergence), with the
   * optimiser state that goes with them: resume from them with a lower learning rate.
   */
  readonly params: P
  readonly optState: S
  /** The checkpoint `fit` wrote before throwing (when `options.checkpoint` was set), or `null`. */
  readonly checkpoint: string | null
  /** Why that checkpoint could not be written, or `null`. */
  readonly checkpointError: string | null
}

const saved = (run: DivergedRun | undefined): string =>
  run === undefined
    ? ''
    : run.checkpoint !== null
      ? ` The last finite parameters and the history so far are in error.run and saved to ${run.checkpoint}.`
      : run.checkpointError !== null
        ? ` The last finite parameters and the history so far are in error.run (saving the checkpoint failed: ${run.checkpointError}).`
        : ' The last finite parameters and the history so far are in error.run.'

/**
 * Thrown by `fit` when a loss becomes NaN or ±Infinity: training diverged. Carries the epoch and step (both from 1;
 * `step` is 0 for the dev evaluation), the loss value and, from `fit`, the run so far ({@link DivergedRun}: history,
 * last finite parameters and optimiser state, checkpoint path). The message suggests a lower learning rate.
 */
export class DivergenceError<P = unknown, S = unknown> extends Error {
  override readonly name = 'DivergenceError'
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    readonly phase: DivergencePhase = 'train',
    readonly run?: DivergedRun<P, S>,
  ) {
    super(
      (phase === 'train'
        ? `fit: the training loss became ${String(loss)} at epoch ${epoch}, step ${step}: training diverged. Try a lower learning rate (or clip gradients with clipByGlobalNorm).`
        : `fit: the dev loss became ${String(loss)} after epoch ${epoch}: training diverged. Try a lower learning rate (or clip gradients with clipByGlobalNorm).`) +
        saved(run),
    )
  }
}

/** Where a non-finite value sits in a dataset. */
export interface DataLocation {
  /** `'train'` or `'dev'` (from `fit`), `'data'` (from `evaluate`). */
  readonly dataset: string
  /** `'x'` (inputs) or `'y'` (targets). */
  readonly field: 'x' | 'y'
  /** The example (row along axis 0) of the whole dataset. */
  readonly row: number
  /** The position inside the example (`[]` for a 1-D field; `[3]` is column 3 of a table). */
  readonly column: readonly number[]
  /** The value found: NaN, Infinity or -Infinity. */
  readonly value: number
}

/**
 * Thrown by `fit` and `evaluate` when the data holds NaN or ±Infinity: training on it would produce a NaN loss that looks like a
 * divergence. Names the dataset, the field, the row and the column, and the fix.
 */
export class NonFiniteDataError extends Error {
  override readonly name = 'NonFiniteDataError'
  constructor(
    readonly location: DataLocation,
    op = 'fit',
  ) {
    const { dataset, field, row, column, value } = location
    super(
      `${op}: ${dataset}.${field} has ${String(value)} at row ${row}${column.length === 0 ? '' : `, column ${column.length === 1 ? String(column[0]) : `[${column.join(',')}]`}`}: a model cannot train on non-finite values (the loss would be NaN). Clean the data first: drop or impute missing values, and check the loader's parsing and scaling.`,
    )
  }
}
