/**
 * @cotangent/app-activations — activation functions and their derivatives by autodiff; vanishing gradients.
 * @packageDocumentation
 */
export * from './curves.js'
export * from './deep.js'
export * from './report.js'
export { app } from './app.js'
