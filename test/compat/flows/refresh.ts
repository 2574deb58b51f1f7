import { expect } from 'vitest'
import type { AuthSession } from '../../../src/index.js'
import type { CompatFlow } from '../flow.js'

export const refreshFlow: CompatFlow = {
  name: 'refresh: authRefresh returns a new token with fresh record data, and getToken then serves it',
  async run({ pb, client }) {
    const user = await pb.createUser({ verified: true, name: 'Before' })
    const auth = client()
    const refreshed: AuthSession[] = []
    auth.on('tokenRefreshed', (session) => refreshed.push(session))
    const first = await auth.authWithPassword(user.email, user.password)
    await pb.api('PATCH', `/api/collections/users/records/${user.id}`, { name: 'After' })

    const second = await auth.authRefresh()

    expect(second.recordId).toBe(first.recordId)
    expect(second.refreshable).toBe(true)
    expect(second.record['name']).toBe('After')
    expect(refreshed.map((session) => session.token)).toEqual([second.token])
    expect(auth.session?.token).toBe(second.token)
    expect(await auth.getToken()).toBe(second.token)
  },
}
