/**
 * Headless Chromium for the browser tests: the binary of the npm package `@sparticuz/chromium` (it ships inside the
 * package and unpacks to the OS temp dir on first use; nothing is downloaded), else Debian's `chromium`, which the
 * suite installs itself when it runs as root. Launched with the closed-network flags and a fresh profile.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import chromium from '@sparticuz/chromium'
import puppeteer, { type Browser } from 'puppeteer-core'

/**
 * `@sparticuz/chromium` is built for AWS Lambda. These defaults of its break what the tests check or need: a
 * single process cannot hold a second browser context ("Target closed"), and the web-security switches turn off
 * exactly the protections that cookie and CSRF tests rely on. The sandbox switch is added back for root only.
 */
const DROPPED = new Set([
  '--single-process',
  '--no-zygote',
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--no-sandbox',
])

/** Nothing reaches out: no update checks, no sync, no first-run pages. */
const CLOSED_NETWORK = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const isRoot = (): boolean => process.getuid?.() === 0

/** The launch arguments for a binary: the package's defaults (less the dropped ones) or none for Debian's. */
function argsFor(executablePath: string, userDataDir: string): string[] {
  const base =
    executablePath === DEBIAN_CHROMIUM
      ? []
      : chromium.args.filter((arg) => !DROPPED.has(arg) && !arg.startsWith('--headless'))
  return [...base, ...CLOSED_NETWORK, ...(isRoot() ? ['--no-sandbox'] : []), `--user-data-dir=${userDataDir}`]
}

/** A launched browser and its profile dir; `close()` ends the browser and removes the profile. */
export interface TestBrowser {
  readonly browser: Browser
  close(): Promise<void>
}

/**
 * Launches headless Chromium with a fresh profile.
 *
 * @param executablePath - from {@link findChromium}
 */
export async function launchBrowser(executablePath: string): Promise<TestBrowser> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-chromium-'))
  try {
    const browser = await puppeteer.launch({
      executablePath,
      args: argsFor(executablePath, userDataDir),
      headless: 'shell',
      protocolTimeout: 120_000,
    })
    return {
      browser,
      async close() {
        await browser.close().catch(() => undefined)
        await rm(userDataDir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true })
    throw error
  }
}

/** Whether a binary launches and renders a page. */
async function works(executablePath: string): Promise<boolean> {
  try {
    const { browser, close } = await launchBrowser(executablePath)
    try {
      const page = await browser.newPage()
      await page.goto('data:text/html,<p>ok</p>')
      return (await page.evaluate(() => document.body.textContent)) === 'ok'
    } finally {
      await close()
    }
  } catch {
    return false
  }
}

/**
 * Finds a Chromium that works: `@sparticuz/chromium`'s, else Debian's (installed here when running as root).
 *
 * @returns the executable's path
 * @throws Error saying what to install when neither works.
 */
export async function findChromium(): Promise<string> {
  const fromPackage = await chromium.executablePath().catch(() => undefined)
  if (fromPackage !== undefined && (await works(fromPackage))) return fromPackage
  if (!existsSync(DEBIAN_CHROMIUM) && isRoot()) {
    console.warn(
      'browser tests: @sparticuz/chromium did not start; installing Debian chromium (apt-get install -y chromium)',
    )
    const aptGet = (args: string[]): void => {
      execFileSync('apt-get', args, {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      })
    }
    try {
      aptGet(['install', '-y', '--no-install-recommends', 'chromium'])
    } catch {
      // A fresh machine may have no package lists yet.
      aptGet(['update'])
      aptGet(['install', '-y', '--no-install-recommends', 'chromium'])
    }
  }
  if (existsSync(DEBIAN_CHROMIUM) && (await works(DEBIAN_CHROMIUM))) return DEBIAN_CHROMIUM
  throw new Error(
    'browser tests need Chromium: run `npm ci` (the @sparticuz/chromium package ships it) or install Debian chromium (`apt-get install -y chromium`)',
  )
}
