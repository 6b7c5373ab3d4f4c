/**
 * Reusable io-ts codecs for command-line flags. Each decodes either the raw argv string (`'0.1'`, `'8,32'`) or an
 * already-typed value (`0.1`, `[8, 32]`, as passed to `runApp` or read back from a `config.json`), so one codec
 * guards every way a value can enter an app. A codec's `name` is the human description of what it allows
 * (`a number > 0`); failures carry a message saying what was wrong with the value.
 * @module
 */
import type { ActivationName } from '@cotangent/layers'
import * as t from 'io-ts'

/** A number parsed from a flag string: plain decimal or exponent syntax only (no `''`, `'0x10'`, `'1e'`, `' 1'`). */
const parseNumber = (u: unknown): number | null => {
  if (typeof u === 'number') return u
  if (typeof u !== 'string') return null
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(u)) return null
  return Number(u)
}

/**
 * A number codec with a predicate: decodes a number or a numeric string satisfying `ok`, and fails with
 * `expected <name>` otherwise.
 */
export const numberCodec = (name: string, ok: (x: number) => boolean): t.Type<number, number> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && ok(u),
    (u, c) => {
      const x = parseNumber(u)
      return x !== null && Number.isFinite(x) && ok(x) ? t.success(x) : t.failure(u, c, `expected ${name}`)
    },
    t.identity,
  )

/** A finite number > 0 (learning rates, scales). */
export const PositiveNumber = numberCodec('a number > 0', (x) => x > 0)

/** A finite number ≥ 0 (weight decay, constants that may be zero). */
export const NonNegativeNumber = numberCodec('a number ≥ 0', (x) => x >= 0)

/** Any finite number (e.g. a constant initial weight that may be negative). */
export const FiniteNumber = numberCodec('a finite number', () => true)

/** A number in [0, 1) (momentum, dropout rates). */
export const UnitInterval = numberCodec('a number in [0, 1)', (x) => x >= 0 && x < 1)

/** An integer ≥ 1 (batch sizes, epochs, hidden widths, counts). */
export const PositiveInt = numberCodec('an integer ≥ 1', (x) => Number.isSafeInteger(x) && x >= 1)

/** An integer ≥ 0. */
export const NonNegativeInt = numberCodec('an integer ≥ 0', (x) => Number.isSafeInteger(x) && x >= 0)

/** A seed: an integer in [0, 2³² − 1]. */
export const Seed = numberCodec(
  'an integer in [0, 4294967295]',
  (x) => Number.isSafeInteger(x) && x >= 0 && x <= 0xffffffff,
)

/** A non-empty string (paths, names). */
export const NonEmptyString = new t.Type<string, string, unknown>(
  'a non-empty string',
  (u): u is string => typeof u === 'string' && u.length > 0,
  (u, c) =>
    typeof u === 'string' && u.length > 0 ? t.success(u) : t.failure(u, c, 'expected a non-empty string'),
  t.identity,
)

/**
 * One of a fixed set of strings. The name lists them (`one of relu, tanh`), so `--help` and errors show every
 * allowed value.
 */
export const enumCodec = <const V extends string>(values: readonly V[]): t.Type<V, V> => {
  const name = `one of ${values.join(', ')}`
  const is = (u: unknown): u is V => typeof u === 'string' && (values as readonly string[]).includes(u)
  return new t.Type<V, V, unknown>(
    name,
    is,
    (u, c) => (is(u) ? t.success(u) : t.failure(u, c, `expected ${name}`)),
    t.identity,
  )
}

/**
 * A comma-separated list of `item` (`'0.01,0.1'`), or an array of them; at least one element, no empty entries.
 * A failure names the bad element (`'abc' is not an integer ≥ 1`).
 */
export const commaList = <A>(item: t.Type<A, A>): t.Type<readonly A[], readonly A[]> => {
  const name = `a comma-separated list, each ${item.name}`
  const is = (u: unknown): u is readonly A[] => Array.isArray(u) && u.length > 0 && u.every((x) => item.is(x))
  return new t.Type<readonly A[], readonly A[], unknown>(
    name,
    is,
    (u, c) => {
      const parts: readonly unknown[] | null =
        typeof u === 'string'
          ? u.split(',').map((s) => s.trim())
          : Array.isArray(u)
            ? (u as readonly unknown[])
            : null
      if (parts === null || parts.length === 0) return t.failure(u, c, `expected ${name}`)
      const decoded = parts.map((p) => item.validate(p, c))
      const bad = decoded.findIndex((d) => d._tag === 'Left')
      if (bad >= 0) {
        const p = parts[bad]
        const shown = typeof p === 'string' ? (p === '' ? 'an empty entry' : `'${p}'`) : JSON.stringify(p)
        return t.failure(u, c, `${shown} is not ${item.name} (expected ${name})`)
      }
      return t.success(decoded.map((d) => (d as t.Validation<A> & { readonly _tag: 'Right' }).right))
    },
    t.identity,
  )
}

/** A comma-separated list of numbers > 0 (`--lr 0.01,0.1`). */
export const PositiveNumberList = commaList(PositiveNumber)

/** A comma-separated list of integers ≥ 1 (`--hidden 8,32`). */
export const PositiveIntList = commaList(PositiveInt)

/** Every activation `@cotangent/layers`' `mlp` knows by name (kept exhaustive by the type below). */
export const ACTIVATION_NAMES = [
  'relu',
  'tanh',
  'sigmoid',
  'gelu',
  'leakyRelu',
  'softplus',
  'identity',
] as const satisfies readonly ActivationName[]

// Compile-time check that ACTIVATION_NAMES lists every ActivationName (an added name breaks the build here).
type Missing = Exclude<ActivationName, (typeof ACTIVATION_NAMES)[number]>
const _exhaustive: Missing extends never ? true : Missing = true

/** An activation name of `@cotangent/layers` (`relu`, `tanh`, …). */
export const Activation: t.Type<ActivationName, ActivationName> = enumCodec(ACTIVATION_NAMES)

/** A comma-separated list of activation names (`--activations relu,tanh`). */
export const ActivationList = commaList(Activation)

/** The message of an io-ts failure: the codecs' own messages, else `expected <codec name>`. */
export const failureMessage = (errors: t.Errors, fallback: string): string => {
  const own = errors.map((e) => e.message).filter((m): m is string => m !== undefined && m !== '')
  return own.length > 0 ? [...new Set(own)].join('; ') : `expected ${fallback}`
}
