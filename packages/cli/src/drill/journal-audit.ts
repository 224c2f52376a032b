/** Read a coordinator's journal to prove what was accepted, and how often, for one job. */
import { Journal } from '@cohort/coordinator';

export interface JournalAudit {
  /** Partitions of the job with an accepted result in the journal. */
  accepted: number;
  /** Partitions of the job accepted more than once (must be 0). */
  duplicates: number;
}

export async function auditJournal(dir: string, jobId: string): Promise<JournalAudit> {
  const { acceptedPerPartition, duplicates } = await Journal.audit(dir);
  let accepted = 0;
  for (const key of acceptedPerPartition.keys()) if (key.startsWith(`${jobId}:`)) accepted++;
  return { accepted, duplicates: duplicates.filter((d) => d.jobId === jobId).length };
}
