/**
 * The activations app's report blocks, written from the measured numbers.
 * @module
 */
import { curvesFigure, heading, paragraph, table, type Block } from '@cotangent/cli'
import { ACTIVATION_TITLES, derivativeAt, maxDerivative, type Curve } from './curves.js'
import type { DeepGradients, DeepOptions, InitName } from './deep.js'

/** Everything the report is written from. */
export interface ActivationsResults {
  readonly curves: readonly Curve[]
  readonly deep: { readonly sigmoid: DeepGradients; readonly relu: DeepGradients }
  readonly deepOptions: DeepOptions
  /** The same measurement under every init (layer-1 norms and ratios), for the comparison table. */
  readonly byInit: readonly {
    readonly init: InitName
    readonly sigmoid: DeepGradients
    readonly relu: DeepGradients
  }[]
}

const sci = (x: number): string => x.toExponential(2)
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(4))

/** `Xavier normal` → `Xavier`, `PyTorch's default …` → `PyTorch`. */
const shortInit = (label: string): string => label.split(/[ ']/)[0]!

/** Gradient at the first layer divided by the gradient at the last. */
export const firstOverLast = (d: DeepGradients): number => d.norms[0]! / d.norms[d.norms.length - 1]!

/** The factor by which the gradient shrinks per layer on the way to the input (geometric mean). */
export const perLayerFactor = (d: DeepGradients): number => firstOverLast(d) ** (1 / (d.norms.length - 1))

/** The sentence on vanishing gradients, from the numbers. */
export const vanishingSentence = (r: ActivationsResults): string => {
  const { sigmoid: s, relu: q } = r.deep
  const sigmoidCurve = r.curves.find((c) => c.name === 'sigmoid')
  const maxSlope = sigmoidCurve === undefined ? null : maxDerivative(sigmoidCurve).value
  const ratio = q.norms[0]! / s.norms[0]!
  return (
    `At initialisation the gradient reaching the first layer of the ${String(r.deepOptions.depth)}-layer sigmoid net has norm ` +
    `${sci(s.norms[0]!)}, against ${sci(q.norms[0]!)} for the ReLU net (${sci(ratio)} times larger). Going from the output ` +
    `layer back to the first, the sigmoid net's gradient is multiplied by ${sci(firstOverLast(s))} in total — a factor ` +
    `${perLayerFactor(s).toFixed(3)} per layer` +
    (maxSlope === null
      ? ''
      : `, because every sigmoid multiplies the backward signal by σ′ ≤ ${maxSlope.toFixed(4)} (the maximum of σ′ measured above)`) +
    ` — while the ReLU net's changes by ${sci(firstOverLast(q))} (${perLayerFactor(q).toFixed(3)} per layer), since ReLU's ` +
    `derivative is exactly 1 wherever a unit is active. This is the vanishing gradient: with sigmoids the first layers ` +
    `of a deep net receive almost no learning signal.`
  )
}

/** The report's blocks. */
export const activationsReport = (r: ActivationsResults): readonly Block[] => {
  const { curves, deep, deepOptions: o } = r
  const xs = curves[0]?.xs ?? []
  const lo = xs[0] ?? 0
  const hi = xs[xs.length - 1] ?? 0
  return [
    heading(1, 'Activation functions and their derivatives, by autodiff'),
    paragraph(
      `Each activation is the library's layer (\`@cotangent/layers\`). Its derivative is \`grad\` of the function, evaluated ` +
        `separately at each of the ${String(xs.length)} points of [${num(lo)}, ${num(hi)}] — no derivative formula is used here (the tests ` +
        `compare these values with the closed forms).`,
    ),
    table(
      ['activation', 'f′(−2)', 'f′(0)', 'f′(2)', 'max f′ on the grid', 'first reached at x'],
      curves.map((c) => {
        const m = maxDerivative(c)
        const at = (x: number): string =>
          xs.some((v) => Math.abs(v - x) < 1e-12) ? derivativeAt(c, x).toFixed(4) : ''
        return [ACTIVATION_TITLES[c.name], at(-2), at(0), at(2), m.value.toFixed(4), m.x.toFixed(2)]
      }),
    ),
    paragraph(
      "At the kinks (x = 0 for ReLU and leaky ReLU) `grad` returns the library's convention: the left derivative (0 and 0.01).",
    ),
    ...curves.map((c) =>
      curvesFigure(
        c.name,
        `${ACTIVATION_TITLES[c.name]} and its derivative by grad`,
        [
          { name: 'f(x)', points: c.xs.map((x, i) => ({ x, y: c.f[i]! })) },
          { name: 'f′(x) by grad', points: c.xs.map((x, i) => ({ x, y: c.df[i]! })) },
        ],
        { title: `${ACTIVATION_TITLES[c.name]} and its derivative`, xLabel: 'x', yLabel: 'value' },
      ),
    ),
    heading(2, 'Vanishing gradients: a 10-layer sigmoid net against a ReLU net, at initialisation'),
    paragraph(
      `${String(o.depth)} dense layers (${String(o.depth - 1)} hidden layers of ${String(o.width)} units, then ${String(o.classes)} logits), ` +
        `biases 0, weights ${deep.sigmoid.initLabel} for the sigmoid net and ${deep.relu.initLabel} for the ReLU net; ` +
        `a batch of ${String(o.batch)} inputs x ~ N(0, 1) with random labels and softmax cross-entropy. Each number is ‖∂L/∂W‖ of ` +
        `that layer before any training step, the geometric mean over ${String(o.trials)} independent inits and batches.`,
    ),
    table(
      ['layer', 'sigmoid ‖∂L/∂W‖', 'ReLU ‖∂L/∂W‖', 'ReLU / sigmoid'],
      deep.sigmoid.norms.map((s, i) => [
        String(i + 1),
        sci(s),
        sci(deep.relu.norms[i]!),
        sci(deep.relu.norms[i]! / s),
      ]),
    ),
    paragraph(vanishingSentence(r)),
    curvesFigure(
      'vanishing-gradients',
      'gradient norm per layer at initialisation, sigmoid vs ReLU (log scale)',
      (['sigmoid', 'relu'] as const).map((a) => ({
        name: `${a === 'sigmoid' ? 'sigmoid' : 'ReLU'}, ${shortInit(deep[a].initLabel)} init`,
        points: deep[a].norms.map((y, i) => ({ x: i + 1, y })),
      })),
      {
        title: `Gradient norm per layer at init, ${String(o.depth)}-layer nets`,
        xLabel: 'layer (1 = nearest the input)',
        yLabel: '‖∂L/∂W‖ (log scale)',
        logY: true,
        yFormat: '.0e',
      },
    ),
    heading(3, 'The same under each initialisation'),
    table(
      ['init', 'sigmoid: layer 1', 'sigmoid: layer 1 / last', 'ReLU: layer 1', 'ReLU: layer 1 / last'],
      r.byInit.map((b) => [
        b.init === 'matched' ? 'matched (Xavier for sigmoid, He for ReLU)' : b.init,
        sci(b.sigmoid.norms[0]!),
        sci(firstOverLast(b.sigmoid)),
        sci(b.relu.norms[0]!),
        sci(firstOverLast(b.relu)),
      ]),
    ),
  ]
}
