/**
 * Running a system in its own process, so that its peak RSS is its own and its heap, JIT state and wasm memory do
 * not disturb the others. The parent and the child talk in JSON lines: requests on the child's stdin, replies on its
 * stdout prefixed with `@@bench ` (anything else a library prints is passed to stderr). The same protocol is spoken
 * by ./worker.ts (JavaScript systems) and by bench/python/peers.py (PyTorch and NumPy).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { FloatDType, Sample, SystemId } from './systems/types.js'

/** The marker of a protocol line. */
export const MARK = '@@bench '

/** A request to a child. */
export type Request =
  | {
      readonly op: 'setup'
      readonly system: SystemId
      readonly dtype: FloatDType
      readonly data: string
      readonly seed: number
    }
  | { readonly op: 'run' }
  | { readonly op: 'sample'; readonly indices: readonly number[] }
  | { readonly op: 'exit' }

/** A child's reply. */
export interface Reply {
  readonly ok: boolean
  readonly error?: string
  readonly sample?: Sample
  readonly values?: readonly number[]
  readonly maxRssKb?: number
}

/** A running child: one request at a time. */
export interface Child {
  readonly request: (r: Request) => Promise<Reply>
  /** Asks the child to exit; resolves to its peak RSS in kB (null if it could not tell). */
  readonly close: () => Promise<number | null>
  readonly kill: () => void
}

/** Starts `command args` as a protocol child. `verbose` passes the child's other output through to stderr. */
export const startChild = (
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  verbose: boolean,
): Child => {
  const proc: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: 'pipe', env })
  const waiting: ((r: Reply) => void)[] = []
  let dead: string | null = null
  const stderrTail: string[] = []
  const failAll = (why: string): void => {
    dead = why
    for (const w of waiting.splice(0)) w({ ok: false, error: why })
  }
  createInterface({ input: proc.stdout }).on('line', (line) => {
    if (!line.startsWith(MARK)) {
      if (verbose) process.stderr.write(`  [child] ${line}\n`)
      return
    }
    const w = waiting.shift()
    if (w === undefined) return
    try {
      w(JSON.parse(line.slice(MARK.length)) as Reply)
    } catch (e) {
      w({ ok: false, error: `unreadable reply ${line.slice(0, 200)}: ${String(e)}` })
    }
  })
  createInterface({ input: proc.stderr }).on('line', (line) => {
    stderrTail.push(line)
    if (stderrTail.length > 20) stderrTail.shift()
    if (verbose) process.stderr.write(`  [child] ${line}\n`)
  })
  proc.stdin.on('error', (e) => {
    failAll(`cannot write to the child: ${e.message}`)
  })
  proc.on('error', (e) => {
    failAll(`could not start ${command}: ${e.message}`)
  })
  proc.on('exit', (code, signal) => {
    failAll(
      `child exited (${signal ?? String(code)})${stderrTail.length > 0 ? `: ${stderrTail.join(' | ')}` : ''}`,
    )
  })
  const request = (r: Request): Promise<Reply> =>
    new Promise((resolve) => {
      if (dead !== null) {
        resolve({ ok: false, error: dead })
        return
      }
      waiting.push(resolve)
      proc.stdin.write(`${JSON.stringify(r)}\n`)
    })
  let closing: Promise<number | null> | null = null
  return {
    request,
    // idempotent: a second close gets the first one's answer
    close: () =>
      (closing ??= request({ op: 'exit' }).then((r) =>
        r.ok && typeof r.maxRssKb === 'number' ? r.maxRssKb : null,
      )),
    kill: () => {
      if (proc.exitCode === null) proc.kill()
    },
  }
}
