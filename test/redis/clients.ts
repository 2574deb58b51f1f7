/** The two Redis clients the share accepts, made the way an app makes them, plus a raw command for assertions. */
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { AuthSession } from '../../src/index.js'

export type ClientKind = 'ioredis' | 'node-redis'
export const CLIENT_KINDS: readonly ClientKind[] = ['ioredis', 'node-redis']

/** A connected client of one kind. */
export interface TestClient {
  readonly client: object
  /** Sends a raw command (for reading what Redis holds). */
  raw(...args: string[]): Promise<unknown>
  close(): Promise<void>
}

/**
 * Connects a client of `kind` to `url` (with the `error` listener both clients want).
 *
 * @param kind - which client package
 * @param url - `redis://...`
 * @returns the connected client
 */
export async function connectClient(kind: ClientKind, url: string): Promise<TestClient> {
  if (kind === 'ioredis') {
    const client = new Redis(url, { maxRetriesPerRequest: 1 })
    client.on('error', () => undefined)
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve())
      client.once('end', () => reject(new Error('ioredis: connection ended')))
    })
    return {
      client,
      raw: (command, ...args) => client.call(command!, ...args),
      close: async () => client.disconnect(),
    }
  }
  const client = createClient({ url })
  client.on('error', () => undefined)
  await client.connect()
  return {
    client,
    raw: (...args) => client.sendCommand(args),
    close: async () => {
      if (client.isOpen) client.destroy()
    },
  }
}

/** A session as a client builds it; the token is a recognisable fake. */
export function sampleSession(overrides: Partial<AuthSession> = {}): AuthSession {
  const now = Date.now()
  return {
    token: 'eyJhbGciOiJIUzI1NiJ9.eyJpZCI6InN1cGVyIn0.SECRET-TOKEN-SIGNATURE',
    record: {
      id: 'super1234567890',
      collectionId: 'pbc_3142635823',
      collectionName: '_superusers',
      email: 'worker@example.com',
    },
    collectionId: 'pbc_3142635823',
    collectionName: '_superusers',
    recordId: 'super1234567890',
    expiresAt: now + 60_000,
    issuedAt: now,
    refreshable: true,
    ...overrides,
  }
}
