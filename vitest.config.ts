import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'bench'],
    passWithNoTests: true,
    // Stryker's sandboxes (npm run mutation) hold copies of the tests: never collect them
    exclude: [...configDefaults.exclude, '**/.stryker-tmp/**'],
  },
})
