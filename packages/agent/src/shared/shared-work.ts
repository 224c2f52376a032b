/**
 * Work of jobs with a shared value on its way to the slots: the gate of
 * fetch/held-work.ts, waiting on the shared store. Each assign records its
 * job's reference to the value; one whose value is here goes on at once,
 * the rest wait for the fetch and fail with its code (SHARED_TOO_LARGE,
 * SHARED_HASH_MISMATCH, SHARED_FETCH_FAILED, the coordinator's refusal).
 * Work that will run on process slots also waits for the value's file
 * (shared-file.ts), written off the main thread. Work of a job without a
 * shared value passes through.
 */
import { ErrorCode, type AgentMode, type AssignMessage, type Logger, type ResultItem } from '@cohort/shared';
import { HeldWork } from '../fetch/held-work.js';
import { chooseMode } from '../slots/mode.js';
import type { SharedStore } from './shared-store.js';

export interface SharedWorkDeps {
  store: Pick<SharedStore, 'acquire' | 'prepareFile'>;
  /** Hand work on (the slot pool). */
  submit(assignment: AssignMessage, frameBytes: number): void;
  fail(jobId: string, items: ResultItem[]): void;
  mode: AgentMode;
  logger: Logger;
  maxHeldItems?: number;
}

export class SharedWork extends HeldWork {
  constructor(deps: SharedWorkDeps) {
    const { store, mode } = deps;
    const onProcesses = (a: AssignMessage) => chooseMode(mode, a.isolation, false, a.sharedInput === true).mode === 'process';
    const refOf = (a: AssignMessage) => a.shared as NonNullable<AssignMessage['shared']>;
    super({
      keyOf: (a) => a.shared?.hash,
      want: (hash, a) => {
        const fetched = store.acquire(a.jobId, refOf(a));
        if (!onProcesses(a)) return fetched;
        if (fetched === undefined) return store.prepareFile(hash);
        return fetched.then(() => store.prepareFile(hash));
      },
      askAlways: true,
      code: ErrorCode.SHARED_FETCH_FAILED,
      what: 'shared values',
      next: deps.submit,
      fail: deps.fail,
      mode,
      logger: deps.logger,
      ...(deps.maxHeldItems !== undefined && { maxHeldItems: deps.maxHeldItems }),
    });
  }
}
