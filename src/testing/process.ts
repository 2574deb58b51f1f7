/**
 * Child-process plumbing shared by the dev harness: an output tail, exit waiting, orphan protection and
 * free-port picking.
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'

/** The last characters a child wrote to stdout and stderr, for error messages. */
export interface OutputTail {
  /** Append a chunk, dropping the oldest characters beyond the capacity. */
  push(chunk: string): void
  /** The last `maxChars` characters (default 4000). */
  tail(maxChars?: number): string
}

/**
 * Create a bounded buffer of a child's output.
 * @param capacity - characters kept; older ones are dropped. @default 64000
 */
export function createOutputTail(capacity = 64_000): OutputTail {
  let text = ''
  return {
    push(chunk) {
      text += chunk
      if (text.length > capacity) text = text.slice(-capacity)
    },
    tail(maxChars = 4000) {
      return text.slice(-maxChars)
    },
  }
}

/** Whether a child is still running (it has neither exited nor been reaped). */
export function isRunning(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null
}

/** Resolve once the child has exited and been reaped (at once if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/**
 * Send SIGTERM, then SIGKILL if the child is still running after `graceMs`, and wait for the exit.
 * @param graceMs - time allowed for a clean shutdown. @default 3000
 */
export async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!isRunning(child)) return
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  child.kill('SIGTERM')
  await waitForExit(child)
  clearTimeout(timer)
}

const liveChildren = new Set<ChildProcess>()
const dirsToRemove = new Set<string>()
let isExitHookInstalled = false

/** Signals whose default action ends the process; the kit cleans up before that happens. */
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

function cleanUpNow(): void {
  for (const live of liveChildren) live.kill('SIGKILL')
  for (const dir of dirsToRemove) rmSync(dir, { recursive: true, force: true })
  dirsToRemove.clear()
}

function installExitHook(): void {
  if (isExitHookInstalled) return
  isExitHookInstalled = true
  process.on('exit', cleanUpNow)
  // A signal with no listener ends Node without an 'exit' event, leaving the servers running. When the kit's
  // listener is the only one, it cleans up and re-raises the signal, so the process still ends as it would
  // have. When the app listens too, the app decides, and the 'exit' hook cleans up when it exits.
  for (const signal of ENDING_SIGNALS) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return
      cleanUpNow()
      process.off(signal, onSignal)
      process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

/**
 * Kill the child with SIGKILL when this process exits (or is ended by SIGINT, SIGTERM or SIGHUP), so a crashed
 * or interrupted test run leaves no orphan server.
 * The child is forgotten once it exits by itself.
 */
export function killOnExit(child: ChildProcess): void {
  installExitHook()
  liveChildren.add(child)
  child.once('exit', () => liveChildren.delete(child))
}

/**
 * Remove `dir` (recursively) when this process exits or is ended by a signal, unless {@link keepOnExit} is
 * called first.
 */
export function removeOnExit(dir: string): void {
  installExitHook()
  dirsToRemove.add(dir)
}

/** Undo {@link removeOnExit} (after the dir was removed another way). */
export function keepOnExit(dir: string): void {
  dirsToRemove.delete(dir)
}

/**
 * Ask the OS for a free TCP port on 127.0.0.1 (listen on port 0, read it, close).
 * Another process could take it before it is used; callers that can, retry.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('Could not read the picked port'))))
    })
  })
}

/** Resolve after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
