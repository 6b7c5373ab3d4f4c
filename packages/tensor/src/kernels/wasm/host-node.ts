/**
 * The Node.js thread host (the `node` condition of `#thread-host`): `worker_threads` workers evaluating a script.
 * @module
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { ThreadHost } from './host.js'

/** Node's threads, where the engine has shared memory. */
export const host: ThreadHost | undefined =
  typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined'
    ? undefined
    : {
        cores: availableParallelism(),
        envThreads: process.env.COTANGENT_NUM_THREADS,
        spawn: (body, data) =>
          new Worker(
            `const { workerData: d, parentPort } = require('node:worker_threads')
const ready = () => parentPort.postMessage('ready')
${body}`,
            { eval: true, workerData: data },
          ),
      }
