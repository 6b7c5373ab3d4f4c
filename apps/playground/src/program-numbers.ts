/**
 * The numbers on a staged program's nodes: the forward value of every variable (`evalGraphVars`) and its adjoint
 * ∂f/∂node, from one `grad` over an additive perturbation ε of every float node (∂f/∂v = ∂f(…, v + ε_v, …)/∂ε_v at
 * ε = 0): reverse mode through the staged program itself. Works for nodes of any shape; the output must be a scalar.
 * @module
 */
import * as ct from 'cotangent'

/** A node's numbers, flattened row-major (`adjoint` is null for integer or constant nodes). */
export interface NodeNumbers {
  readonly id: number
  readonly shape: readonly number[]
  readonly value: readonly number[]
  readonly adjoint: readonly number[] | null
}

/** Values and adjoints of every input and equation output of `program` at `args` (and constants' values). */
export const programNumbers = (program: ct.Program, args: readonly unknown[]): NodeNumbers[] => {
  const out = program.outs[0]
  if (program.outs.length !== 1 || out === undefined || out.kind !== 'var')
    throw new RangeError('programNumbers: the program must return one value that depends on its inputs')
  if (out.shape.length !== 0)
    throw new RangeError(
      `programNumbers: the output has shape [${out.shape.join(',')}]; adjoints need a scalar`,
    )
  const values = ct.evalGraphVars(program, args)
  const vars = [...program.inVars, ...program.eqns.map((e) => e.out)]
  const perturbed = vars.filter((v) => v.dtype === 'float64' || v.dtype === 'float32')
  const slot = new Map(perturbed.map((v, i) => [v.id, i]))
  const adjoints = ct.grad((eps: ct.Value[]) => {
    const vs = ct.evalGraphVars(program, args, {
      onVar: (v, x) => {
        const i = slot.get(v.id)
        return i === undefined ? x : ct.add(x, eps[i]!)
      },
    })
    return vs[out.id]!
  })(perturbed.map((v) => ct.zeros(v.shape, { dtype: v.dtype as 'float64' | 'float32' })))
  const flat = (x: ct.Value): number[] => Array.from(ct.toArray(x), Number)
  return [
    ...program.constVars.map((v) => ({
      id: v.id,
      shape: v.shape,
      value: flat(values[v.id]!),
      adjoint: null,
    })),
    ...vars.map((v) => {
      const i = slot.get(v.id)
      return {
        id: v.id,
        shape: v.shape,
        value: flat(values[v.id]!),
        adjoint: i === undefined ? null : flat(adjoints[i]!),
      }
    }),
  ]
}

/** A number for a label: 6 significant digits, no trailing zeros. */
export const fmtNumber = (x: number): string => {
  if (x === 0 || !Number.isFinite(x)) return String(x)
  const a = Math.abs(x)
  const s = a >= 1e-4 && a < 1e6 ? x.toPrecision(6) : x.toExponential(4)
  return s.includes('e') ? s : s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

/** A node's numbers for a label: a scalar as is, up to 4 entries listed, more as the norm ‖·‖. */
export const fmtValues = (xs: readonly number[], digits = 4): string => {
  const short = (x: number): string =>
    x === 0 || !Number.isFinite(x) ? String(x) : fmtNumber(+x.toPrecision(digits))
  if (xs.length === 1) return fmtNumber(xs[0]!)
  if (xs.length <= 4) return `[${xs.map(short).join(', ')}]`
  return `‖·‖ ${short(Math.sqrt(xs.reduce((s, x) => s + x * x, 0)))}`
}
