/**
 * The activations app: every activation of the library with its derivative by `grad`, and the vanishing gradient
 * of a deep sigmoid net measured against a ReLU net. `npm run activations -- --help` lists the flags.
 * @module
 */
import { defineApp, enumCodec, numberCodec, opt, PositiveInt } from '@cotangent/cli'
import * as T from '@cotangent/tensor'
import { ACTIVATION_NAMES, curve, grid } from './curves.js'
import { deepGradients, INITS, type DeepOptions } from './deep.js'
import { activationsReport, firstOverLast, type ActivationsResults } from './report.js'

/** An integer ≥ 2. */
const AtLeastTwo = numberCodec('an integer ≥ 2', (x) => Number.isSafeInteger(x) && x >= 2)

/** The app (run it with `app.main(argv)` or `runApp(app, config)` from `@cotangent/cli`). */
export const app = defineApp({
  name: 'activations',
  description:
    'Activation functions and their derivatives by grad, and the vanishing gradient of a deep sigmoid net.',
  flags: {
    points: opt(AtLeastTwo, 201, 'grid points on [-5, 5] for the activation plots'),
    depth: opt(AtLeastTwo, 10, 'dense layers of the deep nets (the last is the output layer)'),
    width: opt(PositiveInt, 32, 'width of the input and of every hidden layer'),
    classes: opt(AtLeastTwo, 10, 'classes of the random labels'),
    batch: opt(PositiveInt, 64, 'batch size of the gradient measurement'),
    trials: opt(PositiveInt, 5, 'independent inits averaged (geometric mean)'),
    init: opt(
      enumCodec(INITS),
      'matched',
      'weight init of the deep nets (matched: Xavier for sigmoid, He for ReLU)',
    ),
  },
  run: (config, io) => {
    const xs = grid(-5, 5, config.points)
    const curves = ACTIVATION_NAMES.map((n) => curve(n, xs))
    io.log(`derivatives by grad at ${String(xs.length)} points for ${ACTIVATION_NAMES.join(', ')}`)
    const options = (init: DeepOptions['init']): DeepOptions => ({
      depth: config.depth,
      width: config.width,
      classes: config.classes,
      batch: config.batch,
      trials: config.trials,
      init,
    })
    const key = T.key(config.seed)
    const measure = (init: DeepOptions['init']) => ({
      init,
      sigmoid: deepGradients('sigmoid', options(init), key),
      relu: deepGradients('relu', options(init), key),
    })
    const byInit = INITS.map(measure)
    const chosen = byInit.find((b) => b.init === config.init)!
    const results: ActivationsResults = {
      curves,
      deep: { sigmoid: chosen.sigmoid, relu: chosen.relu },
      deepOptions: options(config.init),
      byInit,
    }
    const s = chosen.sigmoid.norms[0]!
    const r = chosen.relu.norms[0]!
    const headline =
      `activations: f′ by grad for ${String(curves.length)} activations; ${String(config.depth)}-layer net at init, ` +
      `gradient norm at layer 1: sigmoid ${s.toExponential(1)} vs ReLU ${r.toExponential(1)} ` +
      `(sigmoid layer 1 / last ${firstOverLast(chosen.sigmoid).toExponential(1)})`
    const summary = [
      ...curves.map((c) => `${c.name}: max f′ on the grid ${Math.max(...c.df).toFixed(4)}`),
      `layer-1 / last-layer gradient: sigmoid ${firstOverLast(chosen.sigmoid).toExponential(2)}, ReLU ${firstOverLast(chosen.relu).toExponential(2)}`,
    ]
    return Promise.resolve({
      headline,
      summary,
      report: activationsReport(results),
      history: {
        curves,
        deep: byInit.map((b) => ({
          init: b.init,
          sigmoid: {
            initLabel: b.sigmoid.initLabel,
            norms: b.sigmoid.norms,
            perTrial: b.sigmoid.perTrial,
            loss: b.sigmoid.loss,
          },
          relu: {
            initLabel: b.relu.initLabel,
            norms: b.relu.norms,
            perTrial: b.relu.perTrial,
            loss: b.relu.loss,
          },
        })),
      },
    })
  },
})

export default app
