/**
 * `npm run bench` — Cotangent against TF.js (cpu, wasm), jax-js (jit, wasm), a plain TypeScript loop and, when
 * /usr/bin/python3 can import them, PyTorch and NumPy, on workloads W1–W6. `--help` lists the flags.
 */
import { join, relative } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { writeJsonAtomic } from '@cotangent/train'
import { decodeFlags, HELP } from './flags.js'
import { BenchCheckError, ROOT, runHarness } from './harness.js'
import { loadavg, tmpdir } from 'node:os'

const decoded = decodeFlags(process.argv.slice(2))
if (E.isLeft(decoded)) {
  if (decoded.left === 'help') {
    process.stdout.write(`${HELP}\n`)
    process.exit(0)
  }
  process.stderr.write(`bench: ${decoded.left}\n(see npm run bench -- --help)\n`)
  process.exit(2)
}
const f = decoded.right
const log = (l: string): void => {
  process.stdout.write(`${l}\n`)
}
if (f.stepsOverride !== null)
  log(`NOTE: --steps ${String(f.stepsOverride)} replaces the training workloads' step counts`)
try {
  const rows = await runHarness({ ...f.harness, log })
  // the smoke run leaves nothing in the tree
  const out =
    f.out ?? (f.quick ? join(tmpdir(), 'cotangent-bench-quick.json') : join(ROOT, 'bench', 'results.json'))
  writeJsonAtomic(out, {
    date: new Date().toISOString(),
    loadavg: loadavg(),
    quick: f.quick,
    argv: process.argv.slice(2),
    rows,
  })
  log(`results: ${relative(process.cwd(), out) || out}`)
} catch (e) {
  if (e instanceof BenchCheckError) {
    process.stderr.write(`bench: CHECK FAILED: ${e.message}\n`)
    process.exit(1)
  }
  throw e
}
// children and wasm runtimes may keep handles open
process.exit(0)
