import { defineConfig } from 'vitest/config';

// The docker suite (npm run test:docker): real containers from a freshly built,
// uniquely tagged image (test/docker/global-setup.ts builds it once and removes
// it at the end, with everything else the suite created). One file at a time:
// each starts a coordinator and agents on the 2 cores of this machine.
export default defineConfig({
  test: {
    include: ['test/docker/**/*.test.ts'],
    globalSetup: ['test/docker/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest-docker.json' },
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 300_000,
    teardownTimeout: 120_000,
    env: {
      // The reaper image cannot be pulled here; the suite removes what it makes, by id.
      TESTCONTAINERS_RYUK_DISABLED: 'true',
      // /.dockerenv exists in this sandbox: without this, testcontainers would use the docker0 gateway address.
      TESTCONTAINERS_HOST_OVERRIDE: 'localhost',
    },
  },
});
