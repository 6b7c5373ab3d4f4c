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

/** A node's numbers. */
export interface NodeNumbers {
  readonly id: number
  readonly value: number
  readonly adjoint: number
}

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

const fmt = (x: number): string => {
  if (x === 0 || !Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  const s = a >= 1e-4 && a < 1e6 ? x.toPrecision(6) : x.toExponential(4)
  return s.includes('e') ? s : s.includes('.') ? s.replace(/\.?0+$/, '') : s
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
    const values = ct.evalGraphVars(program, args)
    const vars = [...program.inVars, ...program.eqns.map((e) => e.out)]
    const slot = new Map(vars.map((v, i) => [v.id, i]))
    const adjoints = ct.toArray(
      ct.grad((eps: ct.Value) => {
        const vs = ct.evalGraphVars(program, args, {
          onVar: (v, x) => {
            const i = slot.get(v.id)
            return i === undefined ? x : ct.add(x, ct.reshape(ct.take(eps, [i]), []))
          },
        })
        return vs[out.id]!
      })(ct.zeros([vars.length])),
    )
    const nodes = vars.map((v, i) => ({ id: v.id, value: ct.item(values[v.id]!), adjoint: adjoints[i]! }))
    const byId = new Map(nodes.map((n) => [n.id, n]))
    const names = new Map(program.inVars.map((v, i) => [v.id, variables[i]!]))
    program.eqns.forEach((e, k) => names.set(e.out.id, e.out.id === out.id ? 'f' : `h${String(k + 1)}`))
    const dot = ct.toDot(program, {
      name: (v) => names.get(v.id) ?? `v${String(v.id)}`,
      nodeLines: (v) => {
        const n = byId.get(v.id)
        const name = names.get(v.id) ?? `v${String(v.id)}`
        return n === undefined ? [] : [`value ${fmt(n.value)}`, `adjoint ∂f/∂${name} = ${fmt(n.adjoint)}`]
      },
      types: false,
      title: `${src}   at ${variables.map((v) => `${v}=${fmt(point[v]!)}`).join(', ')}`,
    })
    return E.right({
      variables,
      point,
      value: ct.item(values[out.id]!),
      nodes,
      program: ct.showProgram(program),
      dot,
    })
  } catch (err) {
    return E.left(err instanceof Error ? err.message : String(err))
  }
}
