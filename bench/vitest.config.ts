import { defineProject } from 'vitest/config'

// Workspace packages export `source` (their TypeScript) ahead of `types`/`import` (the built dist/): tests read the
// source, so no build is needed. Vitest runs tests in Vite's SSR environment, which takes its conditions from
// `ssr.resolve.conditions`. The smoke test itself runs the harness as a child process under tsx.
export default defineProject({
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: { testTimeout: 600_000, hookTimeout: 600_000 },
})
