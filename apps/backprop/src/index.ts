/**
 * @cotangent/app-backprop — hand-written backpropagation next to autodiff.
 * @packageDocumentation
 */
export * from './net342.js'
export * from './modules.js'
export * from './twolayer.js'
export * from './train342.js'
export * from './report.js'
export { app, baselineMse } from './app.js'
