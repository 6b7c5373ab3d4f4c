/**
 * @cotangent/autodiff — differentiable programming over immutable tensors: a small primitive basis with JVP and
 * transpose rules, and the transformations `jvp`, `vjp`, `linearize`, `grad`, `valueAndGrad`, `jacfwd`,
 * `jacrev`, `hessian`, `customJvp`, `customVjp`, composing to any order.
 * @packageDocumentation
 */
export { Tracer, LeakedTracerError, isValue, type Value, type ValueLike, type Lifted, type Primitive, definePrimitive, bind } from './core.js'
/** Instrumentation (benchmarks, profilers): observes every eager primitive evaluation; see its doc comment. */
export { setPrimitiveObserver as unstable_setPrimitiveObserver, type PrimitiveObserver } from './core.js'
export * from './ops.js'
export { jvp, vjp, linearize, grad, valueAndGrad, jacfwd, jacrev, hessian } from './transforms.js'
export type { GradOptions, ValueAndGradOptions, GradOf, Jacobian, MapLeaves, Hessian } from './transforms.js'
export { customJvp, customVjp, type CustomFn } from './custom.js'
export {
  treeFlatten,
  treeUnflatten,
  treeLeaves,
  treeMap,
  treePaths,
  isPlainObject,
  showTreeDef,
  treeDefEqual,
  type TreeDef,
} from './tree.js'
export {
  StageTracer,
  StagedValueError,
  hasAbstractRule,
  customJvpCallP,
  customVjpCallP,
  makeGraph,
  evalGraph,
  evalGraphVars,
  evalEquation,
  showType,
  varName,
  showPrimitive,
  programNames,
  showProgram,
  toDot,
  type Var,
  type Lit,
  type Atom,
  type Equation,
  type Program,
  type MakeGraphOptions,
  type CustomCallParams,
  type EvalOptions,
  type DotOptions,
} from './staging.js'
export {
  type AnyKey,
  type StagedKey,
  isStagedKey,
  keyWords,
  stagedKey,
  foldKey,
  drawUniform,
  drawBernoulli,
  concreteKey,
} from './random.js'
export { jit, setJitCheck, JitMismatchError, type JitOptions, type JitStats, type Jitted } from './jit/jit.js'
