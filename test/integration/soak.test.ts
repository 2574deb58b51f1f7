import '../setup/fail-on-unhandled.js'
import { describe, expect, it } from 'vitest'
import { MAX_HEAP_GROWTH_PERCENT, formatSoakReport, runSoak } from '../../scripts/soak-core.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('soak tests')

describe.skipIf(bin === undefined)('soak (CI-sized; `npm run soak` for the long run)', () => {
  it('a superuser worker and 100 renewing impersonated children stay signed in with zero failed calls and no leak', async () => {
    const report = await runSoak({ durationMs: 30_000, warmupMs: 10_000 })
    const summary = formatSoakReport(report).join('\n')
    expect(report.failedCalls, summary).toBe(0)
    expect(report.signedOut, summary).toBe(0)
    // 100 children on 10 s tokens for 30 s: each is re-impersonated several times.
    expect(report.renewals, summary).toBeGreaterThanOrEqual(200)
    expect(report.calls, summary).toBeGreaterThan(1000)
    expect(report.heapGrowthPercent, summary).toBeLessThan(MAX_HEAP_GROWTH_PERCENT)
    expect(report.timersAtEnd, summary).toBeLessThanOrEqual(report.timersAfterWarmup)
    expect(report.ok, summary).toBe(true)
  }, 120_000)
})
