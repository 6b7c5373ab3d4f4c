/**
 * `@cotangent/data`: data sets, loaders, text processing and batching for Cotangent. Loaders return
 * `Either<DataError, …>`; see the README for the tour.
 * @module
 */
export { dataError, formatDataError, type DataError } from './errors.js'
export { FiniteNumberFromString, labelIndex } from './codecs.js'
export { writeFileAtomic } from './files.js'
export { loadIris, IRIS_FILE, IRIS_FEATURES, IRIS_CLASSES, type Iris } from './iris.js'
export { stratifiedSplit, splitCounts, splitCorpus, type Splits, type SplitOptions } from './split.js'
export {
  DATASETS,
  IRIS,
  POLARITY,
  FASHION_MNIST,
  findDataset,
  reviewCsvDataset,
  type ReviewCsvDatasetOptions,
  type LocalData,
  type DatasetDef,
  type DatasetFormat,
  type StoredFile,
  type FilesDownload,
  type TarGzDownload,
  type ArchiveMember,
  type VendoredData,
} from './datasets.js'
export { DATA_ENV, defaultCacheDir, resolveDataDir, locateDataset, fetchHint } from './datadir.js'
export {
  URL_ENV,
  fetchDataset,
  download,
  sha256File,
  verifyDataset,
  type FetchOptions,
  type FetchResult,
} from './fetch.js'
export { decodeWindows1252, decodeText } from './encoding.js'
export { tokenize, fnv1a, bigramHash, FNV_OFFSET } from './text.js'
export { corpusBuilder, SPLIT_CODES, type TextCorpus, type CorpusBuilder } from './corpus.js'
export {
  loadTwoFileCorpus,
  loadPolarity,
  loadReviewCsv,
  loadTextDataset,
  parseLabelMapping,
  type ClassFile,
  type ReviewCsvOptions,
} from './reviews.js'
export {
  UNK,
  buildVocab,
  encodeTokens,
  encodeText,
  encodeCorpus,
  embeddingRows,
  VocabJson,
  vocabToJson,
  vocabFromJson,
  type PrepareOptions,
  type PreparedText,
  type Vocab,
  type VocabOptions,
  type EncodeOptions,
  type EncodedCorpus,
} from './vocab.js'
export { prepareText } from './prepare.js'
export {
  batchRows,
  textBatch,
  textBatches,
  imageBatch,
  imageBatches,
  type BatchOptions,
  type TextBatch,
  type ImageSet,
  type ImageBatch,
} from './batching.js'
export {
  IDX_TYPES,
  decodeIdx,
  readIdx,
  isGzip,
  type Idx,
  type IdxType,
  type IdxArrays,
  type IdxExpect,
} from './idx.js'
export { loadFashionMnist, loadIdxImages, type FashionMnist } from './fashion.js'
