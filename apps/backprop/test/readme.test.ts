import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .filter((l) => l.startsWith('npm run backprop -- '))

describe('README examples', () => {
  it('has examples', () => {
    expect(commands.length).toBeGreaterThan(0)
  })

  it.each(commands)(
    '%s runs and writes its report',
    async (command) => {
      const argv = command
        .replace('npm run backprop -- ', '')
        .split(/\s+/)
        .filter((a) => a !== '')
      const out = join(mkdtempSync(join(tmpdir(), 'backprop-readme-')), 'run')
      const lines: string[] = []
      const code = await app.main([...argv, '--out', out, '--quiet'], {
        stdout: (l) => lines.push(l),
        stderr: (l) => lines.push(l),
        isTTY: false,
      })
      expect(code, lines.join('\n')).toBe(0)
      expect(readdirSync(out)).toContain('report.md')
    },
    60_000,
  )
})
