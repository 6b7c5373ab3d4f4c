/* eslint-disable functional/no-let, functional/immutable-data -- a compiler: it fills local maps, environments and scratch arrays while building an executable; nothing it returns is mutated (the same exemption the interpreter files have) */
/**
 * Small helpers over the staged IR ({@link Program}) shared by the jit passes: variable ids, use counts, and a
 * stable key for primitive parameters.
 * @module
 */
import { isTensor } from '@cotangent/tensor'
import type { Atom, Program, Var } from '../staging.js'

/** One more than the largest variable id of the program (the next free id). */
export const nextId = (p: Program): number => {
  let n = 0
  for (const v of p.inVars) n = Math.max(n, v.id + 1)
  for (const v of p.constVars) n = Math.max(n, v.id + 1)
  for (const e of p.eqns) n = Math.max(n, e.out.id + 1)
  return n
}

/** How many times each variable id is read (by equations and as an output). */
export const useCounts = (p: Program): Map<number, number> => {
  const uses = new Map<number, number>()
  const see = (a: Atom): void => {
    if (a.kind === 'var') uses.set(a.id, (uses.get(a.id) ?? 0) + 1)
  }
  for (const e of p.eqns) e.inputs.forEach(see)
  p.outs.forEach(see)
  return uses
}

const identities = new WeakMap<object, number>()
let nextIdentity = 0

/** A number unique to this object for the life of the process (keys by identity without holding the object). */
export const identityOf = (o: object): number => {
  let id = identities.get(o)
  if (id === undefined) {
    id = nextIdentity++
    identities.set(o, id)
  }
  return id
}

/** A number as a key: distinguishes -0 from 0 and keeps NaN. */
export const numberKey = (x: number): string => (Object.is(x, -0) ? '-0' : String(x))

/**
 * A string that is equal for equal parameter values: numbers, strings, booleans, `null`/`undefined` and arrays and
 * plain records of them by value; anything else (tensors, functions, class instances) by identity.
 */
export const valueKey = (x: unknown): string => {
  if (x === null) return 'n'
  switch (typeof x) {
    case 'number':
      return `#${numberKey(x)}`
    case 'string':
      return JSON.stringify(x)
    case 'boolean':
      return x ? 't' : 'f'
    case 'bigint':
      return `${String(x)}n`
    case 'object': {
      if (Array.isArray(x)) return `[${x.map(valueKey).join(',')}]`
      if (!isTensor(x)) {
        const proto: unknown = Object.getPrototypeOf(x)
        if (proto === Object.prototype || proto === null) {
          const o = x as Record<string, unknown>
          return `{${Object.keys(o)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${valueKey(o[k])}`)
            .join(',')}}`
        }
      }
      return `@${String(identityOf(x))}`
    }
    case 'undefined':
      return 'u'
    case 'function':
    case 'symbol':
      return typeof x === 'function' ? `@${String(identityOf(x))}` : String(x)
  }
  return '?'
}

/** The key of an atom inside an equation: a variable by id, a literal by dtype and value. */
export const atomKey = (a: Atom): string => (a.kind === 'var' ? `v${String(a.id)}` : `l${a.dtype}:${numberKey(a.value)}`)

/** Number of elements of a variable. */
export const sizeOfVar = (v: Var): number => {
  let n = 1
  for (const d of v.shape) n *= d
  return n
}
