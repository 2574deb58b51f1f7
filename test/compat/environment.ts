/**
 * What every compatibility flow runs against: one PocketBase of a given version (from the testing kit), its
 * mailbox, a real local OpenID provider, and clients that are disposed after each flow.
 */
import { startOidcProvider, type OidcProvider } from '../../dev/index.js'
import { createAuthClient, type AuthClient, type AuthClientOptions } from '../../src/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { isAtLeast, type SupportedPocketBaseVersion } from '../helpers/pocketbase-versions.js'

/** One PocketBase version and the real parts around it. */
export interface CompatEnvironment {
  readonly version: SupportedPocketBaseVersion
  readonly pb: PocketBaseHandle
  readonly oidc: OidcProvider
  /** Whether the server is at least `minimum`, for flows whose expectations differ by version. */
  isAtLeast(minimum: string): boolean
  /** A client of the server (`autoRefresh: false` unless overridden), disposed after the flow. */
  client(options?: Partial<AuthClientOptions>): AuthClient
  /** Keeps a client a flow got another way (an impersonated child) for disposal after the flow. */
  track(client: AuthClient): AuthClient
  /** A superuser client signed in through `credentials`, disposed after the flow. */
  superuser(): AuthClient
  /** Disposes every client handed out since the last call. */
  disposeClients(): void
  /** Stops the server and the provider. */
  stop(): Promise<void>
}

/**
 * Starts PocketBase `version` from `bin` and an OpenID provider.
 *
 * @param version - the version under test
 * @param bin - its binary
 * @returns the environment; call `stop()` in `afterAll`
 */
export async function startCompatEnvironment(
  version: SupportedPocketBaseVersion,
  bin: string,
): Promise<CompatEnvironment> {
  const [pb, oidc] = await Promise.all([startPocketBase({ bin }), startOidcProvider()])
  const clients: AuthClient[] = []
  const track = (client: AuthClient): AuthClient => {
    clients.push(client)
    return client
  }
  const client = (options: Partial<AuthClientOptions> = {}): AuthClient =>
    track(createAuthClient({ url: pb.url, autoRefresh: false, ...options }))
  return {
    version,
    pb,
    oidc,
    isAtLeast: (minimum) => isAtLeast(version, minimum),
    client,
    track,
    superuser: () =>
      client({
        collection: '_superusers',
        credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
      }),
    disposeClients() {
      for (const auth of clients.splice(0)) auth.dispose()
    },
    async stop() {
      await Promise.all([pb.stop(), oidc.stop()])
    },
  }
}
