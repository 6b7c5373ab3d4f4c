/**
 * XOR end to end: a 2-4-1 tanh MLP trained with SGD + momentum on the four XOR points (full batch), binary
 * cross-entropy on logits. Prints one line every 25 epochs, the predictions, and writes
 * `runs/xor/<timestamp>/` with history.json, loss.svg/.png and checkpoint.json.
 *
 *   npm start                # from the repository root
 *   npm start -- --quiet     # only the predictions and the output folder
 */
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { sigmoid, toArray } from '@cotangent/autodiff'
import { mlp } from '@cotangent/layers'
import { accuracy, bceWithLogits } from '@cotangent/losses'
import { momentum } from '@cotangent/optim'
import { key, tensor } from '@cotangent/tensor'
import { fit, historySeries, lineReporter, quietReporter, saveCheckpoint, writeJsonAtomic, writePlot } from '@cotangent/train'

const quiet = process.argv.includes('--quiet')
const config = { seed: 0, hidden: 4, lr: 0.5, beta: 0.9, epochs: 200 }

const x = tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
])
const y = tensor([[0], [1], [1], [0]])

const model = mlp({ hiddenDims: [config.hidden], activation: 'tanh', outDim: 1 })
const [, params] = model.init(key(config.seed), [2])

const result = fit({
  model,
  params,
  loss: (logits, target) => bceWithLogits(logits, target),
  optimizer: momentum(config.lr, config.beta),
  train: { x, y },
  epochs: config.epochs,
  batchSize: 4,
  seed: config.seed,
  metrics: { accuracy: (logits, target) => accuracy(logits, target, { from: 'logits' }) },
  reporter: quiet ? quietReporter : lineReporter(console.log, { every: 25 }),
})

const probs = toArray(sigmoid(model.apply(result.params, x)))
const targets = toArray(y)
console.log(`${quiet ? '' : '\n'} x1 x2 | p(1)   predicted target`)
for (let i = 0; i < 4; i++) {
  const [a, b] = [i >> 1, i & 1]
  console.log(`  ${a}  ${b} | ${probs[i]!.toFixed(4)} ${probs[i]! > 0.5 ? 1 : 0}         ${targets[i]}`)
}
const last = result.history[result.history.length - 1]!
console.log(`accuracy ${(last.trainMetrics.accuracy! * 100).toFixed(0)}%, final loss ${last.trainLoss.toFixed(4)}`)

const dir = join('runs', 'xor', new Date().toISOString().replace(/[:.]/g, '-'))
writeJsonAtomic(join(dir, 'history.json'), { config, history: result.history })
const saved = saveCheckpoint(join(dir, 'checkpoint.json'), { params: result.params, optState: result.optState, config, history: result.history })
if (E.isLeft(saved)) throw new Error(saved.left.message)
await writePlot(join(dir, 'loss'), historySeries(result.history), { title: 'XOR: training loss', yLabel: 'binary cross-entropy', logY: true })
console.log(`wrote ${dir}/{history.json,checkpoint.json,loss.svg,loss.png}`)
if (last.trainMetrics.accuracy !== 1) process.exitCode = 1
