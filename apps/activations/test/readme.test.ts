import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { captureEnv, readmeCommands, scratchDir } from '@cotangent/cli/testing'
import { app } from '../src/app.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const commands = readmeCommands(readme, 'activations').map(
  (argv) => [`npm run activations -- ${argv.join(' ')}`, argv] as const,
)

describe('README examples', () => {
  it('has examples', () => {
    expect(commands.length).toBeGreaterThan(0)
  })

  it.each(commands)(
    '%s runs and writes its report',
    async (_, argv) => {
      const out = join(scratchDir('activations-readme-'), 'run')
      const c = captureEnv()
      const code = await app.main([...argv, '--out', out, '--quiet'], c.env)
      const lines = [...c.out, ...c.err]
      expect(code, lines.join('\n')).toBe(0)
      expect(readdirSync(out)).toContain('report.md')
    },
    60_000,
  )
})
