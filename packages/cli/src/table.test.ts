import { describe, expect, it } from 'vitest';
import type { AgentInfo, JobSummary } from '@cohort/shared';
import { statusSummary, summaryText } from './cluster-summary.js';
import { AGENT_COLUMNS } from './commands/agents.js';
import { JOB_COLUMNS } from './commands/jobs.js';
import { age, formatTable, percent } from './table.js';

const agentInfo = (over: Partial<AgentInfo> = {}): AgentInfo => ({
  agentId: 'a_0123456789',
  name: 'a1',
  state: 'ready',
  slots: 2,
  mode: 'threads',
  held: 3,
  window: 4,
  accepted: 10,
  failed: 1,
  silentMs: 250,
  load: { cpuPercent: 41.6, memoryPercent: 70, load1: 1, queued: 1, busySlots: 2 },
  hardware: { cpus: 2, cpuModel: 'x', memoryBytes: 1, platform: 'linux', arch: 'x64', node: 'v20', hostname: 'h' },
  escalated: {},
  ...over,
});

describe('formatTable', () => {
  it('aligns columns under their headers, numbers to the right', () => {
    const text = formatTable(
      [
        { header: 'NAME', cell: (r: { n: string; v: number }) => r.n },
        { header: 'N', cell: (r) => r.v, right: true },
      ],
      [
        { n: 'a', v: 1 },
        { n: 'longer', v: 100 },
      ],
    );
    expect(text).toBe('NAME      N\na         1\nlonger  100\n');
  });
  it('escapes every cell: a peer string cannot move the cursor or fake a row', () => {
    const text = formatTable(AGENT_COLUMNS, [agentInfo({ name: 'evil\x1b[2J\nfake row\u202e' })]);
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\u202e');
    expect(text.split('\n')).toHaveLength(3); // header, one row, the final newline
    expect(text).toContain('evil\\x1b[2J\\x0afake row\\u202e');
  });
  it('says so when there are no rows', () => {
    expect(formatTable(JOB_COLUMNS, [], '(no jobs)')).toBe('(no jobs)\n');
  });
});

describe('the agents and jobs tables', () => {
  it('show the agent figures: heartbeat age, CPU and memory, escalations', () => {
    const text = formatTable(AGENT_COLUMNS, [agentInfo({ escalated: { crash: 'process' } }), agentInfo({ name: 'b2', load: null, state: 'dead' })]);
    const [header, a1, b2] = text.split('\n');
    expect(header).toMatch(/^NAME +STATE +MODE +SLOTS +HELD +ACCEPTED +FAILED +HEARTBEAT +CPU +MEM +ESCALATED$/);
    expect(a1).toMatch(/^a1 +ready +threads +2 +3 +10 +1 +0\.3s +42% +70% +crash→process$/);
    expect(b2).toMatch(/^b2 +dead .* - +- +-$/);
  });
  it('show done/total, running and queued apart, and shorten a bundle ref', () => {
    const job: JobSummary = {
      jobId: 'j_0123456789',
      task: `sha256:${'a'.repeat(64)}`,
      status: 'running',
      done: 3,
      total: 10,
      running: 2,
      assigned: 4,
      attempts: 9,
      requeued: 1,
      duplicates: 0,
      speculative: 0,
    };
    const row = formatTable(JOB_COLUMNS, [job]).split('\n')[1];
    expect(row).toMatch(/^j_0123456789 +sha256:aaaaaaaaaaaa… +running +3\/10 +2 +4 +9 +1$/);
  });
  it('formats ages and percents', () => {
    expect(age(250)).toBe('0.3s');
    expect(age(42_000)).toBe('42s');
    expect(age(185_000)).toBe('3m05s');
    expect(age(7_500_000)).toBe('2h05m');
    expect(age(Number.NaN)).toBe('-');
    expect(percent(null)).toBe('-');
  });
});

describe('statusSummary', () => {
  it('counts agents by state, slots of live agents by default mode, jobs by status', () => {
    const agents = [
      agentInfo({ slots: 2, mode: 'threads' }),
      agentInfo({ slots: 3, mode: 'auto', state: 'suspect' }),
      agentInfo({ slots: 4, mode: 'processes' }),
      agentInfo({ slots: 8, mode: 'processes', state: 'dead' }),
    ];
    const job = (status: JobSummary['status']): JobSummary => ({
      jobId: 'j_0123456789',
      task: 't',
      status,
      done: 0,
      total: 1,
      running: 0,
      assigned: 0,
      attempts: 0,
      requeued: 0,
      duplicates: 0,
      speculative: 0,
    });
    const s = statusSummary(agents, [job('running'), job('merging'), job('queued'), job('succeeded')]);
    expect(s.agents).toMatchObject({ ready: 2, suspect: 1, dead: 1, joining: 0 });
    expect(s.slots).toEqual({ thread: 5, process: 4 });
    expect(s).toMatchObject({ jobsRunning: 2, jobsQueued: 1 });
    expect(summaryText(s)).toBe('agents  2 ready, 1 suspect, 1 dead\nslots   5 on threads, 4 in processes\njobs    2 running, 1 queued, 1 finished');
    expect(summaryText(statusSummary([], []))).toContain('agents  none');
  });
});
