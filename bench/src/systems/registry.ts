/** Which system runs which workloads in which dtypes, and how each is set up in a JavaScript process. */
import type { Spec } from '../workloads.js'
import { setupApp } from './apps.js'
import { setupCotangent, setupCotangentJit } from './cotangent.js'
import { setupPlain } from './plain.js'
import type { FloatDType, Runner, SystemId } from './types.js'
import type { DataFile } from '../workloads.js'

/** The dtypes `system` runs for a workload of kind `kind` (empty: it does not run it). */
export const dtypesFor = (system: SystemId, kind: Spec['kind']): readonly FloatDType[] => {
  // an app runs in its own dtype (the workload's `dtypes` names it)
  if (kind === 'app') return system === 'cotangent' ? ['float64', 'float32'] : []
  switch (system) {
    case 'cotangent':
      return ['float64', 'float32']
    case 'cotangent-jit':
      // training steps and W5 compiled; a jitted single matmul would time the same kernel as the eager one
      return kind === 'matmul' ? [] : ['float64', 'float32']
    case 'tfjs-cpu':
    case 'tfjs-wasm':
      return ['float32']
    case 'jaxjs':
      // jax-js 0.1.25 builds float64 arrays through Float16Array, which Node 20 lacks
      return ['float32']
    case 'torch':
    case 'numpy':
      // float32 for training (what these are used with); both for the matmul
      return kind === 'matmul' ? ['float32', 'float64'] : ['float32']
    case 'plain':
      return kind === 'matmul' ? ['float32', 'float64'] : ['float64']
  }
}

/** Whether a system runs in Python (always in its own process) rather than in a JavaScript process. */
export const isPython = (system: SystemId): boolean => system === 'torch' || system === 'numpy'

/**
 * Sets up a JavaScript system in this process. TF.js and jax-js are imported only when asked for, so a run without
 * them does not pay for loading them.
 */
export const setupInProcess = async (
  system: SystemId,
  data: DataFile,
  dtype: FloatDType,
  seed: number,
): Promise<Runner> => {
  if (data.spec.kind === 'app') return setupApp(data.spec, seed)
  switch (system) {
    case 'cotangent':
      return setupCotangent(data, dtype)
    case 'cotangent-jit':
      return setupCotangentJit(data, dtype)
    case 'plain':
      return setupPlain(data, dtype)
    case 'tfjs-cpu':
    case 'tfjs-wasm': {
      const { setupTfjs } = await import('./tfjs.js')
      return setupTfjs(system === 'tfjs-cpu' ? 'cpu' : 'wasm')(data, dtype)
    }
    case 'jaxjs': {
      const { setupJaxjs } = await import('./jaxjs.js')
      return setupJaxjs(data, dtype)
    }
    case 'torch':
    case 'numpy':
      throw new Error(`bench: ${system} runs in Python, not in this process`)
  }
}
