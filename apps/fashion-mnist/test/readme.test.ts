import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { flagError, missingFlagMentions, readmeCommands } from '@cotangent/cli/testing'
import { app } from '../src/app.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const commands = readmeCommands(readme, 'fashion-mnist')

describe('README', () => {
  it('shows commands', () => {
    expect(commands.length).toBeGreaterThanOrEqual(4)
  })
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    'npm run fashion-mnist -- %s decodes',
    async (_, argv) => {
      expect(await flagError(app, argv)).toBeUndefined()
    },
  )
  it('mentions every flag of the app', () => {
    expect(missingFlagMentions(readme, app)).toEqual([])
  })
})
