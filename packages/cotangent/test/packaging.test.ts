// Installs the library the way a stranger would: build every package with its `build` script (turbo, in dependency
// order), `npm pack` each one, `npm install` the tarballs into a fresh project under os.tmpdir() (outside the
// workspace, so nothing can resolve to the sources), then
//   - run a JavaScript training script under plain `node` (no tsx, no loader),
//   - compile the README example with `tsc` (module/moduleResolution NodeNext) and run the emitted JavaScript,
//   - check that tsc rejects a consumer file with a type error (the types are real, not `any`),
//   - bundle a page for the browser with Vite and check the bundle has no Node-only code, then run it in a bare
//     V8 context that has no `process`, `require` or `Buffer`.
// Slow by nature (a cold build is most of it), so every step has an explicit budget; nothing here asserts a time.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BUDGET = 600_000

/** Every package under packages/ (all are published; apps/ are private): directory → npm name. */
const PACKAGES: Readonly<Record<string, string>> = Object.fromEntries(
  readdirSync(join(ROOT, 'packages'))
    .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
    .map((d) => [
      d,
      (JSON.parse(readFileSync(join(ROOT, 'packages', d, 'package.json'), 'utf8')) as { name: string }).name,
    ]),
)
const CORE = [
  '@cotangent/tensor',
  '@cotangent/autodiff',
  '@cotangent/layers',
  '@cotangent/losses',
  '@cotangent/optim',
]

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

// npm_* variables from an enclosing `npm test` (the workspace's .npmrc, its prefix) must not leak into the
// stranger's project; NODE_OPTIONS could smuggle in a loader or the `source` condition.
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  )

/** Runs a command without blocking the worker's event loop; never throws on a non-zero exit. */
const run = (cmd: string, args: readonly string[], cwd: string): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: BUDGET },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
        resolve({ code, stdout, stderr: err !== null && stderr === '' ? err.message : stderr })
      },
    )
  })

const ok = (r: Run, what: string): Run => {
  if (r.code !== 0) throw new Error(`${what} exited ${String(r.code)}\n${r.stdout}\n${r.stderr}`)
  return r
}

const bin = (pkg: string, file: string): string => join(ROOT, 'node_modules', pkg, file)
const TSC = bin('typescript', 'bin/tsc')
const TURBO = bin('turbo', 'bin/turbo')

const readmeExample = (): string => {
  const readme = readFileSync(join(ROOT, 'packages/cotangent/README.md'), 'utf8')
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  if (block === undefined) throw new Error('packages/cotangent/README.md has no ```ts block')
  return block
}

// A plain JavaScript user: no types, no build step, ES modules under node.
const TRAIN_MJS = `
import * as ct from 'cotangent'
import { tensor, toNested } from '@cotangent/tensor'

const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
const y = tensor([[0], [1], [1], [0]])
const model = ct.nn.mlp({ hiddenDims: [8], activation: 'tanh', outDim: 1, init: ct.nn.init.xavierUniform() })
const [, p0] = model.init(ct.random.key(1), [2])
const loss = (p) => ct.mean(ct.square(ct.sub(ct.sigmoid(model.apply(p, x)), y)))
const step = ct.valueAndGrad(loss)
const opt = ct.optim.adam(0.05)
let params = p0
let state = opt.init(params)
const losses = []
for (let i = 0; i < 400; i++) {
  const [value, grads] = step(params)
  const [updates, next] = opt.update(grads, state, params)
  params = ct.optim.applyUpdates(params, updates)
  state = next
  losses.push(ct.item(value))
}
const probs = toNested(ct.sigmoid(model.apply(params, x)))
console.log(JSON.stringify({ first: losses[0], last: losses[losses.length - 1], probs }))
`

// A consumer with a type error in each line that matters: a wrong option, a Tensor used as a number, a missing key.
const BAD_TS = `
import * as ct from 'cotangent'

const model = ct.nn.mlp({ hiddenDims: [8], activation: 'tanh', outDim: '1' })
const n: number = ct.tensor([1, 2])
const k = ct.random.key('seed')
export { model, n, k }
`

// Tiny page: the core packages and the umbrella. Results go to globalThis so a bare context can read them.
const PAGE_MAIN = `
import { tensor, toNested } from '@cotangent/tensor'
import { grad, sum, square } from '@cotangent/autodiff'
import { mlp, init } from '@cotangent/layers'
import { mse } from '@cotangent/losses'
import { sgd, applyUpdates } from '@cotangent/optim'
import * as ct from 'cotangent'

const x = tensor([1, 2, 3])
const g = toNested(grad((v) => sum(square(v)))(x))
const model = mlp({ hiddenDims: [3], activation: 'tanh', outDim: 2, init: init.xavierUniform() })
const [outShape, p] = model.init(ct.random.key(0), [4])
const xb = tensor([[1, 0, 0, 1]])
const yb = tensor([[0, 1]])
const f = (q) => mse(model.apply(q, xb), yb)
const opt = sgd(0.1)
const [u] = opt.update(grad(f)(p), opt.init(p), p)
const before = ct.item(f(p))
const after = ct.item(f(applyUpdates(p, u)))
globalThis.__cotangent = { g, outShape, before, after }
`

describe('packed tarballs installed in a fresh project', () => {
  const work = mkdtempSync(join(tmpdir(), 'cotangent-pack-'))
  const tarballs = join(work, 'tarballs')
  const app = join(work, 'app')
  const packed: { name: string; filename: string; files: string[] }[] = []

  // Three hooks, each with its own budget: on a loaded machine a cold build alone can take minutes.
  beforeAll(async () => {
    mkdirSync(tarballs)
    mkdirSync(app)
    // The packages' own `build` scripts (tsc -p tsconfig.build.json), in dependency order; cached by turbo.
    // Two at a time: more tsc processes than cores only adds memory pressure.
    ok(
      await run(
        process.execPath,
        [
          TURBO,
          'run',
          'build',
          ...Object.keys(PACKAGES).map((d) => `--filter=./packages/${d}`),
          '--concurrency=2',
          '--output-logs=errors-only',
        ],
        ROOT,
      ),
      'turbo run build',
    )
  }, BUDGET)

  beforeAll(async () => {
    const pack = ok(
      await run(
        'npm',
        [
          'pack',
          '--json',
          '--pack-destination',
          tarballs,
          ...Object.keys(PACKAGES).flatMap((d) => ['-w', `packages/${d}`]),
        ],
        ROOT,
      ),
      'npm pack',
    )
    const list = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
      name: string
      filename: string
      files: { path: string }[]
    }[]
    packed.push(
      ...list.map((t) => ({ name: t.name, filename: t.filename, files: t.files.map((f) => f.path) })),
    )
  }, BUDGET)

  beforeAll(async () => {
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'stranger', version: '1.0.0', private: true, type: 'module' }, null, 2),
    )
    ok(
      await run(
        'npm',
        [
          'install',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          '--no-update-notifier',
          ...packed.map((t) => join(tarballs, t.filename)),
        ],
        app,
      ),
      'npm install of the tarballs',
    )
  }, BUDGET)

  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
  }, BUDGET)

  test('every package packs dist (JS, .d.ts, maps), its src, README and LICENSE, and no tests', () => {
    expect(Object.values(PACKAGES)).toEqual(
      expect.arrayContaining([...CORE, 'cotangent', '@cotangent/train']),
    )
    expect(packed.map((t) => t.name).sort()).toEqual(Object.values(PACKAGES).sort())
    for (const t of packed) {
      for (const f of [
        'package.json',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/index.js.map',
        'dist/index.d.ts.map',
        'src/index.ts',
      ])
        expect(t.files, `${t.name} lacks ${f}`).toContain(f)
      expect(t.files, `${t.name} lacks README.md`).toContain('README.md')
      expect(
        t.files.filter((f) => /(^|\/)(test|bench|node_modules)\//.test(f) || f.endsWith('.test.ts')),
        t.name,
      ).toEqual([])
      const manifest = JSON.parse(
        readFileSync(join(app, 'node_modules', t.name, 'package.json'), 'utf8'),
      ) as {
        private?: boolean
        dependencies?: Record<string, string>
      }
      expect(manifest.private, t.name).toBeUndefined()
      const wild = Object.entries(manifest.dependencies ?? {}).filter(
        ([, v]) => v === '*' || v.startsWith('workspace:'),
      )
      expect(wild, `${t.name} has dependencies that only resolve inside the workspace`).toEqual([])
    }
    // The core's declarations must not drag in Node's types (a browser project has no @types/node).
    const nodeTypes = packed
      .filter((t) => [...CORE, 'cotangent', '@cotangent/gradcheck'].includes(t.name))
      .flatMap((t) =>
        t.files
          .filter((f) => f.endsWith('.d.ts'))
          .filter((f) =>
            /reference types="node"|from ['"]node:|import\(['"]node:|\bNodeJS\.|\bBuffer\b/.test(
              readFileSync(join(app, 'node_modules', t.name, f), 'utf8'),
            ),
          )
          .map((f) => `${t.name}/${f}`),
      )
    expect(nodeTypes, 'declarations that need @types/node').toEqual([])
    const data = packed.find((t) => t.name === '@cotangent/data')
    expect(data?.files).toContain('datasets/iris/iris.csv')
  })

  test(
    'every package imports under plain node and exports something',
    async () => {
      const script = `const names = ${JSON.stringify(Object.values(PACKAGES))}
const out = {}
for (const n of names) out[n] = Object.keys(await import(n)).length
console.log(JSON.stringify(out))`
      writeFileSync(join(app, 'imports.mjs'), script)
      const r = ok(await run(process.execPath, ['imports.mjs'], app), 'node imports.mjs')
      const counts = JSON.parse(r.stdout) as Record<string, number>
      for (const n of Object.values(PACKAGES)) expect(counts[n], n).toBeGreaterThan(0)
    },
    BUDGET,
  )

  test(
    'a JavaScript script trains XOR under plain node: loss falls and all four points are right',
    async () => {
      writeFileSync(join(app, 'train.mjs'), TRAIN_MJS)
      const r = ok(await run(process.execPath, ['train.mjs'], app), 'node train.mjs')
      const out = JSON.parse(r.stdout) as { first: number; last: number; probs: number[][] }
      expect(out.first).toBeGreaterThan(0.1) // an untrained net sits near 0.25 (probabilities near 1/2)
      expect(out.last).toBeLessThan(out.first / 10)
      // Accuracy from the probabilities themselves, thresholded here rather than by the library's metric.
      expect(out.probs.map(([p]) => (p! > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0])
    },
    BUDGET,
  )

  test(
    'the README example type-checks with NodeNext, compiles with tsc and runs under plain node',
    async () => {
      mkdirSync(join(app, 'src'), { recursive: true })
      writeFileSync(join(app, 'src/readme.ts'), readmeExample())
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            // `types: []`: the umbrella's types must not need @types/node (see the .d.ts check above). skipLibCheck,
            // as most projects set it: checking fp-ts's and fast-check's own declarations would only cost time.
            skipLibCheck: true,
            types: [],
            lib: ['ES2023', 'DOM'],
            rootDir: 'src',
            outDir: 'out',
          },
          include: ['src/readme.ts'],
        }),
      )
      ok(await run(process.execPath, [TSC, '-p', 'tsconfig.json'], app), 'tsc -p tsconfig.json')
      const r = ok(await run(process.execPath, ['out/readme.js'], app), 'node out/readme.js')
      const losses = [...r.stdout.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]))
      expect(losses.length).toBeGreaterThanOrEqual(2)
      expect(losses[0]).toBeGreaterThan(0.5) // log 2 ≈ 0.69 for an untrained net
      expect(losses.at(-1)).toBeLessThan(0.01)
      const probs = /p\(y=1\) ([\d. ]+)/.exec(r.stdout)?.[1]?.trim().split(' ').map(Number)
      expect(probs?.map((p) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0])
      expect(r.stdout).toMatch(/^accuracy 1$/m)
      expect(r.stdout).toMatch(/^gradcheck Right$/m)
    },
    BUDGET,
  )

  test(
    'tsc with NodeNext rejects a consumer with type errors, naming each one',
    async () => {
      writeFileSync(join(app, 'bad.ts'), BAD_TS)
      writeFileSync(
        join(app, 'tsconfig.bad.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
          },
          files: ['bad.ts'],
        }),
      )
      const r = await run(process.execPath, [TSC, '-p', 'tsconfig.bad.json'], app)
      expect(r.code).not.toBe(0)
      const errors = [...r.stdout.matchAll(/^bad\.ts\((\d+),\d+\): error (TS\d+)/gm)].map((m) => Number(m[1]))
      expect(new Set(errors)).toEqual(new Set([4, 5, 6])) // outDim: '1'; Tensor as number; key('seed')
      expect(r.stdout).not.toMatch(/Cannot find module|TS2307|TS7016/)
    },
    BUDGET,
  )

  test(
    'a Vite browser bundle of the core packages and the umbrella has no Node-only code and runs without Node globals',
    async () => {
      const web = join(app, 'web')
      mkdirSync(web, { recursive: true })
      writeFileSync(
        join(web, 'index.html'),
        '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n',
      )
      writeFileSync(join(web, 'main.js'), PAGE_MAIN)
      const warnings: string[] = []
      const { build } = await import('vite')
      const result = await build({
        root: web,
        configFile: false,
        logLevel: 'silent',
        customLogger: {
          info: () => undefined,
          warn: (m: string) => warnings.push(m),
          warnOnce: (m: string) => warnings.push(m),
          error: (m: string) => warnings.push(m),
          clearScreen: () => undefined,
          hasErrorLogged: () => false,
          hasWarned: false,
        },
        build: {
          write: false,
          minify: false,
          modulePreload: { polyfill: false },
          reportCompressedSize: false,
        },
      })
      const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) =>
        'output' in r ? r.output : [],
      )
      const chunks = outputs.flatMap((o) => (o.type === 'chunk' ? [o] : []))
      expect(chunks.length).toBe(1)
      const code = chunks[0]!.code
      // The bundle holds the packages' installed dist (not the workspace sources). The umbrella adds no code of its
      // own (its namespaces are tree-shaken into direct references), so only the core packages leave a trace.
      const fromDist = CORE.filter((n) => !code.includes(`node_modules/${n}/dist/`))
      expect(fromDist, 'packages missing from the bundle').toEqual([])
      expect(code.includes('/src/'), 'the bundle reads a TypeScript source').toBe(false)
      expect(warnings.filter((w) => /externalized for browser|node:|Node\.js/.test(w))).toEqual([])
      // Each pattern is something that breaks, or needs a polyfill, in a browser.
      const nodeOnly = [
        /__vite-browser-external/g, // Vite's stub for a Node built-in it could not bundle
        /["'`]node:[a-z_/]+["'`]/g,
        /\brequire\s*\(/g,
        /\bprocess\s*\.\s*[a-zA-Z_]+/g,
        /\b(?:__dirname|__filename|Buffer\.|setImmediate)\b/g,
        /^\s*(?:import|export)\b.*$/gm, // one self-contained chunk
      ].flatMap((re) =>
        [...code.matchAll(re)].map((m) => code.slice(Math.max(0, m.index - 60), m.index + 60)),
      )
      expect(nodeOnly, 'Node-only code in the browser bundle').toEqual([])
      // A fresh V8 context has the JavaScript and WebAssembly globals and nothing of Node's.
      const sandbox: { __cotangent?: unknown } = {}
      runInNewContext(code, sandbox, { filename: 'bundle.js' })
      const out = sandbox.__cotangent as { g: number[]; outShape: number[]; before: number; after: number }
      expect(out.g).toEqual([2, 4, 6]) // d/dx Σx² = 2x
      expect(out.outShape).toEqual([2])
      expect(out.after).toBeLessThan(out.before) // one SGD step on a smooth loss descends
    },
    BUDGET,
  )
})
