/**
 * A real local OpenID provider on 127.0.0.1 (oauth2-mock-server) whose userinfo returns a user the test
 * chooses, with single-use codes, checked client credentials and on-demand consent denial.
 * @module
 */
import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import {
  OAuth2Server,
  type MutableRedirectUri,
  type MutableResponse,
  type MutableToken,
  type TokenRequestIncomingMessage,
} from 'oauth2-mock-server'

/** The userinfo claims the provider returns (PocketBase reads these). */
export interface OidcUser {
  sub: string
  email: string
  email_verified: boolean
  name: string
  preferred_username?: string
  picture?: string
}

/** A running OpenID provider. */
export interface OidcProvider {
  /** e.g. `http://127.0.0.1:41235`. */
  readonly issuer: string
  readonly authURL: string
  readonly tokenURL: string
  readonly userInfoURL: string
  readonly clientId: string
  readonly clientSecret: string
  /** The user the next authorizations log in as (codes already issued keep their user). */
  setUser(user: OidcUser): void
  /** The current user. */
  user(): OidcUser
  /** Make the next authorize redirect carry `error=<error>` (and the state) instead of a code. */
  denyNext(error?: string): void
  /** Stop the server. Idempotent. */
  stop(): Promise<void>
}

/**
 * Start the provider. The user defaults to a random verified one until `setUser()` is called.
 * Codes are single-use; the token endpoint checks the client credentials (Basic auth or body) and PKCE.
 * @example
 * const oidc = await startOidcProvider()
 * oidc.setUser({ sub: 'sub-1', email: 'ann@example.com', email_verified: true, name: 'Ann' })
 * await configureOidc(pb, 'users', oidc)
 */
export async function startOidcProvider(
  options: { clientId?: string; clientSecret?: string } = {},
): Promise<OidcProvider> {
  const clientId = options.clientId ?? 'pb-client'
  const clientSecret = options.clientSecret ?? 'pb-secret'
  const suffix = randomBytes(4).toString('hex')
  let current: OidcUser = {
    sub: `sub-${suffix}`,
    email: `oidc-${suffix}@example.com`,
    email_verified: true,
    name: `OIDC User ${suffix}`,
  }
  let pendingDenial: string | undefined
  const userByCode = new Map<string, OidcUser>()
  const usedCodes = new Set<string>()
  const userByAccessToken = new Map<string, OidcUser>()

  const server = new OAuth2Server()
  await server.issuer.keys.generate('RS256')
  const { service } = server

  // The library redirects to the URL object it emitted, so it must be mutated in place.
  service.on('beforeAuthorizeRedirect', (redirect: MutableRedirectUri) => {
    const code = redirect.url.searchParams.get('code')
    if (pendingDenial !== undefined) {
      redirect.url.searchParams.delete('code')
      redirect.url.searchParams.set('error', pendingDenial)
      pendingDenial = undefined
    } else if (code !== null) {
      userByCode.set(code, current)
    }
  })

  service.on('beforeTokenSigning', (token: MutableToken, req: TokenRequestIncomingMessage) => {
    const user = req.body.code === undefined ? undefined : userByCode.get(req.body.code)
    if (user) token.payload['sub'] = user.sub
  })

  service.on('beforeResponse', (response: MutableResponse, req: TokenRequestIncomingMessage) => {
    const reject = (statusCode: number, error: string): void => {
      response.statusCode = statusCode
      response.body = { error }
    }
    if (!hasClientCredentials(req, clientId, clientSecret)) return reject(401, 'invalid_client')
    const { code } = req.body
    if (req.body.grant_type !== 'authorization_code' || code === undefined) return undefined
    const user = userByCode.get(code)
    if (user === undefined || usedCodes.has(code)) return reject(400, 'invalid_grant')
    usedCodes.add(code)
    const accessToken = response.body === '' ? undefined : response.body['access_token']
    if (typeof accessToken === 'string') userByAccessToken.set(accessToken, user)
    return undefined
  })

  service.on('beforeUserinfo', (response: MutableResponse, req: IncomingMessage) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const user = bearer === undefined ? undefined : userByAccessToken.get(bearer)
    if (user === undefined) {
      response.statusCode = 401
      response.body = { error: 'invalid_token' }
      return
    }
    response.body = { ...user }
  })

  await server.start(0, '127.0.0.1')
  const issuer = `http://127.0.0.1:${server.address().port}`
  server.issuer.url = issuer
  let stopping: Promise<void> | undefined

  return {
    issuer,
    authURL: `${issuer}/authorize`,
    tokenURL: `${issuer}/token`,
    userInfoURL: `${issuer}/userinfo`,
    clientId,
    clientSecret,
    setUser(user) {
      current = { ...user }
    },
    user: () => ({ ...current }),
    denyNext(error = 'access_denied') {
      pendingDenial = error
    },
    stop() {
      stopping ??= server.stop()
      return stopping
    },
  }
}

function hasClientCredentials(req: TokenRequestIncomingMessage, clientId: string, secret: string): boolean {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const id = decodeURIComponent(decoded.slice(0, colon))
    return id === clientId && decodeURIComponent(decoded.slice(colon + 1)) === secret
  }
  const body: Record<string, unknown> = { ...req.body }
  return body['client_id'] === clientId && body['client_secret'] === secret
}
