import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import {
  createTokenVerifier,
  defineRoles,
  expressAuth,
  fastifyAuth,
  honoAuth,
  type VerifiedIdentity,
} from '../../src/server/node.js'

const verifier = createTokenVerifier({ url: 'http://127.0.0.1:1' })
const roles = defineRoles({ permissions: { 'users:manage': 'admin' } })

describe('framework typings (checked by tsc; the bodies never run a server)', () => {
  it('express: the middleware fits app.use and routes, and req.auth is typed', () => {
    const app = express()
    app.use('/admin', expressAuth(verifier, { roles, minRole: 'admin' }))
    app.get('/me', expressAuth(verifier), (req, res) => {
      expectTypeOf(req.auth).toEqualTypeOf<VerifiedIdentity | null | undefined>()
      res.json({ id: req.auth?.recordId })
    })
  })

  it('hono: the middleware fits app.use, and c.get("auth") is typed', () => {
    const app = new Hono()
    app.use('/api/*', honoAuth(verifier, { permission: 'users:manage', roles }))
    app.get('/api/me', (c) => {
      expectTypeOf(c.get('auth')).toEqualTypeOf<VerifiedIdentity | null>()
      return c.json({ id: c.get('auth')?.recordId ?? null })
    })
  })

  it('fastify: the hook fits addHook and route options, and request.auth is typed', async () => {
    const app = Fastify()
    app.addHook('onRequest', fastifyAuth(verifier))
    app.get(
      '/me',
      { preHandler: fastifyAuth(verifier, { roles, anyRole: ['moderator', 'admin'] }) },
      async (request) => {
        expectTypeOf(request.auth).toEqualTypeOf<VerifiedIdentity | null | undefined>()
        return { id: request.auth?.recordId }
      },
    )
    await app.close()
  })

  it('role options only accept the hierarchy’s names', () => {
    // @ts-expect-error 'admn' is not a role of `roles`
    expectTypeOf(() => expressAuth(verifier, { roles, minRole: 'admn' })).toBeFunction()
    // @ts-expect-error 'users:delete' is not a permission of `roles`
    expectTypeOf(() => honoAuth(verifier, { roles, permission: 'users:delete' })).toBeFunction()
  })
})
