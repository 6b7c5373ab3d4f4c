import * as T from '@cotangent/tensor'
import { describe, expect, it } from 'vitest'
import { compareSetting, SETTINGS, shapeTable } from '../src/twolayer.js'

describe('table of intermediate shapes', () => {
  it.each([
    { batch: 10, inDim: 2, hidden: 20, outDim: 5 },
    { batch: 3, inDim: 7, hidden: 4, outDim: 1 },
  ])('for B=$batch, in=$inDim, hidden=$hidden, out=$outDim every shape is the closed form', (sizes) => {
    const { batch: B, inDim: I, hidden: H, outDim: O } = sizes
    const expected: Record<string, number[]> = {
      x: [B, I],
      W1: [I, H],
      b1: [H],
      z1: [B, H],
      z2: [B, H],
      W2: [H, O],
      b2: [O],
      z3: [B, O],
      ŷ: [B, O],
      J: [],
      'dJ/dŷ': [B, O],
      'dJ/dz3': [B, O],
      'dJ/dW2': [H, O],
      'dJ/db2': [O],
      'dJ/dz2': [B, H],
      'dJ/dz1': [B, H],
      'dJ/dW1': [I, H],
      'dJ/db1': [H],
    }
    for (const s of SETTINGS) {
      const rows = shapeTable(compareSetting(s, sizes, T.key(1)))
      expect(Object.fromEntries(rows.map((r) => [r.name, [...r.shape]]))).toEqual(expected)
      expect(rows.find((r) => r.name === 'z2')!.meaning).toContain(s.f)
      expect(rows.find((r) => r.name === 'ŷ')!.meaning).toContain(s.g)
    }
  })
})
