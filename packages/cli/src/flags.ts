/**
 * Flag declarations and argv decoding: cmd-ts does the tokenising and the `--help` text; every value goes through
 * an io-ts codec. Decoding returns an `Either`: the decoded config, the help text, or a one-line error naming the
 * flag, the value and what is allowed.
 * @module
 */
import { command, flag, option, parse, runSafely, type Type } from 'cmd-ts'
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { failureMessage, NonEmptyString, Seed } from './codecs.js'

/** A flag that takes a value, decoded by `codec`, with a default. */
export interface OptionFlag<A> {
  readonly kind: 'option'
  readonly codec: t.Decoder<unknown, A>
  readonly default: A
  /** The default as shown by `--help`. */
  readonly defaultText: string
  readonly description: string
  /** A one-letter alias (`-e`); `h` is taken by `--help`. */
  readonly short?: string
}

/** A boolean switch, false unless given (`--plot`). */
export interface SwitchFlag {
  readonly kind: 'switch'
  readonly description: string
  readonly short?: string
}

/** One declared flag. */
export type FlagSpec = OptionFlag<unknown> | SwitchFlag

/** An app's own flags: config key → declaration. The long name is the key in kebab case (`hiddenSizes` → `--hidden-sizes`). */
export type Flags = Readonly<Record<string, FlagSpec>>

/** The decoded value of one flag. */
export type FlagValue<S> = S extends OptionFlag<infer A> ? A : S extends SwitchFlag ? boolean : never

/** The flags every app has. */
export interface CommonConfig {
  /** Seed of every random choice of the run (default 0). */
  readonly seed: number
  /** The run folder (`--out`, default `runs/<app>/<timestamp>/`). */
  readonly out: string
  /** Print only the final lines. */
  readonly quiet: boolean
}

/** The decoded configuration of an app with flags `F`: its own flags plus {@link CommonConfig}. */
export type ConfigOf<F extends Flags> = { readonly [K in keyof F]: FlagValue<F[K]> } & CommonConfig

const show = (x: unknown): string =>
  Array.isArray(x)
    ? x.map(show).join(',')
    : typeof x === 'string'
      ? x
      : typeof x === 'number' || typeof x === 'boolean'
        ? String(x)
        : JSON.stringify(x)

/**
 * Declares a flag with a value: `opt(PositiveNumber, 0.5, 'learning rate')`. The codec's name (e.g. `a number > 0`)
 * is the allowed-values text shown by `--help` and in errors.
 */
export const opt = <A>(
  codec: t.Decoder<unknown, A>,
  defaultValue: A,
  description: string,
  options: { readonly short?: string } = {},
): OptionFlag<A> => ({
  kind: 'option',
  codec,
  default: defaultValue,
  defaultText: show(defaultValue),
  description,
  ...(options.short === undefined ? {} : { short: options.short }),
})

/** Declares a boolean switch (false unless given). */
export const switchFlag = (description: string, options: { readonly short?: string } = {}): SwitchFlag => ({
  kind: 'switch',
  description,
  ...(options.short === undefined ? {} : { short: options.short }),
})

/** `hiddenSizes` → `hidden-sizes`. */
export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** The common flags' declarations (`out`'s default is computed per run, so it is declared as "" here). */
export const COMMON_FLAGS = {
  seed: opt(Seed, 0, 'seed of every random choice of the run'),
  out: opt(NonEmptyString, '', 'the run folder, written atomically'),
  quiet: switchFlag('print only the final lines'),
} as const satisfies Flags

/** What decoding argv can end in besides a config. */
export type FlagOutcome =
  { readonly _tag: 'help'; readonly text: string } | { readonly _tag: 'error'; readonly message: string }

const describe = (s: FlagSpec): string =>
  s.kind === 'switch' ? s.description : `${s.description}; ${s.codec.name}`

/** The raw config (values not yet completed with the default `out`). */
export type RawConfig = Readonly<Record<string, unknown>>

/**
 * Decodes argv against the app's flags plus the common ones. `--help`/`-h` gives the help text (every flag, its
 * allowed values and default). Errors: an unknown flag, a positional argument, a value option without a value,
 * or a value its codec rejects — each as one line `<app>: --flag: got 'value', expected …`.
 */
export const decodeArgv = async (
  app: { readonly name: string; readonly description: string },
  flags: Flags,
  argv: readonly string[],
): Promise<E.Either<FlagOutcome, RawConfig>> => {
  const all: Flags = { ...flags, ...COMMON_FLAGS }
  const longs = new Map<string, string>(Object.keys(all).map((k) => [`--${kebab(k)}`, k]))
  const shorts = new Map<string, string>(
    Object.entries(all).flatMap(([k, s]) => (s.short === undefined ? [] : [[`-${s.short}`, k] as const])),
  )
  const hint = `see --help for every flag and its allowed values`
  const fail = (msg: string): E.Either<FlagOutcome, RawConfig> =>
    E.left({ _tag: 'error', message: withHint(`${app.name}: ${msg}`, hint) })

  // cmd-ts silently falls back to the default when a value option is last; say so instead.
  const missing = argv.findIndex((a, i) => {
    const key = longs.get(a) ?? shorts.get(a)
    const spec = key === undefined ? undefined : all[key]
    const next = argv[i + 1]
    return spec?.kind === 'option' && (next === undefined || next.startsWith('--'))
  })
  if (missing >= 0) {
    const key = longs.get(argv[missing]!) ?? shorts.get(argv[missing]!)!
    const spec = all[key] as OptionFlag<unknown>
    return fail(`${argv[missing]!} needs a value (${spec.codec.name})`)
  }

  const args = Object.fromEntries(
    Object.entries(all).map(([key, spec]) => {
      const long = kebab(key)
      const shortDoc = spec.short === undefined ? {} : { short: spec.short }
      if (spec.kind === 'switch') return [key, flag({ long, description: spec.description, ...shortDoc })]
      const type: Type<string, unknown> = {
        displayName: metavar(spec.codec.name),
        from: (s: string) => {
          const r = spec.codec.decode(s)
          return E.isLeft(r)
            ? Promise.reject(new Error(`--${long}: got '${s}', ${failureMessage(r.left, spec.codec.name)}`))
            : Promise.resolve(r.right)
        },
      }
      return [
        key,
        option({
          long,
          type,
          description: describe(spec),
          defaultValue: () => spec.default,
          defaultValueIsSerializable: false,
          ...shortDoc,
        }),
      ]
    }),
  )
  const cmd = command({ name: app.name, description: app.description, args, handler: (values) => values })
  const helpAsked = argv.includes('--help') || argv.includes('-h')
  if (helpAsked) {
    const r = await runSafely(cmd, [...argv.filter((a) => a === '--help' || a === '-h')])
    if (r._tag === 'error' && r.error.config.exitCode === 0)
      return E.left({ _tag: 'help', text: helpText(r.error.config.message, all) })
  }
  const parsed = await parse(cmd, [...argv])
  if (parsed._tag === 'ok') return E.right(parsed.value as RawConfig)
  const messages = parsed.error.errors.map((e) => {
    const node = e.nodes[0]
    if (e.message !== 'Unknown arguments' || node === undefined) return e.message
    if (node.type === 'positionalArgument') return `unexpected argument '${node.raw}' (flags start with --)`
    const known = [...longs.keys()].join(', ')
    // The node's raw text includes a value given with a space (`--bogus 1`); name the flag alone.
    const name =
      node.type === 'longOption'
        ? `--${node.key}`
        : node.type === 'shortOption'
          ? `-${node.key}`
          : node.raw.split('=')[0]!
    return `unknown flag ${name} (flags: ${known})`
  })
  return fail(messages.join('; '))
}

/**
 * Appends `(hint)` to the first line of `message`, so that a message with a multi-line part (an expression with a
 * caret under the bad character) does not end in a dangling hint line.
 */
export const withHint = (message: string, hint: string): string => {
  const nl = message.indexOf('\n')
  return nl < 0 ? `${message} (${hint})` : `${message.slice(0, nl)} (${hint})${message.slice(nl)}`
}

/** A short placeholder for `--help` (`--lr <number>`); the full allowed-values text follows in the description. */
const metavar = (allowed: string): string =>
  allowed.includes('list')
    ? 'list'
    : allowed.includes('integer')
      ? 'int'
      : allowed.includes('number')
        ? 'number'
        : allowed.startsWith('one of')
          ? 'name'
          : allowed.includes('string')
            ? 'text'
            : 'value'

/** cmd-ts' help with the default of every option spelled out (it cannot serialise codec defaults itself). */
const helpText = (base: string, all: Flags): string =>
  Object.entries(all).reduce((text, [key, spec]) => {
    if (spec.kind !== 'option') return text
    const dflt = key === 'out' ? 'runs/<app>/<timestamp>/' : spec.defaultText === '' ? '""' : spec.defaultText
    const line = new RegExp(`^(\\s*--${kebab(key)}\\b.*?)( \\[(?:default|optional)[^\\]]*\\])?$`, 'm')
    return text.replace(line, (_m, head: string) => `${head} [default: ${dflt}]`)
  }, base)
