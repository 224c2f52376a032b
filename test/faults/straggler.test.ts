/** A straggler gets a speculative copy on another agent once most of its job is done; the first result wins. */
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import type { ClusterEventOf } from '@cohort/shared';
import { agents, cluster } from '../helpers/cluster.js';

describe('stragglers', () => {
  it('get a speculative copy elsewhere, and the job does not wait for the slow original', async () => {
    const c = await cluster(agents(3, 'threads'));
    const copies: Array<ClusterEventOf<'speculative-copy'>> = [];
    const slowMs = 20_000;
    const report = await runJob({
      url: c.url,
      token: c.token,
      task: 'slow',
      input: { ms: 100, slow: [23], slowMs, slowAttempts: 1 },
      partitions: 24,
      onCluster: (e) => {
        if (e.kind === 'speculative-copy') copies.push(e);
      },
    });
    expect(report.status).toBe('succeeded');
    expect(report.result).toBe(24);
    expect(report.speculative).toBe(1);
    expect(copies).toMatchObject([{ partition: 23 }]);
    expect(report.durationMs).toBeLessThan(slowMs / 4);
    expect(report.attempts).toBe(25);
  });
});
