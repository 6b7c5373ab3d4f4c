import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeIdx, formatDataError, loadFashionMnist, loadIdxImages, readIdx } from '../src/index.js'
import { SHARED_DATA, leftOf, rightOf, tempDir, tempFile } from './helpers.js'

/** An IDX file built by hand: magic 0x0000TTDD, big-endian sizes, then the payload bytes. */
const idxBytes = (type: number, shape: readonly number[], payload: readonly number[]): Uint8Array => {
  const head = [
    0,
    0,
    type,
    shape.length,
    ...shape.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]),
  ]
  return Uint8Array.from([...head, ...payload])
}

describe('decodeIdx', () => {
  it('reads a uint8 [2, 2, 3] file row-major', () => {
    const r = rightOf(
      decodeIdx('a.idx', idxBytes(0x08, [2, 2, 3], [...Array(12).keys()]), { type: 'uint8', ndim: 3 }),
    )
    expect(r.shape).toEqual([2, 2, 3])
    expect(Array.from(r.data)).toEqual([...Array(12).keys()])
  })
  it('converts big-endian int32 and float32 to native values', () => {
    const i = rightOf(
      decodeIdx('i.idx', idxBytes(0x0c, [2], [0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]), { type: 'int32' }),
    )
    expect(Array.from(i.data)).toEqual([-2, 256])
    // 1.5 = 0x3fc00000, -2 = 0xc0000000
    const f = rightOf(
      decodeIdx('f.idx', idxBytes(0x0d, [2], [0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0]), { type: 'float32' }),
    )
    expect(Array.from(f.data)).toEqual([1.5, -2])
  })
  it('rejects a bad magic number', () => {
    const bytes = idxBytes(0x08, [2], [1, 2])
    bytes[0] = 0x12
    const e = leftOf(decodeIdx('x.idx', bytes, { type: 'uint8' }))
    expect(e.message).toMatch(/^bad IDX magic number 0x12000801/)
    const unknownType = leftOf(decodeIdx('x.idx', idxBytes(0x07, [2], [1, 2]), { type: 'uint8' }))
    expect(unknownType.message).toMatch(/bad IDX magic number 0x00000701/)
  })
  it('rejects the wrong element type or number of dimensions', () => {
    expect(leftOf(decodeIdx('l.idx', idxBytes(0x08, [2], [1, 2]), { type: 'uint8', ndim: 3 })).message).toBe(
      'IDX file has 1 dimensions (magic 0x00000801), expected 3',
    )
    expect(leftOf(decodeIdx('l.idx', idxBytes(0x0c, [0], []), { type: 'uint8' })).message).toMatch(
      /element type is int32/,
    )
  })
  it('rejects a truncated or over-long file, naming the sizes', () => {
    const full = idxBytes(0x08, [3, 2, 2], Array(12).fill(7))
    expect(leftOf(decodeIdx('t.idx', full.subarray(0, 20), { type: 'uint8' })).message).toBe(
      'truncated IDX file: shape [3, 2, 2] of uint8 needs 28 bytes, got 20',
    )
    expect(leftOf(decodeIdx('t.idx', full.subarray(0, 10), { type: 'uint8' })).message).toMatch(
      /truncated IDX header/,
    )
    expect(leftOf(decodeIdx('t.idx', full.subarray(0, 3), { type: 'uint8' })).message).toMatch(
      /not even a magic number/,
    )
    expect(leftOf(decodeIdx('t.idx', Uint8Array.from([...full, 0]), { type: 'uint8' })).message).toMatch(
      /^over-long/,
    )
  })
})

describe('readIdx', () => {
  it('reads gzip and plain files alike', async () => {
    const bytes = idxBytes(0x08, [4], [9, 8, 7, 6])
    for (const f of [tempFile('a.idx', bytes), tempFile('a.idx.gz', gzipSync(bytes))]) {
      expect(Array.from(rightOf(await readIdx(f, { type: 'uint8' })).data)).toEqual([9, 8, 7, 6])
    }
  })
  it('reports a missing file, an empty file, a truncated gzip stream', async () => {
    expect(leftOf(await readIdx('/nonexistent/x.gz', { type: 'uint8' })).message).toBe('file not found')
    expect(leftOf(await readIdx(tempFile('e.gz', ''), { type: 'uint8' })).message).toBe('file is empty')
    const gz = gzipSync(idxBytes(0x08, [1000], Array(1000).fill(3)))
    const f = tempFile('cut.gz', gz.subarray(0, gz.length - 12))
    const e = leftOf(await readIdx(f, { type: 'uint8' }))
    expect(e.file).toBe(f)
    expect(e.message).toMatch(/^broken gzip data/)
  })
  it('matches images and labels', async () => {
    const images = tempFile('i.gz', gzipSync(idxBytes(0x08, [2, 1, 2], [0, 255, 128, 1])))
    const labels2 = tempFile('l.gz', gzipSync(idxBytes(0x08, [2], [3, 1])))
    const labels3 = tempFile('l3.gz', gzipSync(idxBytes(0x08, [3], [3, 1, 0])))
    const big = tempFile('lb.gz', gzipSync(idxBytes(0x08, [2], [3, 10])))
    expect(rightOf(await loadIdxImages(images, labels2, 10))).toMatchObject({ count: 2, height: 1, width: 2 })
    expect(leftOf(await loadIdxImages(images, labels3, 10)).message).toMatch(/3 labels for the 2 images/)
    expect(leftOf(await loadIdxImages(images, big, 10)).message).toBe('label 10 of example 1 is not below 10')
  })
})

describe('Fashion-MNIST (the shared copy)', () => {
  it('has 60000/10000 images of 28×28 with 6000/1000 per class and the recorded mean pixel', async () => {
    const f = rightOf(await loadFashionMnist(SHARED_DATA))
    expect(f.train).toMatchObject({ count: 60000, height: 28, width: 28 })
    expect(f.test).toMatchObject({ count: 10000, height: 28, width: 28 })
    expect(f.train.images.length).toBe(60000 * 784)
    const perClass = (labels: Uint8Array): number[] =>
      Array.from({ length: 10 }, (_, c) => labels.reduce((n, l) => n + (l === c ? 1 : 0), 0))
    expect(perClass(f.train.labels)).toEqual(Array(10).fill(6000))
    expect(perClass(f.test.labels)).toEqual(Array(10).fill(1000))
    const mean = f.train.images.reduce((s, p) => s + p, 0) / f.train.images.length
    expect(mean).toBeCloseTo(72.94, 1) // PROVENANCE.md: mean train pixel 72.94
    expect(f.classes[9]).toBe('Ankle boot')
  }, 60_000)
  it('says where it looked and how to get it when missing', async () => {
    const dir = tempDir()
    const e = leftOf(await loadFashionMnist(dir))
    expect(e.file).toBe(join(dir, 'fashion-mnist', 'train-images-idx3-ubyte.gz'))
    expect(formatDataError(e)).toContain(`looked in ${join(dir, 'fashion-mnist')}`)
    expect(e.hint).toContain('npm run fetch -- fashion-mnist')
  })
})
