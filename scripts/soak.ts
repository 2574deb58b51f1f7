/**
 * `npm run soak [-- --duration=5m]`: a long soak against a real PocketBase (see soak-core.ts).
 * Duration from `--duration=` or `SOAK_DURATION` (`300`, `300s`, `5m`, `1h`); default 5 minutes.
 * Exits 1 when a call failed, a session ended, the heap grew 5% or more after warm-up, or timers grew.
 */
import { formatSoakReport, runSoak } from './soak-core.js'

const DEFAULT_DURATION_MS = 5 * 60_000

/** Parses `300`, `300s`, `5m` or `1h` into milliseconds. */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(text.trim())
  if (match === null) throw new Error(`soak: cannot read the duration "${text}" (use e.g. 300, 90s, 5m, 1h)`)
  const unit = { s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h']
  return Number(match[1]) * unit
}

const argument = process.argv.slice(2).find((arg) => arg.startsWith('--duration='))
const durationText = argument?.slice('--duration='.length) ?? process.env['SOAK_DURATION']
const durationMs = durationText === undefined ? DEFAULT_DURATION_MS : parseDuration(durationText)
const warmupMs = Math.min(60_000, Math.max(10_000, durationMs * 0.1))

console.log(`soak: ${Math.round(durationMs / 1000)} s, warm-up ${Math.round(warmupMs / 1000)} s`)
const report = await runSoak({ durationMs, warmupMs, log: (line) => console.log(line) })
for (const line of formatSoakReport(report)) console.log(line)
process.exitCode = report.ok ? 0 : 1
