/**
 * Where a partition runs, and why. Pure: the pool asks, this answers; the set
 * of escalated tasks is the only state, and it only grows.
 */
import type { AgentMode, Isolation, ModeReason, SlotMode } from '@cohort/shared';

export interface ModeChoice {
  mode: SlotMode;
  why: ModeReason;
}

const THREADS: ModeChoice = { mode: 'thread', why: 'agent-threads' };
const PROCESSES: ModeChoice = { mode: 'process', why: 'agent-processes' };
const PROFILE_THREAD: ModeChoice = { mode: 'thread', why: 'profile-thread' };
const PROFILE_PROCESS: ModeChoice = { mode: 'process', why: 'profile-process' };
const AUTO_CPU_PURE: ModeChoice = { mode: 'thread', why: 'auto-cpu-pure' };
const ESCALATED: ModeChoice = { mode: 'process', why: 'escalated-after-crash' };
const PROFILE_SHARED: ModeChoice = { mode: 'thread', why: 'profile-shared-input' };

/**
 * The choice for one task. `escalated` is true when the task crashed a
 * thread slot on this agent before; `sharedInput` is the task's
 * `profile.sharedInput` (the assign's `sharedInput`): in auto mode a task
 * that leaves isolation to the agent then runs on threads, which share its
 * job's value with no copy. A crash still moves it to processes.
 */
export function chooseMode(agentMode: AgentMode, isolation: Isolation, escalated: boolean, sharedInput = false): ModeChoice {
  switch (agentMode) {
    case 'threads':
      return THREADS;
    case 'processes':
      return PROCESSES;
    case 'auto':
      if (escalated) return ESCALATED;
      if (isolation === 'thread') return PROFILE_THREAD;
      if (isolation === 'process') return PROFILE_PROCESS;
      return sharedInput ? PROFILE_SHARED : AUTO_CPU_PURE;
  }
}

/** The tasks that crashed a thread slot. `escalate` answers true only the first time, so the change is announced once. */
export class ModeBook {
  private readonly escalated = new Set<string>();

  constructor(private readonly agentMode: AgentMode) {}

  choose(task: string, isolation: Isolation, sharedInput = false): ModeChoice {
    return chooseMode(this.agentMode, isolation, this.escalated.has(task), sharedInput);
  }

  /** Record that `task` crashed a slot of `mode`. True when this moves the task to processes now. */
  escalate(task: string, mode: SlotMode): boolean {
    if (this.agentMode !== 'auto' || mode !== 'thread' || this.escalated.has(task)) return false;
    this.escalated.add(task);
    return true;
  }
}
