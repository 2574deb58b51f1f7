import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import { importPeer, INSTALL_TESTING_PEERS } from '../../src/testing/optional-peer.js'
import { rejectionOf } from '../helpers/rejection.js'

/** A loader that fails the way Node does when `missing` cannot be resolved. */
function notFound(missing: string, code = 'ERR_MODULE_NOT_FOUND'): (name: string) => Promise<unknown> {
  return () =>
    Promise.reject(
      Object.assign(new Error(`Cannot find package '${missing}' imported from /app/test.js`), { code }),
    )
}

describe('importPeer', () => {
  it('loads an installed peer', async () => {
    const parser = await importPeer<{ simpleParser: unknown }>('mailparser')
    expect(typeof parser.simpleParser).toBe('function')
    const smtp = await importPeer<{ SMTPServer: unknown }>('smtp-server')
    expect(typeof smtp.SMTPServer).toBe('function')
  })

  it('turns a missing peer (ESM or CommonJS lookup) into one ConfigError naming it and the install command', async () => {
    for (const code of ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']) {
      const error = await rejectionOf(importPeer('smtp-server', notFound('smtp-server', code)))
      expect(error).toBeInstanceOf(ConfigError)
      const { issues, message } = error as ConfigError
      expect(issues).toHaveLength(1)
      expect(issues[0]?.path).toBe('smtp-server')
      expect(message).toContain(INSTALL_TESTING_PEERS)
      expect(message).toContain('{ mail: false }')
    }
  })

  it('rethrows a failure inside an installed peer unchanged (a missing file of its own, a throwing module)', async () => {
    const inner = await rejectionOf(importPeer('mailparser', notFound('libmime')))
    expect(inner).not.toBeInstanceOf(ConfigError)
    expect((inner as Error).message).toContain("'libmime'")
    const broken = new TypeError('boom')
    expect(await rejectionOf(importPeer('mailparser', () => Promise.reject(broken)))).toBe(broken)
  })
})
