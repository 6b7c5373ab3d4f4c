// Runs the README's ```ts example as written, against the workspace sources (no build), and checks what it prints.
// packaging.test.ts runs the same block again from the packed tarballs, compiled by tsc for plain node.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test, vi } from 'vitest'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
// Next to this file, so that `import … from 'cotangent'` resolves through the workspace (to the sources).
const file = fileURLToPath(new URL(`./.readme-example-${String(process.pid)}.ts`, import.meta.url))

describe('README', () => {
  afterAll(() => {
    rmSync(file, { force: true })
  })

  test('has one TypeScript example, importing the umbrella as ct', () => {
    expect(blocks).toHaveLength(1)
    expect(blocks[0]).toContain("import * as ct from 'cotangent'")
  })

  test('the example trains XOR: the loss falls below 0.01, all four points are right, the gradient check passes', async () => {
    writeFileSync(file, blocks[0]!)
    const lines: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '))
    })
    try {
      await import(/* @vite-ignore */ file)
    } finally {
      log.mockRestore()
    }
    const losses = lines.flatMap((l) => {
      const m = /loss (\d+\.\d+)/.exec(l)
      return m === null ? [] : [Number(m[1])]
    })
    expect(losses).toHaveLength(4) // steps 0, 100, 200, 300
    expect(losses[0]).toBeGreaterThan(0.5) // log 2 ≈ 0.69 for an untrained net
    expect(losses.at(-1)).toBeLessThan(0.01)
    const probs = lines
      .find((l) => l.startsWith('p(y=1)'))
      ?.split(' ')
      .slice(1)
      .map(Number)
    expect(probs?.map((p) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]) // thresholded here, not by ct.losses.accuracy
    expect(lines).toContain('accuracy 1')
    expect(lines).toContain('gradcheck Right')
  }, 120_000)
})
