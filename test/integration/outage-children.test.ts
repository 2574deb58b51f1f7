/**
 * Issue 12, section 2, first defect, against a real PocketBase: a worker with a superuser parent (`credentials`)
 * and 20 children from `impersonate(id, { renew: true })`, 15 s tokens, PocketBase stopped for 25 s. Every child
 * must survive the outage its parent survives, and once the server is back a call that needs a renewal makes it at
 * once (no call fails after the first one that succeeds). Everything is counted; nothing asserts a duration.
 */
import { setTimeout as pause } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, setAuthTokenDuration } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  createAuthClient,
  createDbInterface,
  isAuthError,
  type AuthClient,
  type DbInterface,
} from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('outage-children')

const CHILDREN = 20
const TOKEN_SECONDS = 15
/** How long PocketBase stays down: longer than a token lives, so every token expires during the outage. */
const OUTAGE_MS = 25_000
/** A breather between rounds while nothing answers, so failing calls do not spin a loaded machine. */
const ROUND_PAUSE_MS = 200
/** After the restart: rounds until every child has renewed this many times (at once, then when due again). */
const RENEWALS_AFTER_RESTART = 2
/** A bound on the rounds after the restart, so a regression fails with counts instead of hanging. */
const MAX_ROUNDS_AFTER_RESTART = 150

type Phase = 'before' | 'outage' | 'restarting' | 'after'

/** One call's outcome, in the order calls finished. */
interface Outcome {
  readonly child: number
  /** The phase when the call started. */
  readonly phase: Phase
  readonly ok: boolean
  readonly code?: string
}

describe.skipIf(bin === undefined)('renewing impersonated children through a 25 s PocketBase outage', () => {
  let pb: PocketBaseHandle
  const users: { id: string }[] = []
  const clients: AuthClient[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
    await setAuthTokenDuration(pb, 'users', TOKEN_SECONDS)
    for (let i = 0; i < CHILDREN; i++) users.push(await createUser(pb, 'users', { verified: true }))
    await setAuthTokenDuration(pb, '_superusers', TOKEN_SECONDS)
  })

  afterAll(async () => {
    for (const client of clients.splice(0)) client.dispose()
    await pb?.stop()
  })

  it('no child signs out, no call fails after the first success once the server is back, every child ends authenticated', async () => {
    const admin = createAuthClient({
      url: pb.url,
      collection: '_superusers',
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
    })
    clients.push(admin)
    await admin.getToken()
    const children: AuthClient[] = []
    for (const user of users) {
      const child = await admin.impersonate(user.id, { renew: true })
      clients.push(child)
      children.push(child)
    }
    expect(
      children.every((child) => child.session!.expiresAt - child.session!.issuedAt <= TOKEN_SECONDS * 1000),
    ).toBe(true)

    const signedOut: string[] = []
    const renewals = children.map(() => 0)
    let phase: Phase = 'before'
    children.forEach((child, i) => {
      child.on('signedOut', ({ reason }) => signedOut.push(`child ${i}: ${reason}`))
      child.on('tokenRefreshed', () => {
        if (phase === 'after') renewals[i]!++
      })
    })
    const dbs: DbInterface[] = children.map((child) => createDbInterface(child))
    const outcomes: Outcome[] = []

    /** Every child reads its own record once; resolves when all 20 calls have settled. */
    const round = async (): Promise<void> => {
      const startedIn = phase
      await Promise.all(
        dbs.map(async (db, i) => {
          try {
            const record = await db.collection('users').getOne(users[i]!.id)
            expect(record.id).toBe(users[i]!.id)
            outcomes.push({ child: i, phase: startedIn, ok: true })
          } catch (error) {
            if (!isAuthError(error)) throw error
            outcomes.push({ child: i, phase: startedIn, ok: false, code: error.code })
          }
        }),
      )
    }

    await round()
    await round()

    await pb.kill()
    phase = 'outage'
    const outageEnds = Date.now() + OUTAGE_MS
    while (Date.now() < outageEnds) {
      await round()
      await pause(ROUND_PAUSE_MS)
    }

    // Calls go on while PocketBase starts again; `restart()` resolves once it answers /api/health.
    phase = 'restarting'
    const restarted = pb.restart().then(() => {
      phase = 'after'
    })
    while (phase === 'restarting') {
      await round()
      await pause(ROUND_PAUSE_MS)
    }
    await restarted

    let roundsAfter = 0
    while (
      renewals.some((count) => count < RENEWALS_AFTER_RESTART) &&
      roundsAfter < MAX_ROUNDS_AFTER_RESTART
    ) {
      await round()
      roundsAfter++
      await pause(ROUND_PAUSE_MS)
    }

    const count = (which: Phase, ok: boolean): number =>
      outcomes.filter((outcome) => outcome.phase === which && outcome.ok === ok).length
    const after = outcomes.filter((outcome) => outcome.phase === 'after')
    const firstSuccess = after.findIndex((outcome) => outcome.ok)
    const failedAfterFirstSuccess = after.slice(firstSuccess + 1).filter((outcome) => !outcome.ok)
    const summary = {
      before: { ok: count('before', true), failed: count('before', false) },
      outage: { ok: count('outage', true), failed: count('outage', false) },
      restarting: { ok: count('restarting', true), failed: count('restarting', false) },
      after: { ok: count('after', true), failed: count('after', false), roundsAfter },
      failedAfterFirstSuccess: failedAfterFirstSuccess.length,
      firstFailuresAfterFirstSuccess: failedAfterFirstSuccess
        .slice(0, 5)
        .map(({ child, code }) => `child ${child}: ${code}`),
      renewals,
      signedOut,
      outageCodes: [...new Set(outcomes.filter((o) => o.phase === 'outage' && !o.ok).map((o) => o.code))],
    }

    expect(summary.before).toEqual({ ok: 2 * CHILDREN, failed: 0 })
    // The outage was real: calls failed while PocketBase was down.
    expect(summary.outage.failed).toBeGreaterThan(0)
    expect(summary.outage.ok).toBe(0)
    expect(signedOut, JSON.stringify(summary)).toEqual([])
    expect(firstSuccess, JSON.stringify(summary)).toBeGreaterThanOrEqual(0)
    expect(summary.failedAfterFirstSuccess, JSON.stringify(summary)).toBe(0)
    expect(
      renewals.every((n) => n >= RENEWALS_AFTER_RESTART),
      JSON.stringify(summary),
    ).toBe(true)
    expect(children.every((child) => child.isAuthenticated)).toBe(true)
    expect(children.map((child) => child.session?.recordId)).toEqual(users.map((user) => user.id))
    expect(admin.isAuthenticated).toBe(true)
  }, 180_000)
})
