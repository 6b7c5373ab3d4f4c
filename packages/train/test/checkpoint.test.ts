import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { afterAll, describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { adam } from '@cotangent/optim'
import {
  fromJson,
  loadCheckpoint,
  saveCheckpoint,
  toJson,
  writeJsonAtomic,
  type Checkpoint,
  type CheckpointError,
  type EpochRecord,
} from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'cotangent-ckpt-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const bits = (x: T.Tensor): string => Buffer.from(T.toArray(x).buffer).toString('hex')

const params = {
  layers: [
    { W: T.normal(T.key(1), [2, 16]), b: T.fromArray([0.1, -0, Number.NaN, Infinity, -Infinity, 1e-310, ...new Array<number>(10).fill(3)], [16]) },
    { W: T.normal(T.key(2), [16, 3], { dtype: 'float32' }), b: T.zeros([3], { dtype: 'float32' }) },
  ],
  scale: T.tensor(7, { dtype: 'int32' }),
}
const history: EpochRecord[] = [
  { epoch: 1, trainLoss: 0.5, trainMetrics: { accuracy: 0.75 }, devLoss: null, devMetrics: null, seconds: 0.1, samplesPerSecond: 40 },
  { epoch: 2, trainLoss: Number.NaN, trainMetrics: {}, devLoss: Infinity, devMetrics: { accuracy: 1 }, seconds: 0.1, samplesPerSecond: 40 },
]

const left = <A>(r: E.Either<CheckpointError, A>): CheckpointError => {
  if (E.isRight(r)) throw new Error('expected a Left')
  return r.left
}
const right = <A>(r: E.Either<CheckpointError, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message)
  return r.right
}

describe('checkpoints', () => {
  it('round-trips params (bit-exact, float64/float32/int32, NaN/±Inf/−0/subnormal), optimiser state, config and history', () => {
    const path = join(dir, 'a', 'ckpt.json')
    const opt = adam(0.1)
    const optState = opt.init(params)
    saveCheckpoint(path, { params, optState, config: { lr: 0.1, name: 'x', hidden: [16] }, history })
    const ck = right(loadCheckpoint(path, { like: params }))
    expect(ck.format).toBe('cotangent.checkpoint')
    expect(ck.version).toBe(1)
    const p = ck.params
    expect(p.layers[0]!.W.dtype).toBe('float64')
    expect(p.layers[1]!.W.dtype).toBe('float32')
    expect(p.scale.dtype).toBe('int32')
    expect(bits(p.layers[0]!.W)).toBe(bits(params.layers[0]!.W))
    expect(bits(p.layers[0]!.b)).toBe(bits(params.layers[0]!.b))
    expect(bits(p.layers[1]!.W)).toBe(bits(params.layers[1]!.W))
    expect(T.item(p.scale)).toBe(7)
    expect(Object.is(T.toArray(p.layers[0]!.b)[1], -0)).toBe(true)
    expect(ck.config).toEqual({ lr: 0.1, name: 'x', hidden: [16] })
    expect(ck.history).toEqual(history)
    const st = ck.optState as typeof optState
    expect(st.count).toBe(0)
    expect((st.mu as typeof params).layers[1]!.W.shape).toEqual([16, 3])
    // the file is versioned, readable JSON with explicit non-finite numbers
    const json = JSON.parse(readFileSync(path, 'utf8')) as { format: string; version: number; params: { layers: { b: { data: unknown[] } }[] } }
    expect(json.format).toBe('cotangent.checkpoint')
    expect(json.params.layers[0]!.b.data.slice(0, 5)).toEqual([0.1, '-0', 'NaN', 'Infinity', '-Infinity'])
    // the atomic write leaves no temp files behind
    expect(readdirSync(join(dir, 'a'))).toEqual(['ckpt.json'])
  })

  it('a config decoder types and validates the config', () => {
    const path = join(dir, 'cfg.json')
    saveCheckpoint(path, { params: { w: T.ones([2]) }, config: { lr: 'fast' } })
    const Cfg = t.type({ lr: t.number })
    expect(left(loadCheckpoint(path, { config: Cfg })).message).toBe(`${path}: config.lr: expected number, got string "fast"`)
    saveCheckpoint(path, { params: { w: T.ones([2]) }, config: { lr: 0.5 } })
    const ck: Checkpoint<unknown, { lr: number }> = right(loadCheckpoint(path, { config: Cfg }))
    expect(ck.config.lr).toBe(0.5)
    expect(ck.optState).toBe(null)
    expect(ck.history).toEqual([])
  })

  const writeRaw = (name: string, text: string): string => {
    const path = join(dir, name)
    writeFileSync(path, text)
    return path
  }
  const valid = (): Record<string, unknown> =>
    JSON.parse(JSON.stringify(toJson({ format: 'cotangent.checkpoint', version: 1, savedAt: 'now', params, optState: null, config: {}, history: [] }))) as Record<
      string,
      unknown
    >

  it('a missing file', () => {
    const path = join(dir, 'nope.json')
    const e = left(loadCheckpoint(path))
    expect(e.kind).toBe('missing')
    expect(e.message).toBe(`${path}: no such file`)
  })

  it('truncated or invalid JSON', () => {
    const full = JSON.stringify(valid())
    const path = writeRaw('trunc.json', full.slice(0, full.length / 2))
    const e = left(loadCheckpoint(path))
    expect(e.kind).toBe('json')
    expect(e.message).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}: invalid JSON \\(.+\\); the file may be truncated$`))
  })

  it('a wrong format or version', () => {
    expect(left(loadCheckpoint(writeRaw('f.json', JSON.stringify({ ...valid(), format: 'other' })))).message).toBe(
      `${join(dir, 'f.json')}: not a Cotangent checkpoint (expected format 'cotangent.checkpoint', got string "other")`,
    )
    expect(left(loadCheckpoint(writeRaw('arr.json', '[1,2]'))).message).toBe(
      `${join(dir, 'arr.json')}: not a Cotangent checkpoint (expected format 'cotangent.checkpoint', got an array)`,
    )
    const e = left(loadCheckpoint(writeRaw('v.json', JSON.stringify({ ...valid(), version: 2 }))))
    expect(e.kind).toBe('version')
    expect(e.message).toBe(`${join(dir, 'v.json')}: unsupported checkpoint version number 2 (this library reads version 1)`)
  })

  it('malformed fields are named by their path', () => {
    const v = valid() as { params: { layers: { W: Record<string, unknown>; b: Record<string, unknown> }[] }; history: unknown[] }
    v.params.layers[1]!.W = { ...v.params.layers[1]!.W, data: [1, 2, 3] }
    v.params.layers[0]!.b = { ...v.params.layers[0]!.b, dtype: 'float16' }
    v.history = [{ epoch: 1, trainLoss: 'x', trainMetrics: {}, devLoss: null, devMetrics: null, seconds: 0, samplesPerSecond: 0 }]
    const path = writeRaw('bad.json', JSON.stringify(v))
    const e = left(loadCheckpoint(path))
    expect(e.kind).toBe('decode')
    expect(e.message).toBe(
      `${path}: params.layers[0].b.dtype: expected one of float64, float32, int32, got string "float16"; ` +
        'params.layers[1].W.data: has 3 values, but shape [16,3] needs 48; ' +
        'history[0].trainLoss: expected a number, got string "x"',
    )
    const v2 = valid() as { params: { layers: { W: { data: unknown[] } }[] } }
    v2.params.layers[0]!.W.data[5] = 'oops'
    expect(left(loadCheckpoint(writeRaw('bad2.json', JSON.stringify(v2)))).message).toBe(
      `${join(dir, 'bad2.json')}: params.layers[0].W.data[5]: expected a number, got string "oops"`,
    )
    const v3 = { ...valid(), savedAt: 5 }
    expect(left(loadCheckpoint(writeRaw('bad3.json', JSON.stringify(v3)))).message).toBe(
      `${join(dir, 'bad3.json')}: savedAt: expected string, got number 5`,
    )
  })

  it('params that do not match the template: shape, dtype, missing/extra fields, array length', () => {
    const path = join(dir, 'mm.json')
    saveCheckpoint(path, { params, config: {} })
    const like = {
      layers: [
        { W: T.zeros([2, 16]), b: T.zeros([16]) },
        { W: T.zeros([16, 4], { dtype: 'float32' }), b: T.zeros([3]) },
      ],
      scale: T.zeros([], { dtype: 'int32' }),
    }
    const e = left(loadCheckpoint(path, { like }))
    expect(e.kind).toBe('mismatch')
    expect(e.message).toBe(
      `${path}: params.layers[1].W: expected shape [16,4], got [16,3]; params.layers[1].b: expected dtype float64, got float32 (the checkpoint was saved from another model or optimiser: load it with the matching one)`,
    )
    expect(left(loadCheckpoint(path, { like: { layers: [like.layers[0]], scale: like.scale, extra: T.ones([1]) } })).message).toBe(
      `${path}: params.extra: missing (the model has a tensor of shape [1]); params.layers: expected an array of length 1, got length 2 (the checkpoint was saved from another model or optimiser: load it with the matching one)`,
    )
    const okLayers = params.layers
    expect(left(loadCheckpoint(path, { like: { layers: okLayers } })).message).toBe(
      `${path}: params.scale: not in the model (the checkpoint has a tensor of shape []) (the checkpoint was saved from another model or optimiser: load it with the matching one)`,
    )
    expect(left(loadCheckpoint(path, { like: { layers: okLayers, scale: [T.ones([1])] } })).message).toBe(
      `${path}: params.scale: expected an array of length 1, got a tensor of shape [] (the checkpoint was saved from another model or optimiser: load it with the matching one)`,
    )
  })

  it('writeJsonAtomic and fromJson: tensors and non-finite numbers survive; unencodable values are named', () => {
    const path = join(dir, 'j', 'report.json')
    writeJsonAtomic(path, { a: [1, Number.NaN, -Infinity], t: T.tensor([[1, 2]]), skip: undefined })
    const back = fromJson(JSON.parse(readFileSync(path, 'utf8'))) as { a: number[]; t: T.Tensor }
    expect(back.a).toEqual([1, Number.NaN, -Infinity])
    expect(T.toNested(back.t)).toEqual([[1, 2]])
    expect(Object.keys(back)).toEqual(['a', 't'])
    expect(readdirSync(join(dir, 'j'))).toEqual(['report.json'])
    expect(() => toJson({ f: [() => 1] })).toThrow('toJson: cannot encode $.f[0] (function) as JSON')
    expect(() => toJson({ d: new Date(0) })).toThrow('toJson: cannot encode $.d (a non-plain object) as JSON')
  })
})
