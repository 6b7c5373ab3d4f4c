import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runApp } from '@cotangent/cli'
import { captureEnv, isPng, runBadFlag, scratchDir } from '@cotangent/cli/testing'
import { app } from '../src/app.js'

const root = scratchDir('cotangent-graph-')

const run = async (argv: readonly string[]) => {
  const { env, out, err } = captureEnv()
  const code = await app.main(argv, env)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('apps/graph end to end', () => {
  it('main writes every file of the run folder, with the seed numbers', async () => {
    const dir = join(root, 'seed')
    const r = await run(['--out', dir, '--quiet'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('graph: f = 40.1711; ∂f/∂x = 1, ∂f/∂y = 40.1711, ∂f/∂z = 20.0855')
    expect(readdirSync(dir).sort()).toEqual([
      'config.json',
      'graph.dot',
      'graph.png',
      'graph.svg',
      'history.json',
      'program.txt',
      'report.md',
    ])
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>
    expect(config).toMatchObject({
      expr: 'ln(x) + exp(y) * z',
      at: { x: 1, y: 3, z: 2 },
      seed: 0,
      quiet: true,
    })
    const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as {
      nodes: { name: string; value: number; adjoint: number }[]
      jacobians: { maxAbsDiff: number }[]
    }
    const f = history.nodes.find((n) => n.name === 'f')!
    expect(f.value).toBeCloseTo(2 * Math.exp(3), 12)
    expect(history.jacobians).toHaveLength(8)
    expect(Math.max(...history.jacobians.map((j) => j.maxAbsDiff))).toBeLessThan(1e-12)
    const report = readFileSync(join(dir, 'report.md'), 'utf8')
    for (const s of [
      '![computation graph',
      '(graph.png)',
      '(graph.svg)',
      '| h3 | mul(h2, z) | 40.1711 | 1 |',
      '(I ⊗ X)K',
      'diag(σ) − σσᵀ',
      '{ lambda ; a:f64[] b:f64[] c:f64[] . let',
      'The homework’s numbers',
    ])
      expect(report).toContain(s)
    expect(readFileSync(join(dir, 'graph.dot'), 'utf8')).toMatch(/^digraph program \{/)
    expect(readFileSync(join(dir, 'graph.svg'), 'utf8')).toContain('∂f/∂y = 40.1711')
    expect(isPng(join(dir, 'graph.png'))).toBe(true)
    expect(readFileSync(join(dir, 'program.txt'), 'utf8')).toContain('e:f64[] = exp b')
  })

  it('another expression through --expr and --at (in-process, as npm start runs it)', async () => {
    const outcome = await runApp(app, {
      expr: 'sigmoid(w*x + b)',
      at: { w: 2, x: 0.5, b: -1 },
      out: join(root, 'other'),
    })
    const nodes = (outcome.output.history as { nodes: { name: string; value: number; adjoint: number }[] })
      .nodes
    const s = 1 / (1 + Math.exp(-(2 * 0.5 - 1)))
    expect(nodes.find((n) => n.name === 'f')!.value).toBeCloseTo(s, 14)
    expect(nodes.find((n) => n.name === 'w')!.adjoint).toBeCloseTo(s * (1 - s) * 0.5, 14)
    expect(nodes.find((n) => n.name === 'b')!.adjoint).toBeCloseTo(s * (1 - s), 14)
    expect(outcome.files).toContain('graph.png')
    expect(readFileSync(join(root, 'other', 'report.md'), 'utf8')).not.toContain('The homework’s numbers')
  })

  it('--help lists the flags with their defaults as typed', async () => {
    const r = await run(['--help'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/--expr <text> .*\[default: ln\(x\) \+ exp\(y\) \* z\]/)
    expect(r.out).toMatch(/--at <value> .*\[default: x=1,y=3,z=2\]/)
  })

  it.each([
    [
      ['--expr', 'ln(x$ + 1)', '--at', 'x=1'],
      /--expr: got 'ln\(x\$ \+ 1\)', unexpected character '\$' at column 5: \(see --help[^\n]*\)\n {4}ln\(x\$ \+ 1\)\n {8}\^/,
    ],
    [
      ['--expr', '(x + 1', '--at', 'x=1'],
      /expected '\)' to close the '\(' at column 1, found the end of the expression at column 7: \(see --help[^\n]*\)\n {4}\(x \+ 1\n {10}\^/,
    ],
    [['--expr', 'ln(x) + y', '--at', 'x=1'], /--at: no value for y, which --expr 'ln\(x\) \+ y' uses/],
    [
      ['--at', 'x=1,y=oops,z=2'],
      /--at: got 'x=1,y=oops,z=2', the value of y \(oops\) is not a finite number/,
    ],
    [['--at', 'x=1,x=2'], /'x' is given twice/],
    [['--expr', '2 + 3', '--at', 'x=1'], /has no variables/],
  ])('bad flags %j exit 2 with the message and write nothing', async (argv, message) => {
    const r = await runBadFlag(app.main, argv)
    expect(r.code).toBe(2)
    expect(r.err.join('\n')).toMatch(message)
    expect(r.err.join('\n')).not.toMatch(/\n\s+at /) // no stack trace
    expect(r.out).toEqual([])
    // neither the run folder nor a partial/temp folder beside it
    expect(r.written).toEqual([])
  })
})
