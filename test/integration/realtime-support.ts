/**
 * Helpers of the realtime integration tests: a log of what arrived that tests wait on by count (never by
 * elapsed time; the time limit only turns a hang into a clear failure), and the `db.realtime` event recorder.
 */
import type { ConnectedEvent, DbInterface, DisconnectedEvent, RecordEvent } from '../../src/index.js'

/** Items in arrival order; `until` waits for a condition on them. */
export class Arrivals<T> {
  readonly items: T[] = []
  readonly #waiters = new Set<() => void>()

  /** Records one item and wakes the waiters. */
  push = (item: T): void => {
    this.items.push(item)
    for (const wake of [...this.#waiters]) wake()
  }

  /**
   * Resolves once `condition(items)` holds; rejects after `timeoutMs` naming `what`.
   *
   * @param condition - checked now and after every arrival
   * @param what - what the test waits for, for the failure message
   * @param timeoutMs - the most it waits (a hang becomes a failure)
   */
  until(condition: (items: readonly T[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    if (condition(this.items)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition(this.items)) return
        clearTimeout(timer)
        this.#waiters.delete(check)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`waited ${timeoutMs} ms for ${what}; have ${this.items.length} items`))
      }, timeoutMs)
      this.#waiters.add(check)
    })
  }

  /** Waits until at least `count` items arrived. */
  atLeast(count: number, what: string, timeoutMs?: number): Promise<void> {
    return this.until((items) => items.length >= count, `${count} ${what}`, timeoutMs)
  }
}

/** A record event as `action:id`. */
export type Seen = `${string}:${string}`

/** A handler that logs `action:id` into `arrivals`. */
export function logInto(arrivals: Arrivals<Seen>): (event: RecordEvent<{ id: string }>) => void {
  return ({ action, record }) => arrivals.push(`${action}:${record.id}`)
}

/** Everything `db.realtime` emits, by kind. */
export interface RealtimeLog {
  readonly connected: Arrivals<ConnectedEvent>
  readonly disconnected: Arrivals<DisconnectedEvent>
  readonly errors: Arrivals<Error>
}

/** Records what `db.realtime` emits. */
export function recordRealtime(db: DbInterface): RealtimeLog {
  const log: RealtimeLog = { connected: new Arrivals(), disconnected: new Arrivals(), errors: new Arrivals() }
  db.realtime.on('connected', log.connected.push)
  db.realtime.on('disconnected', log.disconnected.push)
  db.realtime.on('error', log.errors.push)
  return log
}
