import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  DATASETS,
  POLARITY,
  decodeText,
  decodeWindows1252,
  defaultCacheDir,
  findDataset,
  locateDataset,
  resolveDataDir,
} from '../src/index.js'
import { SHARED_DATA, leftOf, rightOf, tempDir } from './helpers.js'

describe('resolveDataDir', () => {
  it('prefers the flag, then COTANGENT_DATA, then the cache', () => {
    expect(resolveDataDir('rel/dir', { COTANGENT_DATA: '/env' })).toBe(resolve('rel/dir'))
    expect(resolveDataDir(undefined, { COTANGENT_DATA: '/env' })).toBe('/env')
    expect(resolveDataDir('', { COTANGENT_DATA: '' })).toBe(join(homedir(), '.cache', 'cotangent'))
    expect(resolveDataDir(undefined, { XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/cotangent')
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'cotangent'))
  })
})

describe('locateDataset', () => {
  it('finds the shared copies', () => {
    expect(rightOf(locateDataset(POLARITY, SHARED_DATA))['pos.txt']).toBe(
      join(SHARED_DATA, 'rt-polarity', 'pos.txt'),
    )
  })
  it('names the directory it looked in and the fetch command', () => {
    const dir = tempDir()
    const e = leftOf(locateDataset(POLARITY, dir))
    expect(e.message).toBe(
      `Sentence polarity dataset v1.0 (Pang & Lee, 2005): pos.txt not found (looked in ${join(dir, 'rt-polarity')})`,
    )
    expect(e.hint).toContain(`npm run fetch -- polarity --data-dir ${dir}`)
  })
})

describe('dataset definitions', () => {
  it('are found by name and alias, with a sha256 per stored file', () => {
    expect(findDataset('rt-polarity')).toBe(POLARITY)
    expect(findDataset('fashion')?.name).toBe('fashion-mnist')
    expect(findDataset('nope')).toBeUndefined()
    for (const d of DATASETS) for (const f of d.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/)
  })
})

describe('Windows-1252', () => {
  it('decodes 0x80–0x9F by the WHATWG table, the rest as latin-1', () => {
    expect(decodeWindows1252(Uint8Array.of(0x80, 0x85, 0x91, 0x92, 0x96, 0x97, 0x9f, 0x81))).toBe(
      '€…‘’–—Ÿ\u0081',
    )
    expect(decodeWindows1252(Uint8Array.of(0x41, 0xe9, 0xbd, 0xff))).toBe('Aé½ÿ')
    expect(decodeText(Uint8Array.of(0x63, 0x97), 'windows-1252')).toBe('c—')
    expect(() => decodeText(Uint8Array.of(0xff), 'utf-8')).toThrow()
  })
})
