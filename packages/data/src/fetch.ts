/**
 * Downloads a data set from its canonical URL into a data directory: stream to a staging directory, check every
 * sha256, unpack, convert text to UTF-8, then move the finished directory into place with one rename. On any
 * failure nothing is left behind (the staging directory is removed; an existing copy is untouched).
 * @module
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, open, readFile, rename, rm, rmdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import * as E from 'fp-ts/lib/Either.js'
import { x as untar } from 'tar'
import { resolveDataDir } from './datadir.js'
import type { ArchiveMember, DatasetDef, StoredFile } from './datasets.js'
import { decodeText } from './encoding.js'
import { dataError, type DataError } from './errors.js'

/** The environment variable that overrides every data set's download base URL (a mirror, or a test server). */
export const URL_ENV = 'COTANGENT_DATA_URL'

/** Options of {@link fetchDataset}. */
export interface FetchOptions {
  /** Where to store the data set (default {@link resolveDataDir}: `--data-dir`, `$COTANGENT_DATA`, the cache). */
  readonly dataDir?: string
  /** Download from here instead of the data set's canonical base URL (default `$COTANGENT_DATA_URL`, if set). */
  readonly baseUrl?: string
  /** Download again even if a verified copy is present. */
  readonly force?: boolean
  /** Progress messages (default: none). */
  readonly log?: (message: string) => void
  /** Give up when the server sends nothing for this long (default 60,000 ms). */
  readonly idleTimeoutMs?: number
}

/** What {@link fetchDataset} did. */
export interface FetchResult {
  /** The data set's directory. */
  readonly dir: string
  /** False when a verified copy was already there. */
  readonly downloaded: boolean
}

/** sha256 (hex) of a file, streamed. */
export const sha256File = async (file: string): Promise<string> => {
  const h = createHash('sha256')
  await pipeline(createReadStream(file), h)
  return h.digest('hex')
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

const errText = (err: unknown): string => {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : ''
  return `${err instanceof Error ? err.message : String(err)}${cause}`
}

/** True when every stored file of `def` is in `dir` with the recorded sha256. */
export const verifyDataset = async (def: DatasetDef, dir: string): Promise<boolean> => {
  const checks = await Promise.all(
    def.files.map(
      async (f) => existsSync(join(dir, f.name)) && (await sha256File(join(dir, f.name))) === f.sha256,
    ),
  )
  return checks.every(Boolean)
}

const fsyncPath = async (path: string): Promise<void> => {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * Streams `url` into `dest` (fsynced) and returns the sha256 of the bytes, or a `Left` for an HTTP error, a
 * connection that broke off or went silent for `idleTimeoutMs`, or fewer/more bytes than `Content-Length`
 * announced.
 */
export const download = async (
  url: string,
  dest: string,
  idleTimeoutMs = 60_000,
): Promise<E.Either<DataError, string>> => {
  const hint = `check the network and the URL (the base can be changed with ${URL_ENV}), then run the fetch again`
  const abort = new AbortController()
  const idle = { timer: setTimeout(() => undefined, 0) }
  const arm = (): void => {
    clearTimeout(idle.timer)
    // eslint-disable-next-line functional/immutable-data -- the one live timer of this download
    idle.timer = setTimeout(() => {
      abort.abort(new Error(`no data for ${String(idleTimeoutMs)} ms`))
    }, idleTimeoutMs)
  }
  arm()
  try {
    const res = await fetch(url, { redirect: 'follow', signal: abort.signal }).then(
      (r) => E.right(r),
      (err: unknown) => E.left(dataError(url, `download failed: ${errText(err)}`, hint)),
    )
    if (E.isLeft(res)) return res
    const r = res.right
    if (!r.ok || r.body === null) {
      await r.body?.cancel()
      return E.left(dataError(url, `download failed: HTTP ${String(r.status)} ${r.statusText}`, hint))
    }
    const announced = r.headers.get('content-length')
    const hash = createHash('sha256')
    const counter = { bytes: 0 }
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm()
        hash.update(chunk)
        counter.bytes += chunk.length // eslint-disable-line functional/immutable-data -- a local byte counter
        done(null, chunk)
      },
    })
    const written = await pipeline(
      Readable.fromWeb(r.body as WebReadableStream<Uint8Array>),
      tap,
      createWriteStream(dest),
    ).then(
      () => E.right(undefined),
      (err: unknown) =>
        E.left(
          dataError(
            url,
            `transfer interrupted after ${String(counter.bytes)} bytes${announced === null ? '' : ` of ${announced}`}: ${abort.signal.aborted ? errText(abort.signal.reason) : errText(err)}`,
            hint,
          ),
        ),
    )
    if (E.isLeft(written)) return written
    if (announced !== null && Number(announced) !== counter.bytes)
      return E.left(
        dataError(
          url,
          `truncated transfer: received ${String(counter.bytes)} bytes, Content-Length said ${announced}`,
          hint,
        ),
      )
    await fsyncPath(dest)
    return E.right(hash.digest('hex'))
  } finally {
    clearTimeout(idle.timer)
  }
}

const checksumError = (what: string, expected: string, got: string): DataError =>
  dataError(
    what,
    `sha256 mismatch: expected ${expected}, got ${got}`,
    'the download is corrupt or not the recorded release; nothing was stored — try again, or check the mirror',
  )

const joinUrl = (base: string, name: string): string => `${base.endsWith('/') ? base : `${base}/`}${name}`

const fetchFiles = async (
  files: readonly string[],
  stored: readonly StoredFile[],
  base: string,
  out: string,
  log: (m: string) => void,
  idleTimeoutMs: number | undefined,
): Promise<E.Either<DataError, undefined>> => {
  for (const name of files) {
    const url = joinUrl(base, name)
    log(`downloading ${url}`)
    const got = await download(url, join(out, name), idleTimeoutMs)
    if (E.isLeft(got)) return got
    const want = stored.find((f) => f.name === name)?.sha256
    if (want !== undefined && got.right !== want) return E.left(checksumError(url, want, got.right))
  }
  return E.right(undefined)
}

const writeSynced = async (path: string, bytes: Uint8Array): Promise<void> => {
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

const convertMember = async (
  member: ArchiveMember,
  extracted: string,
  archiveUrl: string,
  stored: readonly StoredFile[],
  out: string,
): Promise<E.Either<DataError, undefined>> => {
  const where = `${archiveUrl}:${member.path}`
  const bytes = await readFile(join(extracted, member.path)).then(
    (b) => E.right(b),
    () =>
      E.left(dataError(where, 'member missing from the archive', 'the archive is not the recorded release')),
  )
  if (E.isLeft(bytes)) return bytes
  const original = sha256(bytes.right)
  if (original !== member.sha256) return E.left(checksumError(where, member.sha256, original))
  const text = decodeText(bytes.right, member.encoding)
  const utf8 = Buffer.from(text, 'utf8')
  const want = stored.find((f) => f.name === member.to)?.sha256
  const got = sha256(utf8)
  if (want !== undefined && got !== want)
    return E.left(checksumError(`${where} converted from ${member.encoding} to UTF-8`, want, got))
  await writeSynced(join(out, member.to), utf8)
  return E.right(undefined)
}

const removeEmptyUpTo = async (dir: string, top: string): Promise<void> => {
  const removed = await rmdir(dir).then(
    () => true,
    () => false,
  )
  if (removed && dir !== top && dirname(dir) !== dir) await removeEmptyUpTo(dirname(dir), top)
}

/**
 * Downloads `def` into `<dataDir>/<def.dir>` unless a verified copy is there: the files (or the archive) go into
 * a staging directory next to it, every sha256 is checked (for the polarity archive, whose own sha256 is not
 * recorded, the extracted Windows-1252 originals and their UTF-8 conversions are), and the finished directory is
 * renamed into place. Any failure — HTTP error, broken transfer, checksum mismatch, bad archive — is a `Left`, and
 * leaves nothing in the data directory.
 */
export const fetchDataset = async (
  def: DatasetDef,
  options?: FetchOptions,
): Promise<E.Either<DataError, FetchResult>> => {
  const dataDir = options?.dataDir ?? resolveDataDir()
  const log = options?.log ?? ((): void => undefined)
  const target = join(dataDir, def.dir)
  const d = def.download
  if (d.kind === 'vendored') return E.right({ dir: target, downloaded: false })
  if (d.kind === 'local')
    return E.left(
      dataError(
        def.name,
        'is a local file, not a downloadable data set',
        'point the loader at the file itself',
      ),
    )
  if (options?.force !== true && (await verifyDataset(def, target))) {
    log(`${def.name}: verified copy already in ${target}`)
    return E.right({ dir: target, downloaded: false })
  }
  const envBase = process.env[URL_ENV]
  const base = options?.baseUrl ?? (envBase !== undefined && envBase !== '' ? envBase : d.baseUrl)
  const made = await mkdir(dataDir, { recursive: true }).then(
    (created) => E.right(created),
    (err: unknown) =>
      E.left(
        dataError(dataDir, `cannot create the data directory: ${errText(err)}`, 'choose another --data-dir'),
      ),
  )
  if (E.isLeft(made)) return made
  const staging = await mkdtemp(join(dataDir, `.${def.dir}.partial-`))
  try {
    const out = join(staging, 'out')
    await mkdir(out)
    const fetched = await (async (): Promise<E.Either<DataError, undefined>> => {
      if (d.kind === 'files') return fetchFiles(d.files, def.files, base, out, log, options?.idleTimeoutMs)
      const url = joinUrl(base, d.archive)
      const archive = join(staging, d.archive)
      log(`downloading ${url}`)
      const got = await download(url, archive, options?.idleTimeoutMs)
      if (E.isLeft(got)) return got
      if (d.archiveSha256 !== undefined && got.right !== d.archiveSha256)
        return E.left(checksumError(url, d.archiveSha256, got.right))
      const extracted = join(staging, 'extract')
      await mkdir(extracted)
      const wanted = new Set(d.members.map((m) => m.path))
      const unpacked = await untar({
        file: archive,
        cwd: extracted,
        strict: true,
        filter: (p) => wanted.has(p.replace(/^\.\//, '')),
      }).then(
        () => E.right(undefined),
        (err: unknown) =>
          E.left(
            dataError(
              url,
              `cannot unpack the archive: ${errText(err)}`,
              'the download is damaged; try again',
            ),
          ),
      )
      if (E.isLeft(unpacked)) return unpacked
      log(`unpacked ${url}; checking and converting ${d.members.map((m) => m.path).join(', ')}`)
      for (const m of d.members) {
        const r = await convertMember(m, extracted, url, def.files, out)
        if (E.isLeft(r)) return r
      }
      return E.right(undefined)
    })()
    if (E.isLeft(fetched)) return fetched
    await fsyncPath(out)
    if (existsSync(target)) await rename(target, join(staging, 'old'))
    await rename(out, target)
    await fsyncPath(dataDir)
    log(`${def.name}: stored in ${target}`)
    return E.right({ dir: target, downloaded: true })
  } catch (err) {
    return E.left(
      dataError(
        target,
        `fetch failed: ${errText(err)}`,
        'check free disk space and permissions, then try again',
      ),
    )
  } finally {
    await rm(staging, { recursive: true, force: true })
    // Directories this call created and left empty go too (rmdir only removes empty ones).
    if (made.right !== undefined && !existsSync(target)) await removeEmptyUpTo(dataDir, made.right)
  }
}
