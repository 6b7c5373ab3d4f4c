import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'

// Record every file-system call writeFileAtomic makes, in order, while still doing them.
const calls: string[] = []
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const fds = new Map<number, string>()
  return {
    ...fs,
    openSync: (p: string, flags: string) => {
      const fd = fs.openSync(p, flags)
      fds.set(fd, p)
      calls.push(`open ${p.replace(/\.tmp-.*$/, '.tmp')} ${flags}`)
      return fd
    },
    writeSync: (fd: number, ...rest: never[]) => {
      calls.push(`write ${fds.get(fd)?.replace(/\.tmp-.*$/, '.tmp') ?? '?'}`)
      return (fs.writeSync as (fd: number, ...a: never[]) => number)(fd, ...rest)
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync ${fds.get(fd)?.replace(/\.tmp-.*$/, '.tmp') ?? '?'}`)
      fs.fsyncSync(fd)
    },
    closeSync: (fd: number) => {
      calls.push(`close ${fds.get(fd)?.replace(/\.tmp-.*$/, '.tmp') ?? '?'}`)
      fs.closeSync(fd)
    },
    renameSync: (a: string, b: string) => {
      calls.push(`rename ${a.replace(/\.tmp-.*$/, '.tmp')} -> ${b}`)
      fs.renameSync(a, b)
    },
  }
})

const { writeFileAtomic } = await import('../src/json.js')

describe('writeFileAtomic is durable', () => {
  it('fsyncs the temp file before the rename, and the directory after it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cotangent-durable-'))
    const path = join(dir, 'out.json')
    calls.length = 0
    writeFileAtomic(path, '{"ok": true}\n')
    expect(calls).toEqual([
      `open ${path}.tmp wx`,
      `write ${path}.tmp`,
      `fsync ${path}.tmp`,
      `close ${path}.tmp`,
      `rename ${path}.tmp -> ${path}`,
      `open ${dir} r`,
      `fsync ${dir}`,
      `close ${dir}`,
    ])
    expect(readFileSync(path, 'utf8')).toBe('{"ok": true}\n')
    expect(readdirSync(dir)).toEqual(['out.json'])
  })
})
