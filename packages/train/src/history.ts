/**
 * The records `fit` produces and the reporter interface it talks to.
 * @module
 */

/** One epoch of training, as stored in the history (and in checkpoints). Epochs count from 1. */
export interface EpochRecord {
  readonly epoch: number
  /** Mean training loss over the epoch's batches (weighted by batch size), measured before each update. */
  readonly trainLoss: number
  /** Mean training metrics, measured like `trainLoss`. */
  readonly trainMetrics: Readonly<Record<string, number>>
  /** Loss on the dev set after the epoch (inference mode), or `null` without a dev set. */
  readonly devLoss: number | null
  /** Metrics on the dev set after the epoch, or `null` without a dev set. */
  readonly devMetrics: Readonly<Record<string, number>> | null
  /** Wall time of the epoch in seconds (training and dev evaluation). Not reproducible. */
  readonly seconds: number
  /** Training throughput in examples per second. Not reproducible. */
  readonly samplesPerSecond: number
}

/** What a reporter is told when `fit` starts. */
export interface FitInfo {
  readonly epochs: number
  readonly stepsPerEpoch: number
  readonly batchSize: number
  readonly trainSize: number
  readonly devSize: number | null
}

/** Progress within an epoch (steps count from 1). */
export interface StepInfo {
  readonly epoch: number
  readonly step: number
  readonly stepsPerEpoch: number
  /** Loss of this step's batch. */
  readonly loss: number
  /** Running mean of the epoch's training loss so far. */
  readonly meanLoss: number
  /** Examples processed so far in this epoch. */
  readonly samples: number
  /** Seconds since the epoch started. */
  readonly seconds: number
}

/** The outcome of a run, as reported at the end. */
export interface FitSummary {
  readonly epochsRun: number
  readonly bestEpoch: number
  /** The monitored quantity and its best value. */
  readonly monitor: string
  readonly bestValue: number
  readonly stoppedEarly: boolean
}

/** Receives progress from `fit`. Every callback is optional; reporters do I/O and never change the training. */
export interface Reporter {
  readonly start?: (info: FitInfo) => void
  readonly step?: (info: StepInfo) => void
  readonly epoch?: (record: EpochRecord, info: FitInfo) => void
  readonly end?: (summary: FitSummary) => void
  /** Called when `fit` fails (e.g. divergence), so a progress bar can be stopped cleanly. */
  readonly abort?: (error: unknown) => void
}
