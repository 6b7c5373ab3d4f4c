/** @cotangent/app-xor — the XOR app (`app`) and its experiments as functions. */
export { app } from './app.js'
export * from './experiments.js'
