import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, ServerError } from '../../src/index.js'
import { startPocketBase } from '../../src/testing/index.js'
import { rejectionOf } from '../helpers/rejection.js'

/** Stand-ins for the PocketBase binary that fail in a known way, so start-up failures can be tested. */
describe('startPocketBase before and around the binary', () => {
  let dir: string
  async function fakeBinary(name: string, body: string): Promise<string> {
    const file = path.join(dir, name)
    await writeFile(file, `#!/bin/sh\n${body}\n`)
    await chmod(file, 0o755)
    return file
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-start-test-'))
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('checks every option first and names each bad one, without its value', async () => {
    const error = await rejectionOf(
      startPocketBase({
        port: 70_000,
        superuserEmail: 'not-an-email',
        superuserPassword: 'short',
        mail: 'yes' as unknown as boolean,
        startTimeoutMs: -1,
        colour: 'red',
      } as never),
    )
    expect(error).toBeInstanceOf(ConfigError)
    const { issues, message } = error as ConfigError
    expect(issues.map((issue) => issue.path)).toEqual([
      'superuserEmail',
      'superuserPassword',
      'port',
      'mail',
      'startTimeoutMs',
      'colour',
    ])
    expect(message).not.toContain('short')
    expect(message).not.toContain('not-an-email')
  })

  it('rejects a bin that is not an executable before starting anything', async () => {
    const error = await rejectionOf(startPocketBase({ bin: path.join(dir, 'missing'), mail: false }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues).toEqual([{ path: 'bin', message: 'is not an executable file' }])
  })

  it('reports a failed superuser upsert with its output, the password replaced, and no cause', async () => {
    const password = 'Upsert-Secret-pw-1234'
    const bin = await fakeBinary('fails-upsert', 'echo "cannot upsert: $*" >&2\nexit 1')

    const error = await rejectionOf(startPocketBase({ bin, superuserPassword: password, mail: false }))

    expect(error).toBeInstanceOf(ServerError)
    const message = (error as ServerError).message
    expect(message).toContain(
      'pocketbase superuser upsert failed: cannot upsert: superuser upsert admin@example.com <password>',
    )
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain(password)
    expect((error as ServerError).cause).toBeUndefined()
  })

  it('reports a server that exits before it is healthy, with its output', async () => {
    const bin = await fakeBinary(
      'exits-on-serve',
      '[ "$1" = serve ] && { echo "boom: no database" >&2; exit 3; }\nexit 0',
    )

    const error = await rejectionOf(startPocketBase({ bin, mail: false }))

    expect(error).toBeInstanceOf(ServerError)
    expect((error as ServerError).message).toMatch(/PocketBase exited \(code 3\) before it was healthy/)
    expect((error as ServerError).message).toContain('boom: no database')
  })
})
