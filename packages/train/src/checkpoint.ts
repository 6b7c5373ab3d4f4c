/**
 * Checkpoints: versioned JSON files holding parameters, optimiser state, the run's config and its history.
 *
 * Both sides report failures the same way: `saveCheckpoint` and `loadCheckpoint` never throw for file-system or
 * file-content problems; they return an `Either<CheckpointError, …>` whose message names the file, the cause and
 * the fix (`runs/x/ckpt.json: cannot write: a parent of the path is a file, not a directory …`) or, for content
 * errors, the path of the offending field (`runs/x/ckpt.json: params.layers[1].W: expected shape [16,3], got
 * [16,4]`). Writes are atomic and durable (see json.ts). A loaded checkpoint is typed by what was checked: its
 * `params` have the template's type only when a template (`like`) was given, else `unknown`; the same for
 * `optState` (template `optState`) and `config` (decoder `config`).
 * @module
 */
import { readFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { isPlainObject, isValue } from '@cotangent/autodiff'
import { fromArray, isTensor, showShape, sizeOf, type DType, type Tensor } from '@cotangent/tensor'
import type { EpochRecord } from './history.js'
import { parseSpecial, toJson, writeFileAtomic } from './json.js'

/** The `format` field of every checkpoint file. */
export const CHECKPOINT_FORMAT = 'cotangent.checkpoint'
/** The version this library writes and reads. */
export const CHECKPOINT_VERSION = 1

/** What a checkpoint holds: `P` the parameters, `C` the config, `S` the optimiser state (each `unknown` until checked). */
export interface Checkpoint<P = unknown, C = unknown, S = unknown> {
  readonly format: typeof CHECKPOINT_FORMAT
  readonly version: typeof CHECKPOINT_VERSION
  /** ISO time of saving. */
  readonly savedAt: string
  readonly params: P
  /** Optimiser state, or `null` when none was saved. */
  readonly optState: S | null
  readonly config: C
  readonly history: readonly EpochRecord[]
}

/** What to save. */
export interface CheckpointContents<P, C, S = unknown> {
  readonly params: P
  readonly optState?: S
  readonly config: C
  readonly history?: readonly EpochRecord[]
}

/** Why a checkpoint could not be saved or loaded. `message` names the file, the cause and the fix (or the field path). */
export interface CheckpointError {
  readonly kind: 'missing' | 'unreadable' | 'json' | 'format' | 'version' | 'decode' | 'mismatch' | 'encode' | 'write'
  readonly file: string
  readonly message: string
}

const errnoCode = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''

/** A fix for a file-system error code, for messages. */
const fixFor = (code: string, path: string): string => {
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return `a parent of the path is a file, not a directory: choose another path, or move that file away`
    case 'EISDIR':
      return `the path is a directory: give a file name, e.g. ${path}/checkpoint.json`
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'no permission to write there: choose a writable directory'
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full: free space or choose another disk'
    default:
      return 'check the path and the disk'
  }
}

/**
 * Writes a checkpoint (JSON, version {@link CHECKPOINT_VERSION}) atomically and durably to `path`, creating its
 * directory. Returns `right(path)` once the file is on disk, or `left(CheckpointError)`: `encode` for contents JSON
 * cannot hold (a function, a class instance, a circular config — named by path), `write` for a file-system failure
 * (named with its cause and the fix). Nothing is thrown for those; check the result.
 */
export const saveCheckpoint = <P, C, S = unknown>(
  path: string,
  contents: CheckpointContents<P, C, S>,
): E.Either<CheckpointError, string> => {
  const json = (() => {
    try {
      return E.right(
        toJson({
          format: CHECKPOINT_FORMAT,
          version: CHECKPOINT_VERSION,
          savedAt: new Date().toISOString(),
          params: contents.params,
          optState: contents.optState ?? null,
          config: contents.config,
          history: contents.history ?? [],
        }),
      )
    } catch (err) {
      return fail('encode', path, `cannot encode the checkpoint: ${err instanceof Error ? err.message : String(err)}`)
    }
  })()
  if (E.isLeft(json)) return json
  try {
    writeFileAtomic(path, `${JSON.stringify(json.right, null, 2)}\n`)
    return E.right(path)
  } catch (err) {
    const code = errnoCode(err)
    const cause = err instanceof Error ? err.message : String(err)
    return fail('write', path, `cannot write the checkpoint (${cause}): ${fixFor(code, path)}`)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// io-ts codecs

const DTYPES: readonly DType[] = ['float64', 'float32', 'int32']

const isRecord = (x: unknown): x is Readonly<Record<string, unknown>> => typeof x === 'object' && x !== null && !Array.isArray(x)

const describe = (u: unknown): string =>
  u === null ? 'null' : Array.isArray(u) ? 'an array' : typeof u === 'object' ? 'an object' : `${typeof u} ${JSON.stringify(u)}`

/** A number, or an explicit non-finite number `{ $type: 'number', value: 'NaN' | 'Infinity' | '-Infinity' }`. */
export const JsonNumber = new t.Type<number, unknown, unknown>(
  'number',
  (u): u is number => typeof u === 'number',
  (u, c) => {
    if (typeof u === 'number') return t.success(u)
    if (isRecord(u) && u.$type === 'number') {
      const v = parseSpecial(u.value)
      return v === null ? t.failure(u, c, `unknown number spelling ${JSON.stringify(u.value)}`) : t.success(v)
    }
    return t.failure(u, c, `expected a number, got ${describe(u)}`)
  },
  (n) => n,
)

const validateTensor = (u: Readonly<Record<string, unknown>>, c: t.Context): t.Validation<Tensor> => {
  const at = (k: string): t.Context => t.appendContext(c, k, t.unknown, u[k])
  const { dtype, shape, data } = u
  if (typeof dtype !== 'string' || !DTYPES.includes(dtype as DType))
    return t.failure(dtype, at('dtype'), `expected one of float64, float32, int32, got ${describe(dtype)}`)
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
    return t.failure(shape, at('shape'), `expected a list of non-negative integers, got ${JSON.stringify(shape)}`)
  const dims = shape as number[]
  if (!Array.isArray(data)) return t.failure(data, at('data'), `expected a list of numbers, got ${describe(data)}`)
  const n = sizeOf(dims)
  if (data.length !== n)
    return t.failure(data, at('data'), `has ${data.length} values, but shape ${showShape(dims)} needs ${n}`)
  const values = (data as unknown[]).map((x) => (typeof x === 'number' ? x : parseSpecial(x)))
  const bad = values.findIndex((x) => x === null)
  if (bad >= 0)
    return t.failure(data[bad], t.appendContext(at('data'), String(bad), t.unknown, data[bad]), `expected a number, got ${describe(data[bad])}`)
  // An Int32Array would silently truncate 1.5 and wrap 3e10: an int32 tensor must hold int32 integers.
  const badInt = dtype === 'int32' ? values.findIndex((x) => !Number.isInteger(x) || x! < -2147483648 || x! > 2147483647) : -1
  if (badInt >= 0)
    return t.failure(
      data[badInt],
      t.appendContext(at('data'), String(badInt), t.unknown, data[badInt]),
      `expected an int32 integer, got ${describe(data[badInt])}`,
    )
  return t.success(fromArray(values as number[], dims, { dtype: dtype as DType }))
}

const validateTree = (u: unknown, c: t.Context): t.Validation<unknown> => {
  if (Array.isArray(u)) {
    const items = u.map((x: unknown, i) => validateTree(x, t.appendContext(c, String(i), Tree, x)))
    const errors = items.flatMap((r) => (E.isLeft(r) ? r.left : []))
    return errors.length > 0 ? t.failures(errors) : t.success(items.map((r) => (E.isRight(r) ? r.right : null)))
  }
  if (isRecord(u)) {
    if (u.$type === 'tensor') return validateTensor(u, c)
    if (u.$type === 'number') return JsonNumber.validate(u, c)
    const entries = Object.entries(u).map(([k, x]) => [k, validateTree(x, t.appendContext(c, k, Tree, x))] as const)
    const errors = entries.flatMap(([, r]) => (E.isLeft(r) ? r.left : []))
    return errors.length > 0
      ? t.failures(errors)
      : t.success(Object.fromEntries(entries.map(([k, r]) => [k, E.isRight(r) ? r.right : null])))
  }
  return t.success(u)
}

/** A tree of JSON values in which tensors (and explicit non-finite numbers) are decoded. */
export const Tree: t.Type<unknown, unknown> = new t.Type<unknown, unknown, unknown>(
  'Tree',
  (_u): _u is unknown => true,
  (u, c) => validateTree(u, c),
  (a) => a,
)

const nullable = <A>(c: t.Type<A, unknown>): t.Type<A | null, unknown> =>
  new t.Type<A | null, unknown, unknown>(
    `${c.name} | null`,
    (u): u is A | null => u === null || c.is(u),
    (u, ctx) => (u === null ? t.success(null) : c.validate(u, ctx)),
    (a) => a,
  )

/** The codec of one history record. */
export const EpochRecordCodec = t.type({
  epoch: t.number,
  trainLoss: JsonNumber,
  trainMetrics: t.record(t.string, JsonNumber),
  devLoss: nullable(JsonNumber),
  devMetrics: nullable(t.record(t.string, JsonNumber)),
  seconds: JsonNumber,
  samplesPerSecond: JsonNumber,
})

const Envelope = t.type({
  savedAt: t.string,
  params: Tree,
  optState: Tree,
  config: t.unknown,
  history: t.array(EpochRecordCodec),
})

/** Formats an io-ts context as a field path: `params.layers[1].W`. */
export const contextPath = (c: t.Context): string =>
  c
    .slice(1)
    .reduce(
      (acc, entry, i) => (/^\d+$/.test(entry.key) && Array.isArray(c[i]?.actual) ? `${acc}[${entry.key}]` : acc === '' ? entry.key : `${acc}.${entry.key}`),
      '',
    )

const formatErrors = (errors: t.Errors): string => {
  const lines = [
    ...new Set(
      errors.map((e) => {
        const path = contextPath(e.context)
        const last = e.context[e.context.length - 1]
        const msg = e.message ?? `expected ${last?.type.name ?? 'a value'}, got ${describe(e.value)}`
        return path === '' ? msg : `${path}: ${msg}`
      }),
    ),
  ]
  return lines.length > 5 ? [...lines.slice(0, 5), `… and ${lines.length - 5} more`].join('; ') : lines.join('; ')
}

// ---------------------------------------------------------------------------------------------------------------
// Matching a template


const kindOf = (x: unknown): string =>
  isTensor(x) ? `a tensor of shape ${showShape(x.shape)}` : Array.isArray(x) ? `an array of length ${x.length}` : describe(x)

const join = (path: string, k: string): string => (path === '' ? k : `${path}.${k}`)

/**
 * Differences between a decoded tree and a template (`like`): structure, record keys, array lengths, tensor shapes
 * and dtypes. Returns one message per difference, each prefixed by its path.
 */
export const treeMismatches = (like: unknown, got: unknown, path: string): string[] => {
  if (isValue(like)) {
    if (!isTensor(got)) return [`${path}: expected a tensor of shape ${showShape(like.shape)}, got ${kindOf(got)}`]
    const v = like
    if (!v.shape.every((d, i) => got.shape[i] === d) || v.shape.length !== got.shape.length)
      return [`${path}: expected shape ${showShape(v.shape)}, got ${showShape(got.shape)}`]
    return v.dtype === got.dtype ? [] : [`${path}: expected dtype ${v.dtype}, got ${got.dtype}`]
  }
  if (Array.isArray(like)) {
    if (!Array.isArray(got)) return [`${path}: expected an array of length ${like.length}, got ${kindOf(got)}`]
    if (got.length !== like.length) return [`${path}: expected an array of length ${like.length}, got length ${got.length}`]
    return like.flatMap((l: unknown, i) => treeMismatches(l, got[i], `${path}[${i}]`))
  }
  if (isPlainObject(like)) {
    if (!isPlainObject(got)) return [`${path}: expected a record with fields ${Object.keys(like).join(', ')}, got ${kindOf(got)}`]
    const missing = Object.keys(like)
      .filter((k) => !(k in got))
      .map((k) => `${join(path, k)}: missing (the model has ${kindOf(like[k])})`)
    const extra = Object.keys(got)
      .filter((k) => !(k in like))
      .map((k) => `${join(path, k)}: not in the model (the checkpoint has ${kindOf(got[k])})`)
    const inner = Object.keys(like)
      .filter((k) => k in got)
      .flatMap((k) => treeMismatches(like[k], got[k], join(path, k)))
    return [...missing, ...extra, ...inner]
  }
  if (typeof like === 'number') return typeof got === 'number' ? [] : [`${path}: expected a number, got ${kindOf(got)}`]
  return like === got || (like == null && got == null) ? [] : [`${path}: expected ${describe(like)}, got ${kindOf(got)}`]
}

// ---------------------------------------------------------------------------------------------------------------
// Loading

/** Options of {@link loadCheckpoint}. */
export interface LoadOptions<P = unknown, C = unknown, S = unknown> {
  /**
   * A parameter template (e.g. the model's freshly initialised parameters): the loaded params must have its
   * structure, keys, shapes and dtypes; then they are typed `P` (else `unknown`).
   */
  readonly like?: P
  /** An io-ts decoder for `config` (default: accept any JSON, typed `unknown`). */
  readonly config?: t.Decoder<unknown, C>
  /**
   * An optimiser-state template (e.g. `optimizer.init(params)`): the loaded state must match it (or be `null`);
   * then it is typed `S` (else `unknown`).
   */
  readonly optState?: S
}

/** The params type a {@link loadCheckpoint} call has checked: the template's, else `unknown`. */
export type LoadedParams<O> = O extends { readonly like: infer P } ? P : unknown
/** The config type a {@link loadCheckpoint} call has decoded: the decoder's, else `unknown`. */
export type LoadedConfig<O> = O extends { readonly config: t.Decoder<unknown, infer C> } ? C : unknown
/** The optimiser-state type a {@link loadCheckpoint} call has checked: the template's, else `unknown`. */
export type LoadedOptState<O> = O extends { readonly optState: infer S } ? S : unknown

const fail = (kind: CheckpointError['kind'], file: string, message: string): E.Either<CheckpointError, never> =>
  E.left({ kind, file, message: `${file}: ${message}` })

/**
 * Reads and validates a checkpoint. Errors (as `Left`): a missing or unreadable file, invalid JSON (e.g.
 * truncated), a file that is not a Cotangent checkpoint or has another version, a malformed field (named by its
 * path), and params that do not match `like`.
 */
export function loadCheckpoint<const O extends LoadOptions = LoadOptions<never, never, never>>(
  path: string,
  options?: O,
): E.Either<CheckpointError, Checkpoint<LoadedParams<O>, LoadedConfig<O>, LoadedOptState<O>>> {
  const opts: LoadOptions = options ?? {}
  const text = (() => {
    try {
      return E.right(readFileSync(path, 'utf8'))
    } catch (err) {
      const code = isRecord(err) ? err.code : undefined
      return code === 'ENOENT'
        ? fail('missing', path, 'no such file')
        : fail('unreadable', path, `cannot read the file (${err instanceof Error ? err.message : String(err)})`)
    }
  })()
  if (E.isLeft(text)) return text
  const json = (() => {
    try {
      return E.right(JSON.parse(text.right) as unknown)
    } catch (err) {
      return fail('json', path, `invalid JSON (${err instanceof Error ? err.message : String(err)}); the file may be truncated`)
    }
  })()
  if (E.isLeft(json)) return json
  const j = json.right
  if (!isRecord(j) || j.format !== CHECKPOINT_FORMAT)
    return fail(
      'format',
      path,
      `not a Cotangent checkpoint (expected format '${CHECKPOINT_FORMAT}', got ${isRecord(j) ? describe(j.format) : describe(j)})`,
    )
  if (j.version !== CHECKPOINT_VERSION)
    return fail('version', path, `unsupported checkpoint version ${describe(j.version)} (this library reads version ${CHECKPOINT_VERSION})`)
  const decoded = Envelope.decode(j)
  if (E.isLeft(decoded)) return fail('decode', path, formatErrors(decoded.left))
  const env = decoded.right
  const config = opts.config === undefined ? E.right(env.config) : opts.config.decode(env.config)
  if (E.isLeft(config))
    return fail('decode', path, formatErrors(config.left.map((e) => ({ ...e, context: [{ key: '', type: t.unknown }, { key: 'config', type: t.unknown }, ...e.context.slice(1)] }))))
  const errs = [
    ...(opts.like === undefined ? [] : treeMismatches(opts.like, env.params, 'params')),
    ...(opts.optState === undefined || env.optState === null ? [] : treeMismatches(opts.optState, env.optState, 'optState')),
  ]
  if (errs.length > 0)
    return fail(
      'mismatch',
      path,
      `${errs.slice(0, 5).join('; ')}${errs.length > 5 ? `; … and ${errs.length - 5} more` : ''} (the checkpoint was saved from another model or optimiser: load it with the matching one)`,
    )
  // the types below are exactly what was checked: the template's or the decoder's, else unknown
  return E.right({
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: env.savedAt,
    params: env.params as LoadedParams<O>,
    optState: env.optState as LoadedOptState<O> | null,
    config: config.right as LoadedConfig<O>,
    history: env.history,
  })
}
