import { describe, expect, it } from 'vitest'
import { cases, outcome, type BadInputCase } from './bad-inputs.cases.js'

// Every row of docs/bad-inputs.md: the outcome must be the typed error the table promises (its name, and a message
// naming the function, the offending value/shape/path and the fix), or the correct result.
const check = (c: BadInputCase): void => {
  const o = outcome(c)
  const ex = c.expect
  if ('ok' in ex) {
    expect(o.kind, `${c.input}: ${JSON.stringify(o)}`).toBe('returned')
    if (o.kind === 'returned') expect(ex.ok(o.value), `${c.input} ${ex.describe}`).toBe(true)
    return
  }
  expect(o.kind, `${c.input} returned instead of failing`).not.toBe('returned')
  if (o.kind === 'returned') return
  expect(o.name, c.input).toBe(ex.name)
  // a thrown error names the function; an Either's error (checkpoints) names the file, which the patterns check
  if (o.kind === 'threw') expect(o.message, c.input).toContain(c.op)
  for (const m of ex.message)
    if (typeof m === 'string') expect(o.message, c.input).toContain(m)
    else expect(o.message, c.input).toMatch(m)
  if (c.misleading !== undefined) expect(o.message, c.input).not.toMatch(c.misleading)
}

describe('bad inputs: a typed error naming the function, the value and the fix (or the correct result)', () => {
  for (const pkg of ['tensor', 'autodiff', 'layers', 'losses', 'optim', 'train'] as const)
    describe(pkg, () => {
      for (const c of cases.filter((k) => k.pkg === pkg))
        it(c.input, () => {
          check(c)
        })
    })
  it('the table has a row per case (no duplicates)', () => {
    expect(new Set(cases.map((c) => `${c.pkg}: ${c.input}`)).size).toBe(cases.length)
  })
})
