// The README runner of test-support/readme.ts, tested on small hand-written markdown: which blocks it extracts,
// how it reads `// →` comments, how printed output is compared, and that running and type-checking can fail.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { extractExamples, matchesOutput, runExample, typecheckFiles } from '../../../test-support/readme.js'

const md = [
  '# Title', // 1
  '', // 2
  '```sh', // 3
  'npm install x', // 4
  '```', // 5
  '', // 6
  '```ts', // 7
  "import * as ct from 'cotangent'", // 8
  'console.log(1 + 1) // → 2', // 9
  'console.log(String(ct.eye(2)))', // 10
  '// → tensor([[1., 0.],', // 11
  '//           [0., 1.]])', // 12
  '// a plain comment, not output', // 13
  '```', // 14
  '', // 15
  '- a list item with an indented block:', // 16
  '', // 17
  '  ```typescript', // 18
  '  const a = 1', // 19
  "  console.log('a', a) // prints: a 1", // 20
  '  ```', // 21
  '', // 22
  '```json', // 23
  '{ "not": "run" }', // 24
  '```', // 25
].join('\n')

describe('extractExamples', () => {
  const ex = extractExamples(md)

  it('takes the ts and typescript blocks only, with their first code line', () => {
    expect(ex.map((e) => [e.index, e.line])).toEqual([
      [0, 8],
      [1, 19],
    ])
    expect(ex[1]!.code).toBe("const a = 1\nconsole.log('a', a) // prints: a 1") // list indentation removed
  })

  it('reads // → and // prints: comments, joining indented continuation lines', () => {
    expect(ex[0]!.expected).toEqual([
      { line: 9, text: '2' },
      { line: 11, text: 'tensor([[1., 0.], [0., 1.]])' },
    ])
    expect(ex[1]!.expected).toEqual([{ line: 20, text: 'a 1' }])
  })
})

describe('matchesOutput', () => {
  it('compares text up to whitespace, with … for anything', () => {
    expect(matchesOutput('tensor([[1., 0.], [0., 1.]])', 'tensor([[1., 0.],\n        [0., 1.]])')).toBe(true)
    expect(matchesOutput('tensor([1., 0.])', 'tensor([1., 2.])')).toBe(false)
    expect(matchesOutput('loss … done', 'loss 0.25 after 3 steps done')).toBe(true)
    expect(matchesOutput('accuracy 1', 'accuracy 0.75')).toBe(false)
    expect(matchesOutput('ok', 'ok!')).toBe(false)
  })

  it('matches a number written with d decimals within half a unit of its last decimal, whole numbers exactly', () => {
    expect(matchesOutput('0.462', '0.46211715726000974')).toBe(true)
    expect(matchesOutput('0.462', '0.4625001')).toBe(false)
    expect(matchesOutput('0.462', '0.4615')).toBe(true)
    expect(matchesOutput('[1, 40.171]', '[1, 40.17107385]')).toBe(true)
    expect(matchesOutput('2', '2')).toBe(true)
    expect(matchesOutput('2', '2.4')).toBe(false) // a whole number is an exact claim
    expect(matchesOutput('tensor([11., 22.])', 'tensor([11.4, 22.])')).toBe(false) // so is NumPy's `11.`
    expect(matchesOutput('1.5e-14', '1.52e-14')).toBe(true)
    expect(matchesOutput('1.5e-14', '1.6e-14')).toBe(false)
    expect(matchesOutput('-1.25', '1.25')).toBe(false)
  })
})

describe('running and type-checking', () => {
  const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.readme-runner-'))

  it('runs an example and returns what it printed, one entry per console.log call', async () => {
    const printed = await runExample(
      { index: 0, line: 1, code: "console.log('a', 1, [2])\nconsole.log({ b: 3 })", expected: [] },
      join(dir, 'ok.ts'),
    )
    expect(printed).toEqual(['a 1 [ 2 ]', '{ b: 3 }'])
  })

  it('an example that throws fails, with its error', async () => {
    await expect(
      runExample(
        { index: 0, line: 1, code: "throw new RangeError('boom')", expected: [] },
        join(dir, 'bad.ts'),
      ),
    ).rejects.toThrow('boom')
  })

  it('type-checking reports an error in the example and passes a correct one', () => {
    const good = join(dir, 'good-tc.ts')
    const bad = join(dir, 'bad-tc.ts')
    writeFileSync(
      good,
      "import * as ct from 'cotangent'\nconst t: ct.Tensor = ct.add(ct.tensor([1]), 1)\nexport {}\n",
    )
    writeFileSync(
      bad,
      "import * as ct from 'cotangent'\nconst n: number = ct.add(ct.tensor([1]), 1)\nexport {}\n",
    )
    const found = typecheckFiles([good, bad])
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/bad-tc\.ts:2: Type 'Tensor' is not assignable to type 'number'/)
    rmSync(dir, { recursive: true, force: true })
  }, 120_000)
})
