/** What a drill scenario reports, for the table and for `--json`. */
export interface DrillResult {
  scenario: string;
  fault: string;
  /** When the fault was injected, ms after the job was submitted. */
  injectedAtMs: number | null;
  /** From injection to the coordinator acting on it (agent declared lost, copy issued), ms. */
  detectedMs: number | null;
  requeued: number;
  duplicates: number;
  attempts: number;
  partitions: number;
  jobMs: number;
  baselineMs: number;
  /** jobMs / baselineMs */
  slowdown: number;
  /** What lost capacity alone predicts for jobMs / baselineMs. */
  predictedSlowdown: number | null;
  correct: boolean;
  expected: unknown;
  result: unknown;
  notes: string[];
}

/** What `cohort drill … --json` prints: one line. */
export interface DrillReport {
  ok: boolean;
  agents: number;
  logDir: string;
  results: DrillResult[];
}

export interface DrillOptions {
  agents: number;
  say(line: string): void;
  logDir: string;
}
