// Flat config: typescript-eslint strict type-checked everywhere; eslint-plugin-functional on library code.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import functional from 'eslint-plugin-functional'
import prettier from 'eslint-config-prettier'

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.turbo/**', 'runs/**', '**/vitest.config.ts', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Library code: immutable data, no let, no classes — except kernels, which fill local typed arrays.
  {
    files: ['packages/*/src/**/*.ts'],
    ...functional.configs.externalTypeScriptRecommended,
  },
  {
    files: ['packages/*/src/**/*.ts'],
    plugins: { functional },
    rules: {
      'functional/no-let': 'error',
      'functional/immutable-data': 'error',
      'functional/no-classes': 'error',
      'functional/no-this-expressions': 'error',
      'functional/no-throw-statements': 'off',
      'functional/no-loop-statements': 'off',
    },
  },
  // Kernels and the autodiff interpreter (which fills local environment arrays while replaying or transposing a
  // linear program): local mutation only. The exception is scoped to these files.
  {
    files: [
      'packages/tensor/src/kernels/**/*.ts',
      'packages/tensor/src/random.ts',
      'packages/autodiff/src/core.ts',
      'packages/autodiff/src/tree.ts',
      'packages/autodiff/src/primitives.ts',
      'packages/autodiff/src/transforms.ts',
      'packages/autodiff/src/custom.ts',
      'packages/autodiff/src/staging.ts',
      'packages/tensor/src/tensor.ts',
      'packages/tensor/src/format.ts',
    ],
    rules: {
      'functional/no-let': 'off',
      'functional/immutable-data': 'off',
      'functional/no-classes': 'off',
      'functional/no-this-expressions': 'off',
    },
  },
  // Typed errors (ShapeError, DTypeError, …) are classes so that callers can test them with instanceof.
  {
    files: ['packages/*/src/errors.ts'],
    rules: { 'functional/no-classes': 'off', 'functional/no-this-expressions': 'off' },
  },
  prettier,
)
