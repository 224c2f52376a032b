/**
 * Cluster events as `cohort run` prints them above its progress bar, in
 * plain words. Every value came from the coordinator: escaped.
 */
import { printable, type ClusterEvent } from '@cohort/shared';

export function clusterEventLine(e: ClusterEvent): string {
  switch (e.kind) {
    case 'agent-joined':
      return `agent ${printable(e.agent)} joined (${printable(e.slots)} slots, mode ${printable(e.mode)})`;
    case 'agent-suspect':
      return `agent ${printable(e.agent)} suspect: no heartbeat for ${seconds(e.silentMs)}`;
    case 'agent-lost':
      return `agent ${printable(e.agent)} lost (${printable(e.reason)}${e.reason === 'timeout' ? `: no heartbeat for ${seconds(e.silentMs)}` : ''}); ${printable(e.requeued)} partitions requeued`;
    case 'speculative-copy':
      return `speculative copy of partition ${printable(e.partition)} (running ${seconds(e.runningMs)} on ${printable(e.agent)})`;
    case 'mode-escalated':
      return `task ${printable(e.task)} escalated to ${e.mode === 'process' ? 'processes' : printable(e.mode)} on ${printable(e.agent)}${(e.why ?? e.evidence) ? ` (${printable(e.why ?? e.evidence)})` : ''}`;
    default:
      // A newer coordinator's event kind: named, not fatal.
      return `cluster event ${printable((e as { kind: unknown }).kind)}`;
  }
}

function seconds(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : printable(ms);
}
