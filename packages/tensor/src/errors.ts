/**
 * Typed errors for programming mistakes inside numeric code. They are thrown (not returned as Either):
 * a shape mismatch is a bug in the caller, not bad input from the outside world.
 * @module
 */

/** Formats a shape the way every message in Cotangent prints it: `[3,4]`, `[]` for a scalar. */
export const showShape = (shape: readonly number[]): string => `[${shape.join(',')}]`

/** Thrown when shapes do not fit an operation; the message names the operation and the shapes involved. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError'
  /** The operation that rejected the shapes, e.g. `matmul`. */
  readonly op: string
  constructor(op: string, message: string) {
    super(`${op}: ${message}`)
    this.op = op
  }
}

/** Thrown when a dtype does not fit an operation (e.g. float indices passed to `take`). */
export class DTypeError extends Error {
  override readonly name = 'DTypeError'
  /** The operation that rejected the dtype. */
  readonly op: string
  constructor(op: string, message: string) {
    super(`${op}: ${message}`)
    this.op = op
  }
}
