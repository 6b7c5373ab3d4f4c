// The repository's README.md: its newcomer example (`import * as ct from 'cotangent'`) runs and prints what its
// `// →` comments say. And, once for the whole repository, every README's examples type-check without casts
// (one TypeScript program for all of them; each package's readme.test.ts runs its own examples).
import { readdirSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { testReadme, typecheckReadmes } from '../../../test-support/readme.js'

const root = new URL('../../../', import.meta.url)
testReadme(new URL('README.md', root), { install: 'npm install cotangent' })

const packageReadmes = readdirSync(new URL('packages/', root))
  .map((p) => new URL(`packages/${p}/README.md`, root))
  .filter((u) => existsSync(fileURLToPath(u)))
typecheckReadmes([new URL('README.md', root), ...packageReadmes])
