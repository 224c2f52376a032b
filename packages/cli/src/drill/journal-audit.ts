/** Placeholder until the journal lands: the restart drill reads the journal to prove no partition was accepted twice. */
export async function auditJournal(_dir: string, _jobId: string): Promise<{ accepted: number; duplicates: number; acceptedBeforeRestart: number }> {
  return { accepted: 0, duplicates: 0, acceptedBeforeRestart: 0 };
}
