/**
 * Kernel throughput, with a naive baseline measured in the same run:
 * - matmul GFLOP/s (float32 and float64) against a naive i-j-k triple loop over plain typed arrays, with the
 *   scalar JS kernel alongside (products run on the WebAssembly SIMD kernel): `fresh` packs both operands every
 *   call (the packed-operand cache emptied before each), `plain`/`fma` force the wasm kernel's variant (fma needs
 *   relaxed SIMD: Node 20 runs it under `node --experimental-wasm-relaxed-simd`);
 * - element-wise and reduction throughput (elements per ns) for the sizes a small MLP uses.
 * Run: npm run bench (repo root) or `npx tsx --conditions=source packages/tensor/bench/kernels.ts`.
 */
import * as T from '../src/index.js'
import {
  clearPackCache,
  gemmVariant,
  relaxedSimdAvailable,
  setGemmVariant,
  setMatmulPath,
} from '../src/kernels/wasm/gemm.js'

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const time = (fn: () => unknown, minMs = 800, minRuns = 5): number => {
  fn()
  const samples: number[] = []
  const start = performance.now()
  while (performance.now() - start < minMs || samples.length < minRuns) {
    const t0 = performance.now()
    fn()
    samples.push(performance.now() - t0)
  }
  return median(samples)
}

const naiveMatmul = (
  a: Float64Array | Float32Array,
  b: Float64Array | Float32Array,
  m: number,
  k: number,
  n: number,
): Float64Array => {
  const c = new Float64Array(m * n)
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!
      c[i * n + j] = s
    }
  return c
}

const keys = T.splitKey(T.key(7), 2) as [T.Key, T.Key]
console.log(
  `matmul (median GFLOP/s; baseline: naive i-j-k loop in the same run; wasm variant ${String(gemmVariant())}, relaxed SIMD ${relaxedSimdAvailable() ? 'available' : 'unavailable'})`,
)
for (const [m, k, n, dtype] of [
  [1024, 1024, 1024, 'float32'],
  [1024, 1024, 1024, 'float64'],
  [256, 256, 256, 'float32'],
  [256, 256, 256, 'float64'],
  [128, 784, 256, 'float64'],
  [128, 784, 256, 'float32'],
  [150, 4, 16, 'float64'],
] as const) {
  const a = T.uniform(keys[0], [m, k], { dtype })
  const b = T.uniform(keys[1], [k, n], { dtype })
  const flops = 2 * m * k * n
  const t = time(() => T.matmul(a, b))
  const ad = T.toArray(a) as Float64Array
  const bd = T.toArray(b) as Float64Array
  const tn = time(() => naiveMatmul(ad, bd, m, k, n), m * k * n > 1e8 ? 1 : 300, m * k * n > 1e8 ? 1 : 5)
  const tt = time(() => T.matmulTransposed(a, b, { transA: false, transB: false }))
  const tf = time(() => {
    clearPackCache()
    T.matmul(a, b)
  })
  setGemmVariant('plain')
  const tp = time(() => T.matmul(a, b))
  setGemmVariant('auto')
  const bt = T.transpose(b)
  const tbt = time(() => T.matmulTransposed(a, bt, { transB: true }))
  // the scalar JS kernel, which small products (and engines without wasm SIMD) use
  setMatmulPath('js')
  const tjs = time(() => T.matmul(a, b))
  setMatmulPath('auto')
  console.log(
    `  [${m},${k}]@[${k},${n}] ${dtype.padEnd(7)}  ${(flops / t / 1e6).toFixed(2).padStart(7)} GFLOP/s` +
      `   fresh ${(flops / tf / 1e6).toFixed(2).padStart(7)}   plain ${(flops / tp / 1e6).toFixed(2).padStart(7)}` +
      `   a@bᵀ ${(flops / tbt / 1e6).toFixed(2).padStart(7)}   js ${(flops / tjs / 1e6).toFixed(2).padStart(6)}   naive ${(flops / tn / 1e6).toFixed(2).padStart(6)}   ratio ×${(tn / t).toFixed(1)}` +
      `   (${tt.toFixed(3)} ms)`,
  )
}

console.log('element-wise and reductions (median ns per element)')
const x = T.normal(keys[0], [128, 256])
const bias = T.normal(keys[1], [256])
const rows = T.normal(keys[1], [128, 1])
for (const [name, fn] of [
  ['add same shape', () => T.add(x, x)],
  ['add bias [128,256]+[256]', () => T.add(x, bias)],
  ['sub column [128,256]-[128,1]', () => T.sub(x, rows)],
  ['mul scalar', () => T.mul(x, 2)],
  ['exp', () => T.exp(x)],
  ['tanh', () => T.tanh(x)],
  ['sigmoid', () => T.sigmoid(x)],
  ['sum axis 0', () => T.sum(x, { axis: 0 })],
  ['sum axis -1', () => T.sum(x, { axis: -1 })],
  ['max axis -1 keepdims', () => T.max(x, { axis: -1, keepdims: true })],
  ['transpose', () => T.transpose(x)],
] as const) {
  const t = time(fn, 300)
  console.log(`  ${name.padEnd(30)} ${((t * 1e6) / x.size).toFixed(2).padStart(7)} ns/elem`)
}
