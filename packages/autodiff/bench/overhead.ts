/**
 * Tracing overhead of reverse mode on a 2-layer MLP loss (softmax cross-entropy):
 * - `f`: the loss evaluated eagerly with @cotangent/autodiff ops;
 * - `valueAndGrad(f)`: loss and gradients for all four parameters;
 * - `hand`: the same loss and gradients written by hand with raw @cotangent/tensor kernels (the "NumPy hand
 *   backprop" baseline, measured in the same run).
 * Prints medians and the ratios valueAndGrad/f (target ≤ 2.5) and valueAndGrad/hand.
 * Run: npm run bench (from the repo root) or `npx tsx --conditions=source packages/autodiff/bench/overhead.ts`.
 */
import * as T from '@cotangent/tensor'
import { type Tensor } from '@cotangent/tensor'
import * as A from '../src/index.js'
import type { Value } from '../src/index.js'

interface Params {
  readonly W1: Value
  readonly b1: Value
  readonly W2: Value
  readonly b2: Value
}

const loss = (p: Params, x: Tensor, y1h: Tensor): Value => {
  const h = A.tanh(A.add(A.matmul(x, p.W1), p.b1))
  const logits = A.add(A.matmul(h, p.W2), p.b2)
  return A.neg(A.mean(A.sum(A.mul(A.logSoftmax(logits), y1h), { axis: -1 })))
}

const hand = (p: { W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor }, x: Tensor, y1h: Tensor): [Tensor, Tensor[]] => {
  const n = x.shape[0]!
  const h = T.tanh(T.add(T.matmul(x, p.W1), p.b1))
  const z = T.add(T.matmul(h, p.W2), p.b2)
  const m = T.max(z, { axis: -1, keepdims: true })
  const e = T.exp(T.sub(z, m))
  const se = T.sum(e, { axis: -1, keepdims: true })
  const logp = T.sub(T.sub(z, m), T.log(se))
  const l = T.neg(T.mean(T.sum(T.mul(logp, y1h), { axis: -1 })))
  const dz = T.div(T.sub(T.div(e, se), y1h), n)
  const dW2 = T.matmul(T.transpose(h), dz)
  const db2 = T.sum(dz, { axis: 0 })
  const dh = T.mul(T.matmul(dz, T.transpose(p.W2)), T.sub(1, T.square(h)))
  const dW1 = T.matmul(T.transpose(x), dh)
  const db1 = T.sum(dh, { axis: 0 })
  return [l, [dW1, db1, dW2, db2]]
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const time = (fn: () => unknown, minMs: number): number => {
  for (let i = 0; i < 3; i++) fn() // warm-up
  const samples: number[] = []
  const start = performance.now()
  while (performance.now() - start < minMs || samples.length < 5) {
    const t0 = performance.now()
    fn()
    samples.push(performance.now() - t0)
  }
  return median(samples)
}

const run = (name: string, batch: number, inDim: number, hidden: number, classes: number, dtype: 'float64' | 'float32'): void => {
  const [k1, k2, k3, k4] = T.splitKey(T.key(0), 4) as [T.Key, T.Key, T.Key, T.Key]
  const x = T.normal(k1, [batch, inDim], { dtype })
  const labels = T.randint(k2, [batch], 0, classes)
  const y1h = T.oneHot(labels, classes, { dtype })
  const p = {
    W1: T.normal(k3, [inDim, hidden], { std: 1 / Math.sqrt(inDim), dtype }),
    b1: T.zeros([hidden], { dtype }),
    W2: T.normal(k4, [hidden, classes], { std: 1 / Math.sqrt(hidden), dtype }),
    b2: T.zeros([classes], { dtype }),
  }
  const vg = A.valueAndGrad(loss)
  const [l1, g1] = vg(p, x, y1h)
  const [l2, g2] = hand(p, x, y1h)
  const err = Math.max(
    Math.abs(A.item(l1) - T.item(l2)),
    ...[g1.W1, g1.b1, g1.W2, g1.b2].map((g, i) => {
      const a = Array.from(A.toArray(g))
      const b = T.toArray(g2[i]!)
      return a.reduce((mx, v, j) => Math.max(mx, Math.abs(v - b[j]!)), 0)
    }),
  )
  const budget = 1500
  const tf = time(() => loss(p, x, y1h), budget)
  const tvg = time(() => vg(p, x, y1h), budget)
  const th = time(() => hand(p, x, y1h), budget)
  const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`)
  console.log(
    `${name.padEnd(34)} f ${fmt(tf).padStart(10)}  valueAndGrad ${fmt(tvg).padStart(10)}  hand ${fmt(th).padStart(10)}  ` +
      `vg/f ${(tvg / tf).toFixed(2)}  vg/hand ${(tvg / th).toFixed(2)}  samples/s ${Math.round((batch * 1000) / tvg)}  (max |Δ| vs hand ${err.toExponential(1)})`,
  )
}

console.log('autodiff tracing overhead: 2-layer MLP, softmax cross-entropy (medians)')
run('iris-like 150×4→16→3 f64', 150, 4, 16, 3, 'float64')
run('mnist-like 128×784→256→10 f64', 128, 784, 256, 10, 'float64')
run('mnist-like 128×784→256→10 f32', 128, 784, 256, 10, 'float32')
