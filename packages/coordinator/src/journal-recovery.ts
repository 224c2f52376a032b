/**
 * What happens when the journal is damaged (see journal-codec.ts for what
 * counts as damage). Without `--journal-recover` the coordinator refuses to
 * start with JOURNAL_CORRUPT, naming the file, the damage and the command to
 * run. With it, every damaged range is saved aside next to the journal, the
 * journal is rewritten without them (temp file, fdatasync, rename, fsync dir),
 * and every valid record is kept.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CohortError, ErrorCode, type Logger } from '@cohort/shared';
import { withoutDamage, type Damage, type ScanResult } from './journal-codec.js';

export const RECOVER_FLAG = '--journal-recover';

export function recoverCommand(dir: string): string {
  return `cohort coordinator --state-dir ${dir} ${RECOVER_FLAG}`;
}

/** The refusal: a damaged journal with valid records after the damage is never truncated quietly. */
export function journalCorrupt(path: string, scan: ScanResult): CohortError {
  const first = scan.damaged[0]!;
  const more = scan.damaged.length > 1 ? ` and ${scan.damaged.length - 1} more damaged range(s)` : '';
  return new CohortError(
    ErrorCode.JOURNAL_CORRUPT,
    `journal ${path} is damaged at offset ${first.offset} (${first.bytes} bytes, ${first.reason})${more}; ${scan.records} valid records survive around it. ` +
      `Refusing to start rather than lose acknowledged jobs. To save the damaged bytes aside and keep every valid record, run: ${recoverCommand(dirname(path))}`,
    { details: { path, damaged: scan.damaged, records: scan.records, recover: recoverCommand(dirname(path)) } },
  );
}

export interface Recovery {
  /** Where each damaged range (and a torn tail) was saved. */
  saved: Array<Damage & { savedTo: string }>;
  bytesBefore: number;
  bytesAfter: number;
}

/** Save the damage aside, then atomically replace the journal with its good frames only. */
export async function recoverJournal(path: string, buf: Buffer, scan: ScanResult, log: Logger): Promise<Recovery> {
  const stamp = Date.now();
  const saved: Recovery['saved'] = [];
  for (const d of [...scan.damaged, ...(scan.tail ? [scan.tail] : [])]) {
    const savedTo = `${path}.damaged-${d.offset}-${stamp}`;
    await writeDurable(savedTo, buf.subarray(d.offset, d.offset + d.bytes));
    saved.push({ ...d, savedTo });
  }
  const after = withoutDamage(buf, scan);
  const tmp = `${path}.recover`;
  try {
    await writeDurable(tmp, after);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await syncDir(dirname(path));
  for (const s of saved) {
    log.warn('journal damage saved aside', { code: ErrorCode.JOURNAL_CORRUPT, path, offset: s.offset, bytes: s.bytes, reason: s.reason, savedTo: s.savedTo });
  }
  log.warn('journal rewritten without damage', {
    code: ErrorCode.JOURNAL_CORRUPT,
    path,
    records: scan.records,
    ranges: saved.length,
    bytesBefore: buf.length,
    bytesAfter: after.length,
  });
  return { saved, bytesBefore: buf.length, bytesAfter: after.length };
}

const JOB_ID = /j_[0-9a-z]{10}/g;

/** Job ids that appear in the damaged bytes: jobs a damaged range may have held a record of. */
export function jobIdsIn(buf: Buffer, damaged: Damage[]): Set<string> {
  const ids = new Set<string>();
  for (const d of damaged) {
    for (const m of buf.toString('latin1', d.offset, d.offset + d.bytes).matchAll(JOB_ID)) ids.add(m[0]);
  }
  return ids;
}

/** Write a whole file (mode 0600) and fdatasync it. */
export async function writeDurable(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory, so a file created or renamed in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
