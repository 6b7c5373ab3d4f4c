import { defineProject } from 'vitest/config'

// Workspace packages export `source` (their TypeScript) ahead of `types`/`import` (the built dist/): tests read the
// source, so no build is needed. Vitest runs tests in Vite's SSR environment, which takes its conditions from
// `ssr.resolve.conditions` (the top-level `resolve.conditions` only reaches the client environment).
export default defineProject({
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  // A budget per test and hook, not a timing assertion: eight sessions share two cores, and a test that takes 1 s
  // alone took 8–15 s under that load (turbo runs the suites side by side), over vitest's 5 s default.
  test: { testTimeout: 60_000, hookTimeout: 60_000 },
})
