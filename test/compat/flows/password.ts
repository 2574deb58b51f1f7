import { expect } from 'vitest'
import { InvalidCredentialsError, type AuthSession } from '../../../src/index.js'
import type { CompatFlow } from '../flow.js'

export const passwordFlow: CompatFlow = {
  name: 'password: signs in with a typed session, and rejects a wrong password',
  async run({ pb, client }) {
    const user = await pb.createUser({ verified: true })
    const auth = client()
    const signedIn: AuthSession[] = []
    auth.on('signedIn', (session) => signedIn.push(session))

    const session = await auth.authWithPassword(user.email, user.password)

    expect(session).toMatchObject({ recordId: user.id, collectionName: 'users', refreshable: true })
    expect(session.record.email).toBe(user.email)
    expect(session.expiresAt).toBeGreaterThan(Date.now())
    expect(auth.isAuthenticated).toBe(true)
    expect(signedIn).toHaveLength(1)
    const wrong = await client()
      .authWithPassword(user.email, `${user.password}-wrong`)
      .catch((error: unknown) => error)
    expect(wrong).toBeInstanceOf(InvalidCredentialsError)
    expect(wrong).toMatchObject({ code: 'invalid_credentials', status: 400 })
  },
}
