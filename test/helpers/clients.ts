import { afterEach } from 'vitest'
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../../src/index.js'

/**
 * A client factory for one test suite: every client it makes is disposed after each test. `url` is read when a
 * client is made, so it can name a server started in `beforeAll`. Defaults to `autoRefresh: false`, so no
 * background timer runs unless a test asks for one.
 */
export function useClients(url: () => string): (options?: Partial<AuthClientOptions>) => AuthClient {
  const clients: AuthClient[] = []
  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
  })
  return (options = {}) => {
    const auth = createAuthClient({ url: url(), autoRefresh: false, ...options })
    clients.push(auth)
    return auth
  }
}
