import { defineProject } from 'vitest/config'

// Workspace packages export `source` (their TypeScript) ahead of `types`/`import` (the built dist/): tests read the
// source, so no build is needed. Vitest runs tests in Vite's SSR environment, which takes its conditions from
// `ssr.resolve.conditions` (the top-level `resolve.conditions` only reaches the client environment).
export default defineProject({
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  // The smoke run reads the 60,000 training images (gzip) and trains for a few seconds; the machine may be slow.
  test: { testTimeout: 120_000 },
})
