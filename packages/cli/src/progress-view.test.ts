import { describe, expect, it } from 'vitest';
import { progress } from './fixtures/progress.js';
import type { ClusterEvent, JobReport } from '@cohort/shared';
import { clusterEventLine } from './event-lines.js';
import { ProgressView, plainLine } from './progress-view.js';

const CLEAR = '\r\x1b[2K';

/** A fake terminal: what was written, and the screen it leaves (\r\x1b[2K clears the line, \n moves on). */
function terminal(columns = 100) {
  let written = '';
  return {
    columns,
    isTTY: true,
    write: (s: string) => (written += s),
    written: () => written,
    screen(): string[] {
      const lines = [''];
      for (const part of written.split(new RegExp(`(${CLEAR.replace('[', '\\[')}|\n)`))) {
        if (part === CLEAR) lines[lines.length - 1] = '';
        else if (part === '\n') lines.push('');
        else lines[lines.length - 1] += part;
      }
      return lines;
    },
  };
}

describe('ProgressView on a TTY', () => {
  it('draws the bar on the last line, prints events above it, and redraws it below them', () => {
    let now = 1000;
    const out = terminal();
    const view = new ProgressView(out, true, () => now);
    view.event('submitted j_0123456789: sleep, 100 partitions');
    view.update(progress({ done: 10 }));
    now += 2000;
    view.update(progress({ done: 30 }));
    view.event('agent b3 lost (timeout); 4 partitions requeued');
    const screen = out.screen();
    expect(screen[0]).toBe('submitted j_0123456789: sleep, 100 partitions');
    expect(screen[1]).toBe('agent b3 lost (timeout); 4 partitions requeued');
    expect(screen[2]).toMatch(/^▕█+.*▏ +30% 30\/100 · 10\.0\/s · ETA 0:07 · elapsed 0:02 · running 4 · queued 2$/);
    expect(screen).toHaveLength(3);
    view.end();
    expect(out.screen()).toHaveLength(4); // the cursor below the bar
  });
  it('draws the final counts at the end', () => {
    const out = terminal();
    const view = new ProgressView(out, true, () => 0);
    view.update(progress({ done: 99 }));
    view.finish({
      jobId: 'j_0123456789',
      status: 'succeeded',
      done: 100,
      partitions: 100,
      running: 0,
      assigned: 0,
      attempts: 100,
      requeued: 0,
      duplicates: 0,
      speculative: 0,
    } as JobReport);
    view.end();
    expect(out.screen().at(-2)).toContain('100% 100/100');
  });
  it('knows when work started: done, running or queued on an agent', () => {
    const view = new ProgressView(terminal(), false, () => 0);
    expect(view.started).toBe(false);
    view.update(progress({ done: 0, running: 0, assigned: 0, status: 'queued' }));
    expect(view.started).toBe(false);
    view.update(progress({ done: 0, running: 0, assigned: 1 }));
    expect(view.started).toBe(true);
  });
});

describe('ProgressView elsewhere', () => {
  it('writes plain lines, at most one a second, and no escape sequence', () => {
    let now = 0;
    const out = terminal();
    const view = new ProgressView(out, false, () => now);
    view.update(progress({ done: 1 }));
    view.update(progress({ done: 2 }));
    now = 1000;
    view.update(progress({ done: 3 }));
    view.event('an event');
    view.end();
    expect(out.written()).toBe(`${plainLine(progress({ done: 1 }))}\n${plainLine(progress({ done: 3 }))}\nan event\n`);
    expect(out.written()).not.toContain('\x1b');
    expect(plainLine(progress())).toBe('j_0123456789 running 45/100 (45%) running 4, queued 2, attempts 51, requeued 0, duplicates 0');
  });
});

describe('clusterEventLine', () => {
  it('says each cluster event in plain words, escaped', () => {
    const events: Array<[ClusterEvent, string]> = [
      [{ kind: 'agent-joined', at: 0, agentId: 'a_1', agent: 'b3', slots: 2, mode: 'threads' }, 'agent b3 joined (2 slots, mode threads)'],
      [
        { kind: 'agent-lost', at: 0, agentId: 'a_1', agent: 'b3', reason: 'timeout', silentMs: 2000, requeued: 4 },
        'agent b3 lost (timeout: no heartbeat for 2.0 s); 4 partitions requeued',
      ],
      [
        { kind: 'speculative-copy', at: 0, jobId: 'j_1', partition: 42, agent: 'a2', runningMs: 1500 },
        'speculative copy of partition 42 (running 1.5 s on a2)',
      ],
      [
        { kind: 'mode-escalated', at: 0, agentId: 'a_1', agent: 'a1', task: 'crash', mode: 'process', evidence: 'SLOT_CRASHED' as never },
        'task crash escalated to processes on a1 (SLOT_CRASHED)',
      ],
      [{ kind: 'agent-suspect', at: 0, agentId: 'a_1', agent: 'x\x1b]0;t\x07', silentMs: 900 }, 'agent x\\x1b]0;t\\x07 suspect: no heartbeat for 0.9 s'],
      [{ kind: 'from-the-future\n' } as unknown as ClusterEvent, 'cluster event from-the-future\\x0a'],
    ];
    for (const [e, line] of events) expect(clusterEventLine(e)).toBe(line);
  });
});
