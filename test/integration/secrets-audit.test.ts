import '../setup/fail-on-unhandled.js'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOidcProvider, startSmtpSink, type OidcProvider, type SmtpSink } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { Audit, prepareServer, runAllFlows } from './audit-flows.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('secrets-audit tests')

describe.skipIf(bin === undefined)('secrets audit over every public flow', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  let oidc: OidcProvider
  const clients: AuthClient[] = []
  const audit = new Audit()

  beforeAll(async () => {
    ;[pb, sink, oidc] = await Promise.all([
      startPocketBase({ superuserPassword: `Su-${randomBytes(9).toString('hex')}` }),
      startSmtpSink(),
      startOidcProvider(),
    ])
    await prepareServer({ pb, sink, oidc })
  })

  afterAll(async () => {
    for (const client of clients) client.dispose()
    await Promise.all([pb?.stop(), sink?.stop(), oidc?.stop()])
  })

  it('no password, token, OTP code, code verifier, OAuth2 code or superuser password shows anywhere', async () => {
    await runAllFlows({ pb, sink, oidc, audit, clients })
    // The audit saw the secrets it looks for, and the SDK did say things (logs, events, errors).
    expect(audit.secretCount).toBeGreaterThanOrEqual(30)
    expect(audit.logLines.length).toBeGreaterThan(20)
    // …and it watched events and errors, not just logs: an unsubscribed audit would pass for nothing.
    const places = audit.shownPlaces().join('\n')
    for (const kind of [
      'event signedIn',
      'event tokenRefreshed',
      'event signedOut',
      'event mfaRequired',
      'message',
    ])
      expect(places).toContain(kind)
    expect(await audit.leaks()).toEqual([])
  })

  it('the audit catches a leak when one happens', async () => {
    const probe = new Audit()
    probe.secret('s3cret-probe-value')
    probe.showError('probe', new Error('wrapper', { cause: new Error('inner s3cret-probe-value') }))
    expect(await probe.leaks()).not.toEqual([])

    const viaLog = new Audit()
    viaLog.secret('s3cret-probe-value')
    viaLog.logger.info('something', { detail: 's3cret-probe-value' })
    expect(await viaLog.leaks()).not.toEqual([])

    const viaEvent = new Audit()
    viaEvent.secret('s3cret-probe-value')
    const watched = viaEvent.watch(
      createAuthClient({ url: pb.url, collection: '_superusers', autoRefresh: false }),
      'probe client',
    )
    clients.push(watched)
    watched.on('signedIn', () => {
      throw new Error('listener failed with s3cret-probe-value')
    })
    await watched.authWithPassword(pb.superuser.email, pb.superuser.password).catch(() => undefined)
    expect(await viaEvent.leaks()).not.toEqual([])
  })
})
