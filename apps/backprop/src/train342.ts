/**
 * The homework's experiments on the 3-4-2 net: hand-written gradients beside `grad`, one plain gradient step, and
 * an optimizer loop to a target mean MSE on a small training set, with restarts from fresh inits.
 * @module
 */
import * as A from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { adam, momentum, sgd, type GradientTransformation } from '@cotangent/optim'
import * as T from '@cotangent/tensor'
import type { Key } from '@cotangent/tensor'
import { fit, type EpochRecord, type Reporter } from '@cotangent/train'
import {
  autodiffGrads342,
  distance,
  forward342,
  initParams342,
  manualGrads342,
  meanMse342,
  PARAM_NAMES_342,
  sgdStep342,
  type Data342,
  type Params342,
} from './net342.js'

/** The optimizers the loop can use. */
export const OPTIMIZERS = ['adam', 'momentum', 'sgd'] as const

/** One of {@link OPTIMIZERS}. */
export type OptimizerName = (typeof OPTIMIZERS)[number]

/** The optimizer by name (momentum: β = 0.9). */
export const makeOptimizer = (name: OptimizerName, lr: number): GradientTransformation<unknown> => {
  switch (name) {
    case 'adam':
      return adam(lr)
    case 'momentum':
      return momentum(lr, 0.9)
    case 'sgd':
      return sgd(lr)
  }
}

/** The four distances ‖manual − grad‖₂ (one per parameter). */
export type Distances = Readonly<Record<(typeof PARAM_NAMES_342)[number], number>>

/** Hand-written gradients against `grad` at `p`: the distance per parameter. */
export const gradientDistances = (p: Params342, data: Data342): Distances => {
  const m = manualGrads342(p, data.X, data.Y)
  const a = autodiffGrads342(p, data.X, data.Y)
  return {
    W1: distance(m.W1, a.W1),
    B1: distance(m.B1, a.B1),
    W2: distance(m.W2, a.W2),
    B2: distance(m.B2, a.B2),
  }
}

/** The loss before and after one plain step `p ← p − lr·∇L` (with the hand-written gradient). */
export interface PlainStep {
  readonly lr: number
  readonly lossBefore: number
  readonly lossAfter: number
}

/** The homework's loss Σ(ŷ − Y)² at `p`, as a number. */
export const lossAt = (p: Params342<Value>, data: Data342): number =>
  A.item(A.sum(A.square(A.sub(forward342(p, data.X).yHat, data.Y))))

/** One plain gradient step with learning rate `lr`. */
export const plainStep = (p: Params342, data: Data342, lr: number): PlainStep => ({
  lr,
  lossBefore: lossAt(p, data),
  lossAfter: lossAt(sgdStep342(p, manualGrads342(p, data.X, data.Y), lr), data),
})

/** Settings of the optimizer loop. */
export interface LoopOptions {
  readonly optimizer: OptimizerName
  readonly lr: number
  /** Full-batch steps per attempt. */
  readonly steps: number
  /** Attempts at most (each from a fresh init); the loop stops at the first that reaches `target`. */
  readonly attempts: number
  /** The mean MSE to reach on the training set. */
  readonly target: number
}

/** One attempt of the loop. */
export interface Attempt {
  readonly attempt: number
  /** Mean MSE per step, measured before each step (the history's loss divided by the number of outputs). */
  readonly mseCurve: readonly number[]
  readonly finalTrainMse: number
  /** Hidden ReLU units that are inactive (z1 ≤ 0) on every training point at the end: they get no gradient. */
  readonly deadUnits: number
  /** Training outputs on the wrong side at the end (|ŷ − Y| > 0.5), and how many of them are saturated (σ′ < 0.01). */
  readonly wrongOutputs: number
  readonly saturatedWrong: number
  readonly reached: boolean
}

/** Dead ReLU units and wrong (and saturated wrong) outputs of the net at `p` on `data`. */
export const diagnose = (
  p: Params342,
  data: Data342,
): { readonly deadUnits: number; readonly wrongOutputs: number; readonly saturatedWrong: number } => {
  const f = forward342(p, data.X)
  const z1 = A.toArray(f.z1)
  const units = p.W1.shape[1]!
  const rows = data.X.shape[0]!
  const deadUnits = Array.from({ length: units }, (_, j) =>
    Array.from({ length: rows }, (_, i) => z1[i * units + j]!).every((z) => z <= 0),
  ).filter(Boolean).length
  const yHat = A.toArray(f.yHat)
  const y = T.toArray(data.Y)
  const wrong = Array.from(yHat, (v, i) => ({ wrong: Math.abs(v - y[i]!) > 0.5, slope: v * (1 - v) }))
  return {
    deadUnits,
    wrongOutputs: wrong.filter((w) => w.wrong).length,
    saturatedWrong: wrong.filter((w) => w.wrong && w.slope < 0.01).length,
  }
}

/** The outcome of the loop. */
export interface LoopResult {
  readonly attempts: readonly Attempt[]
  readonly params: Params342
  readonly trainMse: number
  readonly testMse: number
  readonly reached: boolean
}

const toTensors = (p: Params342<Value>): Params342 => ({
  W1: A.toTensor(p.W1),
  B1: A.toTensor(p.B1),
  W2: A.toTensor(p.W2),
  B2: A.toTensor(p.B2),
})

/**
 * Minimises L = Σ(ŷ − Y)² on `train` with full-batch steps; when an attempt ends above `target` (a ReLU unit that
 * died or a sigmoid output saturated on the wrong side), starts again from a fresh init (`fold(initKey, attempt)`).
 * Returns every attempt and the last one's parameters with their train and test mean MSE.
 */
export const optimizerLoop = (
  train: Data342,
  test: Data342,
  initKey: Key,
  o: LoopOptions,
  reporter: (attempt: number) => Reporter,
): LoopResult => {
  const n = train.Y.size
  const run = (
    k: number,
    done: readonly Attempt[],
  ): { readonly attempts: readonly Attempt[]; readonly params: Params342 } => {
    const p0 = k === 0 ? initParams342(initKey) : initParams342(T.fold(initKey, k))
    const r = fit({
      model: { apply: (p: Params342<Value>, x: Value) => forward342(p, x).yHat },
      params: p0,
      loss: (out, y) => A.sum(A.square(A.sub(out, y))),
      optimizer: makeOptimizer(o.optimizer, o.lr),
      train: { x: train.X, y: train.Y },
      epochs: o.steps,
      batchSize: train.X.shape[0]!,
      seed: k,
      shuffle: false,
      reporter: reporter(k + 1),
    })
    const params = toTensors(r.params)
    const finalTrainMse = meanMse342(params, train)
    const attempt: Attempt = {
      attempt: k + 1,
      mseCurve: r.history.map((h: EpochRecord) => h.trainLoss / n),
      finalTrainMse,
      ...diagnose(params, train),
      reached: finalTrainMse < o.target,
    }
    const all = [...done, attempt]
    return attempt.reached || k + 1 >= o.attempts ? { attempts: all, params } : run(k + 1, all)
  }
  const { attempts, params } = run(0, [])
  const trainMse = meanMse342(params, train)
  return { attempts, params, trainMse, testMse: meanMse342(params, test), reached: trainMse < o.target }
}
