/**
 * Runs the TypeScript examples of a README as tests: every ```ts block is executed (not compared as text) and,
 * optionally, type-checked with the workspace's strict settings.
 *
 * Use from any package's tests, by relative path (this file belongs to no package, so no package imports
 * another's internals):
 *
 * ```ts
 * import { testReadme } from '../../../test-support/readme.js'
 * testReadme(new URL('../README.md', import.meta.url), { install: 'npm install @cotangent/tensor' })
 * ```
 *
 * Conventions for README authors:
 * - Each ```ts block is a standalone module: it imports what it uses (from the package names, as a user would).
 * - A line ending in `// → text` (or `// prints: text`) says what that line's `console.log` prints; comment-only
 *   lines right below it whose text is indented by two or more spaces after `//` continue it (multi-line output,
 *   e.g. a matrix). When a block
 *   has such comments, its printed lines are checked in order, one per comment, and their number must match.
 *   Whitespace runs (newlines included) compare as one space, `…` matches anything, a number written with d
 *   decimals matches a printed number that rounds to it (`// → 0.462` matches `0.46211715726000974`), and a whole
 *   number must be printed exactly (`// → 1` does not match `0.75`).
 * - A block without such comments must run without throwing (what it prints is not checked).
 * - Blocks in other languages (```sh, ```bash, ```json) are not run.
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { format } from 'node:util'
import ts from 'typescript'
import { afterAll, describe, expect, it, vi } from 'vitest'

/** What one line of an example says it prints. */
export interface Expectation {
  /** 1-based line in the markdown file. */
  readonly line: number
  readonly text: string
}

/** One ```ts block of a markdown file. */
export interface Example {
  /** 0-based position among the file's TypeScript blocks. */
  readonly index: number
  /** 1-based line of the block's first code line in the markdown file. */
  readonly line: number
  readonly code: string
  readonly expected: readonly Expectation[]
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/
const EXPECT = /\/\/\s*(?:→|prints:)\s?(.*)$/
// a comment-only line indented by 2+ spaces after `//`, right below an expectation, continues it (multi-line output)
const CONTINUATION = /^\s*\/\/\s{2,}\S/
const EXPECT_OR_CONT = /\/\/\s*(?:→|prints:)|^\s*\/\/\s{2,}\S/
const TS_LANGS = new Set(['ts', 'typescript', 'mts'])

/** The ```ts (or ```typescript) blocks of `markdown`, with their line numbers and `// →` expectations. */
export const extractExamples = (markdown: string): Example[] => {
  const lines = markdown.split(/\r?\n/)
  const out: Example[] = []
  let i = 0
  while (i < lines.length) {
    const open = FENCE.exec(lines[i]!)
    if (open === null) {
      i++
      continue
    }
    const [, indent, fence, lang] = open
    const start = i + 1
    let end = start
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) end++
    if (TS_LANGS.has(lang!.toLowerCase())) {
      const body = lines.slice(start, end).map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l))
      const expected: Expectation[] = []
      body.forEach((l, k) => {
        const m = EXPECT.exec(l)
        if (m !== null) expected.push({ line: start + k + 1, text: m[1]!.trim() })
        else if (expected.length > 0 && CONTINUATION.test(l) && EXPECT_OR_CONT.test(body[k - 1] ?? '')) {
          const prev = expected.pop()!
          expected.push({ line: prev.line, text: `${prev.text} ${l.replace(/^\s*\/\//, '').trim()}` })
        }
      })
      out.push({ index: out.length, line: start + 1, code: body.join('\n'), expected })
    }
    i = end + 1
  }
  return out
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim()
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * True when `actual` (a printed line) matches `expected` (the text of a `// →` comment): text equal up to
 * whitespace, `…` for anything, each number of `expected` with d decimals within half a unit of its last decimal
 * of the printed number in the same place, and whole numbers exactly.
 */
export const matchesOutput = (expected: string, actual: string): boolean => {
  const exp = squash(expected)
  const act = squash(actual)
  const numbers: string[] = []
  // the pattern: literal text, `…` → anything, numbers → any number (compared below)
  let pattern = ''
  let last = 0
  const pieces = exp.split('…')
  pieces.forEach((piece, p) => {
    last = 0
    for (const m of piece.matchAll(NUMBER)) {
      pattern +=
        escapeRe(piece.slice(last, m.index)) + '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[-+]?\\d+)?|NaN|-?Infinity)'
      numbers.push(m[0])
      last = m.index + m[0].length
    }
    pattern += escapeRe(piece.slice(last))
    if (p < pieces.length - 1) pattern += '.*?'
  })
  const got = new RegExp(`^${pattern}$`, 'i').exec(act)
  if (got === null) return false
  return numbers.every((e, k) => {
    const a = got[k + 1]!
    if (a === e) return true
    const [mantissa, exponent] = e.split(/e/i)
    // a whole number (`2`, NumPy's `2.`) is an exact claim; `0.462` or `1.5e-14` claims its digits: half a unit
    // of the last one
    const decimals = mantissa!.includes('.') ? mantissa!.length - mantissa!.indexOf('.') - 1 : 0
    if (decimals === 0) return Number(a) === Number(e)
    const unit = 10 ** (Number(exponent ?? 0) - decimals)
    return Math.abs(Number(a) - Number(e)) <= 0.5 * unit * (1 + 1e-9)
  })
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Where examples are written to run: a self-ignoring directory next to the markdown file (its `.gitignore` is `*`).
 * Files left by runs that were killed (their process is gone) are removed.
 */
const workDir = (markdownPath: string): string => {
  const dir = join(dirname(markdownPath), '.readme-examples')
  if (existsSync(dir))
    for (const f of readdirSync(dir)) {
      const pid = /-(\d+)(?:-tc)?\.ts$/.exec(f)?.[1]
      if (pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid)))
        rmSync(join(dir, f), { force: true })
    }
  return dir
}

/**
 * Runs one example as a module (imported through vitest, so the workspace packages resolve to their sources) and
 * returns what it printed with `console.log`, one entry per call (formatted like the console does).
 */
export const runExample = async (example: Example, file: string): Promise<string[]> => {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(join(dirname(file), '.gitignore'), '*\n')
  writeFileSync(file, `${example.code}\nexport {}\n`)
  const printed: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(format(...args))
  })
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href)
  } finally {
    log.mockRestore()
  }
  return printed
}

/**
 * Type-checks files with the workspace's compiler options (tsconfig.base.json: strict, `source` condition, …) and
 * returns the diagnostics found in those files, formatted `file:line: message`.
 */
export const typecheckFiles = (files: readonly string[]): string[] => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const configPath = join(root, 'tsconfig.base.json')
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath)
  const program = ts.createProgram([...files], { ...parsed.options, noEmit: true })
  // only the examples are checked (the checker resolves what they use lazily), not every file they import
  const sources = files.map((f) => program.getSourceFile(f)).filter((f) => f !== undefined)
  if (sources.length !== files.length)
    throw new Error(`typecheckFiles: could not read every file of ${files.join(', ')}`)
  return sources
    .flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])
    .map((d) => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0)
      return `${relative(root, d.file!.fileName)}:${String(line + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
}

/** Options of {@link testReadme}. */
export interface ReadmeOptions {
  /** The install command the README must show on a line of its own, maybe followed by more packages. */
  readonly install?: string
  /**
   * Also type-check the examples (default false: one program costs seconds, so the repository type-checks every
   * README's examples once, in packages/cotangent/test/root-readme.test.ts, with {@link typecheckReadmes}).
   */
  readonly typecheck?: boolean
  /** At least this many ```ts examples (default 1). */
  readonly minExamples?: number
  /** Per-example time budget in ms (default 60 000: the machine is shared; this is a budget, not a timing test). */
  readonly timeout?: number
}

/**
 * Registers the tests of one README: one test per ```ts example (it runs; what `// →` comments say is printed),
 * one that type-checks them all, and one for the install line.
 */
export const testReadme = (markdown: URL | string, options: ReadmeOptions = {}): void => {
  const path = markdown instanceof URL ? fileURLToPath(markdown) : markdown
  const text = readFileSync(path, 'utf8')
  const examples = extractExamples(text)
  const name = relative(fileURLToPath(new URL('..', import.meta.url)), path)
  const dir = workDir(path)
  const fileOf = (e: Example): string => join(dir, `example-${String(e.index + 1)}-${String(process.pid)}.ts`)
  const timeout = options.timeout ?? 60_000

  describe(`${name} examples`, () => {
    afterAll(() => {
      for (const e of examples) rmSync(fileOf(e), { force: true })
    })

    it(`has at least ${String(options.minExamples ?? 1)} TypeScript example(s)`, () => {
      expect(examples.length).toBeGreaterThanOrEqual(options.minExamples ?? 1)
    })

    if (options.install !== undefined) {
      const install = options.install
      it(`shows the install line \`${install}\``, () => {
        expect(text).toMatch(new RegExp(`^\\s*${escapeRe(install)}(\\s.*)?$`, 'm'))
      })
    }

    for (const e of examples)
      it(
        `example ${String(e.index + 1)} (line ${String(e.line)}) runs${e.expected.length > 0 ? ` and prints its ${String(e.expected.length)} annotated line(s)` : ''}`,
        async () => {
          const printed = await runExample(e, fileOf(e))
          if (e.expected.length === 0) return
          const report = (): string =>
            `${name}: expected (from the // → comments)\n${e.expected.map((x) => `  line ${String(x.line)}: ${x.text}`).join('\n')}\nprinted\n${printed.map((p) => `  ${squash(p)}`).join('\n')}`
          expect(printed.length, report()).toBe(e.expected.length)
          e.expected.forEach((x, k) => {
            expect(matchesOutput(x.text, printed[k]!), `line ${String(x.line)}\n${report()}`).toBe(true)
          })
        },
        timeout,
      )

    if (options.typecheck === true) typecheckTest([path])
  })
}

const typecheckTest = (paths: readonly string[]): void => {
  it('every example type-checks (strict workspace settings, no casts needed)', () => {
    const files = paths.flatMap((path) => {
      const dir = workDir(path)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, '.gitignore'), '*\n')
      return extractExamples(readFileSync(path, 'utf8')).map((e) => {
        const f = join(dir, `typecheck-${String(e.index + 1)}-${String(process.pid)}.ts`)
        writeFileSync(f, `${e.code}\nexport {}\n`)
        return {
          f,
          where: `${relative(fileURLToPath(new URL('..', import.meta.url)), path)}:${String(e.line)}`,
        }
      })
    })
    try {
      // name each diagnostic after the README and line of its example
      const found = typecheckFiles(files.map((x) => x.f))
      const named = found.map((d) => {
        const hit = files.find((x) =>
          d.startsWith(`${relative(fileURLToPath(new URL('..', import.meta.url)), x.f)}:`),
        )
        return hit === undefined ? d : `${hit.where} (example) → ${d}`
      })
      expect(named).toEqual([])
    } finally {
      for (const x of files) rmSync(x.f, { force: true })
    }
  }, 120_000)
}

/**
 * Registers one test that type-checks the ```ts examples of all the given markdown files in a single program
 * (strict workspace settings): an example that needs a cast, or uses an API that changed, fails it.
 */
export const typecheckReadmes = (markdown: readonly (URL | string)[]): void => {
  describe('README examples', () => {
    typecheckTest(markdown.map((m) => (m instanceof URL ? fileURLToPath(m) : m)))
  })
}
