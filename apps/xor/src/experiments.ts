/**
 * The XOR experiments as pure functions over the library: data, a full-batch training loop on the library's
 * `trainStep`, and the four facts the homework proves (one layer ≤ 3/4, hand-set weights, zero/constant init
 * symmetry, Xavier success rates), plus the decision surface of a trained net.
 */
import { sigmoid, toArray, toNested, valueAndGrad, type Value } from '@cotangent/autodiff'
import { init, linear, mlp, relu, serial, type ActivationName, type MlpParams } from '@cotangent/layers'
import { bceWithLogits, mse } from '@cotangent/losses'
import { momentum, sgd, applyUpdates, type GradientTransformation, type Params } from '@cotangent/optim'
import { fold, key, tensor, type Tensor } from '@cotangent/tensor'
import { trainStep, type LossFn, type Model } from '@cotangent/train'

/** The four XOR inputs, `[4, 2]`: (0,0), (0,1), (1,0), (1,1). */
export const XOR_X: Tensor = tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
])
/** XOR of each row of {@link XOR_X}, `[4, 1]`. */
export const XOR_Y: Tensor = tensor([[0], [1], [1], [0]])
/** The targets as numbers. */
export const XOR_TARGETS: readonly number[] = [0, 1, 1, 0]

/** How many of the four points an output gets right: `out > threshold` predicts 1. */
export const correctCount = (out: ArrayLike<number>, threshold: number): number =>
  XOR_TARGETS.reduce((n, t, i) => n + ((out[i]! > threshold ? 1 : 0) === t ? 1 : 0), 0)

/** The outcome of one full-batch training run. */
export interface Run<P> {
  readonly params: P
  /** Loss before each update (index s = after s updates). */
  readonly losses: readonly number[]
  /** Points right before each update. */
  readonly correct: readonly number[]
  /** Updates until all four points were first right (null: never within the budget). */
  readonly stepsToSolve: number | null
}

/**
 * Full-batch training on XOR with the library's `trainStep` for at most `steps` updates; with `stopWhenSolved`, it
 * stops as soon as all four points are right (measured before the update, so `stepsToSolve` updates sufficed).
 */
export const trainXor = <P extends Params, S>(o: {
  readonly model: Model<P>
  readonly params: P
  readonly loss: LossFn
  readonly optimizer: GradientTransformation<S>
  readonly steps: number
  /** Threshold on the model output that predicts 1 (0 for logits, 0.5 for outputs in [0, 1]). */
  readonly threshold: number
  readonly stopWhenSolved?: boolean
}): Run<P> => {
  const step = trainStep(o.model, o.loss, o.optimizer, {
    correct: (out) => correctCount(toArray(out), o.threshold),
  })
  const losses: number[] = []
  const correct: number[] = []
  let params = o.params
  let state = o.optimizer.init(o.params)
  let solved: number | null = null
  for (let s = 0; s <= o.steps; s++) {
    if (s === o.steps) {
      // Measure the final parameters too (no update).
      const out = toArray(o.model.apply(params, XOR_X))
      correct.push(correctCount(out, o.threshold))
      losses.push(toArray(o.loss(o.model.apply(params, XOR_X), XOR_Y))[0]!)
      if (solved === null && correct[s] === 4) solved = s
      break
    }
    const r = step(params, state, { x: XOR_X, y: XOR_Y })
    losses.push(r.loss)
    correct.push(r.metrics.correct!)
    if (r.metrics.correct === 4 && solved === null) {
      solved = s
      if (o.stopWhenSolved === true) break
    }
    params = r.params
    state = r.optState
  }
  return { params, losses, correct, stepsToSolve: solved }
}

// ---------------------------------------------------------------------------------------------------------------
// 1. One layer: ŷ = ReLU(xW + b)

/** The one-layer model ŷ = ReLU(xW + b), from the library's layers. */
export const oneLayer = serial(linear(1), relu)

/** Result of {@link oneLayerRuns}. */
export interface OneLayerResult {
  /** Best number of points right at any step of each run. */
  readonly bestCorrect: readonly number[]
  /** Points right after the last step of each run. */
  readonly finalCorrect: readonly number[]
}

/**
 * Trains ŷ = ReLU(xW + b) (PyTorch's default `nn.Linear` init) with MSE and plain SGD from `inits` random inits
 * (keys `fold(key(seed), i)`), recording the best accuracy ever reached (threshold 0.5 on ŷ).
 */
export const oneLayerRuns = (o: {
  readonly inits: number
  readonly steps: number
  readonly lr: number
  readonly seed: number
  readonly onRun?: (best: number) => void
}): OneLayerResult => {
  const runs = Array.from({ length: o.inits }, (_, i) => {
    const [, params] = oneLayer.init(fold(key(o.seed), i), [2])
    const r = trainXor({
      model: oneLayer,
      params,
      loss: (out, y) => mse(out, y),
      optimizer: sgd(o.lr),
      steps: o.steps,
      threshold: 0.5,
    })
    const best = Math.max(...r.correct)
    o.onRun?.(best / 4)
    return { best, final: r.correct[r.correct.length - 1]! }
  })
  return { bestCorrect: runs.map((r) => r.best), finalCorrect: runs.map((r) => r.final) }
}

/**
 * Exhaustive check behind "XOR is not linearly separable": for a threshold unit (w·x + b > t predicts 1) the
 * conditions for (0,1) and (1,0) sum to w1 + w2 + 2b > 2t, those for (0,0) and (1,1) to w1 + w2 + 2b ≤ 2t. This
 * returns the largest number of points any (w, b) on a grid gets right — a numeric witness of the bound 3.
 */
export const bestLinearSeparatorOnGrid = (values: readonly number[]): number => {
  let best = 0
  for (const w1 of values)
    for (const w2 of values)
      for (const b of values) {
        const out = [b, w2 + b, w1 + b, w1 + w2 + b]
        best = Math.max(best, correctCount(out, 0))
      }
  return best
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Hand-set weights

/** The homework's hand-set 2-2-1 ReLU network: W1 = [[1,−1],[−1,1]], b1 = 0, W2 = [1,1]ᵀ, b2 = 0. */
export const HAND_SET: MlpParams = {
  layers: [
    {
      W: tensor([
        [1, -1],
        [-1, 1],
      ]),
      b: tensor([0, 0]),
    },
    { W: tensor([[1], [1]]), b: tensor([0]) },
  ],
}

/** One row of the hand-set table. */
export interface HandSetRow {
  readonly x1: number
  readonly x2: number
  readonly h1: number
  readonly h2: number
  readonly yHat: number
  readonly target: number
}

/**
 * The table x1 x2 h1 h2 ŷ for {@link HAND_SET}, computed by the library's layers: the hidden activations by
 * `linear` + `relu` on the first layer's parameters, ŷ by the whole `mlp` (ReLU between layers, identity output).
 */
export const handSetTable = (): readonly HandSetRow[] => {
  const first = serial(linear(2), relu)
  const h = toNested(first.apply([HAND_SET.layers[0]!, {}], XOR_X)) as number[][]
  const net = mlp({ hiddenDims: [2], activation: 'relu', outDim: 1 })
  const y = toArray(net.apply(HAND_SET, XOR_X))
  const x = toNested(XOR_X) as number[][]
  return x.map((row, i) => ({
    x1: row[0]!,
    x2: row[1]!,
    h1: h[i]![0]!,
    h2: h[i]![1]!,
    yHat: y[i]!,
    target: XOR_TARGETS[i]!,
  }))
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Zero and constant init

/** Per-step gradients of the zero-init run. */
export interface ZeroInitResult {
  /** max |∂L/∂·| over every step, per parameter. */
  readonly maxAbsGrad: { readonly W1: number; readonly b1: number; readonly W2: number; readonly b2: number }
  /** The gradients at step 0, as nested arrays. */
  readonly gradsAtStart: {
    readonly W1: unknown
    readonly b1: unknown
    readonly W2: unknown
    readonly b2: unknown
  }
  /** The parameters after the last step. */
  readonly final: { readonly W1: unknown; readonly b1: unknown; readonly W2: unknown; readonly b2: unknown }
  /** ŷ on the four points after the last step. */
  readonly outputs: readonly number[]
  readonly losses: readonly number[]
}

const maxAbs = (v: Value): number => Array.from(toArray(v)).reduce((m, x) => Math.max(m, Math.abs(x)), 0)
const nested = (p: MlpParams): ZeroInitResult['final'] => ({
  W1: toNested(p.layers[0]!.W),
  b1: toNested(p.layers[0]!.b),
  W2: toNested(p.layers[1]!.W),
  b2: toNested(p.layers[1]!.b),
})

/**
 * The 2-`hidden`-1 ReLU net with every weight and bias 0, trained on XOR by plain SGD on the MSE of ŷ = hW2 + b2.
 * Records the gradient of every parameter at every step (by `valueAndGrad`).
 */
export const zeroInitRun = (o: {
  readonly hidden: number
  readonly steps: number
  readonly lr: number
}): ZeroInitResult => {
  const net = mlp({
    hiddenDims: [o.hidden],
    activation: 'relu',
    outDim: 1,
    init: init.zeros,
    biasInit: init.zeros,
  })
  const [, p0] = net.init(key(0), [2])
  const vg = valueAndGrad((p: MlpParams) => mse(net.apply(p, XOR_X), XOR_Y))
  const opt = sgd(o.lr)
  const acc = { W1: 0, b1: 0, W2: 0, b2: 0 }
  let params = p0
  let state = opt.init(p0)
  let start: ZeroInitResult['gradsAtStart'] | null = null
  const losses: number[] = []
  for (let s = 0; s < o.steps; s++) {
    const [l, g] = vg(params)
    losses.push(toArray(l)[0]!)
    if (start === null) start = nested(g)
    acc.W1 = Math.max(acc.W1, maxAbs(g.layers[0]!.W))
    acc.b1 = Math.max(acc.b1, maxAbs(g.layers[0]!.b))
    acc.W2 = Math.max(acc.W2, maxAbs(g.layers[1]!.W))
    acc.b2 = Math.max(acc.b2, maxAbs(g.layers[1]!.b))
    const [u, next] = opt.update(g, state, params)
    params = applyUpdates(params, u)
    state = next
  }
  return {
    maxAbsGrad: acc,
    gradsAtStart: start ?? nested(p0),
    final: nested(params),
    outputs: Array.from(toArray(net.apply(params, XOR_X))),
    losses,
  }
}

/**
 * The largest difference between any two hidden units' parameters: their incoming weight columns of W1, their
 * biases in b1 and their outgoing weights in W2 (0 when all hidden units are identical).
 */
export const hiddenUnitSpread = (p: MlpParams): number => {
  const W1 = toNested(p.layers[0]!.W) as number[][]
  const b1 = Array.from(toArray(p.layers[0]!.b))
  const W2 = toNested(p.layers[1]!.W) as number[][]
  const unit = (j: number): number[] => [...W1.map((row) => row[j]!), b1[j]!, ...W2[j]!]
  const units = b1.map((_, j) => unit(j))
  return units.reduce(
    (m, u) => units.reduce((m2, v) => Math.max(m2, ...u.map((x, i) => Math.abs(x - v[i]!))), m),
    0,
  )
}

/** Result of {@link constantInitRun}. */
export interface ConstantInitResult {
  readonly activation: ActivationName
  /** max over every step of {@link hiddenUnitSpread}. */
  readonly maxSpread: number
  /** Points right after the last step (logit > 0). */
  readonly finalCorrect: number
  readonly bestCorrect: number
  readonly losses: readonly number[]
  readonly final: MlpParams
}

/**
 * The 2-`hidden`-1 net with every weight and bias equal to `c`, trained on XOR with BCE on logits and SGD with
 * momentum; tracks the spread between hidden units after every step.
 */
export const constantInitRun = (o: {
  readonly activation: ActivationName
  readonly hidden: number
  readonly c: number
  readonly steps: number
  readonly lr: number
  readonly beta: number
}): ConstantInitResult => {
  const net = mlp({
    hiddenDims: [o.hidden],
    activation: o.activation,
    outDim: 1,
    init: init.constant(o.c),
    biasInit: init.constant(o.c),
  })
  const [, p0] = net.init(key(0), [2])
  const opt = momentum(o.lr, o.beta)
  const step = trainStep(net, (out, y) => bceWithLogits(out, y), opt, {
    correct: (out) => correctCount(toArray(out), 0),
  })
  let params = p0
  let state = opt.init(p0)
  let maxSpread = hiddenUnitSpread(p0)
  let best = 0
  const losses: number[] = []
  for (let s = 0; s < o.steps; s++) {
    const r = step(params, state, { x: XOR_X, y: XOR_Y })
    losses.push(r.loss)
    best = Math.max(best, r.metrics.correct!)
    params = r.params
    state = r.optState
    maxSpread = Math.max(maxSpread, hiddenUnitSpread(params))
  }
  const finalCorrect = correctCount(toArray(net.apply(params, XOR_X)), 0)
  return {
    activation: o.activation,
    maxSpread,
    finalCorrect,
    bestCorrect: Math.max(best, finalCorrect),
    losses,
    final: params,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Random (Xavier) init

/** The 2-h-1 net of part 4: Xavier-uniform weights, zero biases, `activation` between the layers, a logit out. */
export const xavierNet = (hidden: number, activation: ActivationName): ReturnType<typeof mlp> =>
  mlp({ hiddenDims: [hidden], activation, outDim: 1, init: init.xavierUniform(), biasInit: init.zeros })

/** One seed of {@link xavierSweep}. */
export interface SeedRun {
  readonly seed: number
  readonly stepsToSolve: number | null
}

/** Success over seeds for one hidden width. */
export interface WidthResult {
  readonly hidden: number
  readonly runs: readonly SeedRun[]
  readonly solved: number
  /** Median of stepsToSolve over the solved seeds (null if none). */
  readonly medianSteps: number | null
}

/** The median of a non-empty list (mean of the middle two for even lengths); null for an empty one. */
export const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * For each hidden width, trains {@link xavierNet} from `seeds` seeds (init key `fold(key(seed), i)`) with BCE on
 * logits and SGD with momentum, each until all four points are right or `steps` updates.
 */
export const xavierSweep = (o: {
  readonly hidden: readonly number[]
  readonly seeds: number
  readonly seed: number
  readonly activation: ActivationName
  readonly steps: number
  readonly lr: number
  readonly beta: number
  readonly onRun?: (hidden: number, solved: boolean) => void
}): readonly WidthResult[] =>
  o.hidden.map((h) => {
    const net = xavierNet(h, o.activation)
    const runs = Array.from({ length: o.seeds }, (_, i): SeedRun => {
      const [, params] = net.init(fold(key(o.seed), i), [2])
      const r = trainXor({
        model: net,
        params,
        loss: (out, y) => bceWithLogits(out, y),
        optimizer: momentum(o.lr, o.beta),
        steps: o.steps,
        threshold: 0,
        stopWhenSolved: true,
      })
      o.onRun?.(h, r.stepsToSolve !== null)
      return { seed: i, stepsToSolve: r.stepsToSolve }
    })
    const steps = runs.flatMap((r) => (r.stepsToSolve === null ? [] : [r.stepsToSolve]))
    return { hidden: h, runs, solved: steps.length, medianSteps: median(steps) }
  })

/** The predicted probability σ(f(x)) on a square grid of `n × n` points over [lo, hi]². */
export const decisionSurface = (
  model: Model<MlpParams>,
  params: MlpParams,
  o: { readonly lo: number; readonly hi: number; readonly n: number },
): {
  readonly step: number
  readonly cells: readonly { readonly x: number; readonly y: number; readonly value: number }[]
} => {
  const step = (o.hi - o.lo) / (o.n - 1)
  const coords = Array.from({ length: o.n }, (_, i) => o.lo + i * step)
  const points = coords.flatMap((a) => coords.map((b) => [a, b]))
  const p = toArray(sigmoid(model.apply(params, tensor(points))))
  return { step, cells: points.map(([a, b], i) => ({ x: a!, y: b!, value: p[i]! })) }
}
