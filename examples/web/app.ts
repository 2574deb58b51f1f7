/**
 * A small server-rendered web app (Hono) on `pocketbase-auth/ssr`: a client per request with the session in cookies,
 * sign-in by password, by a code from the mail (OTP), by OpenID (OAuth2) and with a second factor (MFA), a page
 * protected by `pocketbase-auth/server`'s middleware reading the same cookie, and sign-out by POST.
 * Run it with `npm run example:web`; the browser tests in test/browser/ drive it with Chromium.
 */
import { Hono } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { csrf } from 'hono/csrf'
import { isAuthError, MfaRequiredError, type AuthSession } from 'pocketbase-auth'
import { createTokenVerifier, honoAuth } from 'pocketbase-auth/server'
import { createRequestAuth, type RequestAuthClient } from 'pocketbase-auth/ssr'
import { codePage, errorPage, layout, loginPage, escape } from './pages.js'

export interface WebAppOptions {
  /** PocketBase's URL. */
  readonly pocketBaseUrl: string
  /** The cookie secret (at least 32 bytes). */
  readonly secret: string
  /** The OAuth2 provider's key in the `users` collection. @default 'oidc' */
  readonly provider?: string
  /** See `RequestAuthOptions.refreshAfterShare`. @default 0.5 */
  readonly refreshAfterShare?: number
}

type Env = { Variables: { pb: RequestAuthClient; session: AuthSession | null } }

export function createWebApp(options: WebAppOptions): Hono<Env> {
  const { pocketBaseUrl, secret, provider = 'oidc' } = options
  // The protected page asks PocketBase about the token (cached 5 s): a revoked session is refused there.
  const verifier = createTokenVerifier({ url: pocketBaseUrl, collections: ['users'], cacheTtlSeconds: 5 })
  const app = new Hono<Env>()

  // Form posts from other sites are refused (login CSRF on the password form, forced sign-outs).
  app.use(csrf())

  // One client per request, reading and writing this request's cookies; the session is refreshed when due.
  app.use(async (c, next) => {
    const pb = createRequestAuth({
      url: pocketBaseUrl,
      secret,
      requestUrl: c.req.url,
      ...(options.refreshAfterShare === undefined ? {} : { refreshAfterShare: options.refreshAfterShare }),
      cookies: {
        getAll: () => Object.entries(getCookie(c)).map(([name, value]) => ({ name, value })),
        setAll: (cookies) => {
          for (const { name, value, options: attributes } of cookies) setCookie(c, name, value, attributes)
        },
      },
    })
    c.set('pb', pb)
    c.set('session', await pb.getSession())
    await next()
  })

  app.get('/', (c) => {
    const session = c.get('session')
    const body =
      session === null
        ? '<p>You are not signed in. <a href="/login">Sign in</a>.</p>'
        : `<p>Welcome back, ${escape(String(session.record.name ?? session.record.email ?? ''))}.</p>`
    return c.html(layout('Home', session, body))
  })

  app.get('/login', (c) =>
    c.html(
      loginPage(
        c.get('session'),
        c.req.query('mfa') === undefined ? '' : 'Enter your password to finish signing in.',
      ),
    ),
  )

  app.post('/login/password', async (c) => {
    const pb = c.get('pb')
    const form = await c.req.parseBody()
    const email = String(form.email ?? '')
    try {
      await pb.authWithPassword(email, String(form.password ?? ''))
      return c.redirect('/', 303)
    } catch (error) {
      if (error instanceof MfaRequiredError) {
        // The mfaId is now in a sealed cookie; the code from the mail finishes the sign-in.
        await pb.requestOTP(email)
        return c.redirect('/login/code', 303)
      }
      if (isAuthError(error)) return c.html(loginPage(null, `Could not sign in (${error.code}).`), 400)
      throw error
    }
  })

  app.post('/login/otp', async (c) => {
    const form = await c.req.parseBody()
    await c.get('pb').requestOTP(String(form.email ?? ''))
    return c.redirect('/login/code', 303)
  })

  app.get('/login/code', async (c) => {
    const { otp, mfa } = await c.get('pb').pendingSignIn()
    if (otp === null) return c.redirect('/login', 303)
    return c.html(codePage(c.get('session'), otp.email, mfa !== null))
  })

  app.post('/login/code', async (c) => {
    const pb = c.get('pb')
    const { otp } = await pb.pendingSignIn()
    if (otp === null) return c.redirect('/login', 303)
    const form = await c.req.parseBody()
    try {
      await pb.authWithOTP(otp.otpId, String(form.code ?? ''))
      return c.redirect('/', 303)
    } catch (error) {
      if (error instanceof MfaRequiredError) return c.redirect('/login?mfa=1', 303)
      if (isAuthError(error)) return c.html(errorPage(null, error.code, 'That code did not work.'), 400)
      throw error
    }
  })

  app.post('/login/oauth2', async (c) => {
    const redirectUrl = new URL('/auth/callback', c.req.url).href
    const { url } = await c.get('pb').startOAuth2(provider, { redirectUrl })
    return c.redirect(url, 303)
  })

  app.get('/auth/callback', async (c) => {
    const pb = c.get('pb')
    try {
      await pb.completeOAuth2(c.req.url)
      return c.redirect('/', 303)
    } catch (error) {
      if (error instanceof MfaRequiredError) {
        return c.redirect('/login?mfa=1', 303)
      }
      if (isAuthError(error)) return c.html(errorPage(pb.session, error.code, error.message), 400)
      throw error
    }
  })

  // Protected: pocketbase-auth/server verifies the cookie's token with PocketBase (revocation included).
  app.get('/account', honoAuth(verifier, { cookie: true, optional: true }), (c) => {
    const who = c.get('auth')
    if (who === null) return c.redirect('/login', 303)
    return c.html(
      layout(
        'Account',
        c.get('session'),
        `<p id="account" data-email="${escape(String(who.record.email ?? ''))}">Record ${escape(who.recordId)} of ${escape(who.collectionName)}, verified by PocketBase.</p>`,
      ),
    )
  })

  app.post('/logout', (c) => {
    c.get('pb').logout()
    return c.redirect('/', 303)
  })

  app.onError((error, c) => {
    if (isAuthError(error)) return c.html(errorPage(null, error.code, error.message), 503)
    throw error
  })
  return app
}
