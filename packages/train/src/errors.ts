/**
 * The typed error of `fit`.
 * @module
 */

/** Where a non-finite loss appeared. */
export type DivergencePhase = 'train' | 'dev'

/**
 * Thrown by `fit` when a loss becomes NaN or ±Infinity: training diverged. Carries the epoch and step (both from 1;
 * `step` is 0 for the dev evaluation) and the loss value; the message suggests a lower learning rate.
 */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError'
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    readonly phase: DivergencePhase = 'train',
  ) {
    super(
      phase === 'train'
        ? `fit: the training loss became ${String(loss)} at epoch ${epoch}, step ${step}: training diverged. Try a lower learning rate (or clip gradients with clipByGlobalNorm).`
        : `fit: the dev loss became ${String(loss)} after epoch ${epoch}: training diverged. Try a lower learning rate (or clip gradients with clipByGlobalNorm).`,
    )
  }
}
