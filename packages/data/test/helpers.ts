import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import type { DataError } from '../src/index.js'

/** A fresh temporary directory. */
export const tempDir = (prefix = 'cotangent-data-'): string => mkdtempSync(join(tmpdir(), prefix))

/** Writes `contents` to a file `name` in a fresh temporary directory and returns its path. */
export const tempFile = (name: string, contents: string | Uint8Array): string => {
  const file = join(tempDir(), name)
  writeFileSync(file, contents)
  return file
}

/** The Left of an Either, failing the test when it is a Right. */
export const leftOf = <A>(r: E.Either<DataError, A>): DataError => {
  if (E.isRight(r)) expect.fail('expected a Left (an error), got a Right')
  return r.left
}

/** The Right of an Either, failing the test with the formatted error when it is a Left. */
export const rightOf = <A>(r: E.Either<DataError, A>): A => {
  if (E.isLeft(r)) expect.fail(`expected a Right, got ${JSON.stringify(r.left)}`)
  return r.right
}

/** The shared data directory the tests read: `$COTANGENT_DATA` (as CI sets it), else `shared/data` beside the checkout. */
export const SHARED_DATA =
  process.env.COTANGENT_DATA ?? resolve(import.meta.dirname, '../../../../shared/data')
