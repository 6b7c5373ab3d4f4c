/**
 * The training worker: binds the trainer (./trainer.ts) to the worker's message port, so training never blocks the
 * page.
 */
import irisCsv from '../../../packages/data/datasets/iris/iris.csv?raw'
import { createTrainer } from './trainer.js'

interface WorkerScope {
  postMessage(message: unknown): void
  onmessage: ((ev: MessageEvent) => void) | null
}
const scope = self as unknown as WorkerScope

const trainer = createTrainer({
  post: (m) => {
    scope.postMessage(m)
  },
  schedule: (fn) => {
    setTimeout(fn, 0)
  },
  now: () => performance.now(),
  irisCsv,
})

scope.onmessage = (ev: MessageEvent) => {
  trainer.receive(ev.data)
}
