import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RequestDeadline } from '../../src/http/request-deadline.js'

describe('RequestDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('aborts its signal when the time runs out, and says it timed out', () => {
    const deadline = new RequestDeadline(1000, undefined)
    vi.advanceTimersByTime(999)
    expect(deadline.signal.aborted).toBe(false)
    expect(deadline.timedOut).toBe(false)
    vi.advanceTimersByTime(1)
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut).toBe(true)
    expect(deadline.signal.reason).toMatchObject({ name: 'AbortError' })
    deadline.end()
  })

  it("aborts its signal when the caller's signal aborts, without calling that a timeout", () => {
    const caller = new AbortController()
    const deadline = new RequestDeadline(1000, caller.signal)
    caller.abort()
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut).toBe(false)
    deadline.end()
  })

  it('does not call a caller abort a timeout when the time runs out before end()', () => {
    const caller = new AbortController()
    const deadline = new RequestDeadline(1000, caller.signal)
    caller.abort()
    vi.advanceTimersByTime(1000)
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut).toBe(false)
    deadline.end()
  })

  it("end() stops the clock and stops listening to the caller's signal", () => {
    const caller = new AbortController()
    const added = vi.spyOn(caller.signal, 'addEventListener')
    const removed = vi.spyOn(caller.signal, 'removeEventListener')
    const deadline = new RequestDeadline(1000, caller.signal)
    expect(vi.getTimerCount()).toBe(1)
    deadline.end()
    deadline.end()
    expect(vi.getTimerCount()).toBe(0)
    expect(removed).toHaveBeenCalledWith('abort', added.mock.calls[0]?.[1])
    caller.abort()
    vi.advanceTimersByTime(5000)
    expect(deadline.signal.aborted).toBe(false)
    expect(deadline.timedOut).toBe(false)
  })

  it('with 0 ms sets no timer and follows only the caller’s signal', () => {
    const caller = new AbortController()
    const deadline = new RequestDeadline(0, caller.signal)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(2 ** 31)
    expect(deadline.signal.aborted).toBe(false)
    caller.abort()
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut).toBe(false)
    deadline.end()
  })

  it('works with a polyfilled caller signal that only calls function listeners', () => {
    // Like abortcontroller-polyfill: listeners are called as functions, never through handleEvent.
    const listeners = new Set<(event: { type: string }) => void>()
    const callerSignal = {
      aborted: false,
      addEventListener: (_type: string, listener: (event: { type: string }) => void) =>
        listeners.add(listener),
      removeEventListener: (_type: string, listener: (event: { type: string }) => void) =>
        listeners.delete(listener),
    } as unknown as AbortSignal
    const deadline = new RequestDeadline(1000, callerSignal)
    for (const listener of listeners) listener.call(callerSignal, { type: 'abort' })
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut).toBe(false)
    deadline.end()
    expect(listeners.size).toBe(0)
  })

  it('keeps separate deadlines apart', () => {
    const short = new RequestDeadline(100, undefined)
    const long = new RequestDeadline(1000, undefined)
    vi.advanceTimersByTime(100)
    expect(short.timedOut).toBe(true)
    expect(long.timedOut).toBe(false)
    expect(long.signal.aborted).toBe(false)
    short.end()
    long.end()
  })
})
