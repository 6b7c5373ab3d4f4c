/**
 * Fashion-MNIST from a data directory: the four IDX .gz files, checked against each other.
 * @module
 */
import * as E from 'fp-ts/lib/Either.js'
import type { ImageSet } from './batching.js'
import { fetchHint, locateDataset, resolveDataDir } from './datadir.js'
import { FASHION_MNIST } from './datasets.js'
import { dataError, type DataError } from './errors.js'
import { readIdx } from './idx.js'

/** Fashion-MNIST: 60,000 training and 10,000 test images (28×28 uint8) with labels 0–9 and the class names. */
export interface FashionMnist {
  readonly train: ImageSet
  readonly test: ImageSet
  readonly classes: readonly string[]
}

/**
 * Reads an IDX image file (`[n, h, w]` uint8) and its IDX label file (`[n]` uint8, each below `numClasses`) into
 * an {@link ImageSet}; mismatched counts or an out-of-range label are a `Left`.
 */
export const loadIdxImages = async (
  imagesFile: string,
  labelsFile: string,
  numClasses: number,
  hint?: string,
): Promise<E.Either<DataError, ImageSet>> => {
  const images = await readIdx(imagesFile, { type: 'uint8', ndim: 3 }, hint)
  if (E.isLeft(images)) return images
  const labels = await readIdx(labelsFile, { type: 'uint8', ndim: 1 }, hint)
  if (E.isLeft(labels)) return labels
  const [count, height, width] = images.right.shape as [number, number, number]
  if (labels.right.shape[0] !== count)
    return E.left(
      dataError(
        labelsFile,
        `${String(labels.right.shape[0])} labels for the ${String(count)} images of ${imagesFile}`,
        'the image and label files must come from the same release',
      ),
    )
  const bad = labels.right.data.findIndex((l) => l >= numClasses)
  if (bad >= 0)
    return E.left(
      dataError(
        labelsFile,
        `label ${String(labels.right.data[bad])} of example ${String(bad)} is not below ${String(numClasses)}`,
        hint ?? '',
      ),
    )
  return E.right({ images: images.right.data, labels: labels.right.data, count, height, width })
}

/**
 * Fashion-MNIST from `dataDir` (default {@link resolveDataDir}), directory `fashion-mnist/`. A missing file is a
 * `Left` saying where it looked and how to download it.
 */
export const loadFashionMnist = async (dataDir?: string): Promise<E.Either<DataError, FashionMnist>> => {
  const def = FASHION_MNIST
  if (def.format.kind !== 'idx') throw new Error('loadFashionMnist: FASHION_MNIST must be an IDX data set')
  const { train, test, classes } = def.format
  const dir = dataDir ?? resolveDataDir()
  const located = locateDataset(def, dir)
  if (E.isLeft(located)) return located
  const files = located.right
  const hint = `${fetchHint(def, dir)} (with --force to replace a damaged copy)`
  const trainSet = await loadIdxImages(files[train.images]!, files[train.labels]!, classes.length, hint)
  if (E.isLeft(trainSet)) return trainSet
  const testSet = await loadIdxImages(files[test.images]!, files[test.labels]!, classes.length, hint)
  if (E.isLeft(testSet)) return testSet
  return E.right({ train: trainSet.right, test: testSet.right, classes })
}
