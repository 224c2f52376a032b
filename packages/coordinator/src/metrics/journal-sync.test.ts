import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@cohort/shared';
import { makeJob } from '../__tests__/helpers.js';
import { StateStore } from '../state-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('journal syncs for the metrics', () => {
  it('each fdatasync of a flush is told to onSync, in seconds', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cohort-metrics-journal-'));
    dirs.push(dir);
    const { store } = await StateStore.open(dir, silentLogger, () => {});
    const syncs: number[] = [];
    store.onSync = (seconds) => syncs.push(seconds);
    await store.jobSubmitted(makeJob('j1', 2), 2, null);
    await store.close();
    expect(syncs.length).toBeGreaterThanOrEqual(1);
    for (const s of syncs) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(60);
    }
  });
});
