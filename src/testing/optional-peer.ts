/**
 * Loads the testing kit's optional peer dependencies (`smtp-server`, `mailparser`) on first use, so neither the
 * core nor `pocketbase-auth/testing` loads them at import time, and a missing one is one clear error.
 * @module
 */
import { ConfigError } from '../index.js'

/** The optional peer dependencies of `pocketbase-auth/testing`, and what to install to get them. */
export const TESTING_PEERS = Object.freeze({
  'smtp-server': 'the SMTP sink that receives the mails PocketBase sends',
  mailparser: 'parsing the mails the SMTP sink receives',
})

/** The name of an optional peer dependency of the testing kit. */
export type TestingPeer = keyof typeof TESTING_PEERS

/** The command that installs every optional peer of the kit. */
export const INSTALL_TESTING_PEERS = 'npm i -D smtp-server mailparser'

/**
 * Imports an optional peer dependency of the testing kit.
 *
 * @param name - the package to load
 * @param load - how to import it; the default is a dynamic `import(name)` (tests pass another loader)
 * @returns the package's module namespace
 * @throws {ConfigError} `config_invalid` naming the package and the command that installs it, when it is not
 * installed; any other load failure is rethrown unchanged.
 * @example
 * ```ts
 * const { simpleParser } = await importPeer<{ simpleParser: (raw: Buffer) => Promise<unknown> }>('mailparser')
 * ```
 */
export async function importPeer<T>(
  name: TestingPeer,
  load: (name: string) => Promise<unknown> = (specifier) => import(specifier),
): Promise<T> {
  try {
    return (await load(name)) as T
  } catch (error) {
    if (!isModuleNotFound(error, name)) throw error
    throw new ConfigError(
      [
        {
          path: name,
          message:
            `is not installed; pocketbase-auth/testing needs it for ${TESTING_PEERS[name]}. ` +
            `Install it with \`${INSTALL_TESTING_PEERS}\`, or pass { mail: false } to startPocketBase`,
        },
      ],
      'pocketbase-auth/testing',
    )
  }
}

function isModuleNotFound(error: unknown, name: string): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false
  const code = error.code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  // Only the package itself missing counts; a broken install (one of its own files missing) is rethrown.
  return error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`)
}
