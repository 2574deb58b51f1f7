/**
 * The HTML of the example web app: plain strings, every value escaped. Each page says who is signed in
 * (`#status`, with `data-email` and `data-expires` for the browser tests) and offers what can be done next.
 */
import type { AuthSession } from 'pocketbase-auth'

export const escape = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

export function layout(title: string, session: AuthSession | null, body: string): string {
  const email = session?.record.email ?? ''
  const status =
    session === null
      ? '<p id="status" data-email="">Signed out</p>'
      : `<p id="status" data-email="${escape(email)}" data-expires="${session.expiresAt}">Signed in as ${escape(email || session.recordId)}</p>
         <form method="post" action="/logout"><button id="logout" type="submit">Sign out</button></form>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · pocketbase-auth web example</title></head>
<body>
  <nav><a href="/">Home</a> · <a href="/account">Account (protected)</a> · <a href="/login">Sign in</a></nav>
  ${status}
  <main><h1>${escape(title)}</h1>${body}</main>
</body></html>`
}

export function loginPage(session: AuthSession | null, message = ''): string {
  return layout(
    'Sign in',
    session,
    `${message === '' ? '' : `<p id="message">${escape(message)}</p>`}
    <h2>Password</h2>
    <form id="password-form" method="post" action="/login/password">
      <input name="email" type="email" placeholder="email" required>
      <input name="password" type="password" placeholder="password" required>
      <button type="submit">Sign in</button>
    </form>
    <h2>Code by mail (OTP)</h2>
    <form id="otp-form" method="post" action="/login/otp">
      <input name="email" type="email" placeholder="email" required>
      <button type="submit">Mail me a code</button>
    </form>
    <h2>OpenID</h2>
    <form id="oauth2-form" method="post" action="/login/oauth2"><button type="submit">Sign in with OpenID</button></form>`,
  )
}

export function codePage(session: AuthSession | null, email: string, secondFactor: boolean): string {
  return layout(
    secondFactor ? 'Second factor' : 'Enter your code',
    session,
    `<p id="code-sent">We mailed a code to ${escape(email)}${secondFactor ? ' to finish signing in (MFA)' : ''}.</p>
    <form id="code-form" method="post" action="/login/code">
      <input name="code" inputmode="numeric" autocomplete="one-time-code" placeholder="code" required>
      <button type="submit">Continue</button>
    </form>`,
  )
}

export function errorPage(session: AuthSession | null, code: string, message: string): string {
  return layout(
    'Sign-in failed',
    session,
    `<p id="error" data-code="${escape(code)}">${escape(message)}</p><p><a href="/login">Try again</a></p>`,
  )
}
