import { defineConfig } from 'vitest/config';

/**
 * Cluster tests whose assertions are about time (detection within a
 * heartbeat timeout, a first result within 2x a partition, idle limits, 60 s
 * of saturation) or that load every core by design. They run last, one file
 * at a time, sharing the CPU with nothing else.
 */
const ALONE = [
  'test/faults/saturation.test.ts',
  'test/faults/hang.test.ts',
  'test/faults/straggler.test.ts',
  'test/drill.test.ts',
  'test/agent-loss.test.ts',
  'test/sdk.test.ts',
  'test/hostile/http.test.ts',
  'test/hostile/chaos.test.ts',
];

// Three projects, in order: fast unit tests beside their packages (state
// machines, codec, options, slot runtimes), on both cores; then the cluster
// tests in test/ that start real coordinator and agent processes on loopback
// and assert outcomes, not timings, two files at a time; then ALONE. Docker
// tests run separately (npm run test:docker), since they need an engine, and so
// do the browser tests (npm run test:browser), since they need chromium.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          // One module graph per worker instead of one per file: the unit files import the same packages, and
          // re-importing them per file was half of this project's time (62 s -> 32 s here). It holds because no
          // unit file mocks modules or leaves globals changed, and helpers register hooks only when called
          // (test/helpers/cluster.ts registers one at import time: the cluster projects keep isolation).
          isolate: false,
          include: ['packages/*/src/**/*.test.ts'],
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cluster',
          // As in unit: one module graph per worker. The clusters' clean-up hook is a setup file (run per test file).
          isolate: false,
          setupFiles: ['test/setup-cluster.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/docker/**', 'test/browser/**', ...ALONE],
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cluster-alone',
          isolate: false,
          setupFiles: ['test/setup-cluster.ts'],
          include: ALONE,
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
