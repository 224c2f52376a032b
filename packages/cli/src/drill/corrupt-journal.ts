/**
 * The `corrupt-journal` drill: run jobs on a coordinator with a state
 * directory, stop it, flip four bytes in a record in the middle of its
 * journal, and show that the next start refuses with JOURNAL_CORRUPT (exit
 * non-zero) instead of dropping what follows the damage. Then start it with
 * `--journal-recover` and check that every acknowledged job is still there
 * with its result, that the damaged bytes were saved aside, and that the
 * cluster serves again.
 */
import { mkdtempSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { HEADER_BYTES, JOURNAL_FILE, scanJournal } from '@cohort/coordinator';
import { ErrorCode } from '@cohort/shared';
import { ApiClient } from '@cohort/sdk';
import { runCohort } from '../processes.js';
import { watchJob, type WatchedRun } from '../watched-run.js';
import { drillCluster } from './harness.js';
import type { DrillOptions, DrillResult } from './types.js';

const SLEEP_MS = 20;

/** Flip 4 bytes inside the payload of `jobId`'s job record (mid-file: its results follow); returns where that frame lies. */
async function flipJobRecord(path: string, jobId: string): Promise<{ offset: number; bytes: number; frames: number }> {
  const buf = await readFile(path);
  const frames: Array<{ offset: number; end: number; jobId?: string }> = [];
  scanJournal(buf, (r, offset) =>
    frames.push({ offset, end: offset + HEADER_BYTES + buf.readUInt32LE(offset), ...(r.kind === 'job' && { jobId: r.job.jobId }) }),
  );
  const victim = frames.find((f) => f.jobId === jobId)!;
  const at = victim.offset + HEADER_BYTES + Math.floor((victim.end - victim.offset - HEADER_BYTES) / 2) - 2;
  for (let i = at; i < at + 4; i++) buf[i]! ^= 0x5a;
  await writeFile(path, buf);
  return { offset: victim.offset, bytes: victim.end - victim.offset, frames: frames.length };
}

function outcome(base: WatchedRun, run: WatchedRun, expected: number, detectedMs: number | null, correct: boolean, notes: string[]): DrillResult {
  const jobMs = run.endedAt - run.submittedAt;
  const baselineMs = base.endedAt - base.submittedAt;
  const { requeued, duplicates, attempts, partitions } = run.report;
  return {
    scenario: 'corrupt-journal',
    fault: 'stop the coordinator, flip 4 bytes in a job record mid-file, start it again',
    injectedAtMs: null,
    detectedMs,
    requeued,
    duplicates,
    attempts,
    partitions,
    jobMs,
    baselineMs,
    slowdown: jobMs / baselineMs,
    predictedSlowdown: null,
    correct,
    expected,
    result: run.report.result,
    notes,
  };
}

export async function corruptJournal(options: DrillOptions): Promise<DrillResult> {
  const stateDir = mkdtempSync(join(os.tmpdir(), 'cohort-drill-journal-'));
  const c = await drillCluster(options, 'threads', ['--state-dir', stateDir], 'journal');
  try {
    const partitions = options.agents * 4;
    const job = { task: 'sleep', input: { ms: SLEEP_MS }, partitions };
    const expected = partitions * SLEEP_MS;
    const acknowledged = [await watchJob(c, job), await watchJob(c, job)];
    await c.coordinator.stop();
    const journal = join(stateDir, JOURNAL_FILE);
    const damage = await flipJobRecord(journal, acknowledged[1]!.report.jobId);
    const refusedAt = Date.now();
    const refusal = await runCohort(['coordinator', '--host', '127.0.0.1', '--port', '0', '--state-dir', stateDir], {
      env: { COHORT_TOKEN: c.token },
      timeoutMs: 15_000,
    });
    const refusedMs = Date.now() - refusedAt;
    const refused =
      refusal.code !== 0 && refusal.signal === null && refusal.stderr.includes(ErrorCode.JOURNAL_CORRUPT) && refusal.stderr.includes(`offset ${damage.offset}`);
    await c.restartCoordinator(['--journal-recover']);
    const api = new ApiClient({ url: c.url, token: c.token, tls: c.tls });
    const reports = await Promise.all(acknowledged.map((a) => api.report(a.report.jobId)));
    const survived = reports.filter((r) => r.status === 'succeeded' && r.result === expected).length;
    const saved = (await readdir(stateDir)).filter((f) => f.startsWith(`${JOURNAL_FILE}.damaged-`));
    const after = await watchJob(c, job);
    const correct =
      refused && survived === acknowledged.length && saved.length === 1 && after.report.status === 'succeeded' && after.report.result === expected;
    return outcome(acknowledged[0]!, after, expected, refusedMs, correct, [
      `damaged the job record of ${acknowledged[1]!.report.jobId} at offset ${damage.offset} (${damage.bytes} bytes; ${damage.frames} records in the journal)`,
      refused
        ? `start refused in ${refusedMs} ms: exit ${refusal.code}, JOURNAL_CORRUPT naming offset ${damage.offset} and --journal-recover`
        : `start NOT refused as it should be (exit ${refusal.code}, signal ${refusal.signal})`,
      `--journal-recover saved ${saved.length} damaged range(s) aside (${saved.join(', ')}) and started`,
      `acknowledged jobs with their results after recovery: ${survived} of ${acknowledged.length}; a new job then ran to ${after.report.status}`,
    ]);
  } finally {
    await c.stop();
  }
}
