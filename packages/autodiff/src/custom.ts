/**
 * User-defined derivative rules, for numerical stability or speed.
 *
 * - `customJvp(f, rule)`: `f` evaluates; `rule(primals, tangents)` returns `[out, tangentOut]`, written with the
 *   public ops and linear in the tangents. Because the rule is itself differentiable, every order works (forward,
 *   reverse, Hessians). Used by `logsumexp` and `softplus`.
 * - `customVjp(f, fwd, bwd)`: `fwd(...args)` returns `[out, residuals]`; `bwd(residuals, ct)` returns one
 *   cotangent per argument. Reverse mode only (as in JAX): a plain `jvp` through it is an error, but
 *   `jacfwd(jacrev(f))` works when `bwd` is written with differentiable ops.
 * @module
 */
import * as T from '@cotangent/tensor'
import {
  JvpTracer,
  bind,
  definePrimitive,
  topTrace,
  type Aval,
  type JvpTrace,
  type Lifted,
  type Value,
} from './core.js'
import { customJvpCallP, customVjpCallP } from './staging.js'

/**
 * A function with a custom derivative rule, typed like the ops: tensor arguments give a `Tensor`, any traced
 * argument gives a `Value`.
 */
export type CustomFn<A extends readonly Value[]> = <B extends A>(...args: B) => Lifted<B[number]>

const zeroTangent = (v: Value): T.Tensor => T.zeros(v.shape, { dtype: v.dtype === 'int32' ? 'float64' : v.dtype })

/**
 * Gives `f` a custom JVP rule. `rule(primals, tangents)` must return `[f(...primals), tangentOut]`; tangents of
 * arguments that do not vary are passed as zeros. Staged (makeGraph/jit), the function is one `customJvp[name]`
 * equation whose derivative is this rule.
 */
export const customJvp = <A extends readonly Value[]>(
  f: (...args: A) => Value,
  rule: (primals: A, tangents: A) => readonly [Value, Value],
  name = f.name || 'anonymous',
): CustomFn<A> => {
  const g = (...args: A): Value => {
    const top = topTrace(args)
    if (top === null || top.kind === 'lin') return f(...args)
    if (top.kind === 'stage')
      return bind(customJvpCallP, args, {
        name,
        call: (xs) => g(...(xs as unknown as A)),
        jvp: (ps, ts) =>
          ts.every((t) => t === null)
            ? [g(...(ps as unknown as A)), null]
            : rule(ps as unknown as A, ts.map((t, i) => t ?? zeroTangent(ps[i]!)) as unknown as A),
      })
    const tr = top as JvpTrace
    let any = false
    const primals = args.map((a) => (a instanceof JvpTracer && a.trace === tr ? a.primal : a)) as unknown as A
    const tangents = args.map((a, i) => {
      if (a instanceof JvpTracer && a.trace === tr) {
        any = true
        return a.tangent
      }
      return zeroTangent(primals[i]!)
    }) as unknown as A
    if (!any) return g(...primals)
    const [y, ty] = rule(primals, tangents)
    if (!T.shapesEqual(ty.shape, y.shape))
      throw new T.ShapeError(
        'customJvp',
        `the rule of '${name}' returned a tangent of shape ${T.showShape(ty.shape)} for an output of shape ${T.showShape(y.shape)}; they must be equal`,
      )
    return new JvpTracer(tr, y, ty)
  }
  return g as CustomFn<A>
}

interface CustomLinParams {
  readonly name: string
  readonly aval: Aval
  readonly bwd: (ct: Value) => readonly (Value | null)[]
}

/** The linear half of a customVjp function: recorded while linearizing, transposed by calling `bwd`. */
const customLinP = definePrimitive<CustomLinParams>({
  name: 'customLin',
  impl: (_a, { name }) => {
    throw new Error(`customVjp: '${name}' defines only a reverse-mode rule; it cannot be evaluated in forward mode (define it with customJvp for jvp/jacfwd)`)
  },
  jvp: (_p, _t, { name }) => {
    throw new Error(`customVjp: '${name}' defines only a reverse-mode rule; forward mode through its linearization is not supported`)
  },
  linear: { positions: 'all' },
  shape: (_a, { aval }) => aval,
  transpose: (ct, _args, { bwd }) => bwd(ct),
})

/**
 * Gives `f` a custom VJP. `fwd(...args)` returns `[out, residuals]`; `bwd(residuals, ct)` returns the cotangent
 * of each argument (an array with one entry per argument, `null` for zero). Staged (makeGraph/jit), the function
 * is one `customVjp[name]` equation whose reverse mode is `fwd`/`bwd`.
 */
export const customVjp = <A extends readonly Value[], Res>(
  f: (...args: A) => Value,
  fwd: (...args: A) => readonly [Value, Res],
  bwd: (residuals: Res, ct: Value) => readonly (Value | null)[],
  name = f.name || 'anonymous',
): CustomFn<A> => {
  // The primal output and its tangent as a `customLin` application, transposed by `bwd` in reverse mode.
  const linearized = (primals: A, tangents: readonly (Value | null)[]): [Value, Value] => {
    const [y, res] = fwd(...primals)
    const params: CustomLinParams = {
      name,
      aval: { shape: y.shape, dtype: y.dtype },
      bwd: (ct) => {
        const out = bwd(res, ct)
        if (out.length !== primals.length)
          throw new Error(`customVjp: bwd of '${name}' returned ${out.length} cotangents for ${primals.length} arguments`)
        out.forEach((c, i) => {
          const a = primals[i]!
          if (c !== null && !T.shapesEqual(c.shape, a.shape))
            throw new T.ShapeError(
              'customVjp',
              `bwd of '${name}' returned a cotangent of shape ${T.showShape(c.shape)} for argument ${i} of shape ${T.showShape(a.shape)}; reduce it to the argument's shape (e.g. with sumToShape)`,
            )
        })
        return out
      },
    }
    const filled = tangents.map((t, i) => t ?? zeroTangent(primals[i]!))
    return [y, bind(customLinP, filled, params)]
  }
  const g = (...args: A): Value => {
    const top = topTrace(args)
    if (top === null || top.kind === 'lin') return f(...args)
    if (top.kind === 'stage')
      return bind(customVjpCallP, args, {
        name,
        call: (xs) => g(...(xs as unknown as A)),
        jvp: (ps, ts) => (ts.every((t) => t === null) ? [g(...(ps as unknown as A)), null] : linearized(ps as unknown as A, ts)),
      })
    const tr = top as JvpTrace
    const primals = args.map((a) => (a instanceof JvpTracer && a.trace === tr ? a.primal : a)) as unknown as A
    const tangents = args.map((a) => (a instanceof JvpTracer && a.trace === tr ? a.tangent : null))
    if (tangents.every((t) => t === null)) return g(...primals)
    if (tr.lin === null)
      throw new Error(`customVjp: '${name}' has only a reverse-mode rule, so jvp/jacfwd cannot differentiate it directly (use customJvp, or reverse mode)`)
    const [y, ty] = linearized(primals, tangents)
    return new JvpTracer(tr, y, ty)
  }
  return g as CustomFn<A>
}
