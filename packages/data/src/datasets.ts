/**
 * The known data sets as plain data: where their files live in a data directory, their checksums, where they are
 * downloaded from and how they are read. `npm run fetch -- <name>` and the `load*` functions read these.
 * @module
 */

/** A file as stored in the data directory, with the sha256 of its bytes there. */
export interface StoredFile {
  /** Path relative to the data set's directory. */
  readonly name: string
  readonly sha256: string
}

/** Files downloaded one by one from `baseUrl` + name and stored as they are (Fashion-MNIST's .gz files). */
export interface FilesDownload {
  readonly kind: 'files'
  readonly baseUrl: string
  /** Remote names (appended to the base URL); each is stored under the same name and checked against `files`. */
  readonly files: readonly string[]
}

/** One member of a tar.gz archive, extracted, checked, re-encoded to UTF-8 and stored under `to`. */
export interface ArchiveMember {
  /** Path inside the archive. */
  readonly path: string
  /** sha256 of the member's original bytes (before re-encoding). */
  readonly sha256: string
  /** The member's text encoding (a WHATWG label for `TextDecoder`); it is converted to UTF-8. */
  readonly encoding: string
  /** Name in the data set's directory (the stored file, whose sha256 is in `files`). */
  readonly to: string
}

/** A tar.gz archive holding text files to convert (the polarity corpus). */
export interface TarGzDownload {
  readonly kind: 'tar.gz'
  readonly baseUrl: string
  readonly archive: string
  /** sha256 of the archive itself, when known (it is not recorded for rt-polaritydata.tar.gz; members are checked). */
  readonly archiveSha256?: string
  readonly members: readonly ArchiveMember[]
}

/** Shipped inside this package: nothing to download. */
export interface VendoredData {
  readonly kind: 'vendored'
}

/** The user's own file: nothing to download, no recorded checksum. */
export interface LocalData {
  readonly kind: 'local'
}

/** How a data set's files are read. */
export type DatasetFormat =
  | { readonly kind: 'iris-csv'; readonly file: string }
  | {
      readonly kind: 'two-file'
      /** One file per class, one snippet per line; `label` is the class index. */
      readonly classes: readonly { readonly file: string; readonly label: number; readonly name: string }[]
    }
  | {
      readonly kind: 'idx'
      readonly train: { readonly images: string; readonly labels: string }
      readonly test: { readonly images: string; readonly labels: string }
      readonly classes: readonly string[]
    }
  | {
      /** A review CSV read by `loadReviewCsv` (the file is absolute, or relative to the working directory). */
      readonly kind: 'review-csv'
      readonly file: string
      readonly textColumn: string
      readonly labelColumn: string
      readonly splitColumn?: string
      readonly labels: Readonly<Record<string, number>>
    }

/** A data set: identity, provenance, storage, download and format. */
export interface DatasetDef {
  /** The name `npm run fetch -- <name>` takes. */
  readonly name: string
  /** Other accepted names. */
  readonly aliases: readonly string[]
  readonly title: string
  readonly citation: string
  readonly license: string
  /** Directory under the data directory (the layout of `$COTANGENT_DATA`). */
  readonly dir: string
  /** The files of the data set once stored, with their sha256s. */
  readonly files: readonly StoredFile[]
  readonly download: FilesDownload | TarGzDownload | VendoredData | LocalData
  readonly format: DatasetFormat
}

/** Fisher's Iris, vendored in `datasets/iris/` (see {@link loadIris}). */
export const IRIS: DatasetDef = {
  name: 'iris',
  aliases: [],
  title: 'Iris (Fisher, 1936), Fisher/R values',
  citation:
    'R. A. Fisher, "The use of multiple measurements in taxonomic problems", Annals of Eugenics 7(2), 1936',
  license: 'public domain measurements (UCI lists CC BY 4.0)',
  dir: 'iris',
  files: [{ name: 'iris.csv', sha256: '9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355' }],
  download: { kind: 'vendored' },
  format: { kind: 'iris-csv', file: 'iris.csv' },
}

/**
 * Pang & Lee's sentence polarity data set v1.0 (5,331 positive and 5,331 negative Rotten Tomatoes snippets).
 * Cornell's archive holds Windows-1252 text; the fetch checks the sha256 of each extracted original file (the
 * archive's own sha256 is not recorded) and stores UTF-8 `pos.txt` / `neg.txt`, whose sha256s are checked too.
 */
export const POLARITY: DatasetDef = {
  name: 'polarity',
  aliases: ['rt-polarity'],
  title: 'Sentence polarity dataset v1.0 (Pang & Lee, 2005)',
  citation:
    'Bo Pang and Lillian Lee, "Seeing stars: Exploiting class relationships for sentiment categorization", ACL 2005',
  license: 'no explicit license; distributed by the authors for research use',
  dir: 'rt-polarity',
  files: [
    { name: 'pos.txt', sha256: '4134882974a28d0c7b5151256f0e33a6169984ee7372c279e673f1114f475d58' },
    { name: 'neg.txt', sha256: '2d11cfbc790f1cd96d78339f41ce53ced1efa83cd22d37d6788fa3fe3d17e2fd' },
  ],
  download: {
    kind: 'tar.gz',
    baseUrl: 'https://www.cs.cornell.edu/people/pabo/movie-review-data/',
    archive: 'rt-polaritydata.tar.gz',
    members: [
      {
        path: 'rt-polaritydata/rt-polarity.pos',
        sha256: 'd79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4',
        encoding: 'windows-1252',
        to: 'pos.txt',
      },
      {
        path: 'rt-polaritydata/rt-polarity.neg',
        sha256: '4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc',
        encoding: 'windows-1252',
        to: 'neg.txt',
      },
    ],
  },
  format: {
    kind: 'two-file',
    classes: [
      { file: 'neg.txt', label: 0, name: 'negative' },
      { file: 'pos.txt', label: 1, name: 'positive' },
    ],
  },
}

/** Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017): 60,000 + 10,000 grey 28×28 images of 10 kinds of clothing. */
export const FASHION_MNIST: DatasetDef = {
  name: 'fashion-mnist',
  aliases: ['fashion'],
  title: 'Fashion-MNIST (Zalando Research, 2017)',
  citation: 'Han Xiao, Kashif Rasul, Roland Vollgraf, "Fashion-MNIST", arXiv:1708.07747 (2017)',
  license: 'MIT (Zalando SE)',
  dir: 'fashion-mnist',
  files: [
    {
      name: 'train-images-idx3-ubyte.gz',
      sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
    },
    {
      name: 'train-labels-idx1-ubyte.gz',
      sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    },
    {
      name: 't10k-images-idx3-ubyte.gz',
      sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
    },
    {
      name: 't10k-labels-idx1-ubyte.gz',
      sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
    },
  ],
  download: {
    kind: 'files',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ],
  },
  format: {
    kind: 'idx',
    train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
    test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
    classes: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
  },
}

/** Options of {@link reviewCsvDataset}. */
export interface ReviewCsvDatasetOptions {
  /** Name for messages (default: the file name). */
  readonly name?: string
  readonly file: string
  readonly textColumn: string
  readonly labelColumn: string
  readonly splitColumn?: string
  /** Label values to class indices `0…k-1`, e.g. `{ negative: 0, positive: 1 }`. */
  readonly labels: Readonly<Record<string, number>>
}

/**
 * A data set definition for the user's own review CSV (any IMDB-style file: a text column, a label column, an
 * optional split column), so it goes through the same `loadTextDataset` path as the polarity corpus.
 */
export const reviewCsvDataset = (options: ReviewCsvDatasetOptions): DatasetDef => ({
  name: options.name ?? options.file,
  aliases: [],
  title: `review CSV ${options.file}`,
  citation: '',
  license: '',
  dir: '',
  files: [],
  download: { kind: 'local' },
  format: {
    kind: 'review-csv',
    file: options.file,
    textColumn: options.textColumn,
    labelColumn: options.labelColumn,
    ...(options.splitColumn === undefined ? {} : { splitColumn: options.splitColumn }),
    labels: options.labels,
  },
})

/** Every known data set, by name. */
export const DATASETS: readonly DatasetDef[] = [IRIS, POLARITY, FASHION_MNIST]

/** The data set called `name` (or one of its aliases), if any. */
export const findDataset = (name: string): DatasetDef | undefined =>
  DATASETS.find((d) => d.name === name || d.aliases.includes(name))
