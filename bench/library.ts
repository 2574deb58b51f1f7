/**
 * The library as users get it: the built `dist/` entry (`npm run bench` builds it first), typed by the sources.
 * Importing `src/` through tsx would also time tsx's per-closure `__name` helpers, which the build does not have.
 */
import type * as Library from '../src/index.js'

const entry = new URL('../dist/index.js', import.meta.url).href

export const { createAuthClient, createDbInterface } = (await import(entry)) as typeof Library
export type { AuthClient } from '../src/index.js'
