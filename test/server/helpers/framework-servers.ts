/**
 * Real Express 5, Hono 4 (@hono/node-server) and Fastify 5 servers on 127.0.0.1 with the same routes, each guarded
 * by the package's adapter for that framework. Every route answers `{ auth }`: the identity's id, collection, role
 * and superuser flag, or `null` for a guest.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import {
  expressAuth,
  fastifyAuth,
  honoAuth,
  type AuthenticateOptions,
  type TokenVerifier,
  type VerifiedIdentity,
} from '../../../src/server/node.js'

export const FRAMEWORKS = ['express', 'hono', 'fastify'] as const
export type Framework = (typeof FRAMEWORKS)[number]

/** One route: a path and what it requires. */
export interface Route {
  readonly path: string
  readonly options?: AuthenticateOptions<string, string>
}

/** A running backend. */
export interface Backend {
  readonly url: string
  close(): Promise<void>
}

/** What every route answers. */
export interface Answer {
  readonly auth: { recordId: string; collectionName: string; role: string | null; superuser: boolean } | null
}

function answer(identity: VerifiedIdentity | null | undefined): Answer {
  if (identity === null || identity === undefined) return { auth: null }
  const { recordId, collectionName, role, superuser } = identity
  return { auth: { recordId, collectionName, role, superuser } }
}

/**
 * Starts a backend of one framework on a free loopback port.
 *
 * @param framework - which framework
 * @param verifier - the verifier every route uses
 * @param routes - the routes (GET)
 */
export async function startBackend(
  framework: Framework,
  verifier: TokenVerifier,
  routes: readonly Route[],
): Promise<Backend> {
  switch (framework) {
    case 'express': {
      const app = express()
      for (const route of routes) {
        app.get(route.path, expressAuth(verifier, route.options), (req, res) => {
          res.json(answer(req.auth))
        })
      }
      const server = await new Promise<Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening))
      })
      return nodeBackend(server)
    }
    case 'hono': {
      const app = new Hono()
      for (const route of routes)
        app.get(route.path, honoAuth(verifier, route.options), (c) => c.json(answer(c.get('auth'))))
      const server = await new Promise<Server>((resolve) => {
        const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
          resolve(listening as Server),
        )
      })
      return nodeBackend(server)
    }
    case 'fastify': {
      const app = Fastify()
      app.decorateRequest('auth', null)
      for (const route of routes) {
        app.get(route.path, { onRequest: fastifyAuth(verifier, route.options) }, async (request) =>
          answer(request.auth),
        )
      }
      const url = await app.listen({ port: 0, host: '127.0.0.1' })
      return { url, close: () => app.close() }
    }
  }
}

function nodeBackend(server: Server): Backend {
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** One request to a backend, as a browser or app would send it. */
export async function call(
  backend: Backend,
  path: string,
  token?: string,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` }
  const response = await fetch(`${backend.url}${path}`, { headers })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  }
}
