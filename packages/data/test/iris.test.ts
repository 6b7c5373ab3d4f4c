import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { IRIS_FILE, formatDataError, loadIris } from '../src/index.js'
import { SHARED_DATA, leftOf, rightOf, tempFile } from './helpers.js'

const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species'

describe('loadIris', () => {
  it('reads the vendored copy: 150 rows, 50 per species, the R column means', () => {
    const iris = rightOf(loadIris())
    expect(iris.x.length).toBe(150)
    expect(iris.x.every((r) => r.length === 4)).toBe(true)
    expect([0, 1, 2].map((c) => iris.y.filter((y) => y === c).length)).toEqual([50, 50, 50])
    // Rows 1 and 150 and the Fisher/R corrections of samples 35 and 38 (PROVENANCE.md).
    expect(iris.x[0]).toEqual([5.1, 3.5, 1.4, 0.2])
    expect(iris.x[149]).toEqual([5.9, 3.0, 5.1, 1.8])
    expect(iris.x[34]).toEqual([4.9, 3.1, 1.5, 0.2])
    expect(iris.x[37]).toEqual([4.9, 3.6, 1.4, 0.1])
    expect(iris.y.slice(0, 50).every((y) => y === 0)).toBe(true)
    expect(iris.y.slice(100).every((y) => y === 2)).toBe(true)
    const means = [0, 1, 2, 3].map((j) => iris.x.reduce((s, r) => s + r[j]!, 0) / 150)
    ;[5.843333, 3.057333, 3.758, 1.199333].forEach((m, j) => {
      expect(means[j]).toBeCloseTo(m, 5)
    })
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica'])
  })

  it('the vendored copy is byte-identical to the shared one', () => {
    expect(readFileSync(IRIS_FILE)).toEqual(readFileSync(join(SHARED_DATA, 'iris', 'iris.csv')))
  })

  it('reports a missing file', () => {
    const e = leftOf(loadIris('/nonexistent/iris.csv'))
    expect(e.file).toBe('/nonexistent/iris.csv')
    expect(e.message).toBe('file not found')
    expect(formatDataError(e)).toMatch(/^\/nonexistent\/iris\.csv: file not found \(.+\)$/)
  })

  it('reports an empty file', () => {
    const f = tempFile('iris.csv', '')
    expect(leftOf(loadIris(f)).message).toBe('file is empty')
  })

  it('reports a header-only file', () => {
    const f = tempFile('iris.csv', `${HEADER}\n`)
    expect(leftOf(loadIris(f)).message).toBe('no data rows below the header')
  })

  it('reports a wrong header on line 1', () => {
    const f = tempFile('iris.csv', 'a,b,c,d,e\n1,2,3,4,setosa\n')
    const e = leftOf(loadIris(f))
    expect(e.line).toBe(1)
    expect(e.message).toContain('unexpected header')
  })

  it('reports a non-numeric cell by line and column', () => {
    const f = tempFile('iris.csv', `${HEADER}\n5.1,3.5,1.4,0.2,setosa\n4.9,3.0,x1.4,0.2,setosa\n`)
    const e = leftOf(loadIris(f))
    expect(e).toMatchObject({ file: f, line: 3, column: 'petal_length' })
    expect(formatDataError(e)).toContain(`${f}:3: column petal_length: expected a number, got "x1.4" (`)
  })

  it('reports an empty numeric cell', () => {
    const f = tempFile('iris.csv', `${HEADER}\n5.1,,1.4,0.2,setosa\n`)
    expect(leftOf(loadIris(f))).toMatchObject({ line: 2, column: 'sepal_width' })
  })

  it('reports a wrong number of fields', () => {
    const f = tempFile('iris.csv', `${HEADER}\n5.1,3.5,1.4,0.2,setosa\n5.1,3.5,1.4,setosa\n`)
    const e = leftOf(loadIris(f))
    expect(e.line).toBe(3)
    expect(e.message).toBe('expected 5 fields, got 4')
  })

  it('reports an unknown species', () => {
    const f = tempFile('iris.csv', `${HEADER}\n5.1,3.5,1.4,0.2,setosa\n\n5.1,3.5,1.4,0.2,rose\n`)
    const e = leftOf(loadIris(f))
    expect(e).toMatchObject({ line: 4, column: 'species' })
    expect(e.message).toContain('"rose"')
    expect(e.message).toContain('setosa, versicolor, virginica')
  })

  it('reports unclosed quoting', () => {
    const f = tempFile('iris.csv', `${HEADER}\n5.1,3.5,1.4,0.2,"setosa\n4.9,3.0,1.4,0.2,setosa\n`)
    const e = leftOf(loadIris(f))
    expect(e.message).toContain('malformed CSV')
    expect(e.message).toContain('CSV_QUOTE_NOT_CLOSED')
    expect(e.hint).toContain('RFC 4180')
  })

  it('accepts CRLF line endings and quoted cells', () => {
    const f = tempFile('iris.csv', `${HEADER}\r\n"5.1",3.5,1.4,0.2,setosa\r\n6.3,3.3,6.0,2.5,"virginica"\r\n`)
    expect(rightOf(loadIris(f))).toMatchObject({
      x: [
        [5.1, 3.5, 1.4, 0.2],
        [6.3, 3.3, 6, 2.5],
      ],
      y: [0, 2],
    })
  })
})
