import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decodeArgv } from '@cotangent/cli'
import { START, START_FLAGS } from '../src/start.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const commands = [...readme.matchAll(/^npm start(?: -- ([^#\n]*))?/gm)].map((m) =>
  (m[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((s) => s !== ''),
)

describe('README', () => {
  it.each(commands.map((c) => [c.join(' '), c] as const))('npm start -- %s decodes', async (_, argv) => {
    const r = await decodeArgv(START, START_FLAGS, argv)
    expect(E.isRight(r)).toBe(true)
  })
  it('an unknown app is a flag error naming the allowed ones', async () => {
    const r = await decodeArgv(START, START_FLAGS, ['--apps', 'xor,nope'])
    expect(E.isLeft(r) && r.left._tag === 'error' && r.left.message).toContain(
      "'nope' is not one of xor, iris, backprop, graph, activations",
    )
  })
})
