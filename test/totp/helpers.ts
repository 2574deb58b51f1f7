/**
 * Helpers for the TOTP tests: codes under an injected clock (otplib), the QR code read back (qr's decoder),
 * keys and gate secrets, and plain-`fetch` requests straight to PocketBase (what a bypass attempt looks like).
 */
import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { decodeQR } from 'qr/decode.js'

/** A fresh `POCKETBASE_TOTP_KEY` (32 bytes, base64). */
export const newKey = (): string => randomBytes(32).toString('base64')

/** A fresh gate secret (48 URL-safe characters). */
export const newGateSecret = (): string => randomBytes(36).toString('base64url')

/** The TOTP code of `secret` at `ms` (epoch milliseconds), as an authenticator app would show it. */
export function codeAt(secret: string, ms: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(ms / 1000) })
}

/** The secret of an `otpauth://` URI. */
export function secretOf(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret')
  if (secret === null) throw new Error('no secret in the URI')
  return secret
}

/**
 * Reads an SVG QR code back: the `M x,y h… v… h… z` squares become pixels (4 per SVG unit of 10), and qr's
 * decoder reads them like a camera frame.
 */
export function decodeQrSvg(svg: string): string {
  const size = Number(/viewBox="0 0 (\d+) (\d+)"/.exec(svg)?.[1])
  if (!Number.isFinite(size)) throw new Error('no viewBox')
  const scale = 0.4
  const width = Math.round(size * scale)
  const data = new Uint8Array(width * width * 4).fill(255)
  for (const [, x, y] of svg.matchAll(/M(\d+),(\d+)h10v10h-10z/g)) {
    const left = Math.round(Number(x) * scale)
    const top = Math.round(Number(y) * scale)
    for (let dy = 0; dy < 4; dy++) {
      for (let dx = 0; dx < 4; dx++) {
        const offset = ((top + dy) * width + left + dx) * 4
        data[offset] = data[offset + 1] = data[offset + 2] = 0
      }
    }
  }
  return decodeQR({ width, height: width, data })
}

/** One request straight to PocketBase with plain `fetch`: status and parsed body. */
export async function direct(
  url: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers }
  if (options.token !== undefined) headers['authorization'] = options.token
  const response = await fetch(url + path, {
    method: 'POST',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }
}

/** A logger that keeps every line, for "never logs a secret" checks. */
export function capturingLogger(): {
  lines: string[]
  logger: Record<'debug' | 'info' | 'warn' | 'error', (message: string, context?: object) => void>
} {
  const lines: string[] = []
  const log =
    (level: string) =>
    (message: string, context?: object): void => {
      lines.push(`${level} ${message} ${JSON.stringify(context ?? {})}`)
    }
  return { lines, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } }
}
