/**
 * A JavaScript system in its own process (see ./child.ts): reads requests from stdin, one per line, and answers on
 * stdout. Started by the harness as `node --import tsx --conditions=source bench/src/worker.ts`.
 */
import { createInterface } from 'node:readline'
import { MARK, type Reply, type Request } from './child.js'
import { setupInProcess } from './systems/registry.js'
import type { Runner } from './systems/types.js'
import { readData } from './workloads.js'

const reply = (r: Reply): void => {
  process.stdout.write(`${MARK}${JSON.stringify(r)}\n`)
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

let runner: Runner | null = null

const handle = async (req: Request): Promise<Reply> => {
  switch (req.op) {
    case 'setup':
      runner = await setupInProcess(req.system, readData(req.data), req.dtype, req.seed)
      return { ok: true }
    case 'run':
      if (runner === null) return { ok: false, error: 'run before setup' }
      return { ok: true, sample: await runner.run() }
    case 'sample': {
      if (runner?.output === undefined) return { ok: false, error: 'this workload has no output to sample' }
      const out = await runner.output()
      return { ok: true, values: req.indices.map((i) => out[i]!) }
    }
    case 'exit':
      return { ok: true, maxRssKb: process.resourceUsage().maxRSS }
  }
}

const lines = createInterface({ input: process.stdin })
// one request at a time, in order
let queue = Promise.resolve()
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const req = JSON.parse(line) as Request
    try {
      reply(await handle(req))
    } catch (e) {
      reply({ ok: false, error: message(e) })
    }
    if (req.op === 'exit') process.exit(0)
  })
})
// the parent went away (its end of stdin closed): finish what is queued, then leave
lines.on('close', () => {
  void queue.then(() => process.exit(0))
})
