/**
 * Unstable, package-internal access to tensor storage for the other Cotangent packages (the jit compiler of
 * `@cotangent/autodiff`): not part of the public API, free to change in any release, and not for applications.
 * Whoever uses it keeps the tensor contract by hand: storage read through {@link dataOf} is never written, and an
 * array given to {@link wrap} is fresh and never written again once the tensor exists.
 * @module
 */
export { dataOf, wrap } from './tensor.js'
/** The kernels' balanced-sum source helper: generated code that must sum as the matmul kernel does uses it. */
export { sumTree } from './kernels/sum-tree.js'
/** A large 2-D product written into given storage by the wasm kernel (the jit's matmuls into scratch). */
export { matmulInto } from './kernels/linalg.js'
/** The helper threads of large products: how many, and the chunks helpers ran (tests, benchmarks). */
export { gemmThreadStats, gemmThreadsReady } from './kernels/wasm/gemm.js'
/** The WebAssembly encoder of the kernels: the jit's element-wise SIMD loops are emitted with it. */
export { encodeModule, f32Const, F32, f64Const, F64, I32, op, simd, uleb, V128 } from './kernels/wasm/encoder.js'
export type { FuncDef, ImportedMemory } from './kernels/wasm/encoder.js'
