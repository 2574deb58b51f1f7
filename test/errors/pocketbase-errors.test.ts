import { ClientResponseError } from 'pocketbase'
import { describe, expect, it } from 'vitest'
import { fromPocketBaseError } from '../../src/db/pocketbase-errors.js'
import { AbortedError, NetworkError, NotFoundError, TimeoutError } from '../../src/index.js'

const PATH = '/api/collections/posts/records'
const BASE = 'https://pb.example.com'

/** What the `pocketbase` SDK throws when `fetch` itself fails (refused connection). */
function refused(): ClientResponseError {
  const failure = new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8090'), { code: 'ECONNREFUSED' }),
  })
  return new ClientResponseError(failure)
}

describe('fromPocketBaseError: every message names method and URL', () => {
  it('an HTTP error names the URL the SDK reports, without its query string', () => {
    const error = fromPocketBaseError(
      new ClientResponseError({
        url: `${BASE}${PATH}?page=1&perPage=30&filter=secret%3D1`,
        status: 404,
        data: { data: {}, message: 'Missing collection context.', status: 404 },
      }),
      'GET',
      PATH,
    )
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.message).toBe(`GET ${BASE}${PATH} (404): Missing collection context.`)
    expect(error.exchange?.url).toBe(`${BASE}${PATH}`)
  })

  it('a 404 through a base URL ending with /api gets the hint', () => {
    const error = fromPocketBaseError(
      new ClientResponseError({ url: `${BASE}/api/api/collections/posts/records`, status: 404, data: {} }),
      'GET',
      '/api/collections/posts/records',
    )
    expect(error.message).toContain('must not end with /api')
  })

  it('a refused connection names base URL + path and the cause code', () => {
    const error = fromPocketBaseError(refused(), 'GET', PATH, undefined, `${BASE}/`)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.message).toBe(`GET ${BASE}${PATH}: network error (ECONNREFUSED)`)
  })

  it('without a base URL, a refused connection names the path and the cause code', () => {
    const error = fromPocketBaseError(refused(), 'GET', PATH)
    expect(error.message).toBe(`GET ${PATH}: network error (ECONNREFUSED)`)
  })

  it('timeouts and aborts name the URL too', () => {
    const state = { timedOut: true, aborted: true, timeoutMs: 250 }
    const timeout = fromPocketBaseError(refused(), 'GET', PATH, state, BASE)
    expect(timeout).toBeInstanceOf(TimeoutError)
    expect(timeout.message).toBe(`GET ${BASE}${PATH}: no complete response within 250 ms`)
    const aborted = fromPocketBaseError(refused(), 'GET', PATH, { ...state, timedOut: false }, BASE)
    expect(aborted).toBeInstanceOf(AbortedError)
    expect(aborted.message).toBe(`GET ${BASE}${PATH}: aborted by the caller`)
  })

  it('strips control characters a hostile server put in its message', () => {
    const error = fromPocketBaseError(
      new ClientResponseError({
        url: `${BASE}${PATH}`,
        status: 500,
        data: { message: 'oops\r\n\u001b[31mFAKE LOG LINE' },
      }),
      'GET',
      PATH,
    )
    expect(error.message).toBe(`GET ${BASE}${PATH} (500): oops FAKE LOG LINE`)
  })
})
