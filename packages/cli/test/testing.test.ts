import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { opt, PositiveInt, switchFlag } from '@cotangent/cli'
import {
  badFlagProblems,
  flagError,
  captureEnv,
  checkRunFolder,
  markdownLinks,
  missingFlagMentions,
  readmeCommands,
  runBadFlag,
  scratchDir,
} from '@cotangent/cli/testing'

const root = scratchDir('cotangent-cli-testing-')
const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
let n = 0
const folder = (files: Record<string, string | Buffer>): string => {
  n += 1
  const dir = mkdtempSync(join(root, `run${String(n)}-`))
  for (const [f, body] of Object.entries(files)) writeFileSync(join(dir, f), body)
  return dir
}
const sound = {
  'loss.png': PNG_BYTES,
  'loss.svg': '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
  'config.json': '{"steps": 3}',
  'report.md': '# Run\n\n![loss](loss.png) and [vector](loss.svg)\n',
}

describe('checkRunFolder', () => {
  it('finds nothing wrong in a sound folder', () => {
    expect(checkRunFolder(folder(sound))).toEqual([])
  })
  it('flags a corrupted PNG (one byte of the signature changed)', () => {
    const bad = Buffer.from(PNG_BYTES)
    bad[1] = 0x51
    expect(checkRunFolder(folder({ ...sound, 'loss.png': bad }))).toEqual([
      'loss.png: not a PNG (bad signature)',
    ])
  })
  it('flags a PNG shorter than its signature, an SVG that is not one and unparsable JSON', () => {
    expect(
      checkRunFolder(
        folder({
          ...sound,
          'loss.png': Buffer.from([0x89, 0x50]),
          'loss.svg': 'hello',
          'config.json': '{"steps": ',
        }),
      ),
    ).toEqual([
      'config.json: not valid JSON',
      'loss.png: not a PNG (bad signature)',
      'loss.svg: not an SVG (does not start with <svg)',
    ])
  })
  it('flags a dangling report link', () => {
    expect(checkRunFolder(folder({ ...sound, 'report.md': '![a](loss.png) ![b](accuracy.png)\n' }))).toEqual([
      "report.md: link 'accuracy.png' does not resolve",
    ])
  })
  it('a missing folder is a problem', () => {
    expect(checkRunFolder(join(root, 'nowhere'))).toEqual([`${join(root, 'nowhere')}: not a folder`])
  })
})

describe('markdownLinks', () => {
  it('lists image and plain link targets in order', () => {
    expect(markdownLinks('![x](a.png) text [y](b.svg)\n[z](c d)')).toEqual(['a.png', 'b.svg', 'c d'])
  })
})

describe('readmeCommands', () => {
  const readme = [
    'Run it:',
    '',
    'npm run xor',
    'npm run xor -- --steps 10 --hidden 2,4  # fast',
    '  npm run xor -- --indented',
    'npm run xor-extra -- --other',
    'npm run xor -- --title "two words" last',
    'echo hi | npm run xor -- --piped',
  ].join('\n')
  it('gives the argv of each line starting with npm run <app>, comments dropped, quotes grouping words', () => {
    expect(readmeCommands(readme, 'xor')).toEqual([
      [],
      ['--steps', '10', '--hidden', '2,4'],
      ['--title', 'two words', 'last'],
    ])
  })
  it('a prefix admits piped commands', () => {
    expect(readmeCommands(readme, 'xor', '(?:echo .*\\| )?').at(-1)).toEqual(['--piped'])
  })
})

describe('missingFlagMentions', () => {
  const app = { flags: { learningRate: opt(PositiveInt, 1, 'lr'), quietly: switchFlag('quiet') } }
  it('names each flag (kebab case) the README never mentions', () => {
    expect(missingFlagMentions('use --learning-rate 2', app)).toEqual(['--quietly'])
    expect(missingFlagMentions('--learning-rate and --quietly', app)).toEqual([])
  })
})

describe('scratchDir', () => {
  it('gives distinct empty folders with the prefix, and removes them when the process exits', () => {
    const a = scratchDir('cotangent-scratch-')
    const b = scratchDir('cotangent-scratch-')
    expect(a).not.toBe(b)
    expect(a).toMatch(/cotangent-scratch-[^/]+$/)
    expect([readdirSync(a), readdirSync(b)]).toEqual([[], []])
    // a child process makes one, fills it and exits: the folder is gone afterwards
    const script = join(root, 'child.mts')
    const source = new URL('../src/testing.ts', import.meta.url).href
    writeFileSync(
      script,
      `import { writeFileSync } from 'node:fs'\nimport { scratchDir } from '${source}'\nconst d = scratchDir('cotangent-child-')\nwriteFileSync(d + '/f.txt', 'x')\nprocess.stdout.write(d)\n`,
    )
    const made = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })
    expect(made).toMatch(/cotangent-child-/)
    expect(existsSync(made)).toBe(false)
  })
})

describe('captureEnv and runBadFlag', () => {
  it('captureEnv keeps stdout and stderr lines apart, in order', () => {
    const c = captureEnv()
    c.env.stdout('a')
    c.env.stderr('b')
    c.env.stdout('c')
    expect(c.out).toEqual(['a', 'c'])
    expect(c.err).toEqual(['b'])
    expect(c.env.isTTY).toBe(false)
  })
  it('runBadFlag passes --out inside a fresh folder and reports what was written there', async () => {
    const seen: (readonly string[])[] = []
    const writes = await runBadFlag(
      async (argv, env) => {
        seen.push(argv)
        env.stdout('out line')
        env.stderr('err line')
        const out = argv[argv.indexOf('--out') + 1]!
        writeFileSync(`${out}.tmp`, 'x')
        return 2
      },
      ['--x', '1'],
    )
    expect(seen[0]!.slice(0, 3)).toEqual(['--x', '1', '--out'])
    expect(writes).toEqual({ code: 2, out: ['out line'], err: ['err line'], written: ['run.tmp'] })
    const clean = await runBadFlag(() => Promise.resolve(2), [])
    expect(clean.written).toEqual([])
  })
})

describe('badFlagProblems', () => {
  const ok = { code: 2, out: [], err: ["app: --lr: got '0', expected a number > 0"], written: [] }
  it('is empty for a clean rejection that names the flag and value', () => {
    expect(badFlagProblems(ok, '--lr', "'0'")).toEqual([])
  })
  it('lists every way a rejection can go wrong', () => {
    expect(
      badFlagProblems(
        { code: 0, out: ['hi'], err: ['Error: boom\n    at f (x.js:1:1)', 'again'], written: ['run'] },
        '--lr',
      ),
    ).toEqual([
      'exit code 0, expected 2',
      '1 stdout line(s), expected none',
      '2 stderr line(s), expected one',
      "the message does not mention '--lr': Error: boom\n    at f (x.js:1:1)",
      'the message has a stack trace',
      'wrote run',
    ])
  })
})

describe('flagError', () => {
  const app = { name: 'demo', description: 'a demo', flags: { steps: opt(PositiveInt, 1, 'steps') } }
  it('is undefined for argv that decodes and for --help', async () => {
    expect(await flagError(app, ['--steps', '3'])).toBeUndefined()
    expect(await flagError(app, ['--help'])).toBeUndefined()
  })
  it('is the one-line message for a bad value or an unknown flag', async () => {
    expect(await flagError(app, ['--steps', '0'])).toContain("demo: --steps: got '0'")
    expect(await flagError(app, ['--nope'])).toContain('demo: unknown flag --nope')
  })
})
