/**
 * The computation graph of a typed expression: apps/graph's parser reads it, `makeGraph` stages it into the
 * library's program, and every node is labelled with its forward value (`evalGraphVars`) and its adjoint ∂f/∂node.
 * The adjoints come from one `grad` over an additive perturbation ε of every node (∂f/∂v = ∂f(…, v + ε_v, …)/∂ε_v
 * at ε = 0): reverse mode through the staged program itself. `toDot` writes the Graphviz source; the page lays it
 * out with @viz-js/viz.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as ct from 'cotangent'
import { evalExpr, exprVariables, formatExprError, parseExpr } from '@cotangent/app-graph/expr'
import { fmtNumber as fmt, programNumbers, type NodeNumbers } from './program-numbers.js'

export type { NodeNumbers }

/** A staged expression with its numbers and its DOT source. */
export interface ExprGraph {
  readonly variables: readonly string[]
  readonly point: Readonly<Record<string, number>>
  readonly value: number
  readonly nodes: readonly NodeNumbers[]
  /** `showProgram`'s text of the staged program. */
  readonly program: string
  readonly dot: string
}

/** Default values of the variables, in order of appearance (x = 2, y = 0.5, z = 3, then 1). */
const DEFAULTS = [2, 0.5, 3]

/**
 * Reads `x=2, y=0.5` (commas or spaces between, any order). An unknown or malformed entry is an error naming it.
 */
export const parsePoint = (text: string): E.Either<string, Record<string, number>> => {
  const out: Record<string, number> = {}
  for (const part of text.split(/[\s,;]+/).filter((s) => s !== '')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(part)
    const v = m === null ? NaN : Number(m[2])
    if (m === null || !Number.isFinite(v)) return E.left(`values: '${part}' is not name=number (e.g. x=2)`)
    out[m[1]!] = v
  }
  return E.right(out)
}

/**
 * Parses, stages and differentiates an expression at a point. The error is the parser's message with the column and
 * a caret line, or a message naming a variable without a value.
 */
export const exprGraph = (
  src: string,
  given: Readonly<Record<string, number>>,
): E.Either<string, ExprGraph> => {
  const parsed = parseExpr(src)
  if (E.isLeft(parsed)) return E.left(formatExprError(src, parsed.left))
  const tree = parsed.right
  const variables = exprVariables(tree)
  if (variables.length === 0) return E.left('the expression has no variables: nothing to differentiate')
  const point: Record<string, number> = {}
  variables.forEach((v, i) => {
    point[v] = given[v] ?? DEFAULTS[i] ?? 1
  })
  const f = (...xs: ct.Value[]): ct.Value => {
    const env: Record<string, ct.Value> = {}
    variables.forEach((v, i) => {
      env[v] = xs[i]!
    })
    const r = evalExpr(tree, env)
    // a constant result (e.g. x − x folds to a number only if no op ran; ops always return values)
    return typeof r === 'number' ? ct.scalar(r) : r
  }
  const args = variables.map((v) => ct.scalar(point[v]!))
  try {
    const program = ct.makeGraph(f)(...args)
    const out = program.outs[0]
    if (out === undefined || out.kind !== 'var')
      return E.left('the expression does not depend on its variables')
    const nodes = programNumbers(program, args)
    const byId = new Map(nodes.map((n) => [n.id, n]))
    const names = new Map(program.inVars.map((v, i) => [v.id, variables[i]!]))
    program.eqns.forEach((e, k) => names.set(e.out.id, e.out.id === out.id ? 'f' : `h${String(k + 1)}`))
    const dot = ct.toDot(program, {
      name: (v) => names.get(v.id) ?? `v${String(v.id)}`,
      nodeLines: (v) => {
        const n = byId.get(v.id)
        const name = names.get(v.id) ?? `v${String(v.id)}`
        return n === undefined
          ? []
          : [
              `value ${fmt(n.value[0]!)}`,
              `adjoint ∂f/∂${name} = ${n.adjoint === null ? '–' : fmt(n.adjoint[0]!)}`,
            ]
      },
      types: false,
      title: `${src}   at ${variables.map((v) => `${v}=${fmt(point[v]!)}`).join(', ')}`,
    })
    return E.right({
      variables,
      point,
      value: byId.get(out.id)!.value[0]!,
      nodes,
      program: ct.showProgram(program),
      dot,
    })
  } catch (err) {
    return E.left(err instanceof Error ? err.message : String(err))
  }
}
