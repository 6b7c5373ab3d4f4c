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
