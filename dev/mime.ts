/**
 * A small MIME decoder for the mails PocketBase sends: headers with RFC 2047 encoded-words, nested multipart
 * bodies, quoted-printable and base64 parts, any charset `TextDecoder` knows.
 * @module
 */
import { Buffer } from 'node:buffer'

/** A decoded mail. */
export interface Mail {
  /** Envelope sender (`MAIL FROM`), else the address in the `From` header. */
  from: string
  /** Envelope recipients (`RCPT TO`), else the addresses in the `To` header. */
  to: string[]
  /** Decoded subject. */
  subject: string
  /** The text/plain body, `''` if there is none. */
  text: string
  /** The text/html body, `''` if there is none. */
  html: string
  /** Decoded top-level headers, lower-case names; repeated headers are joined with `, `. */
  headers: Readonly<Record<string, string>>
  /** The whole message as received, decoded as UTF-8. */
  raw: string
}

/** The SMTP envelope of a received message. */
export interface Envelope {
  from?: string
  to?: string[]
}

interface Part {
  headers: Record<string, string>
  body: string
}

/**
 * Decode a raw RFC 5322 message.
 * @param raw - the message bytes as received.
 * @param envelope - the SMTP envelope, preferred over the headers for `from` and `to`.
 */
export function parseMail(raw: Buffer, envelope: Envelope = {}): Mail {
  // latin1 maps each byte to one char, so the structure can be parsed before bodies are decoded.
  const top = splitPart(raw.toString('latin1'))
  const bodies = { text: '', html: '' }
  collectBodies(top, bodies)
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(top.headers)) headers[name] = decodeHeader(value)
  return {
    from: envelope.from ?? addresses(headers['from'] ?? '')[0] ?? '',
    to: envelope.to ?? addresses(headers['to'] ?? ''),
    subject: headers['subject'] ?? '',
    text: bodies.text,
    html: bodies.html,
    headers,
    raw: raw.toString('utf8'),
  }
}

function splitPart(source: string): Part {
  const match = /\r?\n\r?\n/.exec(source)
  const head = match ? source.slice(0, match.index) : source
  const body = match ? source.slice(match.index + match[0].length) : ''
  const headers: Record<string, string> = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  return { headers, body }
}

function collectBodies(part: Part, out: { text: string; html: string }): void {
  const { type, params } = parseContentType(part.headers['content-type'] ?? 'text/plain')
  if (type.startsWith('multipart/')) {
    const boundary = params['boundary']
    if (boundary === undefined) return
    for (const child of splitMultipart(part.body, boundary)) collectBodies(splitPart(child), out)
    return
  }
  if (/^\s*attachment/i.test(part.headers['content-disposition'] ?? '')) return
  if (type !== 'text/plain' && type !== 'text/html') return
  const bytes = decodeTransfer(part.body, part.headers['content-transfer-encoding'] ?? '7bit')
  const text = decodeCharset(bytes, params['charset'] ?? 'utf-8')
  const key = type === 'text/html' ? 'html' : 'text'
  out[key] += text
}

function splitMultipart(body: string, boundary: string): string[] {
  const parts: string[] = []
  const delimiter = `--${boundary}`
  let current: string[] | undefined
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd()
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join('\r\n'))
      if (trimmed !== delimiter) return parts
      current = []
    } else {
      current?.push(line)
    }
  }
  if (current) parts.push(current.join('\r\n'))
  return parts
}

function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = value.split(';')
  const params: Record<string, string> = {}
  for (const match of rest.join(';').matchAll(/([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/g)) {
    const name = match[1]
    if (name) params[name.toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1')
  }
  return { type: type.trim().toLowerCase(), params }
}

function decodeTransfer(body: string, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
    case 'quoted-printable':
      return decodeQuotedPrintable(body.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, ''))
    default:
      return Buffer.from(body, 'latin1')
  }
}

function decodeQuotedPrintable(text: string, isHeader = false): Buffer {
  const source = isHeader ? text.replace(/_/g, ' ') : text
  const bytes: number[] = []
  for (let i = 0; i < source.length; i++) {
    const hex = source.slice(i + 1, i + 3)
    if (source[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(source.charCodeAt(i) & 0xff)
    }
  }
  return Buffer.from(bytes)
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes)
  } catch (error) {
    if (error instanceof RangeError) return bytes.toString('utf8')
    throw error
  }
}

/** Decode a header value: raw UTF-8 bytes (SMTPUTF8) and RFC 2047 encoded-words. */
function decodeHeader(value: string): string {
  const utf8 = Buffer.from(value, 'latin1').toString('utf8')
  return utf8
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_word, charset: string, kind: string, text: string) => {
        const bytes =
          kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : decodeQuotedPrintable(text, true)
        return decodeCharset(bytes, charset)
      },
    )
}

function addresses(header: string): string[] {
  return [...header.matchAll(/<([^<>\s]+)>|([^\s<>,;"]+@[^\s<>,;"]+)/g)].map((m) => m[1] ?? m[2] ?? '')
}
