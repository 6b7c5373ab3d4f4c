import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  ACTIVATION_NAMES,
  Activation,
  ActivationList,
  commaList,
  enumCodec,
  failureMessage,
  NonNegativeInt,
  PositiveInt,
  PositiveIntList,
  PositiveNumber,
  Seed,
  UnitInterval,
} from '../src/index.js'
import { activationFn } from '@cotangent/layers'

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error('expected Right')
  return r.right
}
const err = (r: E.Either<import('io-ts').Errors, unknown>, fallback = '?'): string => {
  if (E.isRight(r)) throw new Error('expected Left')
  return failureMessage(r.left, fallback)
}

describe('number codecs', () => {
  it('accept decimal and exponent strings and typed numbers', () => {
    expect(ok(PositiveNumber.decode('0.1'))).toBe(0.1)
    expect(ok(PositiveNumber.decode('1e-3'))).toBe(0.001)
    expect(ok(PositiveNumber.decode('.5'))).toBe(0.5)
    expect(ok(PositiveNumber.decode(2))).toBe(2)
    expect(ok(PositiveInt.decode('12'))).toBe(12)
    expect(ok(NonNegativeInt.decode('0'))).toBe(0)
    expect(ok(UnitInterval.decode('0'))).toBe(0)
    expect(ok(Seed.decode('4294967295'))).toBe(4294967295)
  })

  it.each([
    [PositiveNumber, '0'],
    [PositiveNumber, '-1'],
    [PositiveNumber, 'abc'],
    [PositiveNumber, ''],
    [PositiveNumber, '0x10'],
    [PositiveNumber, '1e'],
    [PositiveNumber, ' 1'],
    [PositiveNumber, 'Infinity'],
    [PositiveNumber, Number.NaN],
    [PositiveInt, '0'],
    [PositiveInt, '2.5'],
    [PositiveInt, '1e30'],
    [UnitInterval, '1'],
    [Seed, '-1'],
    [Seed, '4294967296'],
  ] as const)('%s rejects %j with "expected <name>"', (codec, value) => {
    expect(err(codec.decode(value))).toBe(`expected ${codec.name}`)
  })
})

describe('lists and enums', () => {
  it('commaList decodes strings and arrays, trims, and names the bad element', () => {
    expect(ok(PositiveIntList.decode('8, 32'))).toEqual([8, 32])
    expect(ok(PositiveIntList.decode([1, 2]))).toEqual([1, 2])
    expect(err(PositiveIntList.decode('8,x'))).toBe(
      "'x' is not an integer ≥ 1 (expected a comma-separated list, each an integer ≥ 1)",
    )
    expect(err(PositiveIntList.decode('8,'))).toContain('an empty entry is not an integer ≥ 1')
    expect(err(PositiveIntList.decode([]))).toBe('expected a comma-separated list, each an integer ≥ 1')
    expect(err(PositiveIntList.decode(7))).toBe('expected a comma-separated list, each an integer ≥ 1')
  })

  it('enumCodec lists the allowed values', () => {
    const c = enumCodec(['a', 'b'])
    expect(ok(c.decode('a'))).toBe('a')
    expect(err(c.decode('c'))).toBe('expected one of a, b')
    expect(ok(commaList(c).decode('b,a'))).toEqual(['b', 'a'])
  })

  it('every activation name is one @cotangent/layers knows', () => {
    for (const name of ACTIVATION_NAMES) {
      expect(ok(Activation.decode(name))).toBe(name)
      expect(typeof activationFn(name)).toBe('function')
    }
    expect(ok(ActivationList.decode('relu,tanh'))).toEqual(['relu', 'tanh'])
    expect(err(Activation.decode('swish'))).toContain('expected one of relu, tanh, sigmoid')
  })
})
