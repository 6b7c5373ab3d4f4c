/**
 * @cotangent/cli/testing — helpers the apps' tests share. They return plain data (captured lines, problems found,
 * argv arrays) and never import a test runner, so any runner can assert on what they give back.
 * @packageDocumentation
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { decodeArgv, kebab, type Flags } from './flags.js'

/** An app's environment for tests, with every printed line kept in order. */
export interface CapturedEnv {
  /** Pass to `app.main(argv, env)`: stdout/stderr append to `out`/`err`; not a terminal. */
  readonly env: {
    readonly stdout: (line: string) => void
    readonly stderr: (line: string) => void
    readonly isTTY: false
  }
  /** Lines printed to stdout so far. */
  readonly out: readonly string[]
  /** Lines printed to stderr so far. */
  readonly err: readonly string[]
}

/** A fresh captured environment: the `env` to pass to `main` and the `out`/`err` lines it collects. */
export const captureEnv = (): CapturedEnv => {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    env: {
      // eslint-disable-next-line functional/immutable-data -- the capture buffer is this helper's own private state
      stdout: (line) => void out.push(line),
      // eslint-disable-next-line functional/immutable-data -- as above
      stderr: (line) => void err.push(line),
      isTTY: false,
    },
  }
}

/** Anything with an app's command line: `app.main`, or a multi-command `main`. */
export type MainFn = (argv: readonly string[], env: CapturedEnv['env']) => Promise<number>

/** What {@link runBadFlag} saw. */
export interface BadFlagRun {
  /** The exit code. */
  readonly code: number
  /** Lines printed to stdout. */
  readonly out: readonly string[]
  /** Lines printed to stderr. */
  readonly err: readonly string[]
  /** Every entry (dot files included) found afterwards in the fresh folder that held `--out`. */
  readonly written: readonly string[]
}

/**
 * Runs `main([...argv, '--out', <fresh temp folder>/run])` with a captured environment, lists what appeared in
 * that temp folder, then removes it. For bad-flag tests: expect code 2, one `err` line, no `out`, nothing `written`.
 */
export const runBadFlag = async (main: MainFn, argv: readonly string[]): Promise<BadFlagRun> => {
  const root = mkdtempSync(join(tmpdir(), 'cotangent-bad-flag-'))
  try {
    const c = captureEnv()
    const code = await main([...argv, '--out', join(root, 'run')], c.env)
    return { code, out: [...c.out], err: [...c.err], written: [...readdirSync(root)].sort() }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

/**
 * What is wrong with a {@link BadFlagRun} as the rejection of a bad flag; `[]` when it is right: exit code 2, no
 * stdout, exactly one stderr line, containing each of `mentions` and no stack trace (`\n    at …`), nothing
 * written.
 */
export const badFlagProblems = (run: BadFlagRun, ...mentions: readonly string[]): readonly string[] => {
  const line = run.err[0] ?? ''
  return [
    ...(run.code === 2 ? [] : [`exit code ${String(run.code)}, expected 2`]),
    ...(run.out.length === 0 ? [] : [`${String(run.out.length)} stdout line(s), expected none`]),
    ...(run.err.length === 1 ? [] : [`${String(run.err.length)} stderr line(s), expected one`]),
    ...mentions.filter((m) => !line.includes(m)).map((m) => `the message does not mention '${m}': ${line}`),
    ...(/\n\s+at /.test(line) ? ['the message has a stack trace'] : []),
    ...run.written.map((f) => `wrote ${f}`),
  ]
}

/** Splits a command's argument text into shell words; double quotes group words (`"a b"` is one word). */
export const shellWords = (text: string): readonly string[] =>
  [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2] ?? '')

/**
 * The argv of every README line that starts with `npm run <appName>` (a whole word; optionally `-- args`), in order; a `#`
 * comment ends the arguments, double quotes group words. `npm run xor -- --steps 10 # fast` gives
 * `['--steps', '10']`; a bare `npm run xor` gives `[]`. `prefix` (a regex source) allows text before `npm`, e.g.
 * `'(?:echo .*\\| )?'` for piped commands.
 */
export const readmeCommands = (
  readme: string,
  appName: string,
  prefix = '',
): readonly (readonly string[])[] => {
  const name = appName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`^${prefix}npm run ${name}(?=\\s|$)(?: -- ([^#\\n]*))?`, 'gm')
  return [...readme.matchAll(re)].map((m) => shellWords(m[1] ?? ''))
}

/**
 * The flag error `argv` gets from `app` (its own flags plus the common ones), or `undefined` when it decodes or
 * asks for `--help`. For README tests: every documented command should give `undefined`.
 */
export const flagError = async (
  app: { readonly name: string; readonly description: string; readonly flags: Flags },
  argv: readonly string[],
): Promise<string | undefined> => {
  const r = await decodeArgv(app, app.flags, argv)
  return E.isRight(r) || r.left._tag === 'help' ? undefined : r.left.message
}

/** The `--kebab-case` flags of `app` (its own flags, not the common ones) that `readme` never mentions. */
export const missingFlagMentions = (readme: string, app: { readonly flags: Flags }): readonly string[] =>
  Object.keys(app.flags)
    .map((k) => `--${kebab(k)}`)
    .filter((f) => !readme.includes(f))

// the one piece of process state here: the folders scratchDir made, removed together when the process exits
const scratchDirs = new Set<string>()
const removeScratchDirs = (): void => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true })
  scratchDirs.clear() // eslint-disable-line functional/immutable-data -- the exit-time registry above
}

/**
 * A fresh empty folder under the OS temp dir, named `<prefix>XXXXXX`, removed with everything in it when the process
 * exits (so a test file needs no setup and teardown hooks for its run folders).
 */
export const scratchDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  if (scratchDirs.size === 0) process.once('exit', removeScratchDirs)
  scratchDirs.add(dir) // eslint-disable-line functional/immutable-data -- the exit-time registry above
  return dir
}

/** The 8-byte signature every PNG file starts with. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** Whether `file` starts with the PNG signature. */
export const isPng = (file: string): boolean => {
  const head = [...readFileSync(file).subarray(0, 8)]
  return head.length === 8 && head.every((b, i) => b === PNG_SIGNATURE[i])
}

/** The link targets `](target)` of a Markdown text, in order. */
export const markdownLinks = (markdown: string): readonly string[] =>
  [...markdown.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] ?? '')

/**
 * Checks a run folder; returns one line per problem, `[]` when it is sound: every `*.png` starts with the PNG
 * signature, every `*.svg` starts with `<svg`, every `*.json` parses, and every link of `report.md` (when there is
 * one) names a file of the folder. A missing folder is one problem.
 */
export const checkRunFolder = (dir: string): readonly string[] => {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [`${dir}: not a folder`]
  const files = [...readdirSync(dir)].sort()
  const parses = (f: string): boolean => {
    try {
      JSON.parse(readFileSync(join(dir, f), 'utf8'))
      return true
    } catch {
      return false
    }
  }
  const fileProblems = files.flatMap((f) =>
    f.endsWith('.png') && !isPng(join(dir, f))
      ? [`${f}: not a PNG (bad signature)`]
      : f.endsWith('.svg') && !readFileSync(join(dir, f), 'utf8').startsWith('<svg')
        ? [`${f}: not an SVG (does not start with <svg)`]
        : f.endsWith('.json') && !parses(f)
          ? [`${f}: not valid JSON`]
          : [],
  )
  const report = join(dir, 'report.md')
  const linkProblems = existsSync(report)
    ? markdownLinks(readFileSync(report, 'utf8'))
        .filter((l) => !existsSync(join(dir, l)))
        .map((l) => `report.md: link '${l}' does not resolve`)
    : []
  return [...fileProblems, ...linkProblems]
}
