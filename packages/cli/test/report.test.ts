import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  code,
  curvesFigure,
  heading,
  heatmapSpec,
  image,
  list,
  paragraph,
  renderMarkdown,
  specFigure,
  table,
  unusableTarget,
  writeRunFolder,
} from '../src/index.js'

describe('renderMarkdown', () => {
  it('renders headings, paragraphs, lists, tables, code and images, separated by blank lines', () => {
    const md = renderMarkdown([
      heading(1, 'Title'),
      paragraph('Some *text*.'),
      list(['a', 'b']),
      table(
        ['name', 'value'],
        [
          ['x', 1],
          ['y', 2.5],
        ],
      ),
      code('const a = 1\n', 'ts'),
      image('a plot', 'my plot.png'),
    ])
    expect(md).toBe(
      [
        '# Title',
        '',
        'Some *text*.',
        '',
        '- a\n- b',
        '',
        '| name | value |\n| --- | ---: |\n| x | 1 |\n| y | 2.5 |',
        '',
        '```ts\nconst a = 1\n```',
        '',
        '![a plot](my%20plot.png)',
        '',
      ].join('\n'),
    )
  })

  it('escapes pipes and newlines in cells, leaves null cells empty, honours explicit alignment', () => {
    expect(
      renderMarkdown([
        table(
          ['a|b', 'c'],
          [
            ['x|y', null],
            ['two\nlines', 'z'],
          ],
          ['center', 'right'],
        ),
      ]),
    ).toBe('| a\\|b | c |\n| :---: | ---: |\n| x\\|y |  |\n| two lines | z |\n')
  })

  it('a code block containing backtick fences gets a longer fence', () => {
    expect(renderMarkdown([code('```\ninner\n```')])).toBe('````\n```\ninner\n```\n````\n')
  })

  it('a row of the wrong length is a RangeError naming the row', () => {
    expect(() => renderMarkdown([table(['a', 'b'], [[1, 2], [3]])])).toThrow(
      'table: row 1 has 1 cells for 2 columns (a, b)',
    )
  })

  it('figures link the PNG and the SVG; a bad figure name is refused', () => {
    const f = curvesFigure('loss', 'the loss', [], { title: 't', yLabel: 'y' })
    expect(renderMarkdown([f])).toBe('![the loss](loss.png)\n\n[SVG](loss.svg)\n')
    expect(() => renderMarkdown([curvesFigure('../evil', 'x', [], { title: 't', yLabel: 'y' })])).toThrow(
      "figure: name '../evil'",
    )
  })
})

describe('heatmapSpec', () => {
  it('draws one rect per cell, centred on the cell, plus the points in a second layer', () => {
    const spec = heatmapSpec({
      title: 'f',
      cells: [
        { x: 0, y: 0, value: 0.1 },
        { x: 1, y: 0, value: 0.9 },
      ],
      step: 1,
      points: [{ x: 0, y: 0, label: 'a' }],
      domain: [0, 1],
    }) as unknown as { layer: { data: { values: { x0: number; x1: number; value?: number }[] } }[] }
    expect(spec.layer).toHaveLength(2)
    const cells = spec.layer[0]!.data.values
    expect(cells).toHaveLength(2)
    expect((cells[1]!.x0 + cells[1]!.x1) / 2).toBeCloseTo(1, 12)
    expect(cells[1]!.x1 - cells[1]!.x0).toBeGreaterThanOrEqual(1)
    expect(spec.layer[1]!.data.values).toEqual([{ x: 0, y: 0, label: 'a' }])
  })

  it('cells reach at least 0.75 px past their neighbours, so that no seam pixel is left part-transparent', () => {
    // 4 cells of step 0.5 on [−0.25, 1.75] drawn 200 px wide: one data unit is 100 px.
    const spec = heatmapSpec({
      title: 'f',
      cells: [0, 0.5, 1, 1.5].map((x) => ({ x, y: 0, value: x })),
      step: 0.5,
      width: 200,
      height: 50,
    }) as unknown as { layer: { data: { values: { x0: number; x1: number; y0: number; y1: number }[] } }[] }
    const cells = spec.layer[0]!.data.values
    const px = 100
    // the right edge of cell 0 lies 0.75 px beyond the left edge of cell 1 on each side of the true boundary 0.25
    expect((cells[0]!.x1 - 0.25) * px).toBeCloseTo(0.75, 9)
    expect((0.25 - cells[1]!.x0) * px).toBeCloseTo(0.75, 9)
    // y: one cell row of height 0.5 drawn 50 px high, i.e. 100 px per unit again
    expect((cells[0]!.y1 - 0.25) * px).toBeCloseTo(0.75, 9)
  })
})

describe('writeRunFolder', () => {
  let dir = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cotangent-runfolder-'))
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('writes config, history, extra files, figures and report.md, and returns the sorted names', async () => {
    const files = await writeRunFolder(join(dir, 'a', 'b'), {
      config: { lr: 0.1, bad: Number.NaN },
      history: [1, 2],
      files: { 'notes.txt': 'n' },
      report: [
        heading(1, 'r'),
        specFigure('map', 'a map', heatmapSpec({ title: 'h', cells: [{ x: 0, y: 0, value: 1 }], step: 1 })),
      ],
    })
    expect(files).toEqual(['config.json', 'history.json', 'map.png', 'map.svg', 'notes.txt', 'report.md'])
    expect(readdirSync(join(dir, 'a', 'b')).sort()).toEqual(files)
    expect(JSON.parse(readFileSync(join(dir, 'a', 'b', 'config.json'), 'utf8'))).toEqual({
      lr: 0.1,
      bad: { $type: 'number', value: 'NaN' },
    })
    expect(readdirSync(join(dir, 'a'))).toEqual(['b'])
  })

  it('the run folder gets the permissions of a folder made by mkdir (umask), and no signal handler is left behind', async () => {
    const settle = () => new Promise((r) => setImmediate(() => setImmediate(r)))
    await settle() // earlier writes' listeners are gone
    const listeners = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')
    await writeRunFolder(join(dir, 'run'), { config: {}, history: [], report: [heading(1, 'r')] })
    mkdirSync(join(dir, 'plain'))
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(statSync(join(dir, 'plain')).mode & 0o777)
    // the listeners stay until the event loop has polled once more (two check phases)
    await settle()
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(listeners)
  })

  it('a SIGTERM while the folder is being written ends the process by that signal and leaves no partial folder', () => {
    const script = join(dir, 'write.mts')
    const src = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href
    writeFileSync(
      script,
      [
        `import { writeRunFolder, curvesFigure } from ${JSON.stringify(src)}`,
        // encoding the history sends the signal, while the rest of the folder is still to be written
        `const history = { get v() { process.kill(process.pid, 'SIGTERM'); return 1 } }`,
        `const fig = curvesFigure('loss', 'loss', [{ name: 'a', points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] }], { title: 't', yLabel: 'y' })`,
        `await writeRunFolder(${JSON.stringify(join(dir, 'out', 'run'))}, { config: {}, history, report: [fig] })`,
        `setTimeout(() => console.log('not killed'), 2000)`,
      ].join('\n'),
    )
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', script], {
      encoding: 'utf8',
      cwd: join(import.meta.dirname, '..'),
    })
    expect(r.stderr).toBe('')
    expect(r.stdout).not.toContain('not killed') // the signal was not swallowed
    expect(r.signal).toBe('SIGTERM')
    // either no run folder or a complete one, and never a leftover temporary folder
    const left = readdirSync(join(dir, 'out'))
    expect(left.filter((n) => n !== 'run')).toEqual([])
    if (left.includes('run')) expect(existsSync(join(dir, 'out', 'run', 'report.md'))).toBe(true)
  }, 60_000)

  it('a failure while writing (an unencodable history) leaves neither the target nor a partial folder', async () => {
    await expect(
      writeRunFolder(join(dir, 'run'), { config: {}, history: { f: () => 1 }, report: [heading(1, 'r')] }),
    ).rejects.toThrow('toJson: cannot encode $.f')
    expect(readdirSync(dir)).toEqual([])
  })

  it('a bad table fails before anything is written; so do duplicate and non-plain file names', async () => {
    await expect(
      writeRunFolder(join(dir, 'run'), { config: {}, history: [], report: [table(['a'], [[1, 2]])] }),
    ).rejects.toThrow('table: row 0')
    await expect(
      writeRunFolder(join(dir, 'run'), { config: {}, history: [], report: [], files: { 'report.md': 'x' } }),
    ).rejects.toThrow("two outputs are both named 'report.md'")
    await expect(
      writeRunFolder(join(dir, 'run'), { config: {}, history: [], report: [], files: { '../x': 'x' } }),
    ).rejects.toThrow('plain name')
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses a target that exists and is not empty (leaving it untouched), accepts an empty one', async () => {
    await writeRunFolder(join(dir, 'run'), { config: {}, history: [], report: [] })
    expect(unusableTarget(join(dir, 'run'))).toContain('already exists and is not empty')
    await expect(
      writeRunFolder(join(dir, 'run'), { config: { v: 2 }, history: [], report: [] }),
    ).rejects.toThrow('already exists')
    expect(JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8'))).toEqual({})
    expect(unusableTarget(join(dir, 'run', 'config.json'))).toContain('is not a folder')
    expect(unusableTarget(join(dir, 'nope'))).toBeNull()
    expect(existsSync(join(dir, 'nope'))).toBe(false)
  })
})
