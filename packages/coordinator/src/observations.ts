/**
 * What the coordinator tells its observers (the dashboard's view and the
 * Prometheus metrics): one stream of small facts, fed by the executor. The
 * cluster emits the attempt facts as `observe` effects (it does no I/O);
 * the executor adds cluster events and job lifecycle, the journal its
 * syncs, the agent sockets their bytes.
 *
 * An observer must be cheap and must not throw: it runs on the socket path,
 * once per attempt. It counts and keeps bounded rings, nothing more; the
 * work of presenting is done when someone asks (a dashboard tick, a scrape).
 */
import type { AttemptOutcome, ClusterEvent, JobError, JobStatus, SlotMode } from '@cohort/shared';

export type Observation =
  /** An attempt ended. `startedAt` is when its slot started it (or it was sent, when never started); `ms` its slot time when known. */
  | {
      kind: 'attempt';
      at: number;
      jobId: string;
      partition: number;
      attempt: number;
      agent: string;
      mode: SlotMode | 'unknown';
      startedAt: number;
      ms: number;
      outcome: AttemptOutcome;
      /** For failed, timed-out and requeued attempts: why. */
      code?: string;
      message?: string;
    }
  | { kind: 'cluster'; event: ClusterEvent }
  /** A job was submitted (status queued), started running, or finished. */
  | { kind: 'job'; at: number; jobId: string; task: string; status: JobStatus; partitions: number; error?: JobError }
  /** The journal synced (fdatasync), taking `seconds`. */
  | { kind: 'journal-sync'; at: number; seconds: number }
  /** A frame on an agent socket. */
  | { kind: 'ws-bytes'; direction: 'in' | 'out'; bytes: number };

export interface Observer {
  observe(o: Observation): void;
}

/** The observers, fed in order; one that throws is a bug, logged once per observer (with a count), and the others still run. */
export class Observers implements Observer {
  private readonly list: Observer[] = [];
  /** Throws per observer, in the order added: a figure the health panel or a test can read. */
  readonly failures: number[] = [];

  constructor(private readonly onError: (err: unknown, observer: number) => void) {}

  add(observer: Observer): void {
    this.list.push(observer);
    this.failures.push(0);
  }

  observe(o: Observation): void {
    for (let i = 0; i < this.list.length; i++) {
      try {
        this.list[i]!.observe(o);
      } catch (err) {
        if (this.failures[i]!++ === 0) this.onError(err, i);
      }
    }
  }
}
