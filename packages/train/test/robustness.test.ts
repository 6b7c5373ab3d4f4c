import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import * as T from '@cotangent/tensor'
import { adam, sgd } from '@cotangent/optim'
import {
  DivergenceError,
  NonFiniteDataError,
  autoReporter,
  fit,
  loadCheckpoint,
  quietReporter,
  saveCheckpoint,
  type Checkpoint,
} from '../src/index.js'
import { initLin, linearModel, mseLoss, toyData, type LinParams } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'cotangent-robust-'))
const data = toyData(32, 4)
const base = { model: linearModel(), loss: mseLoss, train: data, batchSize: 8, seed: 0 }

describe('DivergenceError keeps the run', () => {
  it('carries the history so far, the last finite parameters and their optimiser state, and saves them', () => {
    const path = join(dir, 'div', 'ckpt.json')
    const call = (): unknown =>
      fit({ ...base, params: initLin(2, 1), optimizer: sgd(50), epochs: 40, reporter: quietReporter, checkpoint: { path, config: { lr: 50 } } })
    expect(call).toThrow(DivergenceError)
    const e = ((): DivergenceError<LinParams, { count: number }> => {
      try {
        call()
      } catch (err) {
        return err as DivergenceError<LinParams, { count: number }>
      }
      throw new Error('fit did not diverge')
    })()
    const run = e.run!
    // every epoch before the diverging one is in the history, in order
    expect(run.history.map((r) => r.epoch)).toEqual(Array.from({ length: e.epoch - 1 }, (_, i) => i + 1))
    const finite = (t: unknown): boolean => Array.from(T.toArray(t as T.Tensor)).every(Number.isFinite)
    expect(finite(run.params.W) && finite(run.params.b)).toBe(true)
    // the state goes with the parameters: sgd counts the steps that produced them
    const steps = (e.epoch - 1) * 4 + e.step
    expect([steps - 1, steps - 2]).toContain(run.optState.count)
    expect(run.checkpoint).toBe(path)
    expect(e.message).toContain(`saved to ${path}`)
    // the checkpoint on disk is those parameters and that history
    const ck = loadCheckpoint(path, { like: initLin(2, 1), optState: { count: 0 } })
    if (E.isLeft(ck)) throw new Error(ck.left.message)
    expect(Array.from(T.toArray(ck.right.params.W as T.Tensor))).toEqual(Array.from(T.toArray(run.params.W as T.Tensor)))
    expect(ck.right.history).toHaveLength(run.history.length)
    expect(ck.right.config).toEqual({ lr: 50 })
  })

  it('a checkpoint that cannot be written does not hide the divergence', () => {
    const blocker = join(dir, 'blocker')
    writeFileSync(blocker, 'x')
    try {
      fit({ ...base, params: initLin(2, 1), optimizer: sgd(50), epochs: 40, reporter: quietReporter, checkpoint: { path: join(blocker, 'c.json') } })
      throw new Error('fit did not diverge')
    } catch (err) {
      expect(err).toBeInstanceOf(DivergenceError)
      const e = err as DivergenceError
      expect(e.run?.checkpoint).toBeNull()
      expect(e.run?.checkpointError).toMatch(/blocker\/c\.json: cannot write the checkpoint .*a parent of the path is a file/)
    }
  })

  it('a finished run with a checkpoint path saves the final parameters', () => {
    const path = join(dir, 'done.json')
    const r = fit({ ...base, params: initLin(2, 1), optimizer: sgd(0.1), epochs: 2, reporter: quietReporter, checkpoint: { path } })
    const ck = loadCheckpoint(path, { like: r.params })
    expect(E.isRight(ck)).toBe(true)
    if (E.isRight(ck)) expect(Array.from(T.toArray(ck.right.params.b as T.Tensor))).toEqual(Array.from(T.toArray(r.params.b as T.Tensor)))
  })
})

describe('non-finite data', () => {
  it('names the dataset, the field, the row and the column, checked before any step', () => {
    const x = T.fromArray([...Array.from(T.toArray(data.x)).slice(0, 13), Number.NaN, ...Array.from(T.toArray(data.x)).slice(14)], [32, 2])
    const steps: number[] = []
    try {
      fit({ ...base, train: { x, y: data.y }, params: initLin(2, 1), optimizer: sgd(0.1), epochs: 1, reporter: { step: (s) => steps.push(s.step) } })
      throw new Error('fit accepted NaN data')
    } catch (err) {
      expect(err).toBeInstanceOf(NonFiniteDataError)
      expect((err as NonFiniteDataError).location).toEqual({ dataset: 'train', field: 'x', row: 6, column: [1], value: Number.NaN })
    }
    expect(steps).toEqual([])
  })
})

describe('checkpoints report errors the same way on both sides', () => {
  it('saveCheckpoint returns right(path) or a CheckpointError, as loadCheckpoint does', () => {
    const ok = saveCheckpoint(join(dir, 'ok.json'), { params: { w: T.ones([2]) }, config: {} })
    expect(ok).toEqual(E.right(join(dir, 'ok.json')))
    const blocker = join(dir, 'file')
    writeFileSync(blocker, 'x')
    const bad = saveCheckpoint(join(blocker, 'ck.json'), { params: { w: T.ones([2]) }, config: {} })
    expect(E.isLeft(bad) && bad.left.kind).toBe('write')
    const load = loadCheckpoint(join(blocker, 'ck.json'))
    expect(E.isLeft(load) && load.left.file).toBe(join(blocker, 'ck.json'))
    // a directory in place of the file: named, with the fix
    const isDir = saveCheckpoint(dir, { params: {}, config: {} })
    expect(E.isLeft(isDir) && isDir.left.message).toMatch(/cannot write the checkpoint .*the path is a directory: give a file name/)
  })

  it('a loaded tree is unknown until checked against a template (compile time)', () => {
    const path = join(dir, 'typed.json')
    saveCheckpoint(path, { params: initLin(2, 1), optState: adam(0.1).init(initLin(2, 1)), config: { lr: 0.1 } })
    const untyped = loadCheckpoint(path)
    if (E.isLeft(untyped)) throw new Error(untyped.left.message)
    // @ts-expect-error without a template the params are unknown, not the caller's type
    const p: LinParams = untyped.right.params
    // @ts-expect-error the optimiser state is unknown too
    const s: { count: number } = untyped.right.optState
    const c: unknown = untyped.right.config
    expect([p, s, c].length).toBe(3)
    const typed = loadCheckpoint(path, { like: initLin(2, 1), optState: adam(0.1).init(initLin(2, 1)) })
    if (E.isLeft(typed)) throw new Error(typed.left.message)
    const ck: Checkpoint<LinParams, unknown, ReturnType<ReturnType<typeof adam>['init']>> = typed.right
    expect(ck.optState?.count).toBe(0)
  })
})

describe('fit prints progress on a terminal by default, nothing elsewhere', () => {
  it('autoReporter: the progress reporter on a TTY, quiet otherwise and under CI', () => {
    const lines: string[] = []
    const stream = Object.assign(Object.create(process.stderr) as NodeJS.WriteStream, {
      isTTY: true,
      columns: 80,
      write: (): boolean => true,
      cursorTo: (): boolean => true,
      clearLine: (): boolean => true,
      moveCursor: (): boolean => true,
    })
    const tty = autoReporter({ isTTY: true, env: {}, stream, write: (l) => lines.push(l) })
    fit({ ...base, params: initLin(2, 1), optimizer: sgd(0.1), epochs: 2, reporter: tty })
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^epoch 1\/2 {2}train loss \d/)
    expect(lines[2]).toMatch(/^best epoch \d of 2/)
    expect(autoReporter({ isTTY: false, env: {} })).toBe(quietReporter)
    expect(autoReporter({ isTTY: true, env: { CI: 'true' } })).toBe(quietReporter)
    expect(autoReporter({ isTTY: true, env: { CI: '0' }, stream })).not.toBe(quietReporter)
  })
})

describe('writes are durable', () => {
  it('the checkpoint on disk is complete JSON, and no temp file is left behind', () => {
    const path = join(dir, 'durable', 'c.json')
    const big = { w: T.normal(T.key(1), [200, 50]) }
    expect(E.isRight(saveCheckpoint(path, { params: big, config: {} }))).toBe(true)
    expect(() => JSON.parse(readFileSync(path, 'utf8')) as unknown).not.toThrow()
  })
})
