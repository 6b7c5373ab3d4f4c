// The download path against a real HTTP server on 127.0.0.1 (node:http, port 0) serving archives built here from
// the shared data — no mocks of the network layer.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { c as tarCreate } from 'tar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FASHION_MNIST,
  POLARITY,
  decodeWindows1252,
  fetchDataset,
  loadPolarity,
  verifyDataset,
} from '../src/index.js'
import { SHARED_DATA, leftOf, rightOf, tempDir } from './helpers.js'

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/**
 * Windows-1252 encoder: the inverse of the package's byte table (Node 20's TextDecoder treats windows-1252 as
 * latin-1). Not circular: the re-encoded files must hash to the sha256s recorded for Cornell's originals.
 */
const cp1252Table = new Map(
  Array.from({ length: 256 }, (_, b) => [decodeWindows1252(Uint8Array.of(b)), b] as const),
)
const toCp1252 = (text: string): Buffer =>
  Buffer.from(
    Array.from(text, (ch) => {
      const b = cp1252Table.get(ch)
      if (b === undefined) throw new Error(`not encodable in Windows-1252: ${ch}`)
      return b
    }),
  )

const polarityText = (name: string): string => readFileSync(join(SHARED_DATA, 'rt-polarity', name), 'utf8')

/** A tar.gz laid out as Cornell's rt-polaritydata.tar.gz, from the given (Windows-1252) file contents. */
const buildArchive = async (pos: Buffer, neg: Buffer): Promise<Buffer> => {
  const dir = tempDir('polarity-archive-')
  mkdirSync(join(dir, 'rt-polaritydata'))
  writeFileSync(join(dir, 'rt-polaritydata', 'rt-polarity.pos'), pos)
  writeFileSync(join(dir, 'rt-polaritydata', 'rt-polarity.neg'), neg)
  writeFileSync(join(dir, 'rt-polaritydata', 'README.1.0.txt'), 'sentence polarity dataset v1.0\n')
  const file = join(dir, 'rt-polaritydata.tar.gz')
  await tarCreate({ gzip: true, file, cwd: dir }, ['rt-polaritydata'])
  return readFileSync(file)
}

const posCp = toCp1252(polarityText('pos.txt'))
const negCp = toCp1252(polarityText('neg.txt'))
const routes = new Map<string, Buffer>()
const truncated = new Map<string, Buffer>()
let server: Server
let base = ''

beforeAll(async () => {
  routes.set('/good/rt-polaritydata.tar.gz', await buildArchive(posCp, negCp))
  const tampered = Buffer.from(posCp)
  tampered[10] = tampered[10]! ^ 1
  routes.set('/badsum/rt-polaritydata.tar.gz', await buildArchive(tampered, negCp))
  truncated.set('/trunc/rt-polaritydata.tar.gz', routes.get('/good/rt-polaritydata.tar.gz')!)
  for (const f of FASHION_MNIST.files) {
    const bytes = readFileSync(join(SHARED_DATA, 'fashion-mnist', f.name))
    routes.set(`/fashion/${f.name}`, bytes)
    routes.set(
      `/fashion-bad/${f.name}`,
      f.name.startsWith('t10k-labels') ? bytes.subarray(0, bytes.length - 1) : bytes,
    )
  }
  server = createServer((req, res) => {
    const body = routes.get(req.url ?? '')
    const cut = truncated.get(req.url ?? '')
    if (cut !== undefined) {
      // Announce the whole archive, send a third of it, then drop the connection.
      res.writeHead(200, { 'content-length': String(cut.length), 'content-type': 'application/gzip' })
      res.write(cut.subarray(0, Math.floor(cut.length / 3)), () => {
        res.socket?.destroy()
      })
      return
    }
    if (req.url === '/stall/rt-polaritydata.tar.gz') {
      // Headers and a few bytes, then silence (the connection stays open).
      res.writeHead(200, { 'content-length': '1000000' })
      res.write(Buffer.alloc(10))
      return
    }
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
      return
    }
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`
}, 60_000)

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
})

describe('the test archive', () => {
  it('re-encodes to the recorded Windows-1252 originals (so the conversion is lossless)', () => {
    expect(sha256(posCp)).toBe(
      POLARITY.download.kind === 'tar.gz' ? POLARITY.download.members[0]!.sha256 : '',
    )
    expect(sha256(negCp)).toBe('4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc')
    expect(posCp.length).toBe(626168)
    expect(negCp.length).toBe(612290)
  })
})

describe('fetchDataset polarity', () => {
  it('downloads, verifies, converts to UTF-8 and stores; a second fetch finds the verified copy', async () => {
    const dataDir = tempDir()
    const log: string[] = []
    const r = rightOf(
      await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/good/`, log: (m) => log.push(m) }),
    )
    expect(r).toEqual({ dir: join(dataDir, 'rt-polarity'), downloaded: true })
    expect(readdirSync(dataDir)).toEqual(['rt-polarity'])
    expect(readdirSync(r.dir).sort()).toEqual(['neg.txt', 'pos.txt'])
    expect(sha256(readFileSync(join(r.dir, 'pos.txt')))).toBe(
      sha256(readFileSync(join(SHARED_DATA, 'rt-polarity', 'pos.txt'))),
    )
    expect(sha256(readFileSync(join(r.dir, 'neg.txt')))).toBe(
      sha256(readFileSync(join(SHARED_DATA, 'rt-polarity', 'neg.txt'))),
    )
    expect(log.some((m) => m.includes(`${base}/good/rt-polaritydata.tar.gz`))).toBe(true)
    expect(rightOf(await loadPolarity(dataDir)).size).toBe(10662)
    // The server is not asked again: the base points nowhere and the fetch still succeeds.
    expect(rightOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/missing/` })).downloaded).toBe(
      false,
    )
  }, 60_000)

  it('rejects a wrong checksum and leaves nothing in the cache', async () => {
    const dataDir = tempDir()
    const e = leftOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/badsum` }))
    expect(e.file).toBe(`${base}/badsum/rt-polaritydata.tar.gz:rt-polaritydata/rt-polarity.pos`)
    expect(e.message).toMatch(/^sha256 mismatch: expected d79ef14009bbf87c\w+, got [0-9a-f]{64}$/)
    expect(readdirSync(dataDir)).toEqual([])
  }, 60_000)

  it('rejects a truncated transfer and leaves nothing in the cache', async () => {
    const dataDir = tempDir()
    const e = leftOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/trunc/` }))
    expect(e.file).toBe(`${base}/trunc/rt-polaritydata.tar.gz`)
    expect(e.message).toMatch(/transfer interrupted|truncated transfer/)
    expect(readdirSync(dataDir)).toEqual([])
  }, 60_000)

  it('reports a 404 and leaves nothing in the cache, not even the directories it created', async () => {
    const parent = tempDir()
    const dataDir = join(parent, 'cache', 'cotangent')
    const e = leftOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/missing/` }))
    expect(e.message).toBe('download failed: HTTP 404 Not Found')
    expect(e.hint).toContain('COTANGENT_DATA_URL')
    expect(readdirSync(parent)).toEqual([])
  })

  it('a failed forced fetch keeps the verified copy that was there', async () => {
    const dataDir = tempDir()
    rightOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/good/` }))
    leftOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/badsum/`, force: true }))
    expect(readdirSync(dataDir)).toEqual(['rt-polarity'])
    expect(await verifyDataset(POLARITY, join(dataDir, 'rt-polarity'))).toBe(true)
  }, 60_000)

  it('gives up on a server that goes silent and leaves nothing in the cache', async () => {
    const dataDir = tempDir()
    const e = leftOf(await fetchDataset(POLARITY, { dataDir, baseUrl: `${base}/stall/`, idleTimeoutMs: 300 }))
    expect(e.message).toMatch(/^transfer interrupted after 10 bytes of 1000000: no data for 300 ms/)
    expect(readdirSync(dataDir)).toEqual([])
  })

  it('takes the base URL from COTANGENT_DATA_URL', async () => {
    const dataDir = tempDir()
    process.env.COTANGENT_DATA_URL = `${base}/missing/`
    try {
      expect(leftOf(await fetchDataset(POLARITY, { dataDir })).file).toBe(
        `${base}/missing/rt-polaritydata.tar.gz`,
      )
    } finally {
      delete process.env.COTANGENT_DATA_URL
    }
  })
})

describe('fetchDataset fashion-mnist', () => {
  it('downloads the four files and checks each sha256', async () => {
    const dataDir = tempDir()
    const r = rightOf(await fetchDataset(FASHION_MNIST, { dataDir, baseUrl: `${base}/fashion/` }))
    expect(readdirSync(r.dir).sort()).toEqual(FASHION_MNIST.files.map((f) => f.name).sort())
    for (const f of FASHION_MNIST.files)
      expect(sha256(readFileSync(join(r.dir, f.name)))).toBe(
        sha256(readFileSync(join(SHARED_DATA, 'fashion-mnist', f.name))),
      )
  }, 120_000)
  it('rejects a file whose checksum differs, keeping none of the four', async () => {
    const dataDir = tempDir()
    const e = leftOf(await fetchDataset(FASHION_MNIST, { dataDir, baseUrl: `${base}/fashion-bad/` }))
    expect(e.file).toBe(`${base}/fashion-bad/t10k-labels-idx1-ubyte.gz`)
    expect(e.message).toMatch(/^sha256 mismatch: expected 67da17c7/)
    expect(readdirSync(dataDir)).toEqual([])
  }, 120_000)
})

const FETCH_MAIN = fileURLToPath(new URL('../src/fetch-main.ts', import.meta.url))
const run = async (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', FETCH_MAIN, ...args], {
    env: { ...process.env },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: unknown) => {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    },
  )

describe('npm run fetch (fetch-main)', () => {
  it('fetches into --data-dir and exits 0', async () => {
    const dataDir = tempDir()
    const r = await run(['polarity', '--data-dir', dataDir, '--base-url', `${base}/good/`])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`polarity: downloaded and verified in ${join(dataDir, 'rt-polarity')}`)
  }, 60_000)
  it('prints the error and exits 1 on a failed download', async () => {
    const dataDir = tempDir()
    const r = await run(['polarity', '--data-dir', dataDir, '--base-url', `${base}/missing/`])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `fetch polarity failed: ${base}/missing/rt-polaritydata.tar.gz: download failed: HTTP 404 Not Found (`,
    )
    expect(readdirSync(dataDir)).toEqual([])
  }, 60_000)
  it('exits 2 with the list of data sets on a usage error', async () => {
    const r = await run(['imagenet'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown data set "imagenet"')
    expect(r.stderr).toContain('fashion-mnist')
  }, 60_000)
})
