/**
 * The computation graph of a scalar function, drawn from the library's own trace: `makeGraph` stages the
 * function into a program; every number on the drawing is computed by the library, not typed in:
 * - forward values by evaluating the staged program (`evalGraphVars`);
 * - adjoints ∂f/∂node by one `grad` of the program with an additive perturbation ε on every node
 *   (`∂f/∂v = ∂f(…, v + ε_v, …)/∂ε_v` at ε = 0, i.e. reverse mode over the IR);
 * - local partials on the edges by `grad` of each equation's primitive in the one operand the edge carries.
 * Rendering: Graphviz (compiled to WebAssembly, `@viz-js/viz`) lays out `toDot`'s source; resvg rasterises the SVG.
 * @module
 */
import { Resvg } from '@resvg/resvg-js'
import { instance } from '@viz-js/viz'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Equation, Program, Value, Var } from '@cotangent/autodiff'

/** A node of the drawn graph: an input or the output of one equation. */
export interface GraphNode {
  readonly id: number
  readonly name: string
  /** `log(x)`, `mul(h2, z)`; `null` for an input. */
  readonly definition: string | null
  readonly value: number
  /** ∂f/∂node. */
  readonly adjoint: number
}

/** An edge: operand `from` of the equation producing `to`, with the local partial ∂to/∂from. */
export interface GraphEdge {
  /** The operand's variable id, or `null` for a literal. */
  readonly from: number | null
  readonly to: number
  readonly argIndex: number
  /** ∂to/∂from (at the point); `null` for a literal operand. */
  readonly partial: number | null
}

/** The staged program with every value, adjoint and local partial at one point. */
export interface ComputationGraph {
  readonly program: Program
  readonly nodes: readonly GraphNode[]
  readonly edges: readonly GraphEdge[]
  /** The node of the result. */
  readonly output: number
  /** Names of the inputs, in order. */
  readonly inputs: readonly string[]
}

/** A numeric readout of a 0-d value. */
const num = (v: Value): number => AD.item(v)

/**
 * Stages `f` (a function of scalars) at `point` and computes every node's value and adjoint and every edge's local
 * partial. Inputs are named by `inputNames`; intermediates h1, h2, …; the result `f`.
 */
export const buildGraph = (
  f: (...xs: Value[]) => Value,
  inputNames: readonly string[],
  point: readonly number[],
): ComputationGraph => {
  if (inputNames.length !== point.length)
    throw new RangeError(`buildGraph: ${String(inputNames.length)} names for ${String(point.length)} values`)
  const args = point.map((x) => T.scalar(x))
  const program = AD.makeGraph(f)(...args)
  const out = program.outs[0]
  if (program.outs.length !== 1 || out === undefined || out.kind !== 'var')
    throw new RangeError('buildGraph: the function must return one value that depends on its inputs')
  for (const v of [...program.inVars, ...program.eqns.map((e) => e.out)])
    if (v.shape.length !== 0)
      throw new RangeError(
        `buildGraph: node ${String(v.id)} has shape [${v.shape.join(',')}]; the drawing is for scalar programs`,
      )

  const names = new Map<number, string>(program.inVars.map((v, i) => [v.id, inputNames[i]!]))
  program.eqns.forEach((e, k) => names.set(e.out.id, e.out.id === out.id ? 'f' : `h${String(k + 1)}`))
  const nameOf = (id: number): string => names.get(id) ?? `v${String(id)}`

  // forward values
  const values = AD.evalGraphVars(program, args)
  const valueOf = (id: number): number => num(values[id]!)

  // adjoints: one grad over a perturbation of every node
  const nodeVars: readonly Var[] = [...program.inVars, ...program.eqns.map((e) => e.out)]
  const slot = new Map(nodeVars.map((v, i) => [v.id, i]))
  const adjoints = AD.toArray(
    AD.grad((eps: Value) => {
      const vals = AD.evalGraphVars(program, args, {
        onVar: (v, x) => {
          const i = slot.get(v.id)
          return i === undefined ? x : AD.add(x, AD.reshape(AD.take(eps, [i]), []))
        },
      })
      return vals[out.id]!
    })(T.zeros([nodeVars.length])),
  )

  // local partials: d eqn / d operand, by grad of the primitive in that operand alone
  const operandValues = (e: Equation): (Value | number)[] =>
    e.inputs.map((a) => (a.kind === 'lit' ? a.value : values[a.id]!))
  const edges: GraphEdge[] = program.eqns.flatMap((e) =>
    e.inputs.map((a, i): GraphEdge => {
      if (a.kind === 'lit') return { from: null, to: e.out.id, argIndex: i, partial: null }
      const ops = operandValues(e)
      const partial = AD.grad((u: Value) =>
        AD.evalEquation(
          e,
          ops.map((o, j) => (j === i ? u : o)),
        ),
      )(values[a.id]!)
      return { from: a.id, to: e.out.id, argIndex: i, partial: num(partial) }
    }),
  )

  const nodes: GraphNode[] = nodeVars.map((v, i) => {
    const e = program.eqns.find((q) => q.out.id === v.id)
    const definition =
      e === undefined
        ? null
        : `${e.prim.name}(${e.inputs.map((a) => (a.kind === 'lit' ? String(a.value) : nameOf(a.id))).join(', ')})`
    return { id: v.id, name: nameOf(v.id), definition, value: valueOf(v.id), adjoint: adjoints[i]! }
  })
  return { program, nodes, edges, output: out.id, inputs: inputNames }
}

/** A number for labels: 6 significant digits, no trailing zeros (`20.0855`, `1`, `-0.5`, `1.2e-7`). */
export const fmt = (x: number): string => {
  if (x === 0) return '0'
  if (!Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  const s = a >= 1e-4 && a < 1e6 ? x.toPrecision(6) : x.toExponential(5)
  return s.includes('e') ? s.replace(/\.?0+e/, 'e') : s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

/**
 * The chain-rule residual: for every node u, |adjoint(u) − Σ over its out-edges (partial · adjoint(consumer))|,
 * the largest over the graph (the output's adjoint is 1 by definition). An independent check of the three
 * computations (adjoints by grad of the program, partials by grad of each primitive).
 */
export const chainRuleResidual = (g: ComputationGraph): number => {
  const adj = new Map(g.nodes.map((n) => [n.id, n.adjoint]))
  return Math.max(
    ...g.nodes.map((n) => {
      const want =
        n.id === g.output
          ? 1
          : g.edges.filter((e) => e.from === n.id).reduce((s, e) => s + (e.partial ?? 0) * adj.get(e.to)!, 0)
      return Math.abs(n.adjoint - want)
    }),
  )
}

/** Graphviz source of the graph: nodes with value and adjoint, edges with their local partial. */
export const graphDot = (g: ComputationGraph, title: string): string => {
  const byId = new Map(g.nodes.map((n) => [n.id, n]))
  return AD.toDot(g.program, {
    title,
    types: false,
    name: (v) => byId.get(v.id)?.name ?? `v${String(v.id)}`,
    nodeLines: (v) => {
      const n = byId.get(v.id)
      return n === undefined ? [] : [`value = ${fmt(n.value)}`, `∂f/∂${n.name} = ${fmt(n.adjoint)}`]
    },
    edgeLabel: (e, _k, i) => {
      const edge = g.edges.find((x) => x.to === e.out.id && x.argIndex === i)
      if (edge?.partial === null || edge?.from === null || edge === undefined) return undefined
      return `∂${byId.get(edge.to)!.name}/∂${byId.get(edge.from)!.name} = ${fmt(edge.partial)}`
    },
  })
}

/** Renders DOT to SVG with Graphviz (wasm) and to PNG (2× zoom, white background) with resvg. */
export const renderDot = async (dot: string): Promise<{ readonly svg: string; readonly png: Uint8Array }> => {
  const viz = await instance()
  const svg = viz.renderString(dot, { format: 'svg' })
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng()
  return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) }
}

/** The graph as table rows: node, definition, value, adjoint, local partials of its operands. */
export const graphRows = (g: ComputationGraph): string[][] => {
  const byId = new Map(g.nodes.map((n) => [n.id, n]))
  return g.nodes.map((n) => [
    n.name,
    n.definition ?? 'input',
    fmt(n.value),
    fmt(n.adjoint),
    g.edges
      .filter((e) => e.to === n.id && e.from !== null && e.partial !== null)
      .map((e) => `∂${n.name}/∂${byId.get(e.from!)!.name} = ${fmt(e.partial!)}`)
      .join(', ') || '—',
  ])
}
