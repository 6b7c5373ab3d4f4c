import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  Activation,
  curvesFigure,
  decodeConfig,
  defineApp,
  FlagError,
  heading,
  opt,
  paragraph,
  PositiveInt,
  PositiveIntList,
  PositiveNumber,
  runApp,
  switchFlag,
  table,
  type AppEnv,
} from '../src/index.js'

// A small app exercising every kind of flag; `run` records what it was called with.
const calls: unknown[] = []
const demo = defineApp({
  name: 'demo',
  description: 'A demo app for the plumbing tests.',
  flags: {
    lr: opt(PositiveNumber, 0.5, 'learning rate'),
    batch: opt(PositiveInt, 4, 'batch size', { short: 'b' }),
    hidden: opt(PositiveIntList, [2, 4], 'hidden sizes'),
    activation: opt(Activation, 'tanh', 'hidden activation'),
    plot: switchFlag('draw a plot'),
    fail: switchFlag('throw after computing'),
  },
  quick: { hidden: [2] },
  run: (config, io) => {
    calls.push(config)
    io.log('working')
    const p = io.progress('steps', 3)
    p.tick({ loss: 1 })
    p.tick({ loss: 0.5 })
    p.tick({ loss: 0.25 })
    p.done()
    if (config.fail) return Promise.reject(new Error('boom'))
    return Promise.resolve({
      headline: `demo: lr ${config.lr}, hidden ${config.hidden.join('/')}`,
      history: [{ step: 1, loss: 1 }],
      summary: ['a summary line'],
      files: { 'extra.txt': 'hello\n' },
      report: [
        heading(1, 'Demo'),
        paragraph(`activation ${config.activation}`),
        table(['a', 'b'], [[1, 2]]),
        ...(config.plot
          ? [
              curvesFigure(
                'loss',
                'loss curve',
                [
                  {
                    name: 'train',
                    points: [
                      { x: 1, y: 1 },
                      { x: 2, y: 0.5 },
                    ],
                  },
                ],
                { title: 't', yLabel: 'loss' },
              ),
            ]
          : []),
      ],
    })
  },
})

interface Captured {
  readonly env: Partial<AppEnv>
  readonly out: string[]
  readonly err: string[]
}
const capture = (): Captured => {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    env: {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      isTTY: false,
      now: () => new Date(Date.UTC(2026, 11, 1, 22, 38)),
    },
  }
}

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cotangent-cli-'))
  calls.length = 0
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('main: good flags', () => {
  it(
    'decodes every flag kind, runs, writes the run folder and prints headline and report path',
    { timeout: 60_000 },
    async () => {
      const c = capture()
      const out = join(dir, 'run1')
      const code = await demo.main(
        [
          '--lr',
          '0.1',
          '-b',
          '8',
          '--hidden=8,32',
          '--activation',
          'relu',
          '--plot',
          '--seed',
          '7',
          '--out',
          out,
        ],
        c.env,
      )
      expect(code).toBe(0)
      expect(calls).toEqual([
        {
          lr: 0.1,
          batch: 8,
          hidden: [8, 32],
          activation: 'relu',
          plot: true,
          fail: false,
          seed: 7,
          out,
          quiet: false,
        },
      ])
      expect(readdirSync(out).sort()).toEqual([
        'config.json',
        'extra.txt',
        'history.json',
        'loss.png',
        'loss.svg',
        'report.md',
      ])
      expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toEqual(calls[0])
      expect(JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'))).toEqual([{ step: 1, loss: 1 }])
      expect([...readFileSync(join(out, 'loss.png')).subarray(0, 8)]).toEqual([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
      ])
      expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg/)
      const md = readFileSync(join(out, 'report.md'), 'utf8')
      expect(md).toContain('![loss curve](loss.png)')
      expect(md).toContain('| a | b |')
      expect(c.out).toContain('working')
      expect(c.out.slice(-3)).toEqual([
        'a summary line',
        'demo: lr 0.1, hidden 8/32',
        `report: ${join(out, 'report.md')}`,
      ])
      expect(c.err).toEqual([])
    },
  )

  it('uses the defaults and runs/<app>/<timestamp> when no flag is given', async () => {
    const c = capture()
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      expect(await demo.main([], c.env)).toBe(0)
    } finally {
      process.chdir(cwd)
    }
    expect(calls[0]).toEqual({
      lr: 0.5,
      batch: 4,
      hidden: [2, 4],
      activation: 'tanh',
      plot: false,
      fail: false,
      seed: 0,
      out: 'runs/demo/2026-12-01T22-38-00-000Z',
      quiet: false,
    })
    expect(existsSync(join(dir, 'runs/demo/2026-12-01T22-38-00-000Z/report.md'))).toBe(true)
  })

  it('--quiet prints only the headline and the report path', async () => {
    const c = capture()
    expect(await demo.main(['--quiet', '--out', join(dir, 'q')], c.env)).toBe(0)
    expect(c.out).toEqual(['demo: lr 0.5, hidden 2/4', `report: ${join(dir, 'q', 'report.md')}`])
  })

  it('without a TTY, progress is plain lines with the payload', async () => {
    const c = capture()
    await demo.main(['--out', join(dir, 'p')], c.env)
    expect(c.out.filter((l) => l.startsWith('steps '))).toHaveLength(3)
    expect(c.out.find((l) => l.startsWith('steps 3/3'))).toContain('loss 0.2500')
  })

  it('--help lists every flag with its allowed values and default, exit 0, nothing run', async () => {
    const c = capture()
    expect(await demo.main(['--help'], c.env)).toBe(0)
    const help = c.out.join('\n')
    for (const [flag, text] of [
      ['--lr', 'a number > 0 [default: 0.5]'],
      ['--batch, -b', 'an integer ≥ 1 [default: 4]'],
      ['--hidden', 'a comma-separated list, each an integer ≥ 1 [default: 2,4]'],
      ['--activation', 'one of relu, tanh, sigmoid, gelu, leakyRelu, softplus, identity [default: tanh]'],
      ['--seed', '[default: 0]'],
      ['--out', '[default: runs/<app>/<timestamp>/]'],
      ['--quiet', 'print only the final lines'],
      ['--plot', 'draw a plot'],
    ] as const) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(flag))
      expect(line, flag).toBeDefined()
      expect(line).toContain(text)
    }
    expect(calls).toEqual([])
  })
})

describe('main: bad flags exit 2 with one message and write nothing', () => {
  const cases: readonly (readonly [readonly string[], string])[] = [
    [['--lr', '0'], "demo: --lr: got '0', expected a number > 0"],
    [['--lr', '-1'], "demo: --lr: got '-1', expected a number > 0"],
    [['--lr', 'abc'], "demo: --lr: got 'abc', expected a number > 0"],
    [['--batch', '0'], "demo: --batch: got '0', expected an integer ≥ 1"],
    [['--batch', '2.5'], "demo: --batch: got '2.5', expected an integer ≥ 1"],
    [
      ['--hidden', 'abc'],
      "demo: --hidden: got 'abc', 'abc' is not an integer ≥ 1 (expected a comma-separated list, each an integer ≥ 1)",
    ],
    [['--hidden', '8,,32'], "demo: --hidden: got '8,,32', an empty entry is not an integer ≥ 1"],
    [
      ['--activation', 'swish'],
      "demo: --activation: got 'swish', expected one of relu, tanh, sigmoid, gelu, leakyRelu, softplus, identity",
    ],
    [['--seed', '-3'], "demo: --seed: got '-3', expected an integer in [0, 4294967295]"],
    [
      ['--bogus'],
      'demo: unknown flag --bogus (flags: --lr, --batch, --hidden, --activation, --plot, --fail, --seed, --out, --quiet)',
    ],
    [['--bogus=3'], 'demo: unknown flag --bogus '],
    [['--bogus', '3'], 'demo: unknown flag --bogus (flags:'],
    [['stray'], "demo: unexpected argument 'stray'"],
    [['--lr'], 'demo: --lr needs a value (a number > 0)'],
    [['--lr', '--quiet'], 'demo: --lr needs a value (a number > 0)'],
  ]
  it.each(cases)('%j', async (argv, message) => {
    const c = capture()
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      expect(await demo.main(argv, c.env)).toBe(2)
    } finally {
      process.chdir(cwd)
    }
    expect(c.err).toHaveLength(1)
    expect(c.err[0]).toContain(message)
    expect(c.err[0]).toContain('see --help')
    expect(c.err[0]).not.toMatch(/\n|\bat .*\.ts:\d+/) // one line, no stack trace
    expect(c.out).toEqual([])
    expect(calls).toEqual([])
    expect(readdirSync(dir)).toEqual([])
  })

  it('an --out folder that exists and is not empty is refused before running', async () => {
    const out = join(dir, 'full')
    const c = capture()
    await demo.main(['--out', out, '--quiet'], c.env)
    calls.length = 0
    const before = readFileSync(join(out, 'report.md'), 'utf8')
    const c2 = capture()
    expect(await demo.main(['--out', out, '--lr', '0.2'], c2.env)).toBe(2)
    expect(c2.err[0]).toContain('already exists and is not empty')
    expect(calls).toEqual([])
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toBe(before)
  })
})

describe('a failing run', () => {
  it('exits 1 with the error and leaves neither the run folder nor a temporary one', async () => {
    const c = capture()
    expect(await demo.main(['--fail', '--out', join(dir, 'x')], c.env)).toBe(1)
    expect(c.err).toEqual(['demo: failed: boom'])
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('a run that misses a goal', () => {
  const short = defineApp({
    name: 'short',
    description: 'checks a goal it misses',
    flags: { goal: opt(PositiveNumber, 0.95, 'the accuracy to reach') },
    run: (config) =>
      Promise.resolve({
        headline: 'short: accuracy 0.9',
        report: [heading(1, 'Short')],
        history: [],
        missed: 0.9 >= config.goal ? [] : [`accuracy 0.9 is below the goal of ${config.goal}`],
      }),
  })

  it('writes its complete run folder, prints each miss on stderr and exits 1', async () => {
    const c = capture()
    const out = join(dir, 'short')
    expect(await short.main(['--out', out], c.env)).toBe(1)
    expect(c.err).toEqual(['short: goal missed: accuracy 0.9 is below the goal of 0.95'])
    expect(readdirSync(out).sort()).toEqual(['config.json', 'history.json', 'report.md'])
    expect(c.out.at(-2)).toBe('short: accuracy 0.9')
  })

  it('exits 0 when the goal is met; runApp reports the misses in the outcome', async () => {
    const c = capture()
    expect(await short.main(['--out', join(dir, 'met'), '--goal', '0.5'], c.env)).toBe(0)
    expect(c.err).toEqual([])
    const r = await runApp(short, { out: join(dir, 'in-process') })
    expect(r.missed).toEqual(['accuracy 0.9 is below the goal of 0.95'])
  })
})

describe('defineApp', () => {
  it('refuses flags that clash with the common ones, and taken short names', () => {
    const run = () => Promise.resolve({ headline: '', report: [], history: null })
    expect(() =>
      defineApp({ name: 'x', description: '', flags: { seed: opt(PositiveInt, 1, 's') }, run }),
    ).toThrow('flag seed is common to every app')
    expect(() =>
      defineApp({ name: 'x', description: '', flags: { a: opt(PositiveInt, 1, 'a', { short: 'h' }) }, run }),
    ).toThrow('short flag -h')
    expect(() =>
      defineApp({
        name: 'x',
        description: '',
        flags: { a: opt(PositiveInt, 1, 'a', { short: 'a' }), b: switchFlag('b', { short: 'a' }) },
        run,
      }),
    ).toThrow('short flag -a')
  })
})

describe('runApp and decodeConfig', () => {
  it('runs in-process with a partial config over the defaults, quiet', async () => {
    const c = capture()
    const r = await runApp(demo, { hidden: [3], out: join(dir, 'r') }, c.env)
    expect(r.headline).toBe('demo: lr 0.5, hidden 3')
    expect(r.reportPath).toBe(join(dir, 'r', 'report.md'))
    expect(r.files).toEqual(['config.json', 'extra.txt', 'history.json', 'report.md'])
    expect(c.out).toEqual([])
  })

  it('decodes strings like argv and rejects bad values with a FlagError naming the field', () => {
    expect(decodeConfig(demo, { lr: '0.25', hidden: '1,2' }).lr).toBe(0.25)
    expect(decodeConfig(demo, { lr: '0.25', hidden: '1,2' }).hidden).toEqual([1, 2])
    expect(() => decodeConfig(demo, { lr: -1 })).toThrow(FlagError)
    expect(() => decodeConfig(demo, { lr: -1 })).toThrow('--lr: got -1, expected a number > 0')
    expect(() => decodeConfig(demo, { nope: 1 } as never)).toThrow('unknown config field nope')
    expect(() => decodeConfig(demo, { plot: 'yes' } as never)).toThrow(
      '--plot: got "yes", expected true or false',
    )
  })

  it('the out folder of a run that exists and is empty is used', async () => {
    const out = join(dir, 'empty')
    writeFileSync(join(dir, 'marker'), '')
    rmSync(join(dir, 'marker'))
    const fs = await import('node:fs')
    fs.mkdirSync(out)
    const r = await runApp(demo, { out }, capture().env)
    expect(readdirSync(r.dir)).toContain('report.md')
  })
})
