import { randomBytes } from 'node:crypto'
import { expect } from 'vitest'
import { configureOidc, followAuthorize } from '../../../dev/index.js'
import type { CompatFlow } from '../flow.js'

/** Where the provider sends the browser back; nothing listens there, the flow reads the redirect instead. */
const REDIRECT_URL = 'http://127.0.0.1:9/oauth2/callback'

export const oauth2Flow: CompatFlow = {
  name: 'OAuth2: PKCE code flow through a real OpenID provider creates, then signs in, the user',
  async setup({ pb, oidc }) {
    await configureOidc(pb, 'users', oidc)
  },
  async run({ oidc, client }) {
    const suffix = randomBytes(5).toString('hex')
    const person = {
      sub: `sub-${suffix}`,
      email: `oidc-${suffix}@example.com`,
      email_verified: true,
      name: 'Ann',
    }
    oidc.setUser(person)
    const auth = client()

    const started = await auth.startOAuth2('oidc', { redirectUrl: REDIRECT_URL })
    const params = new URL(started.url).searchParams
    expect(params.get('code_challenge_method')).toBe('S256')
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    const created = await auth.completeOAuth2((await followAuthorize(started.url)).href)

    expect(created.record).toMatchObject({ email: person.email, verified: true })
    expect(created.meta).toMatchObject({ isNew: true, id: person.sub, email: person.email })

    const second = client()
    const restarted = await second.startOAuth2('oidc', { redirectUrl: REDIRECT_URL })
    const signedIn = await second.completeOAuth2((await followAuthorize(restarted.url)).href)
    expect(restarted.state).not.toBe(started.state)
    expect(signedIn.recordId).toBe(created.recordId)
    expect(signedIn.meta.isNew).toBe(false)
  },
}
