/**
 * Shared msw setup for unit tests of faults a real PocketBase cannot produce on demand.
 * Every unhandled request is an error, and every request that reaches msw is recorded, so a test can prove
 * that a call sent nothing.
 */
import { HttpResponse } from 'msw'
import type { RequestHandler } from 'msw'
import { setupServer, type SetupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'

/** Base URL the unit tests point clients at; nothing listens there, msw answers. */
export const PB_URL = 'http://pb.test'

/** A request as msw saw it (headers copied, body not read). */
export interface RecordedRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Headers
}

/** The running msw server plus every request it saw in the current test. */
export interface MswHarness {
  readonly server: SetupServer
  readonly requests: RecordedRequest[]
}

/**
 * Starts msw for this test file (`onUnhandledRequest: 'error'`), resets handlers and the request log after each
 * test, and closes it after the file.
 */
export function useMswServer(...handlers: RequestHandler[]): MswHarness {
  const server = setupServer(...handlers)
  const requests: RecordedRequest[] = []
  server.events.on('request:start', ({ request }) => {
    requests.push({
      method: request.method,
      url: new URL(request.url),
      headers: new Headers(request.headers),
    })
  })
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => {
    server.resetHandlers()
    requests.length = 0
  })
  afterAll(() => server.close())
  return { server, requests }
}

/** `http://pb.test/api/collections/{collection}/{action}`. */
export function pbUrl(action: string, collection = 'users'): string {
  return `${PB_URL}/api/collections/${collection}/${action}`
}

/** A PocketBase-style JSON answer (PocketBase always sends `Content-Type: application/json`). */
export function pbJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return HttpResponse.json(body as Record<string, unknown>, { status, headers })
}
