/**
 * `sentiment predict --model DIR [sentence …]`: loads the checkpoint (`DIR/model.json`) and vocabulary
 * (`DIR/vocab.json`) a `train` run wrote, and prints each sentence's class and probability. Without sentences on
 * the command line it reads one sentence per line from stdin.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeArgv, NonEmptyString, opt, type AppEnv } from '@cotangent/cli'
import { formatDataError, vocabFromJson, type Vocab } from '@cotangent/data'
import { loadCheckpoint, treeMismatches } from '@cotangent/train'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {
  initParams,
  predictTexts,
  type ModelConfig,
  type Prediction,
  type SentimentParams,
} from './sentiment.js'

/** The checkpoint's `config`: what `predict` needs to rebuild the model and encode text as training did. */
export const CheckpointConfig = t.type({
  model: t.intersection([
    t.type({
      numEmbeddings: t.number,
      embedDim: t.number,
      hiddenDims: t.array(t.number),
      activation: t.keyof({
        relu: null,
        tanh: null,
        sigmoid: null,
        gelu: null,
        leakyRelu: null,
        softplus: null,
        identity: null,
      }),
      dropout: t.number,
    }),
    // written since pooling and word dropout were added; older checkpoints are mean pooling, no word dropout
    t.partial({ pooling: t.keyof({ mean: null, sum: null, sqrtn: null }), wordDropout: t.number }),
  ]),
  bigramBuckets: t.number,
  classes: t.array(t.string),
})

/** A trained model ready to classify text. */
export interface Classifier {
  readonly model: ModelConfig
  readonly params: SentimentParams
  readonly vocab: Vocab
  readonly bigramBuckets: number
  readonly classes: readonly string[]
}

/**
 * Loads `dir/model.json` (checked: format, version, config, parameter shapes against the model it describes) and
 * `dir/vocab.json`; a `Left` names the file, the problem and what to do.
 */
export const loadClassifier = (dir: string): E.Either<string, Classifier> => {
  const file = join(dir, 'model.json')
  const hint = `(give --model the run folder of 'sentiment train', which holds model.json and vocab.json)`
  const ck = loadCheckpoint(file, { config: CheckpointConfig })
  if (E.isLeft(ck)) return E.left(`${ck.left.message} ${hint}`)
  const { model, bigramBuckets, classes } = ck.right.config
  const template = initParams(model, 0)
  const bad = treeMismatches(template, ck.right.params, 'params')
  if (bad.length > 0) return E.left(`${file}: ${bad.slice(0, 3).join('; ')} ${hint}`)
  const vocabFile = join(dir, 'vocab.json')
  const text = (() => {
    try {
      return E.right(JSON.parse(readFileSync(vocabFile, 'utf8')) as unknown)
    } catch (err) {
      return E.left(
        `${vocabFile}: cannot read the vocabulary (${err instanceof Error ? err.message : String(err)}) ${hint}`,
      )
    }
  })()
  if (E.isLeft(text)) return text
  const vocab = vocabFromJson(text.right, vocabFile)
  if (E.isLeft(vocab)) return E.left(formatDataError(vocab.left))
  if (vocab.right.size + bigramBuckets !== model.numEmbeddings)
    return E.left(
      `${vocabFile}: ${String(vocab.right.size)} words + ${String(bigramBuckets)} bigram buckets do not match the model's ${String(model.numEmbeddings)} embedding rows ${hint}`,
    )
  return E.right({
    model,
    params: ck.right.params as SentimentParams,
    vocab: vocab.right,
    bigramBuckets,
    classes,
  })
}

/** Classifies `texts` with a loaded model. */
export const classify = (c: Classifier, texts: readonly string[]): Prediction[] =>
  predictTexts(c.model, c.params, c.vocab, c.bigramBuckets, c.classes, texts)

/** One output line: `positive 0.934  a gorgeous , witty film`. */
export const formatPrediction = (p: Prediction): string =>
  `${p.label}\t${p.probability.toFixed(3)}\t${p.text}`

const flags = {
  model: opt(NonEmptyString, '', "the run folder of 'sentiment train' (model.json + vocab.json)"),
}
const VALUE_FLAGS = new Set(['--model', '--seed', '--out'])

/** Splits argv into flags (with the values of value flags) and sentences (every other argument). */
export const splitArgv = (
  argv: readonly string[],
): { readonly flagArgs: readonly string[]; readonly sentences: readonly string[] } => {
  const step = (
    i: number,
    flagArgs: readonly string[],
    sentences: readonly string[],
  ): { readonly flagArgs: readonly string[]; readonly sentences: readonly string[] } => {
    const a = argv[i]
    if (a === undefined) return { flagArgs, sentences }
    if (VALUE_FLAGS.has(a) && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--'))
      return step(i + 2, [...flagArgs, a, argv[i + 1]!], sentences)
    return a.startsWith('-') && a.length > 1
      ? step(i + 1, [...flagArgs, a], sentences)
      : step(i + 1, flagArgs, [...sentences, a])
  }
  return step(0, [], [])
}

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The `predict` command line; resolves to the exit code (0, 1 for an unusable model folder, 2 for bad flags). */
export const predictMain = async (
  argv: readonly string[],
  env: Partial<AppEnv> & {
    readonly stdout: (l: string) => void
    readonly stderr: (l: string) => void
    readonly stdin?: () => Promise<string>
  },
): Promise<number> => {
  const { flagArgs, sentences } = splitArgv(argv)
  const name = 'sentiment predict'
  const decoded = await decodeArgv(
    { name, description: 'Prints the class and probability of each sentence (arguments, or stdin lines).' },
    flags,
    flagArgs,
  )
  if (E.isLeft(decoded)) {
    if (decoded.left._tag === 'help') {
      env.stdout(decoded.left.text)
      return 0
    }
    env.stderr(decoded.left.message)
    return 2
  }
  const dir = decoded.right.model as string
  if (dir === '') {
    env.stderr(`${name}: --model is required: the run folder of 'sentiment train' (see --help)`)
    return 2
  }
  const loaded = loadClassifier(dir)
  if (E.isLeft(loaded)) {
    env.stderr(`${name}: ${loaded.left}`)
    return 1
  }
  const texts =
    sentences.length > 0
      ? sentences
      : (await (env.stdin ?? readStdin)())
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '')
  classify(loaded.right, texts).forEach((p) => {
    env.stdout(formatPrediction(p))
  })
  return 0
}
