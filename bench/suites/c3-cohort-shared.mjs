/**
 * Claim 3 through Cohort's own shared input (issue 13): a 256 MB job value
 * (`shared`, kind bytes) to 8 slots on one agent, threads against
 * processes. The value is uploaded before the clock starts (the same for
 * both); the job is `shared-sum` in 8 partitions, each summing its eighth of
 * the value. Measured per run:
 *   - time from the submission to the first partition result, and to the end
 *     (the agent fetches the value once, then threads read one
 *     SharedArrayBuffer while each process slot reads its own copy);
 *   - agent RSS added: agent plus its slot processes, peak during the job
 *     (sampled every 20 ms) minus before it;
 *   - bytes over the wire: the coordinator's cohort_ws_bytes_total{direction="out"}
 *     during the job, against the value's size.
 * The agents warm every slot with a no-op job first, so slot start-up is not counted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { ApiClient, startLocalCluster } from '@cohort/cli';
import { shipSharedBytes } from '@cohort/sdk';
import { MB, rssBytes } from '../lib/proc.mjs';
import { summary } from '../lib/stats.mjs';

const SLOTS = 8;

/** A process and every descendant, by /proc/<pid>/task/<tid>/children. */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length && i < 256; i++) {
    try {
      for (const tid of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {}
  }
  return out;
}
const treeRss = (pid) => tree(pid).reduce((a, p) => a + rssBytes(p), 0);

async function wsBytesOut(c) {
  const res = await fetch(`${c.url.replace(/^ws/, 'http')}/metrics`, { headers: { authorization: `Bearer ${c.token}` } });
  const m = /^cohort_ws_bytes_total\{direction="out"\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(await res.text());
  if (!m) throw new Error('the coordinator has no cohort_ws_bytes_total{direction="out"}');
  return Number(m[1]);
}

async function followJob(api, body) {
  const t0 = performance.now();
  const events = await api.openStream('/api/jobs?results=1', undefined, body);
  let firstMs;
  let end;
  for await (const e of events) {
    if (e.event === 'result' && firstMs === undefined) firstMs = performance.now() - t0;
    if (e.event === 'end') {
      end = e.data;
      break;
    }
    if (e.event === 'error') throw new Error(`${e.data.code}: ${e.data.message}`);
  }
  return { firstMs, endMs: performance.now() - t0, report: end };
}

async function once(mode, data, shipped) {
  const c = await startLocalCluster({ agents: [{ name: `shared-${mode}`, mode, slots: SLOTS }] });
  const api = new ApiClient({ url: c.url, token: c.token });
  try {
    await followJob(api, { task: 'noop', input: null, partitions: SLOTS * 4 });
    await shipSharedBytes(api, 'bytes', data);
    const agentPid = c.agents[0].pid;
    await new Promise((r) => setTimeout(r, 200));
    const before = treeRss(agentPid);
    const wireBefore = await wsBytesOut(c);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRss(agentPid))), 20);
    let run;
    try {
      run = await followJob(api, { task: 'shared-sum', input: { to: data.length }, partitions: SLOTS, shared: { hash: shipped.hash, kind: 'bytes' } });
    } finally {
      clearInterval(sampler);
    }
    const wire = (await wsBytesOut(c)) - wireBefore;
    const r = run.report;
    if (r?.status !== 'succeeded') throw new Error(`shared-sum ${mode}: ${r?.status} ${r?.error?.code ?? ''}`);
    if (r.result.sum !== shipped.sum || r.result.count !== data.length) throw new Error(`shared-sum ${mode}: wrong sum ${r.result.sum}`);
    return {
      firstMs: run.firstMs,
      endMs: run.endMs,
      addedMb: (peak - before) / MB,
      wireMb: wire / MB,
      delivery: r.shared?.delivery,
      modeReasons: r.modeReasons,
    };
  } finally {
    await api.close();
    await c.stop();
  }
}

export default {
  name: 'shared-cohort',
  claim: 3,
  async run({ quick, log }) {
    const bytes = (quick ? 64 : 256) * MB;
    const reps = quick ? 1 : 3;
    const data = randomBytes(bytes);
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i];
    /** What every run must answer: the value's name (hashed once, not per run) and its byte sum. */
    const expected = { hash: createHash('sha256').update(data).digest('hex'), sum };
    const out = {
      method: `Cohort's own shared input: a ${bytes / MB} MB job value (kind bytes, uploaded before the clock starts) to one agent with ${SLOTS} slots, mode threads against mode processes; job shared-sum in ${SLOTS} partitions; ${reps} fresh cluster(s) per mode, slots warmed by a no-op job`,
      inputMb: bytes / MB,
      slots: SLOTS,
      reps,
      modes: {},
    };
    for (const mode of ['threads', 'processes']) {
      const runs = [];
      for (let i = 0; i < reps; i++) runs.push(await once(mode, data, expected));
      out.modes[mode] = {
        firstMs: summary(
          runs.map((r) => r.firstMs),
          'ms',
        ),
        endMs: summary(
          runs.map((r) => r.endMs),
          'ms',
        ),
        addedMb: summary(
          runs.map((r) => r.addedMb),
          'MB',
        ),
        wireMb: summary(
          runs.map((r) => r.wireMb),
          'MB',
        ),
        delivery: runs.at(-1).delivery,
        modeReasons: runs.at(-1).modeReasons,
      };
      const m = out.modes[mode];
      log(
        `  ${mode.padEnd(9)} first result ${m.firstMs.median.toFixed(0)} ms, end ${m.endMs.median.toFixed(0)} ms, agent RSS +${m.addedMb.median.toFixed(0)} MB, wire ${m.wireMb.median.toFixed(0)} MB (${JSON.stringify(m.delivery)})`,
      );
    }
    const t = out.modes.threads;
    const p = out.modes.processes;
    out.ratios = {
      firstProcessOverThread: p.firstMs.median / t.firstMs.median,
      rssProcessOverThread: p.addedMb.median / Math.max(1, t.addedMb.median),
      wireOverValueThreads: t.wireMb.median / out.inputMb,
      wireOverValueProcesses: p.wireMb.median / out.inputMb,
    };
    return out;
  },
};
