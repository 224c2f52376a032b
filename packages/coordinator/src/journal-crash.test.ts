/**
 * The journal under a real SIGKILL, and what a durable result costs. The
 * child process imports the built journal (dist/journal.js): `tsc -b` first,
 * as `npm test` does.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LogEntry } from '@cohort/shared';
import { encodeFrame } from './journal-codec.js';
import { Journal, JOURNAL_FILE, type JournalRecord } from './journal.js';

const BUILT = fileURLToPath(new URL('../dist/journal.js', import.meta.url));
const ROUNDS = 6;
const ITEMS_PER_FLUSH = 20;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cohort-journal-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Four writers append results and flush concurrently (so flushes coalesce); after each
// resolved flush the child prints the first partition of the batch it made durable.
const CHILD = `
const [, url, dir, jobId] = process.argv;
const { Journal } = await import(url);
const quiet = { debug() {}, info() {}, warn() {}, error() {}, enabled: () => false, child() { return quiet; } };
const { journal } = await Journal.open(dir, quiet);
journal.append({ kind: 'job', job: { jobId, task: 'hash', input: null, partitions: 1e9, timeoutMs: 0, maxAttempts: 3, createdAt: Date.now() } });
await journal.flush();
process.stdout.write('ready\\n');
let next = 0;
const writer = async () => {
  for (;;) {
    const p0 = next;
    next += ${ITEMS_PER_FLUSH};
    const items = [];
    for (let p = p0; p < p0 + ${ITEMS_PER_FLUSH}; p++) items.push({ p, a: 1, value: 'v'.repeat(300) + p, agent: 'agent-1', ms: 1, mode: 'thread' });
    journal.append({ kind: 'results', jobId, items });
    await journal.flush();
    process.stdout.write('ok ' + p0 + '\\n');
  }
};
await Promise.all([writer(), writer(), writer(), writer()]);
`;

/** Run the child until a random moment after its first durable batch, SIGKILL it, and return what it acknowledged. */
function runAndKill(jobId: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, pathToFileURL(BUILT).href, dir, jobId], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let pending = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.on('data', (d: Buffer) => {
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ok ')) acked.push(Number(line.slice(3)));
        else if (line === 'ready') timer = setTimeout(() => child.kill('SIGKILL'), 5 + Math.random() * 120);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe('journal under SIGKILL', () => {
  it('never throws on reopen, and every batch whose flush resolved is there', async () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run \`npx tsc -b packages/coordinator\` first`).toBe(true);
    let total = 0;
    let torn = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const jobId = `j_round${String(round).padStart(5, '0')}`;
      const acked = await runAndKill(jobId);
      total += acked.length;
      // The kernel finishes a write(2) to a regular file before a SIGKILL lands, so a kill alone
      // never tears a record; a power cut can. Every other round, leave half a frame as one would.
      if (round % 2 === 1) {
        const frame = encodeFrame({ kind: 'results', jobId, items: [{ p: 1e8, a: 1, value: 'torn', agent: 'x', ms: 1, mode: 'thread' }] });
        await appendFile(join(dir, JOURNAL_FILE), frame.subarray(0, 1 + Math.floor(Math.random() * (frame.length - 1))));
      }
      const entries: LogEntry[] = [];
      const { journal, recovered } = await Journal.open(dir, createLogger({ sink: (e) => entries.push(e) }));
      await journal.close();
      const warned = entries.filter((e) => e.level === 'warn');
      expect(warned.every((e) => e.msg === 'journal torn tail skipped')).toBe(true);
      torn += warned.length;
      if (round % 2 === 1) expect(warned).toHaveLength(1);
      const results = recovered.jobs.get(jobId)?.results;
      expect(results, `round ${round}: job record lost`).toBeDefined();
      for (const p0 of acked) {
        for (let p = p0; p < p0 + ITEMS_PER_FLUSH; p++) expect(results!.get(p)?.value, `round ${round}: partition ${p}`).toBe('v'.repeat(300) + p);
      }
      // Earlier rounds are intact too.
      expect(recovered.jobs.size).toBe(round + 1);
    }
    console.log(`journal kill: ${ROUNDS} SIGKILLs, ${total} acknowledged batches all recovered, ${torn} torn tails cut`);
    expect(total).toBeGreaterThan(0);
    expect((await Journal.audit(dir)).duplicates).toEqual([]);
  }, 60_000);
});

describe('journal cost', () => {
  const ITEMS = 1000;
  const record = (jobId: string, r: number): JournalRecord => ({
    kind: 'results',
    jobId,
    items: Array.from({ length: ITEMS }, (_, i) => ({ p: r * ITEMS + i, a: 1, value: 78_498 + i, agent: 'agent-7', ms: 12, mode: 'thread' as const })),
  });
  const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

  it('measures durable items/s and flush latency (results records of 1,000 items)', async () => {
    const { journal } = await Journal.open(dir, createLogger({ sink: () => {} }));
    journal.append({ kind: 'job', job: { jobId: 'j_bench00000', task: 'primes', input: null, partitions: 1e9, timeoutMs: 0, maxAttempts: 3, createdAt: 0 } });
    await journal.flush();

    // One record per flush, one caller: every record pays its own fdatasync.
    const SERIAL = 100;
    const latencies: number[] = [];
    const serialStart = performance.now();
    for (let r = 0; r < SERIAL; r++) {
      journal.append(record('j_bench00000', r));
      const t = performance.now();
      await journal.flush();
      latencies.push(performance.now() - t);
    }
    const serialMs = performance.now() - serialStart;

    // Eight concurrent callers, one record each per flush: group commit shares the syncs.
    const WRITERS = 8;
    const EACH = 50;
    const syncsBefore = journal.stats.syncs;
    const groupStart = performance.now();
    let r = SERIAL;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = 0; i < EACH; i++) {
          journal.append(record('j_bench00000', r++));
          await journal.flush();
        }
      }),
    );
    const groupMs = performance.now() - groupStart;
    const groupSyncs = journal.stats.syncs - syncsBefore;
    const bytesPerRecord = journal.stats.bytes / journal.stats.records;
    await journal.close();

    const serialRate = Math.round((SERIAL * ITEMS) / (serialMs / 1000));
    const groupRate = Math.round((WRITERS * EACH * ITEMS) / (groupMs / 1000));
    console.log(
      `journal: ${Math.round(bytesPerRecord)} B per 1,000-item record; serial ${serialRate.toLocaleString('en')} items/s durable, ` +
        `flush p50 ${quantile(latencies, 0.5).toFixed(2)} ms p99 ${quantile(latencies, 0.99).toFixed(2)} ms; ` +
        `group commit (${WRITERS} callers) ${groupRate.toLocaleString('en')} items/s in ${groupSyncs} syncs for ${WRITERS * EACH} records`,
    );
    expect(groupSyncs).toBeLessThan(WRITERS * EACH);
    const audit = await Journal.audit(dir);
    expect(audit.acceptedPerPartition.size).toBe((SERIAL + WRITERS * EACH) * ITEMS);
    expect(audit.duplicates).toEqual([]);
  }, 60_000);
});
