/**
 * The import rules of `src/`, checked by `npm run lint` (dependency-cruiser). Layers, lowest first:
 *   narrow.ts, logger.ts  <  errors/  <  session/  <  config.ts, events.ts  <  http/  <  flows/
 *   <  scheduler/ (pure maths and the timer)  <  lifecycle/  <  client.ts  <  db/  <  index.ts, kit.ts
 * and the entry points beside the core (node/, server/, ssr/, totp/, admin/, redis/, testing/), which use the core
 * only through its public modules: index.ts (the public API) and kit.ts (the toolkit for sibling entries).
 */
const ENTRIES = '(node|server|ssr|totp|admin|redis|testing)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circle anywhere in src/, type-only imports included.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'errors-import-nothing-above',
      comment: 'errors/ is the bottom layer: it may use only itself and narrow.ts.',
      severity: 'error',
      from: { path: '^src/errors/' },
      to: { path: '^src/', pathNot: '^src/(errors/|narrow\\.ts$)' },
    },
    {
      name: 'session-imports-nothing-above',
      comment: 'session/ may use only itself, errors/ and narrow.ts: a store never calls up.',
      severity: 'error',
      from: { path: '^src/session/' },
      to: { path: '^src/', pathNot: '^src/(session/|errors/|narrow\\.ts$)' },
    },
    {
      name: 'scheduler-is-pure-maths-and-a-timer',
      comment:
        'scheduler/ holds the pure refresh maths and the timer shell; the loop that acts lives in lifecycle/.',
      severity: 'error',
      from: { path: '^src/scheduler/' },
      to: { path: '^src/', pathNot: '^src/(scheduler/|config\\.ts$)' },
    },
    {
      name: 'lower-layers-never-import-the-facade',
      comment:
        'Only the facade, the db-interface and the entries may import client.ts, db/, index.ts or kit.ts.',
      severity: 'error',
      from: {
        path: '^src/(errors|session|http|flows|scheduler|lifecycle)/|^src/(config|events|narrow|logger)\\.ts$',
      },
      to: { path: '^src/(client|index|kit|kit-client)\\.ts$|^src/db/' },
    },
    {
      name: 'entries-use-the-core-through-its-public-modules',
      comment: `An entry point (src/${ENTRIES}/) may import the core only through index.ts and kit.ts.`,
      severity: 'error',
      from: { path: `^src/${ENTRIES}/` },
      to: { path: '^src/', pathNot: `^src/(index|kit)\\.ts$|^src/${ENTRIES}/` },
    },
    {
      name: 'core-is-runtime-neutral',
      comment:
        'The root entry runs on browsers, Deno and Bun: no node: built-ins outside the Node-only entries.',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/${ENTRIES}/` },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'optional-peers-are-never-imported-at-load-time',
      comment: 'Framework, Redis and browser packages are optional peers: type-only or lazy imports only.',
      severity: 'error',
      from: { path: '^src/' },
      to: {
        path: 'node_modules/(express|hono|@hono|fastify|ioredis|redis|@redis|puppeteer-core|@sparticuz)/',
        dependencyTypesNot: ['type-only', 'dynamic-import'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
}
