import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_TIMER_DELAY_MS } from '../../src/config.js'
import { SingleTimer } from '../../src/scheduler/timer.js'

describe('SingleTimer', () => {
  const timers: SingleTimer[] = []
  const make = (): SingleTimer => {
    const timer = new SingleTimer()
    timers.push(timer)
    return timer
  }

  afterEach(() => {
    for (const timer of timers.splice(0)) timer.cancel()
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  it('fires once after the delay and disarms', () => {
    vi.useFakeTimers()
    const timer = make()
    const fired = vi.fn()
    timer.arm(1000, fired)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(999)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fired).toHaveBeenCalledOnce()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('waits out delays longer than setTimeout accepts in steps, never firing early', () => {
    vi.useFakeTimers()
    const spy = vi.spyOn(globalThis, 'setTimeout')
    const timer = make()
    const fired = vi.fn()
    const threeYearsMs = 3 * 365 * 86_400_000
    timer.arm(threeYearsMs, fired)
    expect(spy.mock.calls.at(-1)?.[1]).toBe(MAX_TIMER_DELAY_MS)
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS)
    expect(fired).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(threeYearsMs - MAX_TIMER_DELAY_MS - 1)
    expect(fired).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fired).toHaveBeenCalledOnce()
    expect(vi.getTimerCount()).toBe(0)
    expect(spy.mock.calls.every(([, delay]) => (delay ?? 0) <= MAX_TIMER_DELAY_MS)).toBe(true)
  })

  it('fires a delay of exactly 2^31-1 ms in one step', () => {
    vi.useFakeTimers()
    const spy = vi.spyOn(globalThis, 'setTimeout')
    const timer = make()
    const fired = vi.fn()
    timer.arm(MAX_TIMER_DELAY_MS, fired)
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS)
    expect(fired).toHaveBeenCalledOnce()
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it('cancels a long wait between its steps', () => {
    vi.useFakeTimers()
    const timer = make()
    const fired = vi.fn()
    timer.arm(2 * MAX_TIMER_DELAY_MS, fired)
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 1)
    timer.cancel()
    vi.advanceTimersByTime(2 * MAX_TIMER_DELAY_MS)
    expect(fired).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('turns negative and fractional delays into 0 and whole milliseconds', () => {
    vi.useFakeTimers()
    const spy = vi.spyOn(globalThis, 'setTimeout')
    const timer = make()
    timer.arm(-50, () => undefined)
    expect(spy.mock.calls.at(-1)?.[1]).toBe(0)
    timer.arm(10.2, () => undefined)
    expect(spy.mock.calls.at(-1)?.[1]).toBe(11)
  })

  it('replaces the armed callback when re-armed', () => {
    vi.useFakeTimers()
    const timer = make()
    const first = vi.fn()
    const second = vi.fn()
    timer.arm(100, first)
    timer.arm(200, second)
    vi.advanceTimersByTime(1000)
    expect(first).not.toHaveBeenCalled()
    expect(second).toHaveBeenCalledOnce()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('cancels idempotently', () => {
    vi.useFakeTimers()
    const timer = make()
    const fired = vi.fn()
    timer.arm(100, fired)
    timer.cancel()
    timer.cancel()
    vi.advanceTimersByTime(1000)
    expect(fired).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('lets the callback re-arm itself', () => {
    vi.useFakeTimers()
    const timer = make()
    let fires = 0
    const tick = (): void => {
      fires++
      if (fires < 3) timer.arm(10, tick)
    }
    timer.arm(10, tick)
    vi.advanceTimersByTime(100)
    expect(fires).toBe(3)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('does not keep a Node process alive (unref)', () => {
    const timer = make()
    const spy = vi.spyOn(globalThis, 'setTimeout')
    timer.arm(60_000, () => undefined)
    const handle = spy.mock.results.at(-1)?.value as NodeJS.Timeout
    expect(handle.hasRef()).toBe(false)
  })
})
