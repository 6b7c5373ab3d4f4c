// The example of packages/train/README.md, verbatim (the README's block is what the tests run): `npx tsx --conditions=source packages/train/examples/readme.ts`.
import * as ct from 'cotangent'
import * as E from 'fp-ts/lib/Either.js'
import { defaultReporter, fit, historySeries, saveCheckpoint, writePlot } from '@cotangent/train'

// Toy problem: is a point of the square [-1, 1]² inside the circle of radius 0.7?
const points = (seed: number, n: number) => {
  const x = ct.random.uniform(ct.random.key(seed), [n, 2], { low: -1, high: 1 })
  return { x, y: ct.less(ct.sum(ct.square(x), { axis: 1, keepdims: true }), 0.49) }
}
const model = ct.nn.mlp({ hiddenDims: [16], activation: 'tanh', outDim: 1 })
const [, params] = model.init(ct.random.key(0), [2])

const result = fit({
  model,
  params,
  loss: ct.losses.bceWithLogits,
  optimizer: ct.optim.adam(0.05),
  train: points(1, 256),
  dev: points(2, 128),
  epochs: 60,
  batchSize: 32,
  seed: 0,
  metrics: { accuracy: (logits, y) => ct.losses.accuracy(logits, y, { from: 'logits' }) },
  earlyStopping: { patience: 10, monitor: 'devLoss' },
  reporter: defaultReporter({ every: 10 }),
})
const best = result.history[result.bestEpoch - 1]
console.log(`best epoch ${String(result.bestEpoch)}: dev accuracy ${String(best?.devMetrics?.accuracy)}`)
const saved = saveCheckpoint('runs/readme/checkpoint.json', {
  params: result.bestParams,
  config: { hidden: 16, lr: 0.05 },
  history: result.history,
})
// saveCheckpoint returns an Either instead of throwing: a full disk or a bad path is a value to handle
if (E.isLeft(saved)) throw new Error(saved.left.message)
await writePlot('runs/readme/loss', historySeries(result.history), { title: 'Circle: loss', yLabel: 'BCE', logY: true })
