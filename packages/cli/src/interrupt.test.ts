import { describe, expect, it } from 'vitest';
import type { AgentInfo, JobReport } from '@cohort/shared';
import { INTERRUPTED_EXIT_CODE, Interrupt } from './interrupt.js';
import { hintDelayMs, hintText, watchForAgents, DEFAULT_NO_AGENTS_HINT_MS } from './no-agents-hint.js';

const cancelled = (jobId: string, status: JobReport['status'] = 'cancelled') => ({ jobId, status }) as JobReport;

function interrupt(cancel: (id: string) => Promise<JobReport>, retryForMs = 0) {
  const said: string[] = [];
  const exits: number[] = [];
  const abort = new AbortController();
  const backoff = { initialMs: 5, maxMs: 10 };
  const it = new Interrupt({ say: (l) => said.push(l), cancel, abort, exit: (c) => exits.push(c), retryForMs, backoff });
  return { it, said, exits, abort };
}

describe('Interrupt (Ctrl-C in cohort run)', () => {
  it('cancels the job, says so, then stops following; a second Ctrl-C exits at once', async () => {
    const asked: string[] = [];
    const t = interrupt(async (id) => {
      asked.push(id);
      return cancelled(id);
    });
    t.it.submitted('j_0123456789');
    expect(t.it.interrupted).toBe(false);
    t.it.signal();
    expect(t.it.interrupted).toBe(true);
    expect((await t.it.outcome())?.status).toBe('cancelled');
    expect(asked).toEqual(['j_0123456789']);
    expect(t.said).toEqual(['cancelling job j_0123456789 (Ctrl-C again to exit at once)', 'job j_0123456789 cancelled']);
    expect(t.abort.signal.aborted).toBe(true);
    t.it.signal();
    expect(t.exits).toEqual([INTERRUPTED_EXIT_CODE]);
    expect(asked).toHaveLength(1);
  });
  it('cancels a job as soon as it has an id, when Ctrl-C came before', async () => {
    const t = interrupt(async (id) => cancelled(id));
    t.it.signal();
    expect(await t.it.outcome()).toBeUndefined(); // no id yet: nothing to wait for
    t.it.submitted('j_0123456789');
    expect((await t.it.outcome())?.status).toBe('cancelled');
    expect(t.said.at(-1)).toBe('job j_0123456789 cancelled');
  });
  it('says when the job had already ended, and when the cancel failed', async () => {
    const ended = interrupt(async (id) => cancelled(id, 'succeeded'));
    ended.it.submitted('j_0123456789');
    ended.it.signal();
    await ended.it.outcome();
    expect(ended.said.at(-1)).toBe('job j_0123456789 had already succeeded');
    const lost = interrupt(async () => {
      throw Object.assign(new Error('refused\x1b[2J'), { code: 'CONNECT_FAILED' });
    });
    lost.it.submitted('j_0123456789');
    lost.it.signal();
    expect(await lost.it.outcome()).toBeUndefined();
    expect(lost.said.at(-1)).toMatch(/^could not cancel job j_0123456789: .*refused\\x1b\[2J$/);
    expect(lost.abort.signal.aborted).toBe(true);
  });
  it('keeps trying while the coordinator cannot be reached (a restart), and gives up on any other error at once', async () => {
    let tries = 0;
    const restarting = interrupt(async (id) => {
      if (++tries < 4) throw Object.assign(new Error('fetch failed'), { code: 'CONNECT_FAILED' });
      return cancelled(id);
    }, 5_000);
    restarting.it.submitted('j_0123456789');
    restarting.it.signal();
    expect((await restarting.it.outcome())?.status).toBe('cancelled');
    expect(tries).toBe(4);
    expect(restarting.said).toEqual([
      'cancelling job j_0123456789 (Ctrl-C again to exit at once)',
      'the coordinator cannot be reached (CONNECT_FAILED); still trying to cancel (Ctrl-C again to give up)',
      'job j_0123456789 cancelled',
    ]);
    let asked = 0;
    const refused = interrupt(async () => {
      asked++;
      throw Object.assign(new Error('no such job'), { code: 'NOT_FOUND' });
    }, 5_000);
    refused.it.submitted('j_0123456789');
    refused.it.signal();
    expect(await refused.it.outcome()).toBeUndefined();
    expect(asked).toBe(1);
  });
});

const live = { state: 'ready' } as AgentInfo;
const dead = { state: 'dead' } as AgentInfo;

describe('the no-agents hint', () => {
  it('says it once, after the delay, when no agent is live and no work started', async () => {
    const said: string[] = [];
    let asked = 0;
    const stop = watchForAgents({
      agents: async () => {
        asked++;
        return [dead];
      },
      started: () => false,
      say: (l) => said.push(l),
      url: 'ws://127.0.0.1:7070',
      delayMs: 20,
    });
    await new Promise((r) => setTimeout(r, 150));
    stop();
    expect(said).toEqual([hintText('ws://127.0.0.1:7070')]);
    expect(said[0]).toBe('no agents connected: waiting (start one with `cohort agent --connect ws://127.0.0.1:7070`)');
    expect(asked).toBe(1);
  });
  it('names the pin the client verified the coordinator with, so that the agent can verify it too', async () => {
    const said: string[] = [];
    const pin = `sha256:${'ab'.repeat(32)}`;
    const stop = watchForAgents({
      agents: async () => [],
      started: () => false,
      say: (l) => said.push(l),
      url: 'wss://10.0.0.5:7070',
      fingerprint: pin,
      delayMs: 10,
    });
    await new Promise((r) => setTimeout(r, 100));
    stop();
    expect(said).toEqual([`no agents connected: waiting (start one with \`cohort agent --connect wss://10.0.0.5:7070 --tls-fingerprint ${pin}\`)`]);
  });
  it('stays quiet with a live agent, or once work started, and asks nothing before the delay', async () => {
    const said: string[] = [];
    let asked = 0;
    const counted = (n: number, agents: AgentInfo[]) => async () => {
      asked += n;
      return agents;
    };
    const stopLive = watchForAgents({ agents: counted(1, [live]), started: () => false, say: (l) => said.push(l), url: 'u', delayMs: 10 });
    const stopStarted = watchForAgents({ agents: counted(100, []), started: () => true, say: (l) => said.push(l), url: 'u', delayMs: 10 });
    const stopLate = watchForAgents({ agents: counted(1000, []), started: () => false, say: (l) => said.push(l), url: 'u', delayMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    stopLive();
    stopStarted();
    stopLate();
    expect(said).toEqual([]);
    expect(asked).toBe(1);
  });
  it('takes its delay from COHORT_NO_AGENTS_HINT_MS, ignoring a bad value', () => {
    expect(hintDelayMs({})).toBe(DEFAULT_NO_AGENTS_HINT_MS);
    expect(hintDelayMs({ COHORT_NO_AGENTS_HINT_MS: '200' })).toBe(200);
    for (const bad of ['', 'x', '-1', '1e9', '1.5']) expect(hintDelayMs({ COHORT_NO_AGENTS_HINT_MS: bad })).toBe(DEFAULT_NO_AGENTS_HINT_MS);
  });
});
