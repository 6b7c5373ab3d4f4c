import { defaultClientConditions, defineConfig } from 'vite'

// `source` first: the workspace packages resolve to their TypeScript, so the site builds without a prior `tsc` build
// (TOOLCHAIN.md note 2). The worker is an ES module (it imports the library), and `base: './'` lets the built site be
// served from any sub-path of a static host.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  resolve: { conditions: ['source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
})
