/**
 * `npm run check:readme`: every ```ts block of README.md must compile. Each block becomes its own ES module
 * (so it may use top-level await and declare its own names), type-checked against src/ through `paths`.
 * Blocks may import what they use; anything they don't import comes from a generated prelude of globals: every
 * value export of `pocketbase-auth` and `pocketbase-auth/node`, their non-generic types, and the sample
 * variables below. Errors are reported at their README line.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outDir = path.join(root, 'node_modules', '.cache', 'check-readme')
const ENTRIES = {
  'pocketbase-auth': 'src/index.ts',
  'pocketbase-auth/node': 'src/node/index.ts',
  'pocketbase-auth/testing': 'src/testing/index.ts',
  'pocketbase-auth/server': 'src/server/node.ts',
  'pocketbase-auth/totp': 'src/totp/index.ts',
  'pocketbase-auth/admin': 'src/admin/index.ts',
  'pocketbase-auth/redis': 'src/redis/index.ts',
  'pocketbase-auth/ssr': 'src/ssr/node.ts',
}

/** Sample variables README snippets use without declaring them. */
const SAMPLES = `
declare const url: string
declare const email: string
declare const password: string
declare const code: string
declare const userId: string
declare const newEmail: string
declare const callbackUrl: string
declare const auth: import('pocketbase-auth').AuthClient
declare const admin: import('pocketbase-auth').AuthClient
declare const totp: import('pocketbase-auth/totp').Totp
`

/**
 * Type stubs of the frameworks the "Server-rendered apps" snippets use and this repository does not install
 * (Hono and Express are installed: their own types check those snippets). Only what the snippets touch, with
 * the frameworks' own names and shapes (Next.js 15, SvelteKit 2, Astro 5, React Router 7), so a snippet that would
 * not compile against the real framework does not compile here either.
 */
const FRAMEWORK_STUBS = `
interface StubCookieOptions {
  httpOnly?: boolean
  secure?: boolean
  sameSite?: boolean | 'lax' | 'strict' | 'none'
  path?: string
  domain?: string
  maxAge?: number
  expires?: Date | number
}
declare namespace App {
  interface Locals {}
}
declare module 'next/server' {
  export interface RequestCookies {
    getAll(): { name: string; value: string }[]
    set(name: string, value: string): RequestCookies
  }
  export class NextRequest extends Request {
    readonly cookies: RequestCookies
  }
  export class NextResponse<Body = unknown> extends Response {
    readonly cookies: { set(name: string, value: string, options?: StubCookieOptions): void }
    static next(init?: { request?: { headers?: Headers } }): NextResponse
    static redirect(url: string | URL, init?: number): NextResponse
  }
}
declare module 'next/headers' {
  export function cookies(): Promise<{
    getAll(): { name: string; value: string }[]
    set(name: string, value: string, options?: StubCookieOptions): void
  }>
}
declare module '@sveltejs/kit' {
  export interface Cookies {
    getAll(): { name: string; value: string }[]
    set(name: string, value: string, opts: StubCookieOptions & { path: string }): void
  }
  export interface RequestEvent {
    cookies: Cookies
    url: URL
    request: Request
    locals: App.Locals
  }
  export type Handle = (input: {
    event: RequestEvent
    resolve: (event: RequestEvent) => Promise<Response>
  }) => Promise<Response>
}
declare module 'astro:middleware' {
  export interface APIContext {
    request: Request
    url: URL
    cookies: { set(name: string, value: string | Record<string, unknown>, options?: StubCookieOptions): void }
    locals: App.Locals
  }
  export type MiddlewareHandler = (context: APIContext, next: () => Promise<Response>) => Promise<Response> | Response
  export function defineMiddleware(handler: MiddlewareHandler): MiddlewareHandler
}
declare module 'react-router' {
  export interface LoaderFunctionArgs {
    request: Request
    params: Record<string, string | undefined>
  }
  export type ActionFunctionArgs = LoaderFunctionArgs
  export function data<T>(value: T, init?: number | ResponseInit): { data: T; init: ResponseInit | null }
  export function redirect(url: string, init?: number | ResponseInit): Response
}
`

interface Block {
  readonly line: number
  readonly code: string
}

function extractBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  const lines = markdown.split('\n')
  for (let index = 0; index < lines.length; index++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[index] ?? '')) continue
    const start = index + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') })
    index = end
  }
  return blocks
}

/** Global declarations for every export of the entries, so snippets need not repeat imports. */
function buildPrelude(options: ts.CompilerOptions): string {
  const program = ts.createProgram(
    Object.values(ENTRIES).map((file) => path.join(root, file)),
    options,
  )
  const checker = program.getTypeChecker()
  const declared = new Set<string>()
  const lines: string[] = ['export {}', 'declare global {']
  for (const [specifier, file] of Object.entries(ENTRIES)) {
    const source = program.getSourceFile(path.join(root, file))
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
    if (moduleSymbol === undefined) throw new Error(`cannot read the exports of ${file}`)
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const name = exported.getName()
      if (declared.has(name)) continue
      declared.add(name)
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      const isGeneric = (target.declarations ?? []).some(
        (declaration) =>
          (ts.isClassDeclaration(declaration) ||
            ts.isInterfaceDeclaration(declaration) ||
            ts.isTypeAliasDeclaration(declaration)) &&
          (declaration.typeParameters?.length ?? 0) > 0,
      )
      if (target.flags & ts.SymbolFlags.Value) {
        lines.push(`  const ${name}: typeof import('${specifier}').${name}`)
      }
      if (target.flags & ts.SymbolFlags.Type && !isGeneric) {
        lines.push(`  type ${name} = import('${specifier}').${name}`)
      }
    }
  }
  lines.push(SAMPLES.replaceAll('declare const', '  const'), '}')
  return lines.join('\n')
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json')
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file))
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'))
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root)
  return {
    ...parsed.options,
    noEmit: true,
    paths: Object.fromEntries(
      Object.entries(ENTRIES).map(([specifier, file]) => [specifier, [path.join(root, file)]]),
    ),
  }
}

async function main(): Promise<void> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8')
  const blocks = extractBlocks(readme)
  if (blocks.length === 0) throw new Error('README.md has no ```ts blocks')
  const options = compilerOptions()
  await rm(outDir, { recursive: true, force: true })
  await mkdir(outDir, { recursive: true })
  const preludeFile = path.join(outDir, 'prelude.d.mts')
  await writeFile(preludeFile, buildPrelude(options))
  const stubsFile = path.join(outDir, 'frameworks.d.ts')
  await writeFile(stubsFile, FRAMEWORK_STUBS)
  const files = new Map<string, Block>()
  for (const [index, block] of blocks.entries()) {
    const file = path.join(outDir, `block-${String(index + 1).padStart(2, '0')}.mts`)
    await writeFile(file, `${block.code}\nexport {}\n`)
    files.set(file, block)
  }
  const program = ts.createProgram([preludeFile, stubsFile, ...files.keys()], options)
  const diagnostics = ts.getPreEmitDiagnostics(program)
  let errors = 0
  for (const diagnostic of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const block =
      diagnostic.file === undefined ? undefined : files.get(path.normalize(diagnostic.file.fileName))
    if (diagnostic.file === undefined || diagnostic.start === undefined) {
      console.error(`error TS${diagnostic.code}: ${message}`)
    } else {
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      const where =
        block === undefined
          ? `${path.relative(root, diagnostic.file.fileName)}:${line + 1}`
          : `README.md:${block.line + line}`
      console.error(`${where}:${character + 1} error TS${diagnostic.code}: ${message}`)
    }
    errors++
  }
  if (errors > 0) {
    console.error(`\n${errors} error(s) in the README's TypeScript blocks (generated files: ${outDir})`)
    process.exit(1)
  }
  console.log(`README.md: all ${blocks.length} TypeScript blocks compile.`)
}

await main()
