/** Serves the example web app on 127.0.0.1 with `@hono/node-server`. */
import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { createWebApp, type WebAppOptions } from './app.js'

export interface RunningWebApp {
  /** e.g. `http://127.0.0.1:3000` */
  readonly url: string
  close(): Promise<void>
}

export function serveWebApp(options: WebAppOptions & { port?: number }): Promise<RunningWebApp> {
  const app = createWebApp(options)
  return new Promise((resolve) => {
    const server: ServerType = serve(
      { fetch: app.fetch, hostname: '127.0.0.1', port: options.port ?? 0 },
      (info: AddressInfo) => {
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              if ('closeAllConnections' in server) server.closeAllConnections()
              server.close(() => done())
            }),
        })
      },
    )
  })
}
