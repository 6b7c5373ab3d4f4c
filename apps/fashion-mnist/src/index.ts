/** @cotangent/app-fashion-mnist — the Fashion-MNIST app (`app`) and its pipeline as functions. */
export { app, confusionSpec } from './app.js'
export * from './fashion.js'
