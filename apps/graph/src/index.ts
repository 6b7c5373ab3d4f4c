/**
 * apps/graph — the computation graph drawn from the library's trace, and the homework's Jacobians.
 * @packageDocumentation
 */
export {
  app,
  ExprCodec,
  PointCodec,
  prepare,
  exprFunction,
  SEED_EXPR,
  seedExpected,
  type Point,
} from './app.js'
export {
  parseExpr,
  evalExpr,
  exprVariables,
  formatExprError,
  showExpr,
  FUNCTIONS,
  CONSTANTS,
  type Expr,
  type ExprError,
} from './expr.js'
export {
  buildGraph,
  graphDot,
  graphRows,
  renderDot,
  chainRuleResidual,
  fmt,
  type ComputationGraph,
  type GraphNode,
  type GraphEdge,
} from './graph.js'
export {
  jacobianChecks,
  kron,
  commutation,
  vecJacobian,
  type JacobianCheck,
  type JacobianSizes,
} from './jacobians.js'
