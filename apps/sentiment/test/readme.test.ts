import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { decodeArgv } from '@cotangent/cli'
import { missingFlagMentions, readmeCommands } from '@cotangent/cli/testing'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../src/app.js'
import { splitArgv } from '../src/predict.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
// Shell words of each `npm run sentiment -- …` line (double quotes group words; comments dropped).
const commands = readmeCommands(readme, 'sentiment', '(?:echo .*\\| )?')

describe('README', () => {
  it('shows every command', () => {
    expect(commands.length).toBeGreaterThanOrEqual(8)
    for (const c of [...Object.keys(COMMANDS), 'predict'])
      expect(commands.some((argv) => argv[0] === c)).toBe(true)
  })
  it.each(commands.map((c) => [c.join(' '), c] as const))(
    'npm run sentiment -- %s decodes',
    async (_, argv) => {
      const [first, ...rest] = argv
      if (first === 'predict') {
        const { flagArgs, sentences } = splitArgv(rest)
        expect(flagArgs.slice(0, 2)).toEqual(['--model', 'runs/sentiment/<timestamp>'])
        expect(sentences.length).toBeLessThanOrEqual(2)
        return
      }
      const named = first !== undefined && Object.hasOwn(COMMANDS, first)
      const app = named ? COMMANDS[first as keyof typeof COMMANDS] : COMMANDS.train
      const r = await decodeArgv(app, app.flags, named ? rest : argv)
      if (E.isLeft(r)) expect(r.left).toMatchObject({ _tag: 'help' })
      else expect(r.right).toBeDefined()
    },
  )
  it('mentions every flag of every command', () => {
    for (const [name, app] of Object.entries(COMMANDS))
      expect(missingFlagMentions(readme, app), name).toEqual([])
  })
})
