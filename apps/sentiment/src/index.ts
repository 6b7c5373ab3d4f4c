/** @cotangent/app-sentiment — the sentiment app's commands and its pipeline as functions. */
export * from './app.js'
export * from './data.js'
export * from './predict.js'
export * from './sentiment.js'
