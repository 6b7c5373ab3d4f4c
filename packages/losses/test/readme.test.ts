// Runs every ```ts example of this package's README (test-support/readme.ts): each must run, print what its
// `// →` comments say, and the README must show the install line.
import { testReadme } from '../../../test-support/readme.js'

testReadme(new URL('../README.md', import.meta.url), { install: 'npm install @cotangent/losses' })
