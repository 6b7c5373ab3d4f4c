import { defineProject } from 'vitest/config'

// Workspace packages export `source` (their TypeScript) ahead of `types`/`import` (the built dist/): tests read the
// source, so no build is needed. Vitest runs tests in Vite's SSR environment, which takes its conditions from
// `ssr.resolve.conditions` (the top-level `resolve.conditions` only reaches the client environment).
export default defineProject({
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  // Budgets per test and hook, not timing assertions: eight sessions share two cores. The browser test builds the
  // site and trains in Chromium, so its own budgets (in the test) are longer still.
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
})
