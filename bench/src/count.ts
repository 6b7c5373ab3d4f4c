/**
 * Counts the typed arrays a system allocates per W3 step, in a process of its own (started by the harness):
 * before any other module loads, the global typed-array constructors are replaced by counting subclasses, so every
 * `new Float64Array(n)`, `Float32Array.from(…)` or `.slice()` anywhere in the process is seen, and so is the global
 * `ArrayBuffer`, so a buffer made to hold several views counts once, with its bytes (the views themselves are not
 * counted: they allocate no storage). Memory inside a WebAssembly instance is not seen.
 *
 * For Cotangent it also counts, through the libraries' instrumentation hooks (no-ops unless installed), the
 * primitive evaluations (`bind` reaching a kernel with no tracer left: `unstable_setPrimitiveObserver` of
 * `@cotangent/autodiff`) and the tensors created (every kernel result, views included, and every tensor made by a
 * creation function: `unstable_setTensorObserver` of `@cotangent/tensor`), the latter being the kernel launches.
 *
 * Usage: `node --import tsx --conditions=source bench/src/count.ts <system> <dtype> <seed>`; prints one JSON line
 * `{ arrays, bytes, primitives, tensors, byPrimitive }` per step, from the difference between a 10-step and a
 * 60-step run (setup and the loss evaluations around the loop cancel out). `byPrimitive` maps each primitive's
 * name to its evaluations per step.
 */

interface Counts {
  arrays: number
  bytes: number
  primitives: number
  tensors: number
  byPrimitive: Record<string, number>
}
const counts: Counts = { arrays: 0, bytes: 0, primitives: 0, tensors: 0, byPrimitive: {} }
const snapshot = (c: Counts): Counts => ({ ...c, byPrimitive: { ...c.byPrimitive } })
const minus = (a: Counts, b: Counts): Counts => ({
  arrays: a.arrays - b.arrays,
  bytes: a.bytes - b.bytes,
  primitives: a.primitives - b.primitives,
  tensors: a.tensors - b.tensors,
  byPrimitive: Object.fromEntries(
    Object.entries(a.byPrimitive).map(([k, v]) => [k, v - (b.byPrimitive[k] ?? 0)]),
  ),
})

type AnyCtor = new (...args: never[]) => ArrayBufferView

const BaseArrayBuffer = ArrayBuffer
const CountingArrayBuffer = class extends BaseArrayBuffer {
  constructor(...args: ConstructorParameters<typeof ArrayBuffer>) {
    super(...args)
    counts.arrays += 1
    counts.bytes += this.byteLength
  }
}
Object.defineProperty(CountingArrayBuffer, 'name', { value: 'ArrayBuffer' })
;(globalThis as { ArrayBuffer: typeof ArrayBuffer }).ArrayBuffer = CountingArrayBuffer

const patch = (name: 'Float64Array' | 'Float32Array' | 'Int32Array' | 'Uint8Array' | 'Uint32Array'): void => {
  const g = globalThis as unknown as Record<string, AnyCtor>
  const Base = g[name]!
  const Counting = class extends (Base as unknown as new (...args: unknown[]) => ArrayBufferView) {
    constructor(...args: unknown[]) {
      super(...args)
      const a0 = args[0]
      if (
        !(a0 instanceof BaseArrayBuffer) &&
        !(typeof SharedArrayBuffer !== 'undefined' && a0 instanceof SharedArrayBuffer)
      ) {
        counts.arrays += 1
        counts.bytes += this.byteLength
      }
    }
  }
  Object.defineProperty(Counting, 'name', { value: name })
  g[name] = Counting
}
for (const n of ['Float64Array', 'Float32Array', 'Int32Array', 'Uint8Array', 'Uint32Array'] as const) patch(n)

const [system, dtype, seedText] = process.argv.slice(2)
if (
  (system !== 'cotangent' && system !== 'cotangent-jit' && system !== 'plain') ||
  (dtype !== 'float32' && dtype !== 'float64')
)
  throw new Error(
    `count.ts: usage: count.ts cotangent|cotangent-jit|plain float32|float64 seed (got ${String(system)} ${String(dtype)})`,
  )

const { unstable_setPrimitiveObserver } = await import('@cotangent/autodiff')
const { unstable_setTensorObserver } = await import('@cotangent/tensor')
unstable_setPrimitiveObserver((prim) => {
  counts.primitives += 1
  counts.byPrimitive[prim.name] = (counts.byPrimitive[prim.name] ?? 0) + 1
})
unstable_setTensorObserver(() => {
  counts.tensors += 1
})
const { fullWorkloads, makeData } = await import('./workloads.js')
const { setupInProcess } = await import('./systems/registry.js')
const w3 = fullWorkloads().find((w) => w.id === 'W3')!
const perRun = async (steps: number): Promise<Counts> => {
  const w = { ...w3, spec: { ...w3.spec, steps } } as typeof w3
  const runner = await setupInProcess(system, makeData(w, Number(seedText ?? '0')), dtype, 0)
  await runner.run() // warm: first-call caches
  const before = snapshot(counts)
  await runner.run()
  return minus(counts, before)
}
const short = await perRun(10)
const long = await perRun(60)
const perStep = minus(long, short)
const per = (n: number): number => n / 50
process.stdout.write(
  `@@bench ${JSON.stringify({
    ok: true,
    arrays: per(perStep.arrays),
    bytes: per(perStep.bytes),
    primitives: per(perStep.primitives),
    tensors: per(perStep.tensors),
    byPrimitive: Object.fromEntries(
      Object.entries(perStep.byPrimitive)
        .filter(([, v]) => v !== 0)
        .map(([k, v]) => [k, per(v)]),
    ),
  })}\n`,
)
process.exit(0)
export {}
