/**
 * What helper threads need from the platform, chosen by the package's `#thread-host` import: `host-node.ts` under
 * the `node` condition, `host-browser.ts` everywhere else, so that a browser bundle holds no Node-only code.
 * @module
 */

/** A started helper thread. */
export interface HelperThread {
  /** Lets the process exit while the helper runs. */
  readonly unref: () => void
  readonly on: (event: 'error' | 'exit', listener: () => void) => void
  /** The helper's first message: it is ready. */
  readonly once: (event: 'message', listener: () => void) => void
}

/** A platform that can run helper threads over shared memory. */
export interface ThreadHost {
  /** Cores the process may use. */
  readonly cores: number
  /** The `COTANGENT_NUM_THREADS` setting, if any. */
  readonly envThreads: string | undefined
  /**
   * Starts a thread running `body` (a script that reads its data as `d` and calls `ready()` once it is ready to
   * take work) with `data` cloned to it.
   */
  readonly spawn: (body: string, data: unknown) => HelperThread
}
