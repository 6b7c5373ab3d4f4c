/**
 * `fashion-mnist`: an MLP 784 → hidden → 10 on Fashion-MNIST. Train and validation are carved from the 60,000
 * training images; the 10,000 test images are evaluated once, at the end, with the best-validation parameters.
 * The logic is in ./fashion.ts; this file declares the flags and writes the report.
 */
import {
  Activation,
  curvesFigure,
  defineApp,
  enumCodec,
  heading,
  list,
  NonEmptyString,
  NonNegativeInt,
  opt,
  paragraph,
  PositiveInt,
  PositiveIntList,
  PositiveNumber,
  specFigure,
  table,
  UnitInterval,
  type Block,
} from '@cotangent/cli'
import { formatDataError, loadFashionMnist } from '@cotangent/data'
import * as E from 'fp-ts/lib/Either.js'
import { evaluateImages, topConfusions, trainFashion, trainValRows } from './fashion.js'

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`

/** A vega-lite heat map of a confusion matrix with class names and counts in the cells. */
export const confusionSpec = (
  classes: readonly string[],
  confusion: readonly (readonly number[])[],
): Parameters<typeof specFigure>[2] => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'Fashion-MNIST test confusion matrix',
  width: 360,
  height: 360,
  data: {
    values: confusion.flatMap((row, i) =>
      row.map((count, j) => ({ truth: classes[i]!, predicted: classes[j]!, count })),
    ),
  },
  encoding: {
    x: { field: 'predicted', type: 'nominal', sort: [...classes], title: 'predicted' },
    y: { field: 'truth', type: 'nominal', sort: [...classes], title: 'true class' },
  },
  layer: [
    {
      mark: 'rect',
      encoding: {
        color: {
          field: 'count',
          type: 'quantitative',
          scale: { type: 'symlog', scheme: 'blues' },
          title: 'images',
        },
      },
    },
    {
      mark: { type: 'text', fontSize: 9 },
      encoding: {
        text: { field: 'count', type: 'quantitative' },
        color: { condition: { test: 'datum.count > 300', value: 'white' }, value: 'black' },
      },
    },
  ],
})

/** The fashion-mnist app (see the module doc). */
export const app = defineApp({
  name: 'fashion-mnist',
  description:
    'An MLP 784 → hidden → 10 on Fashion-MNIST: train/val from the 60,000 training images, test accuracy and confusion matrix at the end.',
  flags: {
    hiddenDims: opt(PositiveIntList, [256], 'hidden widths'),
    activation: opt(Activation, 'relu', 'activation between layers'),
    epochs: opt(PositiveInt, 15, 'epochs'),
    batchSize: opt(PositiveInt, 128, 'mini-batch size'),
    lr: opt(PositiveNumber, 0.001, 'Adam learning rate (the peak of the schedule)'),
    schedule: opt(
      enumCodec(['constant', 'cosine']),
      'constant',
      'learning-rate schedule over the run (cosine: decays to 0)',
    ),
    valFraction: opt(UnitInterval, 1 / 6, 'share of the training images held out for validation'),
    limit: opt(NonNegativeInt, 0, 'use a stratified subset of this many training images (0: all 60,000)'),
    testLimit: opt(NonNegativeInt, 0, 'evaluate only the first N test images (0: all 10,000)'),
    dataDir: opt(NonEmptyString, '', 'the data directory (default $COTANGENT_DATA, else ~/.cache/cotangent)'),
  },
  quick: { epochs: 2, limit: 6000, testLimit: 2000 },
  run: async (c, io) => {
    if (c.valFraction === 0)
      throw new Error('fashion-mnist: --val-fraction must be > 0 (the checkpoint needs a validation set)')
    const t0 = performance.now()
    const loaded = await loadFashionMnist(c.dataDir === '' ? undefined : c.dataDir)
    if (E.isLeft(loaded)) throw new Error(formatDataError(loaded.left))
    const { train, test, classes } = loaded.right
    const rows = trainValRows(train, c.valFraction, c.seed, c.limit === 0 ? undefined : c.limit)
    const run = trainFashion(train, rows, c, io.reporter({ label: 'fashion-mnist epochs', total: c.epochs }))
    const testRows = Array.from(
      { length: c.testLimit === 0 ? test.count : Math.min(c.testLimit, test.count) },
      (_, i) => i,
    )
    const result = evaluateImages(c, run.bestParams, test, testRows)
    const seconds = (performance.now() - t0) / 1000
    const h = run.history
    const best = h[run.bestEpoch - 1]!
    const epochTimes = h.map((r) => r.seconds)
    const full = c.limit === 0 && c.testLimit === 0
    const goal = full
      ? result.accuracy >= 0.88 && seconds < 300
        ? ' The goal (≥ 88% test accuracy in under 5 minutes) is met.'
        : ` **Short of the goal (≥ 88% test accuracy in under 5 minutes): ${pct(result.accuracy)} in ${seconds.toFixed(0)} s.**`
      : ' (A subset run: the goal applies to the full data.)'
    const missed = full
      ? [
          ...(result.accuracy < 0.88
            ? [`test accuracy ${pct(result.accuracy)} is below the goal of 88%`]
            : []),
          ...(seconds >= 300 ? [`the run took ${seconds.toFixed(0)} s, over the goal of 5 minutes`] : []),
        ]
      : []
    const perClass = result.confusion.map(
      (row, i) =>
        row[i]! /
        Math.max(
          1,
          row.reduce((a, b) => a + b, 0),
        ),
    )
    const report: Block[] = [
      heading(1, 'Fashion-MNIST: an MLP'),
      paragraph(
        `${String(train.count)} training and ${String(test.count)} test images of 28×28 pixels, ${String(classes.length)} classes. ` +
          `Seeded (${String(c.seed)}) stratified split of ${c.limit === 0 ? 'the training images' : `a stratified subset of ${String(c.limit)} training images`}: ` +
          `${String(rows.train.length)} train, ${String(rows.val.length)} validation. The test images (${String(testRows.length)} evaluated) are read only once, at the end.`,
      ),
      paragraph(
        `Network: mlp(784 → ${c.hiddenDims.join(' → ')} → 10, ${c.activation}), float32 parameters, pixels / 255; softmax cross-entropy; ` +
          `Adam (lr ${String(c.lr)}${c.schedule === 'cosine' ? ', cosine-decayed to 0 over the run' : ''}), mini-batches of ${String(c.batchSize)}, ${String(c.epochs)} epochs; the parameters of the epoch with the lowest validation loss are kept.`,
      ),
      heading(2, 'Training'),
      table(
        ['epoch', 'train loss', 'train accuracy', 'val loss', 'val accuracy', 'seconds'],
        h.map((r) => [
          r.epoch,
          r.trainLoss.toFixed(4),
          pct(r.trainMetrics.accuracy ?? Number.NaN),
          (r.devLoss ?? Number.NaN).toFixed(4),
          pct(r.devMetrics?.accuracy ?? Number.NaN),
          r.seconds.toFixed(1),
        ]),
      ),
      curvesFigure(
        'loss',
        'train and validation loss per epoch',
        [
          { name: 'train', points: h.map((r) => ({ x: r.epoch, y: r.trainLoss })) },
          { name: 'validation', points: h.map((r) => ({ x: r.epoch, y: r.devLoss ?? Number.NaN })) },
        ],
        { title: 'Fashion-MNIST: loss per epoch', xLabel: 'epoch', yLabel: 'softmax cross-entropy' },
      ),
      curvesFigure(
        'accuracy',
        'train and validation accuracy per epoch',
        [
          { name: 'train', points: h.map((r) => ({ x: r.epoch, y: r.trainMetrics.accuracy ?? Number.NaN })) },
          {
            name: 'validation',
            points: h.map((r) => ({ x: r.epoch, y: r.devMetrics?.accuracy ?? Number.NaN })),
          },
        ],
        { title: 'Fashion-MNIST: accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy' },
      ),
      heading(2, 'Test'),
      list([
        `Checkpoint: epoch ${String(run.bestEpoch)} (validation loss ${(best.devLoss ?? Number.NaN).toFixed(4)}, validation accuracy ${pct(best.devMetrics?.accuracy ?? Number.NaN)}).`,
        `Test accuracy: **${pct(result.accuracy)}** on ${String(testRows.length)} images (test loss ${result.loss.toFixed(4)}).${goal}`,
        `Wall time of the whole run (loading, training, test): ${seconds.toFixed(1)} s; epochs took ${epochTimes.map((s) => s.toFixed(1)).join(', ')} s (mean ${(epochTimes.reduce((a, b) => a + b, 0) / epochTimes.length).toFixed(1)} s).`,
        `Most confused: ${topConfusions(result.confusion, 3)
          .map(([i, j, n]) => `${classes[i]!} taken for ${classes[j]!} (${String(n)})`)
          .join('; ')}.`,
      ]),
      paragraph(
        "Confusion matrix on the test images (rows: true class, columns: predicted), with each class's recall:",
      ),
      table(
        ['true \\ predicted', ...classes, 'recall'],
        result.confusion.map((row, i) => [classes[i]!, ...row, pct(perClass[i]!)]),
      ),
      specFigure(
        'confusion',
        'test confusion matrix as a heat map',
        confusionSpec(classes, result.confusion),
      ),
    ]
    return {
      headline: `fashion-mnist: test accuracy ${pct(result.accuracy)} (${String(testRows.length)} images) after ${String(c.epochs)} epoch${c.epochs === 1 ? '' : 's'}, checkpoint epoch ${String(run.bestEpoch)}, ${seconds.toFixed(0)} s`,
      report,
      history: {
        split: { train: rows.train.length, val: rows.val.length, test: testRows.length },
        history: h,
        bestEpoch: run.bestEpoch,
        test: result,
        seconds,
      },
      missed,
    }
  },
})
