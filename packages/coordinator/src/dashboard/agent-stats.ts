/**
 * What the view keeps of each agent, by name (the last session seen under
 * it): partitions done, failed attempts, the last error, escalations with
 * their reason; and the agents lost, most recent first, with when and why.
 * Keyed by the name as sent (at most MAX_LENGTH.agentName). Bounded: the agents live now plus the DASHBOARD_LIMITS.agents most
 * recently lost; names beyond are forgotten.
 */
import { clip, DASHBOARD_LIMITS, MAX_LENGTH, type AgentMode, type ClusterEvent, type DashboardAgent, type Load, type SlotMode } from '@cohort/shared';

/** Escalations kept per agent (one per task). */
const MAX_ESCALATIONS = 32;

export interface AgentStats {
  /** As the agent said it (the key). */
  name: string;
  /** Printable, for the page. */
  display: string;
  agentId: string;
  host: string;
  mode: AgentMode;
  slots: number;
  joinedAt: number;
  /** Sessions of this name live now. */
  live: number;
  done: number;
  failures: number;
  lastError: DashboardAgent['lastError'];
  escalations: Map<string, { task: string; mode: SlotMode; reason: string }>;
  lostAt?: number;
  lostReason?: string;
  lostState?: 'dead' | 'left';
  lastSeen: number;
  load: Load | undefined;
}

export class AgentBook {
  private readonly byName = new Map<string, AgentStats>();
  /** Names of lost agents, oldest loss first (a name lost again moves to the end). */
  private readonly lost = new Set<string>();

  get(name: string): AgentStats | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  joined(e: ClusterEvent & { kind: 'agent-joined' }, host: string): AgentStats {
    const name = e.agent;
    let a = this.byName.get(name);
    if (!a) {
      a = {
        name,
        display: clip(name, MAX_LENGTH.agentName),
        agentId: e.agentId,
        host,
        mode: e.mode,
        slots: e.slots,
        joinedAt: e.at,
        live: 0,
        done: 0,
        failures: 0,
        lastError: null,
        escalations: new Map(),
        lastSeen: e.at,
        load: undefined,
      };
      this.byName.set(name, a);
    }
    Object.assign(a, { agentId: e.agentId, host, mode: e.mode, slots: e.slots, joinedAt: e.at, lastSeen: e.at });
    a.live++;
    this.lost.delete(name);
    delete a.lostAt;
    delete a.lostReason;
    return a;
  }

  lostOne(e: ClusterEvent & { kind: 'agent-lost' }, reason: string, load: Load | undefined): void {
    const a = this.byName.get(e.agent);
    if (!a) return;
    a.live = Math.max(0, a.live - 1);
    if (a.live > 0) return; // another session of the same name is live: it is the agent's row
    a.lostAt = e.at;
    a.lostReason = reason;
    a.lostState = e.reason === 'left' ? 'left' : 'dead';
    a.lastSeen = e.at - e.silentMs;
    if (load) a.load = load;
    this.lost.delete(a.name);
    this.lost.add(a.name);
    if (this.lost.size <= DASHBOARD_LIMITS.agents) return;
    const oldest = this.lost.values().next().value!;
    this.lost.delete(oldest);
    if (this.byName.get(oldest)?.live === 0) this.byName.delete(oldest);
  }

  /** The lost agents' rows, most recent first; at most `max`, and none whose name is live again. */
  lostRows(max: number): AgentStats[] {
    const rows: AgentStats[] = [];
    const names = [...this.lost];
    for (let i = names.length - 1; i >= 0 && rows.length < max; i--) {
      const a = this.byName.get(names[i]!);
      if (a && a.live === 0 && a.lostAt !== undefined) rows.push(a);
    }
    return rows;
  }

  escalated(e: ClusterEvent & { kind: 'mode-escalated' }): void {
    const a = this.byName.get(e.agent);
    if (!a) return;
    const task = clip(e.task, 80);
    if (!a.escalations.has(task) && a.escalations.size >= MAX_ESCALATIONS) return;
    a.escalations.set(task, { task, mode: e.mode, reason: `after a slot crash${e.why || e.evidence ? `: ${clip(e.why ?? e.evidence)}` : ''}` });
  }
}
