import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url))

describe('README', () => {
  it('shows examples/readme.ts verbatim (so the README example is the one that is run)', () => {
    const readme = readFileSync(here('../README.md'), 'utf8')
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    const example = readFileSync(here('../examples/readme.ts'), 'utf8').split('\n').slice(1).join('\n')
    expect(block?.trim()).toBe(example.trim())
  })
})
