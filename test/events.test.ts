import { http } from 'msw'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthEventEmitter, type AuthEventName } from '../src/events.js'
import { silentLogger } from '../src/logger.js'
import { createAuthClient, type AuthClient, type AuthSession, type LogContext } from '../src/index.js'
import { makeAuthResponse } from './helpers/factories.js'
import { PB_URL, pbJson, pbUrl, useMswServer } from './helpers/msw.js'

const { server } = useMswServer()

describe('AuthEventEmitter', () => {
  const errors: { error: unknown; event: AuthEventName | undefined }[] = []
  /** Records each listener failure instead of logging and re-emitting it (the client tests below check that). */
  class RecordingEmitter extends AuthEventEmitter {
    protected override listenerFailed(error: unknown, event: AuthEventName | undefined): void {
      errors.push({ error, event })
    }
  }
  const emitter = (): AuthEventEmitter => new RecordingEmitter(silentLogger)
  afterEach(() => {
    errors.length = 0
  })

  it('on() returns an unsubscribe function that stops delivery', () => {
    const events = emitter()
    const listener = vi.fn()
    const off = events.on('signedOut', listener)
    events.emit('signedOut', { reason: 'logout' })
    off()
    events.emit('signedOut', { reason: 'expired' })
    expect(listener).toHaveBeenCalledTimes(1)
    expect(listener).toHaveBeenCalledWith({ reason: 'logout' })
    off()
    events.emit('signedOut', { reason: 'logout' })
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('unsubscribing one listener keeps the others, even the same function subscribed twice', () => {
    const events = emitter()
    const listener = vi.fn()
    const offFirst = events.on('signedOut', listener)
    events.on('signedOut', listener)
    offFirst()
    events.emit('signedOut', { reason: 'logout' })
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('delivers an event to each of its listeners, in order, and to no other event’s', () => {
    const events = emitter()
    const calls: string[] = []
    events.on('signedOut', () => calls.push('first'))
    events.on('signedOut', () => calls.push('second'))
    events.on('error', () => calls.push('error'))
    events.emit('signedOut', { reason: 'logout' })
    expect(calls).toEqual(['first', 'second'])
  })

  it('removeAll() drops every listener', () => {
    const events = emitter()
    const listener = vi.fn()
    events.on('signedOut', listener)
    events.on('error', listener)
    events.removeAll()
    events.emit('signedOut', { reason: 'logout' })
    events.emit('error', new Error('after removeAll'))
    expect(listener).not.toHaveBeenCalled()
  })

  it('a throwing listener does not stop emit or later listeners, and is reported', () => {
    const events = emitter()
    const boom = new Error('listener bug')
    const later = vi.fn()
    events.on('signedOut', () => {
      throw boom
    })
    events.on('signedOut', later)
    expect(() => events.emit('signedOut', { reason: 'logout' })).not.toThrow()
    expect(later).toHaveBeenCalledTimes(1)
    expect(errors).toEqual([{ error: boom, event: 'signedOut' }])
  })

  it('a rejecting async listener is reported, not left unhandled, and never awaited', async () => {
    const events = emitter()
    const boom = new Error('async listener bug')
    let settle: () => void = () => undefined
    const pending = new Promise<void>((resolve) => {
      settle = resolve
    })
    events.on('signedOut', async () => {
      await pending
      throw boom
    })
    events.emit('signedOut', { reason: 'logout' })
    expect(errors).toEqual([])
    settle()
    await vi.waitFor(() => expect(errors).toEqual([{ error: boom, event: 'signedOut' }]))
  })
})

describe('client events', () => {
  let auth: AuthClient | undefined
  afterEach(() => {
    auth?.dispose()
    auth = undefined
  })

  const signInAnswers = (): void => {
    server.use(http.post(pbUrl('auth-with-password'), () => pbJson(makeAuthResponse())))
  }

  it('signedIn delivers the session; a throwing listener reaches client.on("error") and sign-in still works', async () => {
    signInAnswers()
    const logged: { message: string; context: LogContext | undefined }[] = []
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (message: string, context?: LogContext) => logged.push({ message, context }),
    }
    auth = createAuthClient({ url: PB_URL, logger })
    const boom = new Error('listener bug')
    const received: AuthSession[] = []
    const errors: Error[] = []
    auth.on('signedIn', () => {
      throw boom
    })
    auth.on('signedIn', (session) => received.push(session))
    auth.on('error', (error) => errors.push(error))

    const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    expect(received).toEqual([session])
    expect(errors).toEqual([boom])
    expect(auth.session).toBe(session)
    expect(logged).toEqual([{ message: 'an event listener threw', context: { event: 'signedIn' } }])
  })

  it('a rejecting async listener reaches client.on("error"), wrapped in an Error when it is not one', async () => {
    signInAnswers()
    auth = createAuthClient({ url: PB_URL })
    const errors: Error[] = []
    auth.on('error', (error) => errors.push(error))
    auth.on('signedIn', () => Promise.reject('plain string rejection'))
    await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    await vi.waitFor(() => expect(errors).toHaveLength(1))
    expect(errors[0]).toBeInstanceOf(Error)
    expect(errors[0]!.message).toBe('plain string rejection')
  })

  it('a throwing "error" listener does not loop', async () => {
    signInAnswers()
    auth = createAuthClient({ url: PB_URL })
    const errorListener = vi.fn(() => {
      throw new Error('error listener bug')
    })
    auth.on('error', errorListener)
    auth.on('signedIn', () => {
      throw new Error('listener bug')
    })
    await expect(auth.authWithPassword('alice@example.com', 'pw-secret-1')).resolves.toBeDefined()
    expect(errorListener).toHaveBeenCalledTimes(1)
  })

  it('logout() emits signedOut once with reason "logout"; unsubscribed listeners hear nothing', async () => {
    signInAnswers()
    auth = createAuthClient({ url: PB_URL })
    const kept = vi.fn()
    const dropped = vi.fn()
    auth.on('signedOut', kept)
    const off = auth.on('signedOut', dropped)
    await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    off()
    auth.logout()
    auth.logout()
    expect(kept).toHaveBeenCalledTimes(1)
    expect(kept).toHaveBeenCalledWith({ reason: 'logout' })
    expect(dropped).not.toHaveBeenCalled()
  })

  it('dispose() removes every listener', async () => {
    signInAnswers()
    const client = createAuthClient({ url: PB_URL })
    auth = client
    const listener = vi.fn()
    client.on('signedOut', listener)
    await client.authWithPassword('alice@example.com', 'pw-secret-1')
    client.dispose()
    expect(() => client.logout()).toThrow(expect.objectContaining({ code: 'not_authenticated' }))
    expect(() => client.on('signedIn', listener)).toThrow(/dispose\(\)/)
    expect(listener).not.toHaveBeenCalled()
    expect(client.session).not.toBeNull()
  })
})
