/**
 * A tiny expression language over named scalars, for `--expr`: numbers, variables, `+ − * / ^` (also `·`, `×`,
 * `÷`, `**`), unary minus, parentheses and the functions ln (= log), exp, sin, cos, tanh, sigmoid, sqrt, with the
 * constants `e` and `pi`. Precedence from low to high: `+ −`, `* /`, unary minus, `^` (right-associative, so
 * `2^3^2 = 2^9` and `-x^2 = -(x^2)`; an exponent may carry its own sign, `2^-1`).
 *
 * Parsing returns an `Either`: the tree, or an error with the 1-based column of the offending character, which
 * {@link formatExprError} shows under the expression with a caret.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import * as T from '@cotangent/tensor'
import * as AD from '@cotangent/autodiff'
import type { Value } from '@cotangent/autodiff'

/** The functions the language knows, and the library op each one calls. */
export const FUNCTIONS = {
  ln: AD.log,
  log: AD.log,
  exp: AD.exp,
  sin: AD.sin,
  cos: AD.cos,
  tanh: AD.tanh,
  sigmoid: AD.sigmoid,
  sqrt: AD.sqrt,
} as const satisfies Readonly<Record<string, (x: Value) => Value>>

/** A function name of the language. */
export type FunctionName = keyof typeof FUNCTIONS

/** The named constants. */
export const CONSTANTS: Readonly<Record<string, number>> = { e: Math.E, pi: Math.PI }

/** A binary operator. */
export type BinaryOp = '+' | '-' | '*' | '/' | '^'

/** A parsed expression. `pos` is the 0-based index of the node's first character in the source. */
export type Expr =
  | { readonly kind: 'num'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: 'var'; readonly name: string; readonly pos: number }
  | { readonly kind: 'neg'; readonly arg: Expr; readonly pos: number }
  | {
      readonly kind: 'bin'
      readonly op: BinaryOp
      readonly left: Expr
      readonly right: Expr
      readonly pos: number
    }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly arg: Expr; readonly pos: number }

/** A parse error: what is wrong, at which 1-based column. */
export interface ExprError {
  readonly message: string
  readonly column: number
}

type Token =
  | { readonly kind: 'num'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: 'ident'; readonly name: string; readonly pos: number }
  | { readonly kind: 'op'; readonly op: BinaryOp | '(' | ')'; readonly pos: number; readonly text: string }
  | { readonly kind: 'end'; readonly pos: number }

const OPERATORS: Readonly<Record<string, BinaryOp | '(' | ')'>> = {
  '+': '+',
  '-': '-',
  '\u2212': '-',
  '*': '*',
  '\u00b7': '*',
  '\u00d7': '*',
  '/': '/',
  '\u00f7': '/',
  '^': '^',
  '(': '(',
  ')': ')',
}

const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/

class ParseFailure extends Error {
  constructor(readonly error: ExprError) {
    super(error.message)
  }
}

const fail = (message: string, pos: number): never => {
  throw new ParseFailure({ message, column: pos + 1 })
}

const tokenize = (src: string): Token[] => {
  const tokens: Token[] = []
  let i = 0
  while (i < src.length) {
    const ch = src[i]!
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const rest = src.slice(i)
    const num = NUMBER.exec(rest)
    if (num !== null) {
      tokens.push({ kind: 'num', value: Number(num[0]), text: num[0], pos: i })
      i += num[0].length
      continue
    }
    const id = IDENT.exec(rest)
    if (id !== null) {
      tokens.push({ kind: 'ident', name: id[0], pos: i })
      i += id[0].length
      continue
    }
    if (rest.startsWith('**')) {
      tokens.push({ kind: 'op', op: '^', pos: i, text: '**' })
      i += 2
      continue
    }
    const op = OPERATORS[ch]
    if (op === undefined) fail(`unexpected character '${ch}'`, i)
    tokens.push({ kind: 'op', op: op!, pos: i, text: ch })
    i++
  }
  tokens.push({ kind: 'end', pos: src.length })
  return tokens
}

const describe = (t: Token): string =>
  t.kind === 'end'
    ? 'the end of the expression'
    : t.kind === 'num'
      ? `the number ${t.text}`
      : t.kind === 'ident'
        ? `'${t.name}'`
        : `'${t.text}'`

const FUNCTION_LIST = Object.keys(FUNCTIONS).join(', ')

/** Parses an expression; the error names the problem and its column. */
export const parseExpr = (src: string): E.Either<ExprError, Expr> => {
  try {
    const tokens = tokenize(src)
    let k = 0
    const peek = (): Token => tokens[k]!
    const isOp = (t: Token, ...ops: readonly string[]): boolean => t.kind === 'op' && ops.includes(t.op)

    const expr = (): Expr => {
      let left = term()
      while (isOp(peek(), '+', '-')) {
        const t = tokens[k++] as Extract<Token, { kind: 'op' }>
        left = { kind: 'bin', op: t.op as BinaryOp, left, right: term(), pos: left.pos }
      }
      return left
    }
    const term = (): Expr => {
      let left = unary()
      while (isOp(peek(), '*', '/')) {
        const t = tokens[k++] as Extract<Token, { kind: 'op' }>
        left = { kind: 'bin', op: t.op as BinaryOp, left, right: unary(), pos: left.pos }
      }
      return left
    }
    const unary = (): Expr => {
      const t = peek()
      if (isOp(t, '-')) {
        k++
        return { kind: 'neg', arg: unary(), pos: t.pos }
      }
      if (isOp(t, '+')) {
        k++
        return unary()
      }
      return power()
    }
    const power = (): Expr => {
      const base = primary()
      if (isOp(peek(), '^')) {
        k++
        return { kind: 'bin', op: '^', left: base, right: unary(), pos: base.pos }
      }
      return base
    }
    const primary = (): Expr => {
      const t = tokens[k++]!
      if (t.kind === 'num') return { kind: 'num', value: t.value, text: t.text, pos: t.pos }
      if (t.kind === 'ident') {
        if (Object.hasOwn(FUNCTIONS, t.name)) {
          if (!isOp(peek(), '('))
            fail(`'${t.name}' is a function: write ${t.name}(…) with parentheses`, peek().pos)
          const open = tokens[k++]!
          const arg = expr()
          if (!isOp(peek(), ')'))
            fail(
              `expected ')' to close the '(' at column ${open.pos + 1}, found ${describe(peek())}`,
              peek().pos,
            )
          k++
          return { kind: 'call', fn: t.name as FunctionName, arg, pos: t.pos }
        }
        if (isOp(peek(), '(')) fail(`unknown function '${t.name}' (functions: ${FUNCTION_LIST})`, t.pos)
        return { kind: 'var', name: t.name, pos: t.pos }
      }
      if (isOp(t, '(')) {
        const inner = expr()
        if (!isOp(peek(), ')'))
          fail(`expected ')' to close the '(' at column ${t.pos + 1}, found ${describe(peek())}`, peek().pos)
        k++
        return inner
      }
      return fail(`expected a number, a variable, a function or '(', found ${describe(t)}`, t.pos)
    }

    if (peek().kind === 'end') fail('the expression is empty', 0)
    const tree = expr()
    const next = peek()
    if (next.kind !== 'end')
      fail(
        `unexpected ${describe(next)} after a complete expression${next.kind === 'op' ? '' : ' (missing operator?)'}`,
        next.pos,
      )
    return E.right(tree)
  } catch (err) {
    if (err instanceof ParseFailure) return E.left(err.error)
    throw err
  }
}

/** The error with the expression and a caret under the offending character (multi-line). */
export const formatExprError = (src: string, e: ExprError): string =>
  `${e.message} at column ${String(e.column)}:\n    ${src}\n    ${' '.repeat(Math.max(0, e.column - 1))}^`

/** The variables of an expression, in order of first appearance (constants excluded). */
export const exprVariables = (e: Expr): string[] => {
  const go = (x: Expr): string[] => {
    switch (x.kind) {
      case 'num':
        return []
      case 'var':
        return Object.hasOwn(CONSTANTS, x.name) ? [] : [x.name]
      case 'neg':
      case 'call':
        return go(x.arg)
      case 'bin':
        return [...go(x.left), ...go(x.right)]
    }
  }
  return [...new Set(go(e))]
}

/** A value or a plain number (numbers stay numbers until they meet a value). */
type Num = Value | number

const binary: Readonly<Record<BinaryOp, (a: Num, b: Num) => Num>> = {
  '+': (a, b) => AD.add(a, b),
  '-': (a, b) => AD.sub(a, b),
  '*': (a, b) => AD.mul(a, b),
  '/': (a, b) => AD.div(a, b),
  '^': (a, b) => AD.pow(a, b),
}

/**
 * Evaluates an expression with the library's ops, the variables bound to values (tensors or traced values): so it
 * can be differentiated and staged like any function. Numbers stay literals.
 */
export const evalExpr = (e: Expr, env: Readonly<Record<string, Value>>): Num => {
  switch (e.kind) {
    case 'num':
      return e.value
    case 'var': {
      const v = env[e.name]
      if (v !== undefined) return v
      const c = CONSTANTS[e.name]
      if (c !== undefined) return c
      throw new RangeError(`evalExpr: no value for the variable '${e.name}'`)
    }
    case 'neg': {
      const a = evalExpr(e.arg, env)
      return typeof a === 'number' ? -a : AD.neg(a)
    }
    case 'bin':
      return binary[e.op](evalExpr(e.left, env), evalExpr(e.right, env))
    case 'call': {
      const a = evalExpr(e.arg, env)
      return FUNCTIONS[e.fn](typeof a === 'number' ? T.scalar(a) : a)
    }
  }
}

const PREC: Readonly<Record<BinaryOp, number>> = { '+': 1, '-': 1, '*': 2, '/': 2, '^': 4 }

/** Prints an expression with the parentheses its structure needs (for headings: `ln(x) + exp(y)·z`). */
export const showExpr = (e: Expr): string => {
  const go = (x: Expr, outer: number): string => {
    switch (x.kind) {
      case 'num':
        return x.text
      case 'var':
        return x.name
      case 'call':
        return `${x.fn}(${go(x.arg, 0)})`
      case 'neg': {
        const s = `−${go(x.arg, 3)}`
        return outer > 3 ? `(${s})` : s
      }
      case 'bin': {
        const p = PREC[x.op]
        // left-associative + − * /: the right operand needs parentheses at equal precedence; ^ is the other way
        const l = go(x.left, x.op === '^' ? p + 1 : p)
        const r = go(x.right, x.op === '^' ? 3 : p + 1)
        const sym = x.op === '*' ? '·' : x.op === '-' ? '−' : x.op
        const s = x.op === '^' ? `${l}^${r}` : `${l} ${sym} ${r}`
        return p < outer ? `(${s})` : s
      }
    }
  }
  return go(e, 0)
}
