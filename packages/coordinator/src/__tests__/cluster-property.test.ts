/**
 * Property tests of the cluster core (fast-check, fixed seed in CI, printed
 * on failure): whatever a rogue session sends, in whatever order with honest
 * agents' messages, losses, re-joins and ticks, the cluster never throws,
 * never accepts a value it did not issue, and the job still finishes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS, type AgentMessage } from '@cohort/shared';
import type { AgentSession } from '../agent-session.js';
import { join, makeCluster, makeJob, ok } from './helpers.js';

const SEED = Number(process.env.FC_SEED ?? 42);
const RUNS = Number(process.env.FC_RUNS ?? 200);
const T0 = 1_000;
const PARTITIONS = 12;
const FORGED = -1;

/** What the rogue may send: anything shaped like a valid agent message, with hostile numbers. */
const rogueMessage: fc.Arbitrary<AgentMessage> = fc.oneof(
  fc.record({
    type: fc.constant('results' as const),
    jobId: fc.constantFrom('j1', 'j-other'),
    items: fc.array(
      fc
        .record({
          p: fc.integer({ min: 0, max: PARTITIONS + 2 }),
          a: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(LIMITS.attempt.max)),
          ok: fc.boolean(),
        })
        .map(({ p, a, ok: good }) =>
          good
            ? ok(p, a, FORGED)
            : {
                p,
                a,
                ok: false as const,
                error: { code: 'TASK_ERROR' as const, name: 'E', message: 'forged' },
                ms: 1,
                mode: 'thread' as const,
                why: 'agent-threads' as const,
              },
        ),
      { maxLength: 8 },
    ),
  }),
  fc.record({
    type: fc.constant('started' as const),
    jobId: fc.constant('j1'),
    items: fc.array(fc.tuple(fc.integer({ min: 0, max: PARTITIONS }), fc.integer({ min: 1, max: 4 })), { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('mode-change' as const),
    task: fc.constantFrom('noop', 'x'),
    mode: fc.constantFrom('thread' as const, 'process' as const),
    why: fc.constant('escalated-after-crash' as const),
  }),
  fc.record({ type: fc.constant('heartbeat' as const), seq: fc.nat(), sentAt: fc.nat() }),
  fc.constant({ type: 'draining' as const }),
);

type Step =
  | { kind: 'rogue'; msg: AgentMessage }
  | { kind: 'schedule' }
  | { kind: 'answer'; who: number; fail: boolean }
  | { kind: 'start'; who: number }
  | { kind: 'lose'; who: number }
  | { kind: 'tick'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: rogueMessage.map((msg) => ({ kind: 'rogue' as const, msg })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'schedule' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('answer' as const), who: fc.integer({ min: 0, max: 1 }), fail: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('start' as const), who: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose' as const), who: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }) },
);

describe('cluster under a rogue session (property)', () => {
  it('never throws, never accepts a forged value, and the job still finishes right', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const { cluster, fx } = makeCluster({ heartbeatMs: 100, heartbeatTimeoutMs: 1000 });
        const job = makeJob('j1', PARTITIONS, { maxAttempts: 100 });
        cluster.submit(job);
        let now = T0;
        const honest: AgentSession[] = [join(cluster, 'h0', 1, now, { maxPrefetch: 2 }), join(cluster, 'h1', 1, now, { maxPrefetch: 2 })];
        let rogue: AgentSession | undefined = join(cluster, 'rogue', 4, now);
        cluster.receive(rogue, { type: 'draining' }, now);
        let rejoins = 0;
        /** Attempts currently issued to each honest agent, from what it was sent. */
        const answer = (who: number, fail: boolean) => {
          const s = honest[who]!;
          for (const p of [...s.held]) {
            const item = fail
              ? {
                  p: p.index,
                  a: p.attempt,
                  ok: false as const,
                  error: { code: 'TASK_ERROR' as const, name: 'E', message: 'x' },
                  ms: 1,
                  mode: 'thread' as const,
                  why: 'agent-threads' as const,
                }
              : ok(p.index, p.attempt);
            cluster.receive(s, { type: 'results', jobId: 'j1', items: [item] }, now);
          }
        };
        for (const st of steps) {
          now += 1;
          if (st.kind === 'rogue' && rogue && rogue.state !== 'dead') cluster.receive(rogue, st.msg, now);
          else if (st.kind === 'schedule') cluster.schedule(now);
          else if (st.kind === 'answer') answer(st.who, st.fail);
          else if (st.kind === 'start')
            for (const p of honest[st.who]!.held) cluster.receive(honest[st.who]!, { type: 'started', jobId: 'j1', items: [[p.index, p.attempt]] }, now);
          else if (st.kind === 'lose') {
            const old = honest[st.who]!;
            cluster.disconnected(old, now);
            honest[st.who] = join(cluster, old.name, 1, now, { id: `${old.name}-r${++rejoins}`, previousSessionId: old.id, maxPrefetch: 2 });
          } else if (st.kind === 'tick') {
            now += st.ms;
            for (const s of honest) cluster.receive(s, { type: 'heartbeat', seq: 1, sentAt: now }, now);
            cluster.tick(now);
            if (rogue?.state === 'dead') rogue = undefined;
          }
          for (const p of job.partitions) if (p.state === 'succeeded') expect(p.value).not.toBe(FORGED);
        }
        // Honest agents finish the job (bounded): nothing the rogue did may strand it.
        for (let i = 0; i < 200 && (job.status === 'queued' || job.status === 'running'); i++) {
          now += 1;
          cluster.schedule(now);
          answer(i % 2, false);
        }
        if (job.status !== 'failed') {
          expect(job.status).toBe('merging');
          expect(job.partitions.map((p) => p.value)).toEqual(Array.from({ length: PARTITIONS }, (_, i) => i * 10));
        }
        expect(fx.acceptedItems.every((x) => x.value !== FORGED)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS, verbose: 1 },
    );
  });
});
