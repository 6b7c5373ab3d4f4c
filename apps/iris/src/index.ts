/** @cotangent/app-iris — the Iris app (`app`) and its training pipeline as functions. */
export { app } from './app.js'
export * from './iris.js'
