// Runs every ```ts block of the README as written (so the documentation cannot rot): each block is written to a
// temporary module next to this file and imported; its `assert` calls are the checks.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { SHARED_DATA } from './helpers.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
// The blocks read the shared data through COTANGENT_DATA, as CI sets it.
process.env.COTANGENT_DATA ??= SHARED_DATA
const SRC = fileURLToPath(new URL('../src/index.ts', import.meta.url))
const dir = fileURLToPath(new URL('./.readme-blocks/', import.meta.url))

describe('README', () => {
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5)
  })
  it.each(blocks.map((code, i) => [i, code] as const))(
    'block %i runs',
    async (i, code) => {
      mkdirSync(dir, { recursive: true })
      const file = `${dir}block${String(i)}.ts`
      // The block imports the package by name; point that at the sources so the test needs no build.
      writeFileSync(file, code.replaceAll("'@cotangent/data'", JSON.stringify(SRC)))
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
      try {
        await import(/* @vite-ignore */ file)
      } finally {
        log.mockRestore()
      }
    },
    120_000,
  )
})
