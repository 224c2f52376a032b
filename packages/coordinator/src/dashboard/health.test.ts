import { describe, expect, it } from 'vitest';
import { Health, LOOP_RESOLUTION_MS } from './health.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Health: event-loop delay', () => {
  it('wakes the process at most every LOOP_RESOLUTION_MS (>= 50), yet sees a stall longer than that', async () => {
    expect(LOOP_RESOLUTION_MS).toBeGreaterThanOrEqual(50);
    const health = new Health();
    try {
      await sleep(LOOP_RESOLUTION_MS * 2);
      const until = performance.now() + LOOP_RESOLUTION_MS * 3;
      while (performance.now() < until); // block the loop
      await sleep(LOOP_RESOLUTION_MS * 2);
      health.tick();
      expect(health.loopDelayMs.p99).toBeGreaterThanOrEqual(LOOP_RESOLUTION_MS);
    } finally {
      health.close();
    }
  });
});
