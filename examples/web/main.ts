/**
 * Runs the example web app against the PocketBase of your environment: `POCKETBASE_URL`,
 * `POCKETBASE_COOKIE_SECRET` (32 bytes or more), `PORT` (default 3000), and optionally `WEB_REFRESH_AFTER_SHARE`.
 * Prints `listening on <url>` once it serves. `npm run example:web` starts a whole demo setup instead.
 */
import { serveWebApp } from './serve.js'

const pocketBaseUrl = process.env.POCKETBASE_URL ?? 'http://127.0.0.1:8090'
const secret = process.env.POCKETBASE_COOKIE_SECRET
if (secret === undefined) {
  console.error('Set POCKETBASE_COOKIE_SECRET to 32 random bytes or more, e.g. $(openssl rand -base64 32)')
  process.exit(2)
}
const share = process.env.WEB_REFRESH_AFTER_SHARE
const web = await serveWebApp({
  pocketBaseUrl,
  secret,
  port: Number(process.env.PORT ?? 3000),
  ...(share === undefined ? {} : { refreshAfterShare: Number(share) }),
})
console.log(`listening on ${web.url}`)
const stop = (): void => void web.close().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
// A parent that runs this as a child (the browser tests) ends it by closing stdin, too.
process.stdin.on('end', stop).resume()
