/**
 * `@cotangent/data`: data sets, loaders, text processing and batching for Cotangent.
 * @module
 */
export { dataError, formatDataError, type DataError } from './errors.js'
export { FiniteNumberFromString, labelIndex } from './codecs.js'
export { writeFileAtomic } from './files.js'
export { loadIris, IRIS_FILE, IRIS_FEATURES, IRIS_CLASSES, type Iris } from './iris.js'
export { stratifiedSplit, splitCounts } from './split.js'
