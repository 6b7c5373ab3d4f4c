// Mutation testing (StrykerJS 9.6.1 with the vitest runner): `npm run mutation`. It is CPU heavy (minutes, two
// workers) and not part of `npm test`. Scope: see `mutate` below. Only a
// package's own tests can kill its mutants: sibling packages are imported through node_modules, which points at the
// unmutated originals (see docs/ARCHITECTURE.md, "Testing").
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // The default scope (2603 mutants; ~30 minutes on two loaded cores): autodiff's interpreter, rules, ops and
  // transformations, and the element-wise and reduction kernels. The rest of the kernels (manip, linalg, wasm) and
  // the staging interpreter: `npm run mutation -- --mutate 'packages/tensor/src/kernels/**/*.ts'` (results are
  // incremental: reports/stryker-incremental.json).
  mutate: [
    'packages/autodiff/src/**/*.ts',
    '!packages/autodiff/src/index.ts',
    '!packages/autodiff/src/staging.ts',
    'packages/tensor/src/kernels/elementwise.ts',
    'packages/tensor/src/kernels/reduce.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // a loaded shared machine: generous budgets before a mutant counts as a timeout
  timeoutMS: 15000,
  timeoutFactor: 3,
  // copy only what the two projects need into the sandbox (other packages hold transient files of other work)
  ignorePatterns: [
    '/*',
    '!/package.json',
    '!/tsconfig.base.json',
    '!/vitest.mutation.config.ts',
    '!/test-support',
    '!/packages',
    '/packages/*',
    '!/packages/autodiff',
    '!/packages/tensor',
    'dist',
    'bench',
    '.readme-examples',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
}
