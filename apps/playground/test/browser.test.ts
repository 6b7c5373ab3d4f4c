/**
 * End-to-end: the built site in Debian's Chromium, driven by playwright-core. The site is built with Vite's `build()`
 * into a temporary folder and served by `preview()` on 127.0.0.1 (a free port), both inside this test.
 *
 * Chromium must be at /usr/bin/chromium (`.ci/run` installs it); when it is missing the tests FAIL with the command
 * to run, they are not skipped. Every wait has an explicit, generous budget (two shared cores); nothing asserts a time.
 * Screenshots of the main views are test artifacts in apps/playground/test-artifacts/ (gitignored); with
 * `UPDATE_SCREENSHOTS=1` they replace the committed ones in apps/playground/docs/ instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as ct from 'cotangent'
import { chromium, type Browser, type Page } from 'playwright-core'
import { build, preview, type PreviewServer } from 'vite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { configToQuery, DEFAULT_CONFIG, type Config } from '../src/config.js'
import { makeDataset } from '../src/data.js'
import { CLASS_COLORS } from '../src/views.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DOCS = join(ROOT, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'test-artifacts')
const CHROMIUM = '/usr/bin/chromium'
// The flags this closed network needs (no background connections, no QUIC, no first-run or sync traffic).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const BUDGET = { load: 30_000, train: 90_000, frame: 20_000 }

let outDir = ''
let server: PreviewServer | null = null
let browser: Browser | null = null
let page: Page
let base = ''
const pageErrors: string[] = []

const urlFor = (c: Config): string => `${base}?${configToQuery(c)}`

/** Waits until the page shows the frame after `step` updates of the current run. */
const waitStep = async (step: number, timeout = BUDGET.frame): Promise<void> => {
  await page.waitForFunction((s) => document.body.dataset.step === String(s), step, { timeout })
}

/** The RGBA pixel of the decision-boundary canvas at data coordinates (x1, x2). */
const boundaryPixel = async (domain: readonly [number, number], x1: number, x2: number): Promise<number[]> =>
  page.evaluate(
    ([lo, hi, a, b]) => {
      const c = document.getElementById('boundary') as HTMLCanvasElement
      const px = Math.floor(((a - lo) / (hi - lo)) * c.width)
      const py = Math.floor(((hi - b) / (hi - lo)) * c.height)
      return Array.from(c.getContext('2d')!.getImageData(px, py, 1, 1).data)
    },
    [domain[0], domain[1], x1, x2] as const,
  )

/** Every pixel of the boundary canvas, as a compact string. */
const boundaryImage = async (): Promise<string> =>
  page.evaluate(() => {
    const c = document.getElementById('boundary') as HTMLCanvasElement
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    let s = ''
    for (let i = 0; i < d.length; i += 16) s += String.fromCharCode(d[i]!, d[i + 1]!, d[i + 2]!)
    return s
  }, null)

/** The class whose colour a pixel is nearer to (0 orange, 1 blue). */
const classOfPixel = (p: readonly number[]): number => {
  const dist = (c: readonly number[]): number => Math.hypot(p[0]! - c[0]!, p[1]! - c[1]!, p[2]! - c[2]!)
  return dist(CLASS_COLORS[0]!) < dist(CLASS_COLORS[1]!) ? 0 : 1
}

const MISSING = `Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (as root; .ci/run does this).`

/** A browser test: without Chromium it fails with the install command (never a silent skip). */
const browserTest = (name: string, fn: () => Promise<void>, timeout?: number): void => {
  test(
    name,
    async () => {
      if (!existsSync(CHROMIUM)) throw new Error(MISSING)
      await fn()
    },
    timeout,
  )
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return
  outDir = mkdtempSync(join(tmpdir(), 'playground-site-'))
  await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir } })
  server = await preview({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1', strictPort: false, open: false },
  })
  base = server.resolvedUrls?.local[0] ?? ''
  if (base === '') throw new Error('vite preview reported no local URL')
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: BUDGET.load })
  page = await browser.newPage({ viewport: { width: 1240, height: 1000 } })
  page.on('pageerror', (e) => pageErrors.push(e.message))
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true })
})

describe('playground in Chromium', () => {
  browserTest('loads: the first frame, the data points and the default expression graph', async () => {
    await page.goto(base, { timeout: BUDGET.load })
    await waitStep(0, BUDGET.load)
    expect(await page.locator('#step-count').textContent()).toBe('0')
    // the URL carries the whole configuration
    expect(page.url()).toContain('dataset=xor')
    await page.locator('#expr-graph svg').waitFor({ state: 'attached', timeout: BUDGET.load })
    const labels = await page.locator('#expr-graph svg').textContent()
    expect(labels).toContain('adjoint')
    // f = ln 2 + e^0.5·3 at the default point
    expect(labels).toContain(String(+(Math.log(2) + Math.exp(0.5) * 3).toPrecision(6)))
    // ∂f/∂z = e^0.5
    expect(labels).toContain(String(+Math.exp(0.5).toPrecision(6)))
    await page.locator('#expr-section').screenshot({ path: join(DOCS, 'expression-graph.png') })
    expect(pageErrors).toEqual([])
  })

  browserTest(
    'trains XOR to 100% test accuracy; the boundary separates the four corners',
    async () => {
      await page.locator('#play').click()
      await page.waitForFunction(
        () =>
          document.getElementById('test-acc')?.textContent === '100.0%' &&
          Number(document.body.dataset.step) >= 1,
        null,
        { timeout: BUDGET.train, polling: 100 },
      )
      await page.locator('#play').click() // pause
      await page.waitForFunction(
        () => document.getElementById('play')?.textContent?.includes('Play') === true,
        null,
        {
          timeout: BUDGET.frame,
        },
      )
      await page.screenshot({ path: join(DOCS, 'playground-xor.png'), fullPage: true })
      const domain = [-0.5, 1.5] as const
      const corners = [
        [0, 0, 0],
        [0, 1, 1],
        [1, 0, 1],
        [1, 1, 0],
      ] as const
      const pixels = await Promise.all(corners.map(([a, b]) => boundaryPixel(domain, a, b)))
      pixels.forEach((p, i) => {
        expect(p[3]).toBe(255)
        expect(classOfPixel(p), `pixel at corner ${String(corners[i])}: ${String(p)}`).toBe(corners[i]![2])
        // coloured, not the white of an undecided model
        expect(Math.min(p[0]!, p[1]!, p[2]!)).toBeLessThan(200)
      })
      const img = await boundaryImage()
      expect(new Set(img.match(/.../gs)).size).toBeGreaterThan(20)
      await page.locator('#network-section').screenshot({ path: join(DOCS, 'network.png') })
    },
    150_000,
  )

  browserTest('changing the activation changes the boundary (same seed, same step)', async () => {
    const config: Config = { ...DEFAULT_CONFIG, hidden: [6], seed: 3 }
    const oneStep = async (): Promise<string> => {
      await page.locator('#step').click()
      await waitStep(1)
      return boundaryImage()
    }
    await page.goto(urlFor(config), { timeout: BUDGET.load })
    await waitStep(0, BUDGET.load)
    const tanh = await oneStep()
    await page.locator('#activation').selectOption('relu')
    await waitStep(0)
    expect(page.url()).toContain('activation=relu')
    const relu = await oneStep()
    expect(relu).not.toBe(tanh)
    // and back: the tanh run is reproduced exactly
    await page.locator('#activation').selectOption('tanh')
    await waitStep(0)
    expect(await oneStep()).toBe(tanh)
  })

  browserTest('one step shows every gradient, equal to the gradient computed in Node', async () => {
    const config: Config = {
      ...DEFAULT_CONFIG,
      points: 40,
      hidden: [3],
      activation: 'tanh',
      optimizer: 'sgd',
      lr: 0.1,
      batchSize: 1000, // full batch: the gradient of the mean loss over all training points
      init: 'xavierUniform',
      seed: 7,
    }
    await page.goto(urlFor(config), { timeout: BUDGET.load })
    await waitStep(0, BUDGET.load)
    await page.locator('#step').click()
    await waitStep(1)
    // the same gradient in Node, straight from the library: the same data, init key fold(key(seed), 1)
    const data = makeDataset(config)
    const model = ct.nn.mlp({
      hiddenDims: [3],
      activation: 'tanh',
      outDim: 2,
      init: ct.nn.init.xavierUniform(),
      biasInit: ct.nn.init.zeros,
    })
    const [, params] = model.init(ct.random.fold(ct.random.key(config.seed), 1), [2])
    const x = ct.fromArray(data.xTrain.flat(), [data.xTrain.length, 2])
    const g = ct.grad((p: ct.nn.MlpParams) =>
      ct.losses.softmaxCrossEntropy(model.apply(p, x), [...data.yTrain]),
    )(params)
    const want = {
      'layers[0].W[1][2]': ct.toArray(g.layers[0]!.W)[1 * 3 + 2]!,
      'layers[0].b[0]': ct.toArray(g.layers[0]!.b)[0]!,
      'layers[1].W[2][1]': ct.toArray(g.layers[1]!.W)[2 * 2 + 1]!,
    }
    for (const [path, value] of Object.entries(want)) {
      const cell = page.locator(`td[data-grad="${path}"]`)
      const shown = Number(await cell.getAttribute('data-value', { timeout: BUDGET.frame }))
      expect(
        Math.abs(shown - value),
        `${path}: page ${String(shown)}, node ${String(value)}`,
      ).toBeLessThanOrEqual(1e-12 + 1e-9 * Math.abs(value))
      expect(value).not.toBe(0)
      // the hover text carries it at full precision too
      expect(await cell.getAttribute('title')).toContain(`gradient ${String(shown)}`)
    }
    await page.locator('#grads-section').screenshot({ path: join(DOCS, 'gradients.png') })

    // the graph of one training example through the network, staged from the model at these weights
    await page.locator('#graph-source').selectOption('example')
    await page.waitForFunction(
      () => document.querySelector('#expr-graph svg')?.textContent?.includes('∂loss/∂') === true,
      null,
      { timeout: BUDGET.frame },
    )
    expect(await page.locator('#expr-graph svg').textContent()).toContain('loss = ')
    await page.locator('#expr-section').screenshot({ path: join(DOCS, 'example-graph.png') })
  })

  browserTest('a bad expression shows the parser error with its column', async () => {
    await page.locator('#graph-source').selectOption('expr')
    await page.locator('#expr').fill('ln(x) + * y')
    await page.locator('#expr-error').waitFor({ state: 'visible', timeout: BUDGET.frame })
    const msg = await page.locator('#expr-error').textContent()
    expect(msg).toContain("found '*'")
    expect(msg).toContain('column 9')
    expect(msg).toContain('^')
    await page.locator('#expr-section').screenshot({ path: join(DOCS, 'expression-error.png') })
    await page.locator('#expr').fill('ln(x) + exp(y)*z')
    await page.waitForFunction(() => document.getElementById('expr-error')?.hidden === true, null, {
      timeout: BUDGET.frame,
    })
  })

  browserTest('reloading the URL reproduces the run', async () => {
    const config: Config = {
      ...DEFAULT_CONFIG,
      dataset: 'circle',
      noise: 0.3,
      hidden: [5, 3],
      batchSize: 8,
      seed: 11,
    }
    const run = async (): Promise<string[]> => {
      await waitStep(0, BUDGET.load)
      for (let s = 1; s <= 4; s++) {
        await page.locator('#step').click()
        await waitStep(s)
      }
      return Promise.all([
        page.locator('#train-loss').textContent(),
        page.locator('#test-loss').textContent(),
        page.locator('td[data-grad="layers[1].W[4][2]"]').getAttribute('data-value'),
        boundaryImage(),
      ]) as Promise<string[]>
    }
    await page.goto(urlFor(config), { timeout: BUDGET.load })
    const first = await run()
    await page.reload({ timeout: BUDGET.load })
    expect(page.url()).toBe(urlFor(config))
    const second = await run()
    expect(second).toEqual(first)
    expect(first[2]).not.toBe(null)
  })

  browserTest(
    'Iris with all four features: three classes learned; the plane shows the first two',
    async () => {
      // seed 3: this split's test accuracy stays ≥ 93% from update 1,000 on (seed 1 converges to 88.9% and passes
      // 90% only between updates 10 and ~200, which a fast worker can step over between two frames)
      await page.goto(
        urlFor({ ...DEFAULT_CONFIG, dataset: 'iris', irisFeatures: [2, 3, 0, 1], trainRatio: 0.7, seed: 3 }),
        {
          timeout: BUDGET.load,
        },
      )
      await waitStep(0, BUDGET.load)
      expect(await page.locator('#legend').textContent()).toContain('virginica')
      await page.locator('#play').click()
      await page.waitForFunction(
        () => Number((document.getElementById('test-acc')?.textContent ?? '0').replace('%', '')) >= 90,
        null,
        { timeout: BUDGET.train, polling: 250 },
      )
      await page.locator('#play').click()
      // four input nodes in the network view, three logits
      expect(await page.locator('#network .node-label').count()).toBe(4 + 3)
      await page.screenshot({ path: join(DOCS, 'playground-iris.png'), fullPage: false })
    },
    150_000,
  )

  browserTest(
    'zero init stays flat; a spiral classifier learns',
    async () => {
      await page.goto(urlFor({ ...DEFAULT_CONFIG, dataset: 'spirals', init: 'zeros', hidden: [8, 8] }), {
        timeout: BUDGET.load,
      })
      await waitStep(0, BUDGET.load)
      for (let s = 1; s <= 5; s++) {
        await page.locator('#step').click()
        await waitStep(s)
      }
      // every first-layer gradient is exactly 0: the symmetric start cannot break
      const grads = await page.evaluate(
        () =>
          [...document.querySelectorAll<HTMLElement>('td[data-grad^="layers[0]."]')].map((td) =>
            Number(td.dataset.value),
          ),
        null,
      )
      expect(grads.length).toBe(2 * 8 + 8)
      expect(grads.every((v) => v === 0)).toBe(true)
      await page.screenshot({ path: join(DOCS, 'zero-init.png'), fullPage: false })

      await page.goto(
        urlFor({ ...DEFAULT_CONFIG, dataset: 'spirals', hidden: [12, 12], lr: 0.03, batchSize: 10 }),
        {
          timeout: BUDGET.load,
        },
      )
      await waitStep(0, BUDGET.load)
      await page.locator('#play').click()
      await page.waitForFunction(
        () => Number((document.getElementById('train-acc')?.textContent ?? '0').replace('%', '')) >= 95,
        null,
        { timeout: BUDGET.train, polling: 250 },
      )
      await page.locator('#play').click()
      await page.screenshot({ path: join(DOCS, 'playground-spirals.png'), fullPage: false })
      expect(pageErrors).toEqual([])
    },
    150_000,
  )
})
