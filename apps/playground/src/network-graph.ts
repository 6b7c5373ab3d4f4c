/**
 * The computation graph of one training example through the network: `makeGraph` stages the model's own `apply`
 * and the softmax cross-entropy for that example, and every node carries its value and its adjoint ∂loss/∂node
 * (./program-numbers.ts). The adjoints of the parameter inputs are the example's gradients.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as ct from 'cotangent'
import type { Config } from './config.js'
import { fmtNumber, fmtValues, programNumbers, type NodeNumbers } from './program-numbers.js'
import { makeModel, type Params } from './session.js'
import type { LayerNumbers } from './views.js'

/** The staged example with its numbers and DOT source. */
export interface NetworkGraph {
  readonly loss: number
  readonly nodes: readonly NodeNumbers[]
  /** Input names in the program's order: W1, b1, W2, b2, …, x. */
  readonly inputs: readonly string[]
  readonly program: string
  readonly dot: string
}

/** Plain numbers back to the parameter tree. */
export const paramsFromNumbers = (layers: readonly LayerNumbers[]): Params => ({
  layers: layers.map((l) => ({ W: ct.tensor(l.W.map((r) => [...r])), b: ct.tensor([...l.b]) })),
})

/**
 * Stages `loss(params, x) = softmaxCrossEntropy(model.apply(params, x), [label])` for one example (`x` as a
 * `[1, d]` row) at the given weights, and labels every node.
 */
export const networkGraph = (
  config: Config,
  weights: readonly LayerNumbers[],
  example: { readonly x: readonly number[]; readonly label: number; readonly className: string },
  classes: number,
): E.Either<string, NetworkGraph> => {
  try {
    const model = makeModel(config, classes)
    const params = paramsFromNumbers(weights)
    const x = ct.tensor([[...example.x]])
    const loss = (p: Params, row: ct.Value): ct.Value =>
      ct.losses.softmaxCrossEntropy(model.apply(p, row), [example.label])
    const program = ct.makeGraph(loss)(params, x)
    const inputs = [...weights.flatMap((_, i) => [`W${String(i + 1)}`, `b${String(i + 1)}`]), 'x']
    if (program.inVars.length !== inputs.length)
      return E.left(
        `networkGraph: expected ${String(inputs.length)} inputs, the program has ${String(program.inVars.length)}`,
      )
    const nodes = programNumbers(program, [params, x])
    const byId = new Map(nodes.map((n) => [n.id, n]))
    const out = program.outs[0]!
    const names = new Map<number, string>(program.inVars.map((v, i) => [v.id, inputs[i]!]))
    program.eqns.forEach((e, k) =>
      names.set(e.out.id, out.kind === 'var' && e.out.id === out.id ? 'loss' : `h${String(k + 1)}`),
    )
    const dot = ct.toDot(program, {
      name: (v) => names.get(v.id) ?? `c${String(v.id)}`,
      nodeLines: (v) => {
        const n = byId.get(v.id)
        if (n === undefined) return []
        const lines = [`value ${fmtValues(n.value)}`]
        return n.adjoint === null ? lines : [...lines, `∂loss/∂· ${fmtValues(n.adjoint)}`]
      },
      rankdir: 'TB',
      title: `one example x = [${example.x.map((v) => fmtNumber(+v.toPrecision(4))).join(', ')}], class ${example.className}`,
    })
    const lossNode = out.kind === 'var' ? byId.get(out.id) : undefined
    return E.right({ loss: lossNode?.value[0] ?? NaN, nodes, inputs, program: ct.showProgram(program), dot })
  } catch (err) {
    return E.left(err instanceof Error ? err.message : String(err))
  }
}
