import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside their packages (state machines, codec,
// options, slot runtimes), and cluster tests in test/ that start real
// coordinator and agent processes on loopback. Docker tests run separately
// (npm run test:docker), since they need an engine.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          // First, on every core; the cluster tests then run alone, so their timing checks share no CPU with these.
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          exclude: ['test/docker/**'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Cluster tests start several processes each; on a 2-core machine they run one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
