/** Command line of the activations app: `npm run activations -- --help`. */
import { app } from './app.js'

process.exitCode = await app.main(process.argv.slice(2))
