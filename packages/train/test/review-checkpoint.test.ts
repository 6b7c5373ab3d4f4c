import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCheckpoint, writeJsonAtomic } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'cotangent-review-ckpt-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

const file = (name: string, data: unknown[]): string => {
  const path = join(dir, name)
  writeJsonAtomic(path, {
    format: 'cotangent.checkpoint',
    version: 1,
    savedAt: '2026-01-01T00:00:00.000Z',
    params: { step: { $type: 'tensor', dtype: 'int32', shape: [data.length], data } },
    optState: null,
    config: {},
    history: [],
  })
  return path
}

describe('review: int32 tensors in checkpoints are validated, not silently wrapped or truncated', () => {
  it('rejects a fractional value and one outside the int32 range, naming the element', () => {
    // These used to decode to [1, -64771072]: Int32Array truncates 1.5 and wraps 3e10.
    const frac = file('frac.json', [1.5, 2])
    const r1 = loadCheckpoint(frac)
    expect(E.isLeft(r1) && r1.left.message).toBe(`${frac}: params.step.data[0]: expected an int32 integer, got number 1.5`)
    const big = file('big.json', [1, 3e10])
    const r2 = loadCheckpoint(big)
    expect(E.isLeft(r2) && r2.left.message).toBe(`${big}: params.step.data[1]: expected an int32 integer, got number 30000000000`)
    const nan = file('nan.json', ['NaN'])
    const r3 = loadCheckpoint(nan)
    expect(E.isLeft(r3) && r3.left.kind).toBe('decode')
  })

  it('accepts the full int32 range', () => {
    const ok = loadCheckpoint(file('ok.json', [-2147483648, 2147483647, -0]))
    expect(E.isRight(ok)).toBe(true)
  })
})
