import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { decodeArgv, kebab } from '@cotangent/cli'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const commands = [...readme.matchAll(/^npm run fashion-mnist(?: -- ([^#\n]*))?/gm)].map((m) =>
  (m[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((s) => s !== ''),
)

describe('README', () => {
  it('shows commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(4)
  })
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    'npm run fashion-mnist -- %s decodes',
    async (_, argv) => {
      const r = await decodeArgv(app, app.flags, argv)
      if (E.isLeft(r)) expect(r.left).toMatchObject({ _tag: 'help' })
      else expect(r.right).toBeDefined()
    },
  )
  it('mentions every flag of the app', () => {
    for (const k of Object.keys(app.flags)) expect(readme).toContain(`--${kebab(k)}`)
  })
})
