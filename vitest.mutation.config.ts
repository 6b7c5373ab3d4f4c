// The test run StrykerJS mutates against (stryker.config.mjs): the autodiff and tensor projects with their own
// configs, minus the README tests (they import the packages by name, which resolves to the unmutated originals,
// so they cannot kill a mutant and only cost time).
import { configDefaults, defineConfig } from 'vitest/config'

const project = (dir: string) => ({
  extends: `./packages/${dir}/vitest.config.ts`,
  test: {
    name: `@cotangent/${dir}`,
    root: `./packages/${dir}`,
    exclude: [...configDefaults.exclude, '**/readme.test.ts', '**/.stryker-tmp/**'],
  },
})

export default defineConfig({
  test: { projects: [project('autodiff'), project('tensor')] },
})
