/** Command line of the backprop app: `npm run backprop -- --help`. */
import { app } from './app.js'

process.exitCode = await app.main(process.argv.slice(2))
