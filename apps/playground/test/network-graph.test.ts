import * as E from 'fp-ts/lib/Either.js'
import * as ct from 'cotangent'
import { describe, expect, test } from 'vitest'
import { DEFAULT_CONFIG, type Config } from '../src/config.js'
import { networkGraph } from '../src/network-graph.js'
import { createSession } from '../src/session.js'
import { layerNumbers } from '../src/views.js'

describe('one example through the network', () => {
  test('the adjoints of W1, b1, … equal the library gradient of that example’s loss; the output adjoint is 1', () => {
    const config: Config = { ...DEFAULT_CONFIG, points: 40, hidden: [3, 2], activation: 'relu' }
    const s = createSession(config)
    const x = s.data.xTrain[0]!
    const label = s.data.yTrain[0]!
    const r = networkGraph(config, layerNumbers(s.params), { x, label, className: 'c' }, 2)
    if (E.isLeft(r)) throw new Error(r.left)
    const g = r.right
    expect(g.inputs).toEqual(['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'x'])
    const want = ct.grad((p: ct.nn.MlpParams) =>
      ct.losses.softmaxCrossEntropy(s.model.apply(p, ct.tensor([[...x]])), [label]),
    )(s.params)
    const wantLeaves = want.layers.flatMap((l) => [Array.from(ct.toArray(l.W)), Array.from(ct.toArray(l.b))])
    // after the constants (no adjoint), the inputs in order
    const inputs = g.nodes.filter((n) => n.adjoint !== null)
    wantLeaves.forEach((w, i) => {
      const got = inputs[i]!.adjoint!
      expect(got).toHaveLength(w.length)
      got.forEach((v, k) => {
        expect(v).toBeCloseTo(w[k]!, 12)
      })
    })
    const manual = ct.item(
      ct.losses.softmaxCrossEntropy(s.model.apply(s.params, ct.tensor([[...x]])), [label]),
    )
    expect(g.loss).toBeCloseTo(manual, 12)
    const lossNode = g.nodes.find((n) => n.shape.length === 0 && n.value[0] === g.loss && n.adjoint !== null)
    expect(lossNode?.adjoint).toEqual([1])
    expect(g.dot).toContain('loss = ')
    expect(g.program).toMatch(/matmul|dot/)
  })
})
