import { defineConfig } from 'vitest/config';

// The browser suite (npm run test:browser): the dashboard in Debian's chromium,
// driven by playwright-core, against real coordinator and agent processes on
// loopback. Not part of `npm test`; .ci/run runs it after, once
// scripts/install-browser.sh has found or installed chromium.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest-browser.json' },
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
