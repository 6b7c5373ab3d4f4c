// The repository's README.md: its newcomer example (`import * as ct from 'cotangent'`) runs, prints what its
// `// →` comments say, and type-checks without casts (test-support/readme.ts).
import { testReadme } from '../../../test-support/readme.js'

testReadme(new URL('../../../README.md', import.meta.url), { install: 'npm install cotangent' })
