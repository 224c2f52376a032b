/**
 * Scenarios 3 and 4: an agent that goes silent with its socket still open.
 *
 *  3. `docker network disconnect`: a real network cut. Nothing closes the
 *     TCP connection; the coordinator only stops hearing heartbeats.
 *  4. `docker pause`: a frozen host. The kernel still ACKs, the process is
 *     silent.
 *
 * Either way the coordinator must declare the agent dead by heartbeat timeout
 * (reason `timeout`) and requeue what it held. After `docker network connect`
 * / `docker unpause`, while the job still runs, the agent re-joins as a new
 * session under the same name, and its late results are dropped as
 * duplicates.
 *
 * The job is built so that the victim surely holds a late result:
 *  - single-slot agents and fixed 3.5 s sleep partitions, cut right after the
 *    first wave (done ≥ 3), so the victim has just started a partition;
 *  - 3.5 s is longer than the agent's own silence detection (2–2.5 s): a
 *    result finished while the link looks alive is written into the dead TCP
 *    connection and lost with it (the partition was requeued anyway), but
 *    this one finishes after the agent has given the link up, so it is held
 *    and re-sent after the re-join;
 *  - the network comes back only once the requeued copy has surely finished
 *    elsewhere, so the held result is the late one;
 *  - speculation is off, so every duplicate comes from the stale session.
 */
import { describe, expect, it } from 'vitest';
import { eventsOf, type JobProgress } from '@cohort/cli';
import { cluster, docker, follow, listAgents, once, waitFor, type ClusterEvent } from './harness.js';

const SLEEP_MS = 3_500;
const JOB = { task: 'sleep', input: { ms: SLEEP_MS }, partitions: 24 };
const EXPECTED = JOB.partitions * SLEEP_MS;
const AGENTS = 3;
/** After the agent is declared dead: by then the requeued copy has run on another agent. */
const HEAL_AFTER_LOST_MS = SLEEP_MS + 2_000;

async function silentAgent(label: string, cut: (id: string, net: string) => Promise<unknown>, heal: (id: string, net: string) => Promise<unknown>) {
  const { net, coordinator, agents } = await cluster(AGENTS, { coordinatorArgs: ['--no-speculation'] });
  const api = coordinator.api;
  const victim = agents[2]!;
  const original = (await listAgents(api)).find((a) => a.name === victim.name)!;
  const events: ClusterEvent[] = [];
  const fault = once();
  let last: JobProgress | undefined;
  let atHeal: JobProgress | undefined;
  let healedAt = 0;
  const runP = follow(
    coordinator,
    JOB,
    (p) => {
      last = p;
      if (p.done >= AGENTS) fault.fire(() => cut(victim.id, net));
    },
    events,
  );
  const healP = (async () => {
    await waitFor('the cut', () => fault.at > 0, 60_000);
    await fault.fired;
    const lost = await waitFor('the silent agent to be declared dead', () => eventsOf(events, 'agent-lost', victim.name)[0], 20_000);
    await new Promise((r) => setTimeout(r, HEAL_AFTER_LOST_MS));
    atHeal = last;
    await heal(victim.id, net);
    healedAt = Date.now();
    return lost;
  })();
  const [run, lost] = await Promise.all([runP, healP]);

  expect(run.report.status).toBe('succeeded');
  expect(run.report.result).toBe(EXPECTED);
  expect(lost.reason).toBe('timeout');
  expect(lost.requeued).toBeGreaterThan(0);
  // healed while the job still ran
  expect(atHeal!.done).toBeLessThan(atHeal!.total);

  // the same name comes back as a new session …
  const rejoined = await waitFor(
    'the agent to re-join as a new session',
    async () => (await listAgents(api)).find((a) => a.name === victim.name && a.agentId !== original.agentId && a.state === 'ready'),
    30_000,
  );
  // … and its late results are counted, and dropped, as duplicates
  const report = await waitFor(
    'late results to arrive as duplicates',
    async () => {
      const r = await api.report(run.report.jobId);
      return r.duplicates >= 1 ? r : undefined;
    },
    30_000,
  );
  expect(report.result).toBe(EXPECTED);
  expect(report.duplicates).toBeGreaterThanOrEqual(1);
  const rejoinedAt = eventsOf(events, 'agent-joined', victim.name).find((e) => e.agentId !== original.agentId)?.at;
  process.stderr.write(
    `[${label}] cut ${victim.name} at ${fault.at - run.submittedAt} ms; declared dead (${lost.reason}) ${lost.at - fault.at} ms later, ` +
      `${lost.requeued} requeued; healed ${healedAt - lost.at} ms later at ${atHeal!.done}/${atHeal!.total} done; re-joined as ${rejoined.agentId} (was ${original.agentId})` +
      `${rejoinedAt ? ` ${rejoinedAt - healedAt} ms after healing` : ''}; duplicates ${report.duplicates}; job ${run.endedAt - run.submittedAt} ms\n`,
  );
}

describe('docker: an agent goes silent with its socket open', () => {
  it('network disconnect: detected by heartbeat, re-joins after reconnect, late results are duplicates', async () => {
    await silentAgent(
      'scenario 3: network cut',
      (id, net) => docker('network', 'disconnect', net, id),
      (id, net) => docker('network', 'connect', net, id),
    );
  });

  it('pause: detected by heartbeat, re-joins after unpause, late results are duplicates', async () => {
    await silentAgent(
      'scenario 4: frozen host',
      (id) => docker('pause', id),
      (id) => docker('unpause', id),
    );
  });
});
