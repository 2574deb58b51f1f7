import type { RedisConnection, Subscriber } from './connection.js'

/** The share's pub/sub side: one subscriber connection for every watched channel of the share. */
export interface Watchers {
  /**
   * Calls `listener` on every message of `channel`.
   *
   * @param channel - the scope's channel
   * @param listener - called without arguments
   * @returns the unsubscribe function, once Redis confirmed the subscription
   * @throws {NetworkError} `network` when the subscription is not confirmed in time.
   */
  watch(channel: string, listener: () => void): Promise<() => void>
}

/**
 * The share's watchers: a subscriber connection duplicated from the app's client, opened at the first watch and
 * closed when the last one unsubscribes (so a process whose clients are disposed can exit). The clients resubscribe
 * by themselves after a reconnect.
 *
 * @param connection - the app's client, as the share uses it
 * @returns the watchers
 */
export function createWatchers(connection: RedisConnection): Watchers {
  const listeners = new Map<string, Set<() => void>>()
  const subscriptions = new Map<string, Promise<void>>()
  let subscriber: Subscriber | undefined

  const onMessage = (channel: string): void => {
    for (const listener of [...(listeners.get(channel) ?? [])]) listener()
  }
  const forget = (channel: string, listener: () => void): void => {
    const set = listeners.get(channel)
    if (set === undefined || !set.delete(listener) || set.size > 0) return
    listeners.delete(channel)
    subscriptions.delete(channel)
    if (listeners.size === 0) {
      subscriber?.close()
      subscriber = undefined
    } else {
      void subscriber?.unsubscribe(channel).catch(() => undefined)
    }
  }

  return {
    async watch(channel, listener) {
      const set = listeners.get(channel) ?? new Set()
      listeners.set(channel, set)
      set.add(listener)
      subscriber ??= connection.createSubscriber(onMessage)
      const current = subscriber
      let subscribed = subscriptions.get(channel)
      if (subscribed === undefined) {
        subscribed = current.subscribe(channel)
        subscriptions.set(channel, subscribed)
      }
      try {
        await subscribed
      } catch (error) {
        if (subscriptions.get(channel) === subscribed) subscriptions.delete(channel)
        forget(channel, listener)
        throw error
      }
      let active = true
      return () => {
        if (!active) return
        active = false
        forget(channel, listener)
      }
    },
  }
}
