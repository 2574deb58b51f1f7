import { expect } from 'vitest'
import { TokenNotRefreshableError, createDbInterface } from '../../../src/index.js'
import type { CompatFlow } from '../flow.js'

export const impersonateFlow: CompatFlow = {
  name: 'impersonation: a superuser child works on the record APIs; only 0.29+ lets auth-refresh accept its token',
  async run(env) {
    const { pb } = env
    const user = await pb.createUser({ verified: true, name: 'Imp' })
    const admin = env.superuser()

    const child = env.track(await admin.impersonate(user.id, { durationSeconds: 600 }))

    expect(admin.isSuperuser).toBe(true)
    expect(child.session).toMatchObject({ recordId: user.id, collectionName: 'users', refreshable: false })
    expect(child.isSuperuser).toBe(false)
    const seen = await createDbInterface(child).collection('users').getOne(user.id)
    expect(seen['name']).toBe('Imp')
    // The client never sends auth-refresh for an impersonation token, on every version.
    await expect(child.authRefresh()).rejects.toBeInstanceOf(TokenNotRefreshableError)

    // What the server itself does with that token differs by version (PocketBase 0.29 changed it).
    const token = await child.getToken()
    const refreshed = await fetch(`${pb.url}/api/collections/users/auth-refresh`, {
      method: 'POST',
      headers: { Authorization: token },
    })
    const body = (await refreshed.json()) as { token?: string; message?: string }
    if (env.isAtLeast('0.29.0')) {
      expect(refreshed.status).toBe(200)
      expect(body.token).toBe(token)
    } else {
      expect(refreshed.status).toBe(403)
      expect(body.message).toBe('The current auth token is not refreshable.')
    }
  },
}
