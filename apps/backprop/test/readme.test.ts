import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { captureEnv, readmeCommands, scratchDir } from '@cotangent/cli/testing'
import { app } from '../src/app.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const commands = readmeCommands(readme, 'backprop').map(
  (argv) => [`npm run backprop -- ${argv.join(' ')}`, argv] as const,
)

describe('README examples', () => {
  it('has examples', () => {
    expect(commands.length).toBeGreaterThan(0)
  })

  it.each(commands)(
    '%s runs and writes its report',
    async (_, argv) => {
      const out = join(scratchDir('backprop-readme-'), 'run')
      const c = captureEnv()
      const code = await app.main([...argv, '--out', out, '--quiet'], c.env)
      const lines = [...c.out, ...c.err]
      // exit 0, or 1 when the run only missed a goal (the README says which do): the report is written either way
      const misses = lines.filter((l) => l.startsWith('backprop: goal missed: '))
      expect(code, lines.join('\n')).toBe(misses.length > 0 ? 1 : 0)
      expect(
        lines.filter((l) => /failed|error/i.test(l)),
        lines.join('\n'),
      ).toEqual([])
      expect(readdirSync(out)).toContain('report.md')
    },
    60_000,
  )
})
