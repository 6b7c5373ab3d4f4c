import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decodeArgv } from '@cotangent/cli'
import { missingFlagMentions, readmeCommands } from '@cotangent/cli/testing'
import { app } from '../src/app.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const commands = readmeCommands(readme, 'xor')

describe('README', () => {
  it('shows commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(4)
  })
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    'npm run xor -- %s decodes (or is --help)',
    async (_, argv) => {
      const r = await decodeArgv(app, app.flags, argv)
      if (E.isLeft(r)) expect(r.left).toMatchObject({ _tag: 'help' })
      else expect(r.right).toBeDefined()
    },
  )
  it('mentions every flag of the app', () => {
    expect(missingFlagMentions(readme, app)).toEqual([])
  })
})
