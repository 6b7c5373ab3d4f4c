/**
 * `iris`: the two-layer classifier of the homework — a learning-rate × width sweep on one seeded stratified split,
 * the chosen setting's test accuracy and confusion matrix, and its test accuracy over several seeded splits. The
 * logic is in ./iris.ts; this file declares the flags and writes the report.
 */
import {
  curvesFigure,
  defineApp,
  heading,
  list,
  NonEmptyString,
  opt,
  paragraph,
  PositiveInt,
  PositiveIntList,
  PositiveNumberList,
  table,
  UnitInterval,
  type Block,
} from '@cotangent/cli'
import { formatDataError, IRIS_FILE, loadIris } from '@cotangent/data'
import { relative } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import {
  acrossSplits,
  describeEffects,
  evaluateOn,
  grid,
  pickBest,
  prepareSplit,
  summarize,
  trainConfig,
} from './iris.js'

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`
const tag = (c: { readonly lr: number; readonly hidden: number }): string => `lr ${c.lr}, ${c.hidden} hidden`
const slug = (c: { readonly lr: number; readonly hidden: number }): string => `loss-lr${c.lr}-h${c.hidden}`

/** The iris app (see the module doc). */
export const app = defineApp({
  name: 'iris',
  description:
    'A linear → ReLU → linear Iris classifier: lr × width sweep, test accuracy and confusion matrix, accuracy over seeded splits.',
  flags: {
    lr: opt(PositiveNumberList, [0.01, 0.1], 'learning rates of the sweep'),
    hidden: opt(PositiveIntList, [8, 32], 'hidden widths of the sweep'),
    epochs: opt(PositiveInt, 100, 'epochs per training run'),
    batch: opt(PositiveInt, 16, 'mini-batch size'),
    momentum: opt(UnitInterval, 0.9, 'momentum of SGD'),
    splits: opt(PositiveInt, 10, 'seeded splits for the generalisation figure'),
    data: opt(
      NonEmptyString,
      IRIS_FILE,
      'the Iris CSV (header sepal_length,sepal_width,petal_length,petal_width,species)',
    ),
  },
  quick: {},
  run: (config, io) => {
    const loaded = loadIris(config.data)
    if (E.isLeft(loaded)) return Promise.reject(new Error(formatDataError(loaded.left)))
    const iris = loaded.right
    const configs = grid(config.lr, config.hidden)
    const settings = { epochs: config.epochs, batch: config.batch, beta: config.momentum, seed: config.seed }
    const reporter = io.reporter({
      label: 'iris epochs',
      total: config.epochs * (configs.length + config.splits),
    })

    const split = prepareSplit(iris, config.seed)
    const runs = configs.map((c) => trainConfig(split, c, settings, reporter))
    const best = pickBest(runs)
    const test = evaluateOn(best.config.hidden, best.bestParams, split.test)
    const seeds = acrossSplits(iris, best.config, settings, config.splits, reporter)
    const gen = summarize(seeds.map((s) => s.testAccuracy))
    const goal = gen.mean >= 0.95

    const report: Block[] = [
      heading(1, 'Iris: a two-layer classifier, learning rate × width'),
      paragraph(
        `${iris.x.length} flowers, ${iris.features.length} features, ${iris.classes.length} species, from \`${relative(process.cwd(), config.data)}\`. ` +
          `Seeded (${config.seed}) stratified split 60/20/20: ${split.indices.train.length} train, ${split.indices.val.length} validation, ` +
          `${split.indices.test.length} test; features standardised with the train split's mean and standard deviation only ` +
          `(mean ${split.standardizer.mean.map((m) => m.toFixed(2)).join(', ')}; std ${split.standardizer.std.map((s) => s.toFixed(2)).join(', ')}).`,
      ),
      paragraph(
        `Network: linear(4 → h) → ReLU → linear(h → 3), softmax cross-entropy on the logits; Xavier-uniform weights, zero biases; ` +
          `SGD with momentum ${config.momentum}, mini-batches of ${config.batch}, ${config.epochs} epochs, shuffled each epoch. ` +
          'Each run keeps the parameters of its epoch with the lowest validation loss (the checkpoint).',
      ),
      heading(2, 'The sweep'),
      table(
        [
          'config',
          'best val accuracy',
          'its epoch',
          'checkpoint epoch (min val loss)',
          'val loss there',
          'final train loss',
        ],
        runs.map((r) => [
          tag(r.config),
          pct(r.bestValAccuracy),
          r.bestEpoch,
          r.checkpointEpoch,
          (r.history[r.checkpointEpoch - 1]?.devLoss ?? Number.NaN).toFixed(4),
          r.finalTrainLoss.toFixed(4),
        ]),
      ),
      paragraph(describeEffects(runs)),
      curvesFigure(
        'val-accuracy',
        'validation accuracy per epoch, every config',
        runs.map((r) => ({
          name: tag(r.config),
          points: r.history.map((h) => ({ x: h.epoch, y: h.devMetrics?.accuracy ?? Number.NaN })),
        })),
        { title: 'Iris: validation accuracy per epoch', yLabel: 'validation accuracy' },
      ),
      ...runs.map((r) =>
        curvesFigure(
          slug(r.config),
          `train and validation loss, ${tag(r.config)}`,
          [
            { name: 'train', points: r.history.map((h) => ({ x: h.epoch, y: h.trainLoss })) },
            {
              name: 'validation',
              points: r.history.map((h) => ({ x: h.epoch, y: h.devLoss ?? Number.NaN })),
            },
          ],
          { title: `Iris, ${tag(r.config)}: loss per epoch`, yLabel: 'softmax cross-entropy', logY: true },
        ),
      ),
      heading(2, `Best config: ${tag(best.config)}`),
      paragraph(
        `Chosen by best validation accuracy (ties: lower validation loss at the checkpoint). Its checkpoint (epoch ${best.checkpointEpoch}) ` +
          `on the ${split.indices.test.length} held-out test flowers: **${pct(test.accuracy)}** accuracy. Confusion matrix (rows: true species, columns: predicted):`,
      ),
      table(
        ['true \\ predicted', ...iris.classes],
        test.confusion.map((row, i) => [iris.classes[i]!, ...row]),
      ),
      heading(2, `Generalisation over ${config.splits} seeded splits`),
      paragraph(
        `The best config retrained on ${config.splits} stratified splits (split and init seeds ${config.seed}…${config.seed + config.splits - 1}), each ` +
          `evaluated on its own test split: **mean ${pct(gen.mean)} ± ${pct(gen.std)}** (sample std), min ${pct(gen.min)}, max ${pct(gen.max)}. ` +
          (goal ? 'The goal (mean ≥ 95%) is met.' : '**Below the goal of a 95% mean.**'),
      ),
      table(
        ['split seed', 'checkpoint epoch', 'test accuracy'],
        seeds.map((s) => [s.splitSeed, s.checkpointEpoch, pct(s.testAccuracy)]),
      ),
      heading(2, 'Summary'),
      list([
        `best config ${tag(best.config)}: test accuracy ${pct(test.accuracy)} on split ${config.seed}`,
        `over ${config.splits} splits: ${pct(gen.mean)} ± ${pct(gen.std)}, min ${pct(gen.min)}`,
      ]),
    ]
    return Promise.resolve({
      missed: goal
        ? []
        : [`mean test accuracy over ${config.splits} splits ${pct(gen.mean)} is below the goal of 95%`],
      headline: `iris: best ${tag(best.config)}, test ${pct(test.accuracy)}; over ${config.splits} splits ${pct(gen.mean)} ± ${pct(gen.std)} (min ${pct(gen.min)})`,
      report,
      history: {
        split: split.indices,
        standardizer: split.standardizer,
        sweep: runs.map((r) => ({
          config: r.config,
          bestValAccuracy: r.bestValAccuracy,
          bestEpoch: r.bestEpoch,
          checkpointEpoch: r.checkpointEpoch,
          finalTrainLoss: r.finalTrainLoss,
          history: r.history,
        })),
        best: { config: best.config, testAccuracy: test.accuracy, confusion: test.confusion },
        splits: seeds,
        generalisation: gen,
      },
      summary: [
        ...runs.map(
          (r) =>
            `${tag(r.config)}: best val ${pct(r.bestValAccuracy)} at epoch ${r.bestEpoch}, final train loss ${r.finalTrainLoss.toFixed(4)}`,
        ),
        `best ${tag(best.config)}: test ${pct(test.accuracy)}; confusion ${JSON.stringify(test.confusion)}`,
      ],
    })
  },
})
