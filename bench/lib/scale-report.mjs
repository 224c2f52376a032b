/** Issue 13's scale figures: 10,000 agent sessions (suite sessions) and 2,000,000 partitions (suite scale), as target rows, headline lines and a section. */
import { fmt, fmtSummary } from './stats.mjs';

const n = (x) => x.toLocaleString('en-US');

/** Target rows: (d) at 10,000 sessions; (c) flat to the largest size, and its RSS once finished. */
export function scaleTargets(s, out) {
  const big = s.sessions?.large;
  if (big && !s.sessions.error)
    out.push({
      id: 'd',
      what: `coordinator CPU with ${n(big.sessionsWanted ?? big.sessions)} agent sessions, heartbeats every ${big.heartbeatMs} ms`,
      value: `${big.allJoined === false ? `only ${n(big.sessions)} joined in time; ` : ''}${fmt(big.cpuPercent)}% of one core (idle ${fmt(big.idleCpuPercent)}%), RSS ${fmt(big.rssMb)} MB; noop job ${big.job.status} in ${big.job.durationMs} ms over ${n(big.job.agentsUsed)} sessions`,
      target: '< 50%, job completes',
      pass: big.pass,
    });
  const l = s.scale?.largest;
  if (l && !s.scale.error && l.partitions > 1_000_000)
    out.push({
      id: 'c',
      what: `time per partition 10k → ${n(l.partitions)} (submit; run), against 10k; 100k; coordinator RSS idle, queued, after the job finished, live after a full GC`,
      value: `submit ${fmt(l.submitFlatRatio)}×, run ${fmt(l.runFlatRatio)}×; RSS ${fmt(l.idleRssMb)} / ${fmt(l.queuedRssMb)} / ${fmt(l.finishedRssMb)} / ${fmt(l.liveRssMb)} MB`,
      target: '≤ 1.5× (flat)',
      pass: l.flatPass,
    });
}

export function scaleHeadlines(s) {
  const lines = [];
  const big = s.sessions?.large;
  if (big && !s.sessions.error)
    lines.push(
      `- ${n(big.sessions)} agent sessions heartbeating every ${big.heartbeatMs} ms: coordinator at ${fmt(big.cpuPercent)}% of one core; a ${n(big.job.partitions)}-partition job over them ${big.job.status}.`,
    );
  const l = s.scale?.largest;
  if (l && !s.scale.error && l.partitions > 1_000_000)
    lines.push(
      `- ${n(l.partitions)} partitions: coordinator RSS ${fmt(l.queuedRssMb)} MB queued, ${fmt(l.finishedRssMb)} MB once the job has finished, ${fmt(l.liveRssMb)} MB live after a full GC (idle ${fmt(l.idleRssMb)} MB).`,
    );
  return lines;
}

/** The section: time per partition and RSS by size, and the sessions at 1,000 and 10,000. */
export function scaleSection(s) {
  const parts = ['## Scale: partitions and sessions\n'];
  const sl = s.scale && !s.scale.error ? s.scale : null;
  if (sl) {
    parts.push(
      'A fresh coordinator per size; the job is submitted with no agent attached (submit = the POST, which splits and queues), then one agent (2 thread slots) joins and runs the queue. RSS from /proc, idle before the submission, queued 300 ms after it, finished 1 s after the job ended, and live after a full garbage collection forced in the coordinator (bench/lib/gc-probe.cjs, preloaded for the bench only): the difference between the finished and the live figure is garbage V8 had not collected yet, not memory in use.\n',
      [
        '| partitions | submit µs/partition | run µs/partition | RSS idle | RSS queued | RSS finished | RSS live after a full GC |',
        '|---|---|---|---|---|---|---|',
        ...sl.sizes.map((k) => {
          const b = sl.bySize[k];
          return `| ${n(k)} | ${fmtSummary(b.submitUsPerPartition)} | ${fmtSummary(b.runUsPerPartition)} | ${fmt(b.idleRssMb.median)} MB | ${fmt(b.queuedRssMb.median)} MB | ${b.finishedRssMb ? `${fmt(b.finishedRssMb.median)} MB` : '–'} | ${b.liveRssMb ? `${fmt(b.liveRssMb.median)} MB` : '–'} |`;
        }),
      ].join('\n'),
      '',
    );
  }
  const ss = s.sessions && !s.sessions.error ? s.sessions : null;
  if (ss) {
    const row = (r) =>
      `| ${n(r.sessions)} | ${r.generators} | ${fmt(r.connectMs)} ms | ${fmt(r.cpuPercent)}% (idle ${fmt(r.idleCpuPercent)}%) | ${fmt(r.rssMb)} MB | ${r.job.status}, ${n(r.job.partitions)} partitions in ${r.job.durationMs} ms | ${fmt(r.target)}% |`;
    parts.push(
      `Simulated agent sessions (bench/lib/loadgen.mjs: the real protocol through the shared codec, no slots), heartbeats at the default ${ss.heartbeatMs} ms; coordinator CPU from /proc over ${ss.windowMs / 1000} s of heartbeats.\n`,
      [
        '| sessions | generator processes | all joined after | coordinator CPU, one core | RSS | noop job | target |',
        '|---|---|---|---|---|---|---|',
        row(ss),
        ...(ss.large ? [row(ss.large)] : []),
      ].join('\n'),
      '',
    );
  }
  return parts.length > 1 ? parts : [...parts, 'Not measured in this run.\n'];
}
