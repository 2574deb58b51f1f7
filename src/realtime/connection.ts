import { isAuthError, type AuthError } from '../errors/auth-error.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { NotAuthenticatedError, TokenExpiredError } from '../errors/session-errors.js'
import { AbortedError, NetworkError, TimeoutError } from '../errors/transport.js'
import { disposedError } from '../lifecycle/disposed.js'
import { retryDelayAfter } from '../lifecycle/failures.js'
import type { TokenOrigin } from '../lifecycle/token-keeper.js'
import { SingleTimer } from '../scheduler/timer.js'
import type { AuthSession, SignedOutReason } from '../session/types.js'
import {
  identityOf,
  RESUBMIT_MS,
  STABLE_MS,
  submitSubscriptions,
  type RealtimeDeps,
} from './connection-deps.js'
import { openEventStream } from './open-stream.js'
import { RealtimeEmitter, type RealtimeState } from './realtime-events.js'
import { parseRecordEvent, SubscriptionRegistry, type RecordHandler } from './subscriptions.js'
import { topicName, tooManyTopics, REALTIME_LIMITS } from './topics.js'
import type { StreamMessage } from './event-stream.js'

/**
 * One realtime connection of a db-interface, carrying every subscription it has: opens the stream, submits the
 * subscriptions with a fresh token (again after every refresh or sign-in of the same user, and at least every
 * {@link RESUBMIT_MS}), reconnects with backoff after a drop and resubmits everything, and ends
 * with the session.
 */
export class RealtimeConnection {
  /** The `connected`, `disconnected` and `error` events (`db.realtime.on`). */
  readonly events: RealtimeEmitter
  readonly #deps: RealtimeDeps
  readonly #subs = new SubscriptionRegistry()
  #state: RealtimeState = 'idle'
  /** The user the subscriptions belong to. */
  #identity: string | undefined
  /** Bumped whenever a stream starts or stops: callbacks of an older stream are ignored. */
  #generation = 0
  #abort: AbortController | undefined
  #clientId: string | undefined
  #openedAt = 0
  #failures = 0
  /** The next `connected` carries subscriptions of an earlier connection. */
  #resumed = false
  /** The resubmission timer while open (unref'd: the open stream keeps a Node process alive). */
  readonly #timer = new SingleTimer()
  /**
   * The reconnect timer while retrying. Not unref'd, unlike the client's timers: while there are subscriptions,
   * waiting to reconnect keeps a Node process alive as the open stream does (`close()` lets it exit).
   */
  #retry: ReturnType<typeof setTimeout> | undefined
  readonly #handshake = new SingleTimer()
  #submitting = false
  #pending: { origin: TokenOrigin; verify: boolean } | undefined
  #unwatch: (() => void) | undefined

  /** @param deps - see {@link RealtimeDeps} */
  constructor(deps: RealtimeDeps) {
    this.#deps = deps
    this.events = new RealtimeEmitter(deps.config.logger)
  }

  /**
   * Where the connection is.
   *
   * @returns the state, see {@link RealtimeState}
   */
  get state(): RealtimeState {
    return this.#state
  }

  /**
   * Adds a handler for a topic and resolves once the server has accepted the topic (at once when it already had).
   *
   * @param key - the topic, see `topicKey`
   * @param handler - a new handler
   * @param method - the public call, for messages
   * @param signal - the caller's signal: once it aborted, the handler is not added
   * @throws {AuthError} `not_authenticated` (no session, or a disposed client), `token_expired`,
   * `validation_failed` (too many topics), the transport codes of the attempt it waited for, `aborted`.
   */
  async subscribe(
    key: string,
    handler: RecordHandler,
    method: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.#deps.isDisposed()) throw disposedError(method)
    await this.#deps.tokens.getToken('caller')
    if (this.#deps.isDisposed()) throw disposedError(method)
    if (signal?.aborted === true) throw new AbortedError(`${method}: aborted by the caller`)
    const identity = identityOf(this.#deps.session())
    if (this.#identity !== undefined && identity !== this.#identity) this.#end('idle', false, anotherUser())
    if (!this.#subs.has(key) && this.#subs.size >= REALTIME_LIMITS.maxTopics) throw tooManyTopics(method)
    this.#identity = identity
    const isNew = this.#subs.add(key, handler)
    this.#unwatch ??= this.#deps.watchSession({
      signedIn: (session) => this.#onSignedIn(session),
      tokenRefreshed: () => this.#resubmit(false),
      signedOut: (reason) => this.#onSignedOut(reason),
    })
    if (!isNew && this.#state === 'open' && !this.#subs.isWaiting(key)) return
    const accepted = this.#subs.wait(key, handler)
    if (!this.#active) this.#connect()
    // Connected: submit now. Still opening (or retrying): the submission after PB_CONNECT takes it.
    else if (this.#clientId !== undefined) this.#requestSubmit('caller', false)
    return accepted
  }

  /**
   * Removes a handler; a topic left without handlers is withdrawn from the server (the last one closes the
   * connection). Never rejects: the handler is gone either way.
   *
   * @param key - the topic
   * @param handler - the handler
   * @param abandoned - the error of its `subscribe` if that still waits
   */
  async unsubscribe(key: string, handler: RecordHandler, abandoned: AuthError): Promise<void> {
    const had = this.#subs.has(key)
    this.#subs.abandon(handler, abandoned)
    this.#subs.remove(key, handler)
    // The topic stays while other handlers have it.
    if (!had || this.#subs.has(key)) return
    if (this.#subs.size === 0) return this.#end('idle', false)
    if (this.#state !== 'open') return
    const done = this.#subs.flush()
    this.#requestSubmit('background', false)
    return done
  }

  /**
   * Whether events still reach `handler` (for a delivery that was delayed, e.g. by an async schema).
   *
   * @param key - the handler's topic
   * @param handler - the handler
   * @returns `true` while the handler is subscribed and the connection is not ended
   */
  delivers(key: string, handler: RecordHandler): boolean {
    return this.#active && this.#subs.handlersOf(key)?.has(handler) === true
  }

  /** Ends every subscription and the connection (`closed`); a later `subscribe` opens a new one. */
  close(): void {
    this.#end('closed', false)
  }

  /**
   * Ends every subscription and the connection because the client was disposed: `closed`, with a
   * `not_authenticated` error event naming `dispose()`. Called by the client's `dispose()`, at once.
   */
  clientDisposed(): void {
    if (this.#state === 'closed' && this.#subs.size === 0) return
    this.#end('closed', false, disposedError('realtime'))
  }

  #onSignedIn(session: AuthSession): void {
    if (this.#identity !== undefined && identityOf(session) !== this.#identity) {
      this.#end('idle', false, anotherUser())
    } else if (this.#state === 'closed' && this.#subs.size > 0) {
      this.#connect()
    } else {
      this.#resubmit(false)
    }
  }

  #onSignedOut(reason: SignedOutReason): void {
    if (!this.#active) return
    const error =
      reason === 'logout'
        ? new NotAuthenticatedError('realtime: signed out by logout(); subscriptions paused')
        : new TokenExpiredError(
            `realtime: the session ended (${reason}); subscriptions paused until the same user signs in`,
          )
    this.#end('closed', true, error)
  }

  /**
   * Stops everything. `keep` keeps the subscriptions for the same user's next sign-in (state `closed`).
   * Emits `disconnected` (with `error`) when a connection was active, and `error` when `report` says so.
   */
  #end(state: 'idle' | 'closed', keep: boolean, error?: AuthError, report = error !== undefined): void {
    const wasActive = this.#active
    this.#stopStream()
    this.#failures = 0
    this.#subs.rejectAll(error ?? new AbortedError('realtime: the connection was closed'))
    if (!keep) this.#subs.clear()
    const kept = this.#subs.size > 0
    this.#resumed = kept
    if (!kept) {
      this.#identity = undefined
      this.#unwatch?.()
      this.#unwatch = undefined
    }
    this.#state = state
    if (wasActive) this.events.emit('disconnected', { willRetry: false, retryInMs: undefined, error })
    if (report && error !== undefined) this.events.emit('error', error)
  }

  /** Whether a connection is wanted: connecting, open or retrying (not `idle` or `closed`). */
  get #active(): boolean {
    return this.#state !== 'idle' && this.#state !== 'closed'
  }

  /** Stops the stream and every timer of it (handshake, resubmission, reconnect); its callbacks are ignored. */
  #stopStream(): void {
    clearTimeout(this.#retry)
    this.#timer.cancel()
    this.#generation++
    this.#abort?.abort()
    this.#abort = undefined
    this.#clientId = undefined
    this.#pending = undefined
    this.#handshake.cancel()
  }

  #connect(): void {
    this.#stopStream()
    const generation = this.#generation
    const abort = (this.#abort = new AbortController())
    this.#state = 'connecting'
    const { timeoutMs } = this.#deps.config
    this.#handshake.arm(timeoutMs, () =>
      this.#dropped(generation, new TimeoutError(`GET /api/realtime: not connected within ${timeoutMs} ms`)),
    )
    void openEventStream(this.#deps.config, abort.signal, (message) =>
      this.#onMessage(generation, message),
    ).then((error) => this.#dropped(generation, error))
  }

  #onMessage(generation: number, message: StreamMessage): void {
    if (generation !== this.#generation) return
    if (this.#deps.isDisposed()) return this.#end('closed', false, disposedError('realtime'))
    const name = message.event ?? ''
    if (name === 'PB_CONNECT') return this.#onConnect(generation, message)
    const handlers = this.#subs.handlersOf(name)
    if (handlers === undefined) return
    const event = parseRecordEvent(message.data)
    if (event === undefined) {
      const error = new UnexpectedResponseError(
        `realtime: an event of "${topicName(name)}" is not a record event`,
      )
      return this.events.emit('error', error)
    }
    for (const handler of handlers) {
      // A handler may end the session or the subscriptions: then nothing more is delivered.
      if (generation !== this.#generation) return
      this.events.call(handler, event)
    }
  }

  #onConnect(generation: number, message: StreamMessage): void {
    if (this.#clientId !== undefined) return
    const clientId = message.id
    if (clientId === undefined || clientId === '') {
      return this.#dropped(generation, new NetworkError('GET /api/realtime: PB_CONNECT carried no client id'))
    }
    this.#clientId = clientId
    this.#handshake.cancel()
    // A new connection has no auth yet: the first submission also proves the token is still valid.
    this.#requestSubmit(this.#subs.hasQueued ? 'caller' : 'background', true)
  }

  #resubmit(verify: boolean): void {
    if (this.#deps.isDisposed()) return this.#end('closed', false, disposedError('realtime'))
    if (this.#state === 'open') this.#requestSubmit('background', verify)
  }

  #requestSubmit(origin: TokenOrigin, verify: boolean): void {
    const pending = this.#pending
    this.#pending = {
      origin: pending?.origin === 'caller' ? 'caller' : origin,
      verify: verify || pending?.verify === true,
    }
    if (!this.#submitting) void this.#drain()
  }

  async #drain(): Promise<void> {
    this.#submitting = true
    try {
      for (let next = this.#pending; next !== undefined; next = this.#pending) {
        const clientId = this.#clientId
        // Not connected: the next PB_CONNECT submits everything.
        if (clientId === undefined) return
        this.#pending = undefined
        await this.#submit(clientId, next.origin, next.verify)
      }
    } finally {
      this.#submitting = false
    }
  }

  async #submit(clientId: string, origin: TokenOrigin, verify: boolean): Promise<void> {
    const generation = this.#generation
    const signal = this.#abort?.signal
    const subscriptions = this.#subs.keys()
    this.#subs.take()
    const { config } = this.#deps
    try {
      await submitSubscriptions(this.#deps, { clientId, subscriptions, verify, origin, signal })
    } catch (caught) {
      if (generation !== this.#generation) return
      const error = isAuthError(caught)
        ? caught
        : new NetworkError('POST /api/realtime: the submission failed', { cause: caught })
      if (error.code === 'not_authenticated' || error.code === 'token_expired') {
        return this.#end('closed', !this.#deps.isDisposed(), error)
      }
      return this.#dropped(generation, error)
    }
    if (generation !== this.#generation) return
    this.#subs.settleInFlight()
    if (this.#state === 'connecting') {
      this.#state = 'open'
      this.#openedAt = config.now()
      config.logger.info('realtime connected', { topics: subscriptions.length, resumed: this.#resumed })
      this.events.emit('connected', { resumed: this.#resumed })
      this.#resumed = false
    }
    if (generation === this.#generation) this.#timer.arm(RESUBMIT_MS, () => this.#resubmit(true))
  }

  /** The stream (or a submission) of `generation` failed: reconnect with backoff, or go idle with nothing left. */
  #dropped(generation: number, error: AuthError): void {
    if (generation !== this.#generation) return
    const wasOpen = this.#state === 'open'
    const stable = wasOpen && this.#deps.config.now() - this.#openedAt >= STABLE_MS
    this.#stopStream()
    // Callers waiting for this attempt learn its failure; what stays was accepted on an earlier connection.
    this.#subs.rejectAll(error)
    // Nothing left (the first attempt failed): its callers have the error; `disconnected` still says why.
    if (this.#subs.size === 0) return this.#end('idle', false, error, false)
    this.#failures = stable ? 1 : this.#failures + 1
    const retryInMs = stable ? 0 : retryDelayAfter(error, this.#failures)
    this.#resumed = true
    this.#state = 'retrying'
    this.#deps.config.logger.warn('realtime disconnected', { code: error.code, retryInMs })
    this.#retry = setTimeout(() => this.#connect(), retryInMs)
    this.events.emit('disconnected', { willRetry: true, retryInMs, error })
  }
}

function anotherUser(): NotAuthenticatedError {
  return new NotAuthenticatedError('realtime: another user signed in; the earlier subscriptions ended')
}
