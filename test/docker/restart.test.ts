/**
 * Scenario 5: the coordinator container is killed mid-job and started again
 * (same container, same published port, same network alias) with a named
 * volume as its --state-dir. The job resumes: every result accepted before
 * the kill is reloaded from the journal, none is accepted twice, the agents
 * reconnect by themselves, and the client re-attaches to the same job id.
 * The `--tls auto` certificate lives on the volume too, so the coordinator
 * comes back with the same fingerprint and the agents' and the client's pin
 * still holds.
 *
 * The journal is audited with the image's own code (Journal.audit from
 * @cohort/coordinator) in a one-shot container that mounts the volume, with
 * no network, once while the coordinator is down and once at the end.
 */
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { cluster, docker, follow, freePort, once, pinsOf, volume, waitFor, runLabel } from './harness.js';

const JOB = { task: 'sleep', input: { ms: 100 }, partitions: 150 };
const EXPECTED = JOB.partitions * 100;
const KILL_AT = 0.5;

async function audit(vol: string, jobId: string): Promise<{ accepted: number; duplicates: number }> {
  const script = `
    const { Journal } = await import('@cohort/coordinator');
    const { acceptedPerPartition, duplicates } = await Journal.audit('/var/lib/cohort');
    const id = ${JSON.stringify(jobId)};
    let accepted = 0;
    for (const key of acceptedPerPartition.keys()) if (key.startsWith(id + ':')) accepted++;
    console.log(JSON.stringify({ accepted, duplicates: duplicates.filter((d) => d.jobId === id).length }));`;
  const label = Object.entries(runLabel()).map(([k, v]) => `${k}=${v}`)[0]!;
  const out = await docker(
    'run',
    '--rm',
    '--network',
    'none',
    '--label',
    label,
    '-v',
    `${vol}:/var/lib/cohort:ro`,
    '--entrypoint',
    'node',
    inject('cohortImage'),
    '--input-type=module',
    '-e',
    script,
  );
  return JSON.parse(out.split('\n').pop()!) as { accepted: number; duplicates: number };
}

describe('docker: restart the coordinator container on a named state volume', () => {
  it('resumes the job with no accepted partition lost', async () => {
    const vol = await volume();
    const { coordinator } = await cluster(3, { volume: vol, hostPort: await freePort() });
    const fault = once();
    let jobId = '';
    let doneAtKill = 0;
    let before = { accepted: 0, duplicates: 0 };
    let restartedAt = 0;
    const runP = follow(coordinator, JOB, (p) => {
      if (p.done >= KILL_AT * p.total && !fault.fired) {
        jobId = p.jobId;
        doneAtKill = p.done;
        fault.fire(async () => {
          await docker('kill', coordinator.id);
          before = await audit(vol, jobId);
          await docker('start', coordinator.id);
          restartedAt = Date.now();
        });
      }
    });
    const restart = (async () => {
      await waitFor('the kill', () => fault.at > 0, 60_000);
      await fault.fired;
    })();
    const [run] = await Promise.all([runP, restart]);
    const after = await audit(vol, run.report.jobId);

    expect(run.report.status).toBe('succeeded');
    expect(run.report.result).toBe(EXPECTED);
    expect(run.report.jobId).toBe(jobId);
    // What the client saw accepted before the kill was journaled, and all of it came back.
    expect(before.accepted).toBeGreaterThanOrEqual(doneAtKill);
    expect(run.report.recovered).toBe(before.accepted);
    expect(after).toEqual({ accepted: JOB.partitions, duplicates: 0 });
    // Two starts, one certificate: the pin printed on the restart is the one everybody held.
    expect(await pinsOf(coordinator.id, 2)).toEqual([coordinator.fingerprint, coordinator.fingerprint]);
    process.stderr.write(
      `[scenario 5] killed the coordinator at ${doneAtKill}/${JOB.partitions} seen done (${fault.at - run.submittedAt} ms); journal held ${before.accepted} accepted; ` +
        `restarted ${restartedAt - fault.at} ms after the kill; recovered ${run.report.recovered}, attempts ${run.report.attempts} for the rest; ` +
        `journal at the end: ${after.accepted} accepted, ${after.duplicates} twice; job ${run.endedAt - run.submittedAt} ms\n`,
    );
  });
});
