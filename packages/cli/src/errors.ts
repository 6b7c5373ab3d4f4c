/**
 * Typed errors of the app plumbing.
 * @module
 */

/** A configuration value (a flag or a `runApp` field) that its codec rejects; `message` is the one-line text. */
export class FlagError extends Error {
  override readonly name = 'FlagError'
  /** The process exit code for this error (2, as for a usage error). */
  readonly exitCode = 2
}
