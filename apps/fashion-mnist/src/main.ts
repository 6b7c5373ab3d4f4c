import { app } from './app.js'

process.exitCode = await app.main(process.argv.slice(2))
