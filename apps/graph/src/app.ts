/**
 * apps/graph: the computation graph of a small expression, drawn from the library's own trace (`makeGraph`), with
 * every node's value and adjoint and every edge's local partial computed by the library; plus the homework's
 * Jacobians by `jacrev` against their closed forms.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'
import { code, defineApp, FlagError, heading, image, list, opt, paragraph, table } from '@cotangent/cli'
import {
  CONSTANTS,
  FUNCTIONS,
  evalExpr,
  exprVariables,
  formatExprError,
  parseExpr,
  showExpr,
  type Expr,
} from './expr.js'
import {
  buildGraph,
  chainRuleResidual,
  fmt,
  graphDot,
  graphRows,
  renderDot,
  type ComputationGraph,
} from './graph.js'
import { jacobianChecks, type JacobianCheck } from './jacobians.js'

/** The homework's expression. */
export const SEED_EXPR = 'ln(x) + exp(y) * z'

/** An expression for `--expr`: the source text, checked to parse (the error shows the column with a caret). */
export const ExprCodec = new t.Type<string, string, unknown>(
  'an expression string over named scalars (+ - * / ^, unary minus, parentheses, ln exp sin cos tanh sigmoid sqrt, e, pi)',
  (u): u is string => typeof u === 'string' && E.isRight(parseExpr(u)),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'expected an expression string')
    const r = parseExpr(u)
    return E.isRight(r) ? t.success(u) : t.failure(u, c, `${formatExprError(u, r.left)}\n`)
  },
  t.identity,
)

/** A point `x=1,y=3,z=2`: names in order with finite values (or the same as a record). */
export type Point = Readonly<Record<string, number>>

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const checkPoint = (entries: readonly (readonly [string, unknown])[]): string | Point => {
  if (entries.length === 0) return 'expected at least one name=value'
  const seen = new Set<string>()
  for (const [k, v] of entries) {
    if (!NAME.test(k)) return `'${k}' is not a variable name (letters, digits, _)`
    if (Object.hasOwn(FUNCTIONS, k) || Object.hasOwn(CONSTANTS, k))
      return `'${k}' is a function or constant name, not a variable`
    if (seen.has(k)) return `'${k}' is given twice`
    seen.add(k)
    const x =
      typeof v === 'number'
        ? v
        : typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)
          ? Number(v)
          : NaN
    if (!Number.isFinite(x)) return `the value of ${k} (${String(v)}) is not a finite number`
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, Number(v)]))
}

/** The codec of `--at`: `name=value` pairs separated by commas. */
export const PointCodec = new t.Type<Point, Point, unknown>(
  'name=value pairs separated by commas (x=1,y=3,z=2)',
  (u): u is Point =>
    typeof u === 'object' &&
    u !== null &&
    !Array.isArray(u) &&
    typeof checkPoint(Object.entries(u)) !== 'string',
  (u, c) => {
    const entries =
      typeof u === 'string'
        ? u.split(',').map((part): [string, string] => {
            const [k, ...rest] = part.split('=')
            return [(k ?? '').trim(), rest.length === 1 ? rest[0]!.trim() : '']
          })
        : typeof u === 'object' && u !== null && !Array.isArray(u)
          ? Object.entries(u)
          : null
    if (entries === null) return t.failure(u, c, 'expected name=value pairs separated by commas')
    const r = checkPoint(entries)
    return typeof r === 'string'
      ? t.failure(u, c, `${r} (expected name=value pairs such as x=1,y=3,z=2)`)
      : t.success(r)
  },
  t.identity,
)

/** The function of the expression's variables, in the order of `names`. */
export const exprFunction =
  (e: Expr, names: readonly string[]) =>
  (...xs: Value[]): Value => {
    const v = evalExpr(e, Object.fromEntries(names.map((n, i) => [n, xs[i]!])))
    return typeof v === 'number' ? T.scalar(v) : v
  }

/** Parses `expr` and matches its variables with the point; a mismatch is a FlagError (exit 2, nothing written). */
export const prepare = (
  expr: string,
  at: Point,
): { readonly tree: Expr; readonly names: readonly string[] } => {
  const r = parseExpr(expr)
  if (E.isLeft(r)) throw new FlagError(`graph: --expr: ${formatExprError(expr, r.left)}\n`)
  const used = exprVariables(r.right)
  if (used.length === 0)
    throw new FlagError(`graph: --expr: '${expr}' has no variables; use at least one (e.g. x)`)
  const missing = used.filter((v) => !Object.hasOwn(at, v))
  if (missing.length > 0)
    throw new FlagError(
      `graph: --at: no value for ${missing.join(', ')}, which --expr '${expr}' uses (e.g. --at ${used.map((v) => `${v}=1`).join(',')})`,
    )
  const unused = Object.keys(at).filter((k) => !used.includes(k))
  if (unused.length > 0) throw new FlagError(`graph: --at: ${unused.join(', ')} not used by --expr '${expr}'`)
  return { tree: r.right, names: Object.keys(at) }
}

const jacobianRows = (checks: readonly JacobianCheck[]): (string | number)[][] =>
  checks.map((c) => [
    c.name,
    c.closedForm,
    `[${c.outShape.join(',')}] × [${c.inShape.join(',')}]`,
    `[${c.shape.join(',')}]`,
    c.maxAbsDiff.toExponential(2),
  ])

/** Closed forms of the seed expression at (1, 3, 2), independent of the library. */
export const seedExpected = (): Readonly<Record<string, number>> => {
  const e3 = Math.exp(3)
  return { h1: 0, h2: e3, h3: 2 * e3, f: 2 * e3, x̄: 1, ȳ: 2 * e3, z̄: e3 }
}

const seedCheckRows = (g: ComputationGraph): (string | number)[][] => {
  const node = (n: string) => g.nodes.find((x) => x.name === n)!
  const want = seedExpected()
  const got: Readonly<Record<string, [string, number]>> = {
    h1: ['h1 = ln x', node('h1').value],
    h2: ['h2 = e^y', node('h2').value],
    h3: ['h3 = h2·z', node('h3').value],
    f: ['f', node('f').value],
    x̄: ['∂f/∂x', node('x').adjoint],
    ȳ: ['∂f/∂y', node('y').adjoint],
    z̄: ['∂f/∂z', node('z').adjoint],
  }
  const closed: Readonly<Record<string, string>> = {
    h1: '0',
    h2: 'e³',
    h3: '2e³',
    f: '2e³',
    x̄: '1',
    ȳ: '2e³',
    z̄: 'e³',
  }
  return Object.entries(got).map(([k, [label, v]]) => [
    label,
    fmt(v),
    closed[k]!,
    Math.abs(v - want[k]!).toExponential(2),
  ])
}

const isSeed = (tree: Expr, names: readonly string[], at: Point): boolean =>
  showExpr(tree) === showExpr((parseExpr(SEED_EXPR) as E.Right<Expr>).right) &&
  names.join(',') === 'x,y,z' &&
  at.x === 1 &&
  at.y === 3 &&
  at.z === 2

/** The largest difference a Jacobian (and the graph's chain-rule residual) may have from its closed form in float64. */
export const JACOBIAN_TOLERANCE = 1e-12

/** The app. */
export const app = defineApp({
  name: 'graph',
  description:
    'Draws the computation graph of an expression from the library trace (makeGraph): values, adjoints and local partials; and the homework Jacobians by jacrev.',
  flags: {
    expr: opt(ExprCodec, SEED_EXPR, 'the expression to stage and draw'),
    // shown in --help the way it is typed on the command line
    at: {
      ...opt(PointCodec, { x: 1, y: 3, z: 2 }, 'the point: a value for every variable of --expr'),
      defaultText: 'x=1,y=3,z=2',
    },
  },
  run: async (config, io) => {
    const { tree, names } = prepare(config.expr, config.at)
    const point = names.map((n) => config.at[n]!)
    const f = exprFunction(tree, names)
    const g = buildGraph(f, names, point)
    const where = names.map((n, i) => `${n} = ${fmt(point[i]!)}`).join(', ')
    const title = `f(${names.join(', ')}) = ${showExpr(tree)} at ${where}`
    const dot = graphDot(g, title)
    io.log(`graph: staged ${String(g.program.eqns.length)} equations; rendering with Graphviz`)
    const { svg, png } = await renderDot(dot)
    const residual = chainRuleResidual(g)
    const gradProgram = AD.makeGraph(AD.grad(f, { argnums: names.map((_, i) => i) }))(
      ...point.map((x) => T.scalar(x)),
    )
    const checks = jacobianChecks(config.seed)
    const worst = Math.max(...checks.map((c) => c.maxAbsDiff))
    const out = g.nodes.find((n) => n.id === g.output)!
    const grads = g.nodes.filter((n) => names.includes(n.name) && n.definition === null)
    const seed = isSeed(tree, names, config.at)
    const wrongShape = checks.filter((c) => c.shape.join(',') !== [...c.outShape, ...c.inShape].join(','))
    const missed = [
      ...(worst <= JACOBIAN_TOLERANCE
        ? []
        : [
            `a Jacobian differs from its closed form by ${worst.toExponential(2)} > ${String(JACOBIAN_TOLERANCE)}`,
          ]),
      ...wrongShape.map((c) => `jacrev of ${c.name} has shape [${c.shape.join(',')}], not output × input`),
      ...(residual <= JACOBIAN_TOLERANCE
        ? []
        : [`the chain rule over the graph leaves a residual of ${residual.toExponential(2)}`]),
    ]
    return {
      missed,
      headline: `graph: f = ${fmt(out.value)}; ${grads.map((n) => `∂f/∂${n.name} = ${fmt(n.adjoint)}`).join(', ')}; ${String(checks.length)} Jacobians ${missed.length === 0 ? 'match' : 'checked against'} their closed forms (worst ${worst.toExponential(1)})`,
      history: { expr: config.expr, at: config.at, nodes: g.nodes, edges: g.edges, jacobians: checks },
      files: {
        'graph.dot': dot,
        'graph.svg': svg,
        'graph.png': png,
        'program.txt': `${AD.showProgram(g.program)}\n`,
      },
      summary: graphRows(g).map(
        (r) =>
          `  ${r[0]!.padEnd(4)} ${r[1]!.padEnd(14)} value ${r[2]!.padStart(10)}   ∂f/∂· ${r[3]!.padStart(10)}`,
      ),
      report: [
        heading(1, `Computation graph of ${title}`),
        paragraph(
          'The function was staged with `makeGraph` into the library’s program representation (one equation per primitive application). ' +
            'Every number below is computed by the library: forward values by evaluating the staged program, the adjoint ∂f/∂node of every node by one `grad` of the program ' +
            'with a perturbation added to each node, and each edge’s local partial derivative by `grad` of that equation’s primitive in the operand the edge carries.',
        ),
        image(`computation graph of ${showExpr(tree)}`, 'graph.png'),
        paragraph('[SVG](graph.svg) · [Graphviz source](graph.dot) · [staged program](program.txt)'),
        table(
          ['node', 'definition', 'value', '∂f/∂node', 'local partials (edges into the node)'],
          graphRows(g),
          ['left', 'left', 'right', 'right', 'left'],
        ),
        paragraph(
          `Chain-rule check: for every node u, ∂f/∂u = Σ over its out-edges (local partial × adjoint of the consumer); the largest residual is ${residual.toExponential(2)}.`,
        ),
        ...(seed
          ? [
              heading(2, 'The homework’s numbers'),
              table(['quantity', 'library', 'closed form', '|difference|'], seedCheckRows(g), [
                'left',
                'right',
                'left',
                'right',
              ]),
            ]
          : []),
        heading(2, 'The staged program'),
        paragraph('Printed in the manner of JAX’s `make_jaxpr` (inputs after the `;`, constants before it):'),
        code(AD.showProgram(g.program)),
        paragraph(
          `The program of the gradient, \`makeGraph(grad(f, { argnums: [${names.map((_, i) => String(i)).join(', ')}] }))\`, staged the same way (${String(gradProgram.eqns.length)} equations; the forward pass, then the transposed linear program):`,
        ),
        code(AD.showProgram(gradProgram)),
        heading(2, 'The homework’s Jacobians by jacrev'),
        paragraph(
          `At seeded random w ∈ ℝ⁴, X ∈ ℝ^{3×4}, W ∈ ℝ^{2×4}, z ∈ ℝ⁴ (seed ${String(config.seed)}), xᵢ the first row of X, c = 2.5. ` +
            'jacrev returns output shape ++ input shape; the closed forms are built by hand (loops over numbers). ' +
            'For XWᵀ the Jacobian is rearranged to the vec (column-major) convention, ∂vec(XWᵀ)/∂vec(W), and compared with (I ⊗ X)K, the Kronecker product I₂ ⊗ X times the commutation matrix K with K·vec(W) = vec(Wᵀ).',
        ),
        table(
          ['function', 'closed form', 'output × input', 'jacrev shape', 'max |jacrev − closed form|'],
          jacobianRows(checks),
          ['left', 'left', 'left', 'left', 'right'],
        ),
        list([
          `Every shape is the output shape followed by the input shape; the largest difference over all eight is ${worst.toExponential(2)}.`,
          'f(w) = c does not depend on w, so its Jacobian is the zero row vector; Xw is linear, so its Jacobian is X itself; w ⊙ w acts element-wise, so its Jacobian is diagonal.',
        ]),
      ],
    }
  },
})
