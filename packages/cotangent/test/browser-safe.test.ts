// The core packages (tensor, autodiff, layers, losses, optim) must run in a browser: their sources may import only
// each other, fp-ts and io-ts, and may not touch Node's globals. Checked statically on the TypeScript sources with
// the compiler itself (imports by `ts.preProcessFile`, globals through the type checker), so comments, strings and
// local variables that happen to be called `process` do not count. The bundle-level check is in packaging.test.ts.
import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CORE = ['tensor', 'autodiff', 'layers', 'losses', 'optim'] as const
const CORE_NAMES = new Set(CORE.map((d) => `@cotangent/${d}`))
/** Third-party runtime dependencies the core may use: pure JavaScript that bundles for the browser. */
const BROWSER_SAFE = new Set(['fp-ts', 'io-ts'])
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])
/** Globals that exist in Node and not in browsers (`globalThis`, `console`, timers and `URL` exist in both). */
const NODE_GLOBALS = new Set([
  'process',
  'Buffer',
  'require',
  'module',
  'exports',
  '__dirname',
  '__filename',
  'global',
  'setImmediate',
  'clearImmediate',
  'NodeJS',
])

const sourcesOf = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))

const packageName = (spec: string): string =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!

/**
 * The package-private imports (`#name` in a package.json's `imports`) of the core packages that pick a file by the
 * `node` condition: `source.node` is Node-only (exempt from the checks below), `source.default` is what a browser
 * bundle gets (checked like every other source).
 */
const conditionalImports = (): { readonly spec: string; readonly node: string; readonly browser: string }[] =>
  CORE.flatMap((d) => {
    const dir = join(ROOT, 'packages', d)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      imports?: Record<string, { source?: { node?: string; default?: string } }>
    }
    return Object.entries(pkg.imports ?? {}).map(([spec, t]) => ({
      spec,
      node: join(dir, t.source?.node ?? ''),
      browser: join(dir, t.source?.default ?? ''),
    }))
  })

/** The import specifiers of a source text (static, dynamic, `require`) that a browser bundle could not serve. */
const nodeOnlyImports = (text: string): string[] =>
  ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => {
      if (spec.startsWith('./') || spec.startsWith('../')) return false
      if (conditionalImports().some((c) => c.spec === spec)) return false
      if (NODE_BUILTINS.has(spec)) return true
      const name = packageName(spec)
      return !CORE_NAMES.has(name) && !BROWSER_SAFE.has(name)
    })

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  customConditions: ['source'],
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
}

/** `file:line: name` for every reference to a Node-only global, resolved by the checker to @types/node. */
const nodeGlobalsIn = (files: readonly string[], host?: ts.CompilerHost): string[] => {
  const program = ts.createProgram(files, OPTIONS, host)
  const checker = program.getTypeChecker()
  const fromNodeTypes = (id: ts.Identifier): boolean => {
    const decls = checker.getSymbolAtLocation(id)?.declarations ?? []
    return decls.length > 0 && decls.every((d) => d.getSourceFile().fileName.includes('/@types/node/'))
  }
  return files.flatMap((f) => {
    const sf = program.getSourceFile(f)
    if (sf === undefined) return [`${f}: not in the program`]
    const found: string[] = []
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text) && fromNodeTypes(node)) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf))
        found.push(`${relative(ROOT, f)}:${String(line + 1)}: ${node.text}`)
      }
      ts.forEachChild(node, visit)
    }
    visit(sf)
    return found
  })
}

/** The core packages' sources, but for the Node-only targets of conditional imports. */
const coreSources = (): string[] => {
  const nodeOnly = new Set(conditionalImports().map((c) => c.node))
  return CORE.flatMap((d) => sourcesOf(join(ROOT, 'packages', d, 'src'))).filter((f) => !nodeOnly.has(f))
}

describe('core packages are browser-safe', () => {
  test('they declare only core packages, fp-ts and io-ts as runtime dependencies', () => {
    for (const d of CORE) {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>
      }
      const extra = Object.keys(pkg.dependencies ?? {}).filter(
        (n) => !CORE_NAMES.has(n) && !BROWSER_SAFE.has(n),
      )
      expect(extra, `packages/${d} depends on`).toEqual([])
    }
  })

  test('their sources import only relative files, core packages, fp-ts and io-ts: no Node built-in', () => {
    const files = coreSources()
    expect(files.length).toBeGreaterThan(20)
    const bad = files.flatMap((f) =>
      nodeOnlyImports(readFileSync(f, 'utf8')).map((s) => `${relative(ROOT, f)}: ${s}`),
    )
    expect(bad).toEqual([])
  })

  test('a Node-only file is reached only through its conditional import, whose browser file exists', () => {
    const cs = conditionalImports()
    // the GEMM's helper threads (tensor's #thread-host)
    expect(cs.map((c) => c.spec)).toContain('#thread-host')
    for (const c of cs) {
      expect(c.node.endsWith('.ts') && c.browser.endsWith('.ts') && c.node !== c.browser).toBe(true)
      expect(() => readFileSync(c.browser)).not.toThrow()
      const name = c.node.replace(/^.*\//, '').replace(/\.ts$/, '.js')
      const importers = CORE.flatMap((d) => sourcesOf(join(ROOT, 'packages', d, 'src'))).filter((f) =>
        ts
          .preProcessFile(readFileSync(f, 'utf8'), true, true)
          .importedFiles.some((i) => i.fileName.startsWith('.') && i.fileName.endsWith(`/${name}`)),
      )
      expect(importers, `${c.node} imported directly`).toEqual([])
    }
  })

  test('their sources read no Node global (process, Buffer, require, __dirname, …)', () => {
    expect(nodeGlobalsIn(coreSources())).toEqual([])
  }, 120_000)

  test('the checks can fail: a file that imports node:fs, fs/promises and cli-progress and reads process.env', () => {
    const probe = [
      "import { readFileSync } from 'node:fs'",
      "import { readFile } from 'fs/promises'",
      "import { SingleBar } from 'cli-progress'",
      "import { add } from './ops.js'",
      "import * as E from 'fp-ts/lib/Either.js'",
      'const process = { env: 1 } // a local shadowing the global is fine',
      'export const f = () => { const x = process.env; return [x, readFileSync, readFile, SingleBar, add, E] }',
      'export const home = globalThis.process.env.HOME + String(Buffer.from([1]))',
    ].join('\n')
    expect(nodeOnlyImports(probe)).toEqual(['node:fs', 'fs/promises', 'cli-progress'])
    const probePath = join(ROOT, 'packages/tensor/src/__probe__.ts')
    const host = ts.createCompilerHost(OPTIONS)
    const original = host.getSourceFile.bind(host)
    host.getSourceFile = (name, lang, ...rest) =>
      name === probePath ? ts.createSourceFile(name, probe, lang) : original(name, lang, ...rest)
    const found = nodeGlobalsIn([probePath], host).map((s) => s.split(': ')[1])
    expect(found).toEqual(['process', 'Buffer'])
  }, 120_000)
})
