import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    testing: 'src/testing/index.ts',
    // `pocketbase-auth/server`: `server.node` (hash by node:crypto) for the `node` export condition, `server` elsewhere.
    server: 'src/server/index.ts',
    'server.node': 'src/server/node.ts',
    totp: 'src/totp/index.ts',
    admin: 'src/admin/index.ts',
    redis: 'src/redis/index.ts',
    // `pocketbase-auth/ssr`: `ssr.node` (HMAC by node:crypto) for the `node` export condition, `ssr` elsewhere.
    ssr: 'src/ssr/index.ts',
    'ssr.node': 'src/ssr/node.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'neutral',
  // The entries share chunks, so every other entry throws the very classes `pocketbase-auth` exports.
  splitting: true,
  treeshake: true,
  // The pocketbase SDK's main entry is ESM only; CommonJS output loads its CJS build. (jose 6 is ESM only too, so
  // `require()` of the CommonJS output needs Node 20.19+, which loads ESM from require; the README says so.)
  esbuildOptions(options, context) {
    if (context.format === 'cjs') options.alias = { pocketbase: 'pocketbase/cjs' }
  },
  // Optional peers (the testing kit's mail packages, the Redis clients) are never bundled.
  external: [
    'pocketbase',
    'jose',
    'zod',
    'dotenv',
    'otplib',
    'uqr',
    'smtp-server',
    'mailparser',
    'ioredis',
    'redis',
    /^node:/,
  ],
})
