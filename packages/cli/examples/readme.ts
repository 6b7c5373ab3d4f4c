// The README's example, run by test/readme.test.ts (which passes `--out` into a temp folder).
import {
  defineApp,
  heading,
  opt,
  paragraph,
  PositiveInt,
  PositiveNumber,
  runApp,
  table,
  curvesFigure,
} from '@cotangent/cli'

/** Gradient descent on f(w) = (w − 3)², as a complete app. */
export const descent = defineApp({
  name: 'descent',
  description: 'Gradient descent on (w − 3)² from w = 0.',
  flags: {
    lr: opt(PositiveNumber, 0.1, 'step size'),
    steps: opt(PositiveInt, 20, 'number of steps', { short: 's' }),
  },
  quick: { steps: 5 },
  run: async (config, io) => {
    const p = io.progress('descent', config.steps)
    const history = Array.from({ length: config.steps }).reduce<{ step: number; w: number; loss: number }[]>(
      (h, _, i) => {
        const w0 = h.at(-1)?.w ?? 0
        const w = w0 - config.lr * 2 * (w0 - 3)
        p.tick({ loss: (w - 3) ** 2 })
        return [...h, { step: i + 1, w, loss: (w - 3) ** 2 }]
      },
      [],
    )
    p.done()
    const last = history.at(-1)!
    return {
      headline: `descent: w = ${last.w.toFixed(4)} after ${config.steps} steps (loss ${last.loss.toExponential(2)})`,
      history,
      report: [
        heading(1, 'Gradient descent on (w − 3)²'),
        paragraph(
          `Learning rate ${config.lr}; each step multiplies the error by ${(1 - 2 * config.lr).toFixed(2)}.`,
        ),
        table(
          ['step', 'w', 'loss'],
          history.slice(-3).map((r) => [r.step, r.w.toFixed(6), r.loss.toExponential(3)]),
        ),
        curvesFigure(
          'loss',
          'loss per step',
          [{ name: 'loss', points: history.map((r) => ({ x: r.step, y: r.loss })) }],
          {
            title: 'Loss',
            xLabel: 'step',
            yLabel: '(w − 3)²',
            logY: true,
          },
        ),
      ],
    }
  },
})

// As a command line (src/main.ts of an app): `process.exitCode = await descent.main(process.argv.slice(2))`.
// In-process, as `npm start` does:
export const outcome = await runApp(descent, {
  steps: 10,
  out: process.env.README_OUT ?? 'runs/descent/readme',
})
console.log(outcome.headline) // descent: w = 2.6779 after 10 steps (loss 1.04e-1)
console.log(outcome.files) // [ 'config.json', 'history.json', 'loss.png', 'loss.svg', 'report.md' ]
