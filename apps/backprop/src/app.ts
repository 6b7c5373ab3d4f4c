/**
 * The backprop app: hand-written backpropagation next to autodiff (the 3-4-2 net of the PyTorch homework and the
 * two-layer net of the deep-learning homework). `npm run backprop -- --help` lists the flags.
 * @module
 */
import {
  defineApp,
  enumCodec,
  NonNegativeInt,
  numberCodec,
  opt,
  PositiveInt,
  PositiveNumber,
} from '@cotangent/cli'
import * as T from '@cotangent/tensor'
import { generateData, initParams342, PARAM_NAMES_342, type Data342 } from './net342.js'
import { backpropReport, TOLERANCE, worstDifference, type BackpropResults } from './report.js'
import { gradientDistances, OPTIMIZERS, optimizerLoop, plainStep } from './train342.js'
import { compareSetting, SETTINGS } from './twolayer.js'

/** Mean MSE on `test` of the constant prediction: the training set's frequency of each label. */
export const baselineMse = (train: Data342, test: Data342): number =>
  T.item(T.mean(T.square(T.sub(test.Y, T.mean(train.Y, { axis: 0, keepdims: true })))))

/** A batch of two or more rows: the homework's backward pass sums over the batch, which one row would not test. */
export const BatchSize = numberCodec('an integer ≥ 2', (x) => Number.isSafeInteger(x) && x >= 2)

/** The app (run it with `app.main(argv)` or `runApp(app, config)` from `@cotangent/cli`). */
export const app = defineApp({
  name: 'backprop',
  description:
    'Hand-written backpropagation next to autodiff: the 3-4-2 net and the two-layer net of the homeworks.',
  flags: {
    trainSize: opt(PositiveInt, 20, 'training points of the 3-4-2 net'),
    testSize: opt(PositiveInt, 100, 'fresh points to measure generalisation on'),
    stepLr: opt(PositiveNumber, 0.01, 'learning rate of the single plain gradient step'),
    optimizer: opt(enumCodec(OPTIMIZERS), 'adam', 'optimizer of the training loop'),
    lr: opt(PositiveNumber, 0.1, 'learning rate of the training loop'),
    steps: opt(PositiveInt, 2000, 'full-batch steps per attempt of the training loop'),
    attempts: opt(PositiveInt, 10, 'attempts (fresh inits) at most until the target is reached'),
    target: opt(PositiveNumber, 0.01, 'the training mean MSE to reach'),
    batch: opt(BatchSize, 10, 'batch size of the two-layer comparison'),
    hidden: opt(PositiveInt, 20, 'hidden width of the two-layer net'),
    controlSize: opt(
      NonNegativeInt,
      200,
      'training points of the control run (same loop, one attempt) that shows more data generalising better; 0 skips it',
    ),
  },
  run: (config, io) => {
    const [kData, kTest, kInit, kTwo] = T.splitKey(T.key(config.seed), 4)
    const train = generateData(config.trainSize, kData!)
    const test = generateData(config.testSize, kTest!)
    const p0 = initParams342(kInit!)
    const distances = gradientDistances(p0, train)
    io.log(
      `3-4-2 net: ‖manual − grad‖ = ${PARAM_NAMES_342.map((n) => `${n} ${distances[n].toExponential(2)}`).join(', ')}`,
    )
    const step = plainStep(p0, train, config.stepLr)
    const loop = optimizerLoop(train, test, kInit!, config, (attempt) =>
      io.reporter({ label: `attempt ${String(attempt)}`, total: config.steps }),
    )
    const control =
      config.controlSize === 0
        ? null
        : (() => {
            const big = generateData(config.controlSize, T.fold(kData!, 1))
            const r = optimizerLoop(big, test, kInit!, { ...config, attempts: 1 }, () =>
              io.reporter({ label: 'control', total: config.steps }),
            )
            return { trainSize: config.controlSize, trainMse: r.trainMse, testMse: r.testMse }
          })()
    const sizes = { batch: config.batch, inDim: 2, hidden: config.hidden, outDim: 5 }
    const comparisons = SETTINGS.map((s, i) => compareSetting(s, sizes, T.fold(kTwo!, i)))
    const results: BackpropResults = {
      trainSize: config.trainSize,
      testSize: config.testSize,
      distances,
      shapes342: { W1: p0.W1.shape, B1: p0.B1.shape, W2: p0.W2.shape, B2: p0.B2.shape },
      plainStep: step,
      loop,
      loopSettings: {
        optimizer: config.optimizer,
        lr: config.lr,
        steps: config.steps,
        target: config.target,
      },
      baselineTestMse: baselineMse(train, test),
      control,
      comparisons,
    }
    const worst = worstDifference(results)
    const headline =
      `backprop: manual = grad (worst difference ${worst.toExponential(1)}${worst <= TOLERANCE ? ' ≤ 1e-12' : ' > 1e-12!'}); ` +
      `train MSE ${loop.trainMse.toExponential(1)} ${loop.reached ? '<' : '≥'} ${String(config.target)} after ${String(loop.attempts.length)} attempt(s); ` +
      `fresh MSE ${loop.testMse.toFixed(3)}`
    const summary = [
      `plain step (lr ${String(config.stepLr)}): L ${step.lossBefore.toFixed(4)} → ${step.lossAfter.toFixed(4)}`,
      `optimizer loop: ${loop.attempts.map((a) => `attempt ${String(a.attempt)} MSE ${a.finalTrainMse.toExponential(2)}`).join(', ')}`,
      `mean MSE: train (${String(config.trainSize)}) ${loop.trainMse.toExponential(2)}, fresh (${String(config.testSize)}) ${loop.testMse.toFixed(4)}, constant guess ${results.baselineTestMse.toFixed(4)}`,
      ...comparisons.map(
        (c) =>
          `two-layer ${c.setting.name}: max |manual − grad| ${Math.max(...Object.values(c.maxAbsDiff)).toExponential(2)}`,
      ),
    ]
    const missed = [
      ...(worst <= TOLERANCE
        ? []
        : [`a manual gradient differs from grad by ${worst.toExponential(2)} > ${String(TOLERANCE)}`]),
      ...(step.lossAfter < step.lossBefore
        ? []
        : [`the plain step did not lower the loss (${String(step.lossBefore)} → ${String(step.lossAfter)})`]),
      ...(loop.reached
        ? []
        : [
            `the optimizer loop ended at train MSE ${loop.trainMse.toExponential(2)}, not below the target ${String(config.target)}, after ${String(loop.attempts.length)} attempt(s)`,
          ]),
    ]
    return Promise.resolve({
      headline,
      summary,
      missed,
      report: backpropReport(results),
      history: {
        distances,
        plainStep: step,
        attempts: loop.attempts,
        trainMse: loop.trainMse,
        testMse: loop.testMse,
        baselineTestMse: results.baselineTestMse,
        control,
        twoLayer: comparisons.map((c) => ({
          setting: c.setting.name,
          lossManual: c.manual.loss,
          lossLibrary: c.autodiffLoss,
          maxAbsDiff: c.maxAbsDiff,
        })),
      },
    })
  },
})

export default app
