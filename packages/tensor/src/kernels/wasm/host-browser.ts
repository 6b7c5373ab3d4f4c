/**
 * The thread host wherever the `node` condition does not apply (browsers): none, so large products run on the
 * calling thread. (Web workers could host helpers on cross-origin-isolated pages; not done yet.)
 * @module
 */
import type { ThreadHost } from './host.js'

/** No helper threads here. */
export const host: ThreadHost | undefined = undefined
