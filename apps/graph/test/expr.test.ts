import { describe, expect, it } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import {
  evalExpr,
  exprVariables,
  formatExprError,
  parseExpr,
  showExpr,
  type Expr,
  type ExprError,
} from '../src/expr.js'

const parse = (s: string): Expr => {
  const r = parseExpr(s)
  if (E.isLeft(r)) throw new Error(`unexpected parse error: ${r.left.message}`)
  return r.right
}
const error = (s: string): ExprError => {
  const r = parseExpr(s)
  if (E.isRight(r)) throw new Error(`expected '${s}' to be rejected`)
  return r.left
}
/** Evaluates with numbers bound as scalars and reads the number back. */
const value = (s: string, env: Record<string, number> = {}): number => {
  const v = evalExpr(parse(s), Object.fromEntries(Object.entries(env).map(([k, x]) => [k, T.scalar(x)])))
  return typeof v === 'number' ? v : AD.item(v)
}

describe('precedence and associativity (against hand-computed values)', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['48 / 4 / 3', 4],
    ['2 ^ 3 ^ 2', 512],
    ['(2 ^ 3) ^ 2', 64],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['2 * -3', -6],
    ['- -3', 3],
    ['1 - -1', 2],
    ['+4', 4],
    ['2 ** 3', 8],
    ['6 · 7 − 2 × 3 ÷ 3', 40],
    ['1.5e1 + .5', 15.5],
  ])('%s = %d', (src, want) => {
    expect(value(src)).toBeCloseTo(want, 12)
  })

  it('binds tighter than it looks: 2*x^2 is 2·(x²), -x^2 is −(x²), a/b*c is (a/b)·c', () => {
    expect(value('2*x^2', { x: 3 })).toBe(18)
    expect(value('-x^2', { x: 3 })).toBe(-9)
    expect(value('a/b*c', { a: 8, b: 2, c: 3 })).toBe(12)
  })

  it('functions and constants evaluate through the library', () => {
    expect(value('ln(e)')).toBeCloseTo(1, 15)
    expect(value('exp(1)')).toBeCloseTo(Math.E, 15)
    expect(value('sin(pi / 2)')).toBeCloseTo(1, 15)
    expect(value('tanh(x)', { x: 0.5 })).toBeCloseTo(Math.tanh(0.5), 15)
    expect(value('sigmoid(x)', { x: 2 })).toBeCloseTo(1 / (1 + Math.exp(-2)), 15)
    expect(value('ln(x) + exp(y) * z', { x: 1, y: 3, z: 2 })).toBeCloseTo(2 * Math.exp(3), 12)
  })

  it('lists variables in order of first appearance, without constants', () => {
    expect(exprVariables(parse('z * ln(x) + y^e + z - pi'))).toEqual(['z', 'x', 'y'])
  })

  it('prints with the parentheses the structure needs', () => {
    expect(showExpr(parse('ln(x) + exp(y) * z'))).toBe('ln(x) + exp(y) · z')
    expect(showExpr(parse('(a - b) - (c - d)'))).toBe('a − b − (c − d)')
    expect(showExpr(parse('(2^3)^2'))).toBe('(2^3)^2')
    expect(showExpr(parse('2^3^2'))).toBe('2^3^2')
    expect(showExpr(parse('(-x)^2'))).toBe('(−x)^2')
    // printing and re-parsing gives the same tree (up to the printed symbols)
    for (const s of ['a/(b*c)', 'a - (b + c)', '-(a + b) * c', 'x^-y'])
      expect(showExpr(parse(showExpr(parse(s)).replace(/·/g, '*').replace(/−/g, '-')))).toBe(
        showExpr(parse(s)),
      )
  })

  it('a parsed expression is differentiable like any function', () => {
    const e = parse('x^3 * sin(x)')
    const g = AD.grad((x: AD.Value) => evalExpr(e, { x }) as AD.Value)(T.scalar(0.7))
    const x = 0.7
    expect(AD.item(g)).toBeCloseTo(3 * x * x * Math.sin(x) + x ** 3 * Math.cos(x), 12)
  })
})

describe('errors point at the offending character', () => {
  it.each([
    ['ln(x$ + 1)', 5, "unexpected character '$'"],
    ['x + ', 5, 'expected a number, a variable, a function'],
    ['(x + 1', 7, "expected ')' to close the '(' at column 1"],
    ['foo(x)', 1, "unknown function 'foo'"],
    ['ln x', 4, "'ln' is a function: write ln(…)"],
    ['2 x', 3, "unexpected 'x' after a complete expression (missing operator?)"],
    ['x)', 2, "unexpected ')' after a complete expression"],
    ['', 1, 'the expression is empty'],
    ['3 * * 4', 5, "found '*'"],
  ])('%j → column %d', (src, column, message) => {
    const e = error(src)
    expect(e.column).toBe(column)
    expect(e.message).toContain(message)
  })

  it('formats the caret under the character', () => {
    const src = 'ln(x$ + 1)'
    expect(formatExprError(src, error(src))).toBe(
      ["unexpected character '$' at column 5:", '    ln(x$ + 1)', '        ^'].join('\n'),
    )
  })
})
