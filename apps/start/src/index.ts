/** @cotangent/app-start — `npm start`: every app in-process, one summary table, `runs/index.md`. */
export * from './start.js'
