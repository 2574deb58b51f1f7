import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/compat/**'],
          environment: 'node',
          setupFiles: ['test/setup/fail-on-unhandled.ts'],
          // Hang limits only: no test asserts a duration, and a fuzzer's thousand runs must pass on a loaded
          // 2-core machine as on a fast one (timers that matter are fake, or bounded by the client's timeoutMs).
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup/fail-on-unhandled.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Each file starts its own PocketBase. The longest files mostly wait (the realtime idle timeout is 5
          // minutes of a quiet stream), so four files at a time keep the cores busy without crowding them.
          maxWorkers: 4,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Every main flow against each supported PocketBase version: one file (and server) per version.
          name: 'compat',
          include: ['test/compat/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup/fail-on-unhandled.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          // Beside the integration files: one PocketBase of each version, a few seconds of flows each.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
