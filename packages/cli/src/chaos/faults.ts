/**
 * The faults a chaos run injects into a live local cluster, each by a real
 * mechanism: SIGKILL and SIGSTOP of agent processes (a replacement agent
 * joins after a kill), a SIGKILL and restart of the coordinator on its state
 * directory, and a rogue agent forging results for the running job.
 */
import { AGENT_MODES } from '@cohort/shared';
import type { LocalCluster } from '../local-cluster.js';
import { startRogueAgent } from '../drill/rogue-agent.js';
import type { AgentProcess } from '../processes.js';
import type { Rng } from '@cohort/shared/internal';

export const FAULT_KINDS = ['kill-agent', 'stop-agent', 'rogue-agent', 'restart-coordinator'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultContext {
  cluster: LocalCluster;
  rng: Rng;
  /** The job to forge results for, and its size. */
  job: { jobId: string; partitions: number } | undefined;
  say(line: string): void;
  /** Replacement agents get fresh names. */
  nextName(): string;
  /** Pids of agents this run has killed. */
  dead: Set<number>;
}

function liveAgents(ctx: FaultContext): AgentProcess[] {
  return ctx.cluster.agents.filter((a) => !ctx.dead.has(a.pid));
}

/** Inject one fault; resolves when it has been injected and (for a pause) undone. */
export async function inject(kind: FaultKind, ctx: FaultContext): Promise<void> {
  const { cluster, rng } = ctx;
  switch (kind) {
    case 'kill-agent': {
      const victim = rng.pick(liveAgents(ctx));
      if (!victim) return;
      victim.kill('SIGKILL');
      ctx.dead.add(victim.pid);
      await victim.exited;
      await cluster.addAgent({ name: ctx.nextName(), mode: rng.pick(AGENT_MODES), slots: 2 });
      return;
    }
    case 'stop-agent': {
      const victim = rng.pick(liveAgents(ctx));
      if (!victim) return;
      victim.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, rng.int(300, 3000)));
      victim.kill('SIGCONT');
      return;
    }
    case 'rogue-agent': {
      if (!ctx.job) return;
      const rogue = startRogueAgent({
        url: cluster.url,
        token: cluster.token,
        tls: cluster.tls,
        name: 'chaos-rogue',
        drainFirst: true,
        forgeOthers: { ...ctx.job, attempts: 2 },
        forgedValue: -7,
      });
      await Promise.race([rogue.closed, new Promise((r) => setTimeout(r, 2000))]);
      rogue.stop();
      return;
    }
    case 'restart-coordinator': {
      cluster.coordinator.kill('SIGKILL');
      await cluster.coordinator.exited;
      await cluster.restartCoordinator();
      return;
    }
  }
}
