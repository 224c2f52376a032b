/** The dashboard's view, fed observations by hand (or by a real Cluster's effects), with its timer driven by the test. */
import { DASHBOARD_LIMITS, ErrorCode, type ClusterEvent } from '@cohort/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { answerAll, join, makeCluster, makeJob } from '../__tests__/helpers.js';
import type { Job } from '../job.js';
import type { Observation } from '../observations.js';
import { dashboardHead } from './head.js';
import { jobDetail, jobLog } from './job-rows.js';
import { Lanes } from './lanes.js';
import { BARS_PER_WINDOW } from './task-stream.js';
import { DashboardView, type ViewCluster } from './view.js';

const JOB = 'j_0123456789';
const views: DashboardView[] = [];
afterEach(() => {
  for (const v of views.splice(0)) v.close();
});

function makeView(cluster: ViewCluster = { agents: new Map(), jobs: new Map() }, now = 0): DashboardView {
  const view = new DashboardView(cluster, now, false);
  views.push(view);
  return view;
}

type Attempt = Extract<Observation, { kind: 'attempt' }>;
const attempt = (over: Partial<Attempt> = {}): Attempt => ({
  kind: 'attempt',
  at: 1000,
  jobId: JOB,
  partition: 0,
  attempt: 1,
  agent: 'a1',
  mode: 'thread',
  startedAt: 990,
  ms: 10,
  outcome: 'ok',
  ...over,
});
const joined = (agent: string, at: number, slots = 2): Observation => ({
  kind: 'cluster',
  event: { kind: 'agent-joined', at, agentId: `s_${agent}`, agent, slots, mode: 'threads' },
});
const lost = (agent: string, at: number, reason: 'closed' | 'timeout' | 'left' = 'closed'): Observation => ({
  kind: 'cluster',
  event: { kind: 'agent-lost', at, agentId: `s_${agent}`, agent, reason, silentMs: 2000, requeued: 3 },
});
const submitted = (partitions: number, at = 0, jobId = JOB): Observation => ({ kind: 'job', at, jobId, task: 'noop', status: 'queued', partitions });

describe('lanes', () => {
  it('packs bars into at most the agent slots, first fit, else the lane freed longest ago', () => {
    const lanes = new Lanes(10);
    expect(lanes.assign('a', 2, 0, 100)).toBe(0);
    expect(lanes.assign('a', 2, 10, 50)).toBe(1);
    expect(lanes.assign('a', 2, 20, 60)).toBe(1); // no lane free at 20: lane 1 (free at 50) was freed before lane 0 (100)
    expect(lanes.assign('a', 2, 70, 80)).toBe(1); // lane 1 is free again at 60; lane 0 is not (100)
    expect(lanes.assign('a', 2, 120, 130)).toBe(0);
    expect(lanes.assign('b', 1, 0, 10)).toBe(0);
    expect(lanes.assign('b', 1, 5, 10)).toBe(0); // one slot: one lane, whatever overlaps
  });
});

describe('throughput and markers', () => {
  it('samples accepted partitions per second, smooths the rate now, and marks agents joining and lost', () => {
    const view = makeView();
    view.observe(joined('a1', 0));
    for (let i = 0; i < 100; i++) view.observe(attempt({ partition: i, at: 500 }));
    view.observe(attempt({ outcome: 'failed', code: 'X', message: 'y' })); // not a success
    view.tick(1000);
    expect(view.throughput.samples.all()).toEqual([{ at: 1000, rate: 100 }]);
    for (let i = 0; i < 50; i++) view.observe(attempt({ partition: i, at: 1200 }));
    expect(view.throughput.rate(1500)).toBe(100); // (100 + 50) over 1.5 s
    view.observe(lost('a1', 1600));
    expect(view.throughput.markers.all()).toEqual([
      { at: 0, kind: 'agent-joined', agent: 'a1' },
      { at: 1600, kind: 'agent-lost', agent: 'a1' },
    ]);
  });
});

describe('the partition grid', () => {
  it('counts done per block of ceil(partitions / gridBlocks), and a job rate for the ETA', () => {
    const view = makeView();
    view.observe(submitted(1_000_000));
    const stats = view.jobs.get(JOB)!;
    expect(stats.blockSize).toBe(Math.ceil(1_000_000 / DASHBOARD_LIMITS.gridBlocks));
    expect(stats.done.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.gridBlocks);
    for (let i = 0; i < 2000; i++) view.observe(attempt({ partition: i, at: 500 }));
    view.observe(attempt({ partition: 999_999, outcome: 'speculative-won' }));
    expect(stats.done[0]).toBe(stats.blockSize);
    expect(stats.done[stats.done.length - 1]).toBe(1);
    expect(stats.rate(1000)).toBe(2001);
  });
});

describe('the feed', () => {
  it('holds back repeats of one kind about one job, and says how many at the end of the second', () => {
    const view = makeView();
    view.observe(joined('a1', 0));
    view.observe(submitted(10_000));
    for (let i = 0; i < 1000; i++) view.observe(attempt({ partition: i, outcome: 'failed', code: 'TASK_FAILED', message: 'nope' }));
    view.tick(1000);
    const texts = view.feed.items.all().map((f) => f.text);
    expect(texts.filter((t) => t.includes('failed on a1'))).toHaveLength(5);
    expect(texts.at(-1)).toBe(`995 more failed attempts of job ${JOB}`);
    expect(view.feed.log(JOB)!.map((f) => f.text)).toContain(`995 more failed attempts of job ${JOB}`);
    const agent = view.agents.get('a1')!;
    expect(agent.failures).toBe(1000);
    expect(agent.lastError).toEqual({ code: 'TASK_FAILED', message: 'nope', at: 1000 });
  });

  it('keeps the lost agents, most recent first, and forgets the oldest past the bound', () => {
    const view = makeView();
    for (let i = 0; i < 500; i++) {
      view.observe(joined(`x${i}`, i));
      view.observe(lost(`x${i}`, i + 1, i % 2 ? 'timeout' : 'left'));
    }
    const head = dashboardHead(view, { heartbeat: { amberMs: 200, redMs: 1000 } }, 1000);
    expect(head.agents).toHaveLength(DASHBOARD_LIMITS.agents);
    expect(head.agents[0]).toMatchObject({ name: 'x499', state: 'dead', lostAt: 500, lostReason: 'no heartbeat for 2.0 s' });
    expect(head.agents[1]).toMatchObject({ name: 'x498', state: 'left', lostReason: 'drained' });
    expect(view.agents.size).toBe(DASHBOARD_LIMITS.agents);
    expect(head.cluster.agents.dead + head.cluster.agents.left).toBe(DASHBOARD_LIMITS.agents);
  });
});

describe('bounds', () => {
  it('takes a flood of 1,000,000 observations in well under a second, and keeps every ring bounded', () => {
    const view = makeView();
    view.observe(joined('a1', 0, 8));
    view.observe(submitted(1_000_000));
    const o = attempt();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      o.at = 1000 + Math.floor(i / 100); // 100,000 a second
      o.startedAt = o.at - 2;
      o.partition = i;
      o.outcome = i % 100 === 0 ? 'failed' : 'ok';
      view.observe(o);
      if (i % 100_000 === 99_999) view.tick(o.at);
    }
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
    expect(view.stream.bars.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.bars);
    expect(view.feed.items.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.feed);
    expect(view.feed.log(JOB)!.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.feed);
    expect(view.throughput.samples.length).toBeLessThanOrEqual(DASHBOARD_LIMITS.throughput);
    // Sampled: the ring was written about BARS_PER_WINDOW times per window of 250 ms, not once per result.
    expect(view.stream.bars.total).toBeLessThan(2 * BARS_PER_WINDOW * (10_000 / 250) + 100);
    expect(view.stream.sampledOut).toBeGreaterThan(900_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('keeps every bar of a small job', () => {
    const view = makeView();
    view.observe(joined('a1', 0));
    for (let i = 0; i < 10; i++) view.observe(attempt({ partition: i, at: 1000 + i * 100 }));
    expect(view.stream.bars.all().map((b) => b.partition)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(view.stream.bars.all().map((b) => b.lane)).size).toBeLessThanOrEqual(2);
  });
});

describe('health', () => {
  it('counts results acknowledged: durable ones with a journal, accepted ones without; and the last sync', () => {
    const job = makeJob(JOB, 10);
    const view = makeView({ agents: new Map(), jobs: new Map([[JOB, job]]) });
    job.done = 3; // accepted by this run; the journal has made 1 durable (below)
    for (const i of [0, 1, 2]) view.observe(attempt({ partition: i }));
    view.observe({ kind: 'journal-sync', at: 500, seconds: 0.0042 });
    const heartbeat = { amberMs: 200, redMs: 1000 };
    expect(dashboardHead(view, { heartbeat }, 1000).health).toMatchObject({ journal: false, acknowledged: 3, lastSyncAt: null });
    const journaled = dashboardHead(view, { heartbeat, durableCount: () => 1 }, 1000).health;
    expect(journaled).toMatchObject({ journal: true, acknowledged: 1, lastSyncAt: 500, lastSyncMs: 4.2 });
    expect(journaled.memoryBytes).toBeGreaterThan(0);
  });
});

describe('a restored job', () => {
  it('counts the results reloaded from the journal in its grid, not in its rate', () => {
    const job = makeJob(JOB, 100);
    for (const i of [0, 1, 50]) job.recover(job.partitions[i]!, { value: 1, ms: 1, mode: 'thread', agent: 'a1' }, 0);
    const view = makeView({ agents: new Map(), jobs: new Map([[JOB, job]]) });
    view.observe(submitted(100));
    view.tick(1000);
    const stats = view.jobs.get(JOB)!;
    expect([stats.done[0], stats.done[1], stats.done[50], stats.done[2]]).toEqual([1, 1, 1, 0]);
    expect(stats.rate(1500)).toBe(0);
    view.tick(2000);
    expect(stats.done[0]).toBe(1); // once
  });
});

describe('from a real cluster', () => {
  /** Feed the view what the executor would: observations, events, and the job's lifecycle. */
  function pipe(view: DashboardView, fx: { observed: Observation[]; events: ClusterEvent[] }, from: { o: number; e: number }) {
    for (const o of fx.observed.slice(from.o)) view.observe(o);
    for (const event of fx.events.slice(from.e)) view.observe({ kind: 'cluster', event });
    from.o = fx.observed.length;
    from.e = fx.events.length;
  }

  it('shows the agents, the job with its grid and shares, and its log; unknown jobs are NOT_FOUND', () => {
    const { cluster, fx } = makeCluster();
    const view = makeView(cluster);
    const seen = { o: 0, e: 0 };
    const a1 = join(cluster, 'a1', 2, 0);
    join(cluster, 'b2', 2, 0);
    pipe(view, fx, seen);
    const job: Job = makeJob(JOB, 2000);
    view.observe(submitted(2000, 0));
    cluster.submit(job);
    cluster.schedule(1);
    answerAll(cluster, fx, a1, 50);
    pipe(view, fx, seen);
    const head = dashboardHead(view, { heartbeat: { amberMs: 200, redMs: 1000 } }, 100);
    expect(head.agents.map((a) => [a.name, a.state, a.slots])).toEqual([
      ['a1', 'ready', 2],
      ['b2', 'ready', 2],
    ]);
    expect(head.cluster).toMatchObject({ agents: { ready: 2 }, slots: { thread: 4, process: 0 }, jobsRunning: 1 });
    const row = head.jobs[0]!;
    expect(row.done).toBeGreaterThan(0);
    expect(row.done + row.running + row.assigned + row.waiting + row.failed).toBe(2000);
    expect(head.agents[0]!.done).toBe(row.done);
    const detail = jobDetail(view, JOB, 100);
    expect(detail.grid.blockSize).toBe(2);
    const sum = (k: 'done' | 'assigned') => detail.grid.blocks.reduce((n, b) => n + b[k], 0);
    expect(sum('done')).toBe(row.done);
    expect(sum('assigned')).toBe(row.assigned + row.running);
    expect(detail.shares).toEqual([{ agent: 'a1', partitions: row.done, thread: row.done, process: 0 }]);
    expect(jobLog(view, JOB).items.map((i) => i.text)).toEqual([`job ${JOB} submitted: noop, 2000 partitions`]);
    expect(() => jobDetail(view, 'j_zzzzzzzzzz', 0)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
    expect(() => jobLog(view, 'j_zzzzzzzzzz')).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
    // A job the job service knows without a log (it finished before a restart): an empty log, not a 404.
    expect(jobLog(view, 'j_zzzzzzzzzz', (id) => id === 'j_zzzzzzzzzz')).toEqual({ jobId: 'j_zzzzzzzzzz', items: [] });
  });
});
