import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/compat/**', 'test/browser/**'],
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
          // The example web app (examples/web/) in headless Chromium against a real PocketBase: one browser, one
          // PocketBase and one app per file. Chromium is found (and unpacked) once, before any file starts.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/setup/fail-on-unhandled.ts'],
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          // After the PocketBase files (a group has one maxWorkers, and Chromium wants the cores to itself).
          sequence: { groupOrder: 2 },
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
          // Beside the integration files, in the same group (vitest requires one maxWorkers per group): one
          // PocketBase of each version, a few seconds of flows each.
          maxWorkers: 4,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
