/**
 * The backprop app's report blocks and headline, built from the measured numbers.
 * @module
 */
import { curvesFigure, heading, list, paragraph, table, type Block } from '@cotangent/cli'
import { PARAM_NAMES_342, PARAMETER_COUNT_342 } from './net342.js'
import type { Attempt, Distances, LoopResult, PlainStep } from './train342.js'
import { shapeTable, TWO_LAYER_PARAMS, type Comparison } from './twolayer.js'

/** Everything the report is written from. */
export interface BackpropResults {
  readonly trainSize: number
  readonly testSize: number
  readonly distances: Distances
  readonly shapes342: Readonly<Record<(typeof PARAM_NAMES_342)[number], readonly number[]>>
  readonly plainStep: PlainStep
  readonly loop: LoopResult
  readonly loopSettings: {
    readonly optimizer: string
    readonly lr: number
    readonly steps: number
    readonly target: number
  }
  /** Mean MSE on the test set of the constant prediction "the training set's label frequencies". */
  readonly baselineTestMse: number
  /** The same loop (one attempt) on a larger training set, or `null` when switched off (`--control-size 0`). */
  readonly control: { readonly trainSize: number; readonly trainMse: number; readonly testMse: number } | null
  readonly comparisons: readonly Comparison[]
}

/** The tolerance the comparisons are held to. */
export const TOLERANCE = 1e-12

const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(2))
const fix = (x: number, d = 4): string => x.toFixed(d)
const shape = (s: readonly number[]): string => `[${s.join(', ')}]`

/** The largest of the four distances and of every two-layer difference. */
export const worstDifference = (r: BackpropResults): number =>
  Math.max(
    ...PARAM_NAMES_342.map((n) => r.distances[n]),
    ...r.comparisons.flatMap((c) => TWO_LAYER_PARAMS.map((n) => c.maxAbsDiff[n])),
  )

/** The sentence on generalisation, from the numbers. */
export const overfittingSentence = (r: BackpropResults): string => {
  const { trainMse, testMse } = r.loop
  const ratio = trainMse > 0 ? `${(testMse / trainMse).toFixed(0)}×` : 'infinitely many times'
  const vsBaseline =
    testMse > r.baselineTestMse
      ? `even worse than always predicting the training set's label frequencies (${fix(r.baselineTestMse)})`
      : `only ${fix(r.baselineTestMse - testMse)} better than always predicting the training set's label frequencies (${fix(r.baselineTestMse)})`
  if (testMse < 2 * trainMse)
    return `On ${r.testSize} fresh points the mean MSE is ${fix(testMse)} against ${sci(trainMse)} on the training points: no sign of overfitting at this setting.`
  return (
    `On ${r.testSize} fresh points the mean MSE is ${fix(testMse)}, ${ratio} the training MSE of ${sci(trainMse)} and ` +
    `${vsBaseline}. With ${PARAMETER_COUNT_342} parameters for ${r.trainSize} points (${2 * r.trainSize} targets) the ` +
    `optimizer drives the training error to almost zero by fitting these particular points — pushing the sigmoids to ` +
    `saturation on each of them — rather than the rule behind the labels (a norm threshold and a sign-dependent sum): ` +
    `the net has overfitted its ${r.trainSize} training points` +
    (testMse > r.baselineTestMse
      ? ', and its confident mistakes on new points cost more than a constant guess.'
      : '.') +
    controlSentence(r)
  )
}

const controlSentence = (r: BackpropResults): string => {
  const c = r.control
  if (c === null) return ''
  const closes = c.testMse < r.loop.testMse
  return (
    ` Control: the same loop on ${String(c.trainSize)} training points ends at a training MSE of ${fix(c.trainMse)} ` +
    `and a fresh MSE of ${fix(c.testMse)}` +
    (closes
      ? ` — with more data the net can no longer memorise every point, and the fresh error drops.`
      : ` — more data did not lower the fresh error at this setting.`)
  )
}

/** How much the mean MSE fell over the last quarter of an attempt's steps. */
export const lastQuarterDrop = (a: Attempt): number => {
  const c = a.mseCurve
  return c.length < 2 ? 0 : c[Math.floor((3 * (c.length - 1)) / 4)]! - c[c.length - 1]!
}

/** Why the stalled attempts stalled, from their end states. */
export const stallSentence = (stuck: readonly Attempt[]): string => {
  const wrong = stuck.map((a) => a.wrongOutputs)
  const saturated = stuck.reduce((n, a) => n + a.saturatedWrong, 0)
  const dead = stuck.reduce((n, a) => n + a.deadUnits, 0)
  const causes = [
    ...(saturated > 0
      ? [
          `${String(saturated)} wrong output(s) sit in the flat tail of the sigmoid (σ′ < 0.01), where almost no gradient flows back`,
        ]
      : []),
    ...(dead > 0
      ? [
          `${String(dead)} hidden ReLU unit(s) are inactive on every training point and get no gradient at all`,
        ]
      : []),
  ]
  return (
    `They end with ${wrong.join(', ')} output(s) still on the wrong side of 0.5. ` +
    (causes.length > 0
      ? `${causes.join('; ')}.`
      : `None of these outputs is saturated and no ReLU unit is dead, yet over the last quarter of the steps the mean MSE ` +
        `fell by only ${stuck.map((a) => sci(lastQuarterDrop(a))).join(', ')}: the optimizer is stuck in a flat region or a ` +
        'poor local minimum where the four ReLU units split the input space in a way that does not fit those points, and ' +
        'a fresh init finds a different split.')
  )
}

/** The report's blocks. */
export const backpropReport = (r: BackpropResults): readonly Block[] => {
  const { loop } = r
  const last = loop.attempts[loop.attempts.length - 1]!
  const stuck = loop.attempts.filter((a) => !a.reached)
  return [
    heading(1, 'Backpropagation by hand next to autodiff'),
    heading(2, '1. The 3-4-2 network'),
    paragraph(
      `X ~ N(0, 1)³ with Y = [ |(x0+x1)·[x2>0] + (x0−x1)·[x2<0]| > 1.33, ‖x‖ > 1.33 ]; z1 = X·W1 + B1, h = relu(z1), ` +
        `z2 = h·W2 + B2, ŷ = σ(z2), every parameter N(0, 1)·0.2, and L = Σ(ŷ − Y)² over ${r.trainSize} training points. ` +
        `The hand-written backward pass (dL/dŷ = 2(ŷ−Y), dL/dz2 = dL/dŷ·ŷ(1−ŷ), dL/dh = dL/dz2·W2ᵀ, dL/dz1 = dL/dh·[z1 > 0], ` +
        `weight gradients summed over the batch) uses tensor kernels only; the other column is \`grad\` of the same loss.`,
    ),
    table(
      ['parameter', 'shape', '‖manual − grad‖₂', `≤ ${sci(TOLERANCE)}`],
      PARAM_NAMES_342.map((n) => [
        n,
        shape(r.shapes342[n]),
        sci(r.distances[n]),
        r.distances[n] <= TOLERANCE ? 'yes' : 'NO',
      ]),
    ),
    ...(PARAM_NAMES_342.every((n) => r.distances[n] === 0)
      ? [
          paragraph(
            'The distances are exactly 0, not merely small: reverse mode through this net performs the same ' +
              'floating-point products and sums, in the same order, as the hand-written formulas. (The tests also ' +
              'check the hand-written gradients against central differences, which share no code with either.)',
          ),
        ]
      : []),
    paragraph(
      `One plain step p ← p − ${r.plainStep.lr}·∇L: L goes from ${fix(r.plainStep.lossBefore)} to ${fix(r.plainStep.lossAfter)} ` +
        `(${r.plainStep.lossAfter < r.plainStep.lossBefore ? 'lower' : 'NOT lower'}, by ${sci(r.plainStep.lossBefore - r.plainStep.lossAfter)}).`,
    ),
    heading(3, 'Optimizer loop'),
    paragraph(
      `${r.loopSettings.optimizer} with learning rate ${r.loopSettings.lr}, ${r.loopSettings.steps} full-batch steps per attempt, ` +
        `target mean MSE < ${r.loopSettings.target}. ` +
        (stuck.length === 0
          ? 'The first attempt reached the target.'
          : `${String(stuck.length)} attempt(s) stalled above the target and the loop restarted from a fresh init. ${stallSentence(stuck)}`),
    ),
    table(
      [
        'attempt',
        'final train mean MSE',
        `outputs wrong (of ${String(2 * r.trainSize)})`,
        'of which saturated',
        'dead ReLU units (of 4)',
        'reached target',
      ],
      loop.attempts.map((a) => [
        a.attempt,
        sci(a.finalTrainMse),
        a.wrongOutputs,
        a.saturatedWrong,
        a.deadUnits,
        a.reached ? 'yes' : 'no',
      ]),
    ),
    table(
      ['set', 'points', 'mean MSE'],
      [
        ['train', r.trainSize, sci(loop.trainMse)],
        ['fresh (test)', r.testSize, fix(loop.testMse)],
        ['fresh, constant prediction (train label frequencies)', r.testSize, fix(r.baselineTestMse)],
        ...(r.control === null
          ? []
          : [
              [`control: train`, r.control.trainSize, fix(r.control.trainMse)],
              [`control: fresh`, r.testSize, fix(r.control.testMse)],
            ]),
      ],
    ),
    paragraph(overfittingSentence(r)),
    curvesFigure(
      'loss',
      'mean training MSE per step, one line per attempt (log scale)',
      loop.attempts.map((a) => ({
        name: `attempt ${a.attempt}${a.reached ? ' (reached)' : ' (stalled)'}`,
        points: a.mseCurve.map((y, i) => ({ x: i, y })),
      })),
      {
        title: `3-4-2 net: training mean MSE (${r.loopSettings.optimizer}, lr ${r.loopSettings.lr})`,
        xLabel: 'step',
        yLabel: 'mean MSE (train)',
        logY: true,
      },
    ),
    paragraph(
      `Last attempt: ${last.mseCurve.length} steps, final training mean MSE ${sci(last.finalTrainMse)}.`,
    ),
    heading(2, '2. The two-layer net: linear1 → f → linear2 → g'),
    paragraph(
      'Hand-written forward/backward modules (Linear, ReLU, Sigmoid, Identity, MSE, BCE; `src/modules.ts`, tensor kernels ' +
        'only) against `grad` of the same net built from `@cotangent/layers` (`serial(linear, f, linear, g)`) and ' +
        '`@cotangent/losses` (`mse`, `bce`, mean reduction), on one batch. Each cell is max |manual − grad| over the parameter.',
    ),
    table(
      [
        'f, g + loss',
        'J (manual)',
        'J (library)',
        ...TWO_LAYER_PARAMS.map((n) => `Δ ${n}`),
        `all ≤ ${sci(TOLERANCE)}`,
      ],
      r.comparisons.map((c) => [
        `${c.setting.f}, ${c.setting.g} + ${c.setting.loss.toUpperCase()}`,
        c.manual.loss.toPrecision(12),
        c.autodiffLoss.toPrecision(12),
        ...TWO_LAYER_PARAMS.map((n) => sci(c.maxAbsDiff[n])),
        TWO_LAYER_PARAMS.every((n) => c.maxAbsDiff[n] <= TOLERANCE) ? 'yes' : 'NO',
      ]),
    ),
    heading(3, 'Shapes of the intermediates'),
    paragraph('Read off the tensors of the hand-written pass (the same in all three settings).'),
    table(
      ['quantity', 'shape', 'what it is'],
      shapeTable(r.comparisons[0]!).map((row) => [row.name, shape(row.shape), row.meaning]),
    ),
    list([
      "Weights are stored [in, out] (x·W + b, the JAX/Flax layout); PyTorch's nn.Linear.weight is the transpose, [out, in].",
      'Every gradient has the shape of the quantity it differentiates; the bias gradients sum over the batch axis.',
    ]),
  ]
}
