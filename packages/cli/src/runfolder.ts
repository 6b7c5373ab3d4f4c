/**
 * The run folder: everything a run writes goes into a hidden temporary sibling of the target
 * (`.<name>.partial-xxxxxxxx` in the same parent, hence the same file system), files written atomically with
 * `report.md` last, and the folder is renamed onto the target at the end. A reader therefore sees either no run
 * folder or a complete one; a crash leaves only the hidden `.partial` folder (removed on any thrown error, and on
 * SIGINT, SIGTERM or SIGHUP while writing).
 * @module
 */
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { plotCurves, writeFileAtomic, writeJsonAtomic } from '@cotangent/train'
import { renderVegaLite } from './plot.js'
import { figuresOf, renderMarkdown, type Block } from './report.js'

/** What a run folder holds. */
export interface RunFolderContents {
  /** Written as `config.json`. */
  readonly config: unknown
  /** Written as `history.json`. */
  readonly history: unknown
  /** The report, written as `report.md` (its figures are rendered next to it). */
  readonly report: readonly Block[]
  /** Further files by name (e.g. `weights.json`), written as given. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>
}

const RESERVED = ['config.json', 'history.json', 'report.md']

/** Signals that end a run while its folder is being written; the temporary folder is removed first. */
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * Why `target` cannot become a run folder (it exists and is not an empty directory), or `null` when it can.
 * Checked before a run starts, so that nothing is computed for a run that cannot be saved.
 */
export const unusableTarget = (target: string): string | null => {
  if (!existsSync(target)) return null
  if (!statSync(target).isDirectory()) return `'${target}' exists and is not a folder`
  return readdirSync(target).length > 0
    ? `'${target}' already exists and is not empty; choose a new folder`
    : null
}

/** Writes the run folder at `target` atomically (see the module doc); returns the file names written, sorted. */
export const writeRunFolder = async (
  target: string,
  contents: RunFolderContents,
): Promise<readonly string[]> => {
  const abs = resolve(target)
  const problem = unusableTarget(abs)
  if (problem !== null) throw new Error(`run folder: ${problem}`)
  const figures = figuresOf(contents.report)
  const extra = Object.keys(contents.files ?? {})
  const names = [...RESERVED, ...figures.flatMap((f) => [`${f.name}.png`, `${f.name}.svg`]), ...extra]
  const dup = names.find((n, i) => names.indexOf(n) !== i)
  if (dup !== undefined) throw new Error(`run folder: two outputs are both named '${dup}'`)
  const bad = extra.find((n) => n !== basename(n) || n.startsWith('.'))
  if (bad !== undefined)
    throw new Error(`run folder: file name '${bad}' must be a plain name inside the folder`)
  const markdown = renderMarkdown(contents.report) // fails early (bad table) before anything is written

  mkdirSync(dirname(abs), { recursive: true })
  // Not mkdtemp, which creates the folder 0700: mkdir gives the run folder the permissions of any folder the user
  // creates (umask); the random suffix makes the name unique, and mkdir fails rather than reuse an existing one.
  const tmp = join(dirname(abs), `.${basename(abs)}.partial-${randomUUID().slice(0, 8)}`)
  mkdirSync(tmp)
  // Interrupted while writing (Ctrl-C, kill): remove the temporary folder (if not yet renamed), then die of the
  // same signal.
  const onSignal = (signal: NodeJS.Signals): void => {
    rmSync(tmp, { recursive: true, force: true })
    process.kill(process.pid, signal)
  }
  SIGNALS.forEach((sig) => process.once(sig, onSignal))
  try {
    writeJsonAtomic(join(tmp, 'config.json'), contents.config)
    writeJsonAtomic(join(tmp, 'history.json'), contents.history)
    for (const [name, data] of Object.entries(contents.files ?? {})) writeFileAtomic(join(tmp, name), data)
    for (const f of figures) {
      const plot =
        f.content.type === 'curves'
          ? await plotCurves(f.content.series, f.content.options)
          : await renderVegaLite(f.content.spec)
      writeFileAtomic(join(tmp, `${f.name}.svg`), plot.svg)
      writeFileAtomic(join(tmp, `${f.name}.png`), plot.png)
    }
    writeFileAtomic(join(tmp, 'report.md'), markdown)
    if (existsSync(abs)) rmdirSync(abs) // an empty folder (checked above); rename cannot replace it on every OS
    renameSync(tmp, abs)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw err
  } finally {
    // Node runs a signal's listeners only in the poll phase of the event loop, and most of the writing is
    // synchronous: keep the listeners until the loop has polled once more (two check phases away), so that a
    // signal that arrived meanwhile still ends the process — once the folder is complete or its temporary folder
    // removed — instead of being swallowed.
    setImmediate(() => {
      setImmediate(() => {
        SIGNALS.forEach((sig) => process.off(sig, onSignal))
      })
    })
  }
  return [...names].sort()
}
