/**
 * A load generator: opens `count` agent sessions to a coordinator, speaking
 * Cohort's real protocol through the shared codec (hello, heartbeats at the
 * interval the welcome gives, with load every 4th, results), and answers
 * every `assign` at once as a no-op slot would (value 1). It does not start a
 * SlotPool: 1,000 real agents would mean 1,000 worker threads on 2 cores.
 *
 *   node loadgen.mjs <ws-url> <count> <prefix> [burst]     (token in COHORT_TOKEN)
 * Opens `burst` sessions at a time (default 50). A session whose handshake
 * fails before its welcome (a busy coordinator answers 408 past its headers
 * timeout) tries again after a pause, as a real agent would, at most
 * CONNECT_TRIES times (then counted as failed). Prints "ready <welcomed>" once every session is welcomed or has failed,
 * then "stats {...}" on SIGTERM.
 */
import os from 'node:os';
import { WebSocket } from 'ws';
import { AGENT_PATH, PROTOCOL_VERSION, VERSION, decodeRaw, encode } from '@cohort/shared';

const [url, countArg, prefix, burstArg] = process.argv.slice(2);
const count = Number(countArg);
const token = process.env.COHORT_TOKEN;
const hardware = {
  cpus: 1,
  cpuModel: os.cpus()[0]?.model ?? 'x',
  memoryBytes: os.totalmem(),
  platform: process.platform,
  arch: process.arch,
  node: process.version,
  hostname: os.hostname(),
};
const load = { cpuPercent: 1, memoryPercent: 1, load1: 0, queued: 0, busySlots: 0 };
const stats = { welcomed: 0, heartbeatsSent: 0, heartbeatsHeard: 0, assigns: 0, partitions: 0, closed: 0, retries: 0, failed: 0 };
const CONNECT_TRIES = 5;
const RETRY_PAUSE_MS = 500;

function session(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}${AGENT_PATH}`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    let seq = 0;
    let timer;
    ws.on('open', () =>
      ws.send(
        encode({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          agentVersion: VERSION,
          name: `${prefix}-${i}`,
          slots: 1,
          mode: 'threads',
          modes: ['thread'],
          maxPrefetch: 4,
          hardware,
        }),
      ),
    );
    ws.on('message', (data) => {
      const msg = decodeRaw(data);
      switch (msg.type) {
        case 'welcome':
          stats.welcomed++;
          // Spread the first beats over one interval, as independently started agents would be.
          setTimeout(() => {
            timer = setInterval(() => {
              seq++;
              ws.send(encode(seq % 4 === 1 ? { type: 'heartbeat', seq, sentAt: Date.now(), load } : { type: 'heartbeat', seq, sentAt: Date.now() }));
              stats.heartbeatsSent++;
            }, msg.heartbeatMs);
          }, Math.random() * msg.heartbeatMs);
          resolve();
          return;
        case 'assign':
          stats.assigns++;
          stats.partitions += msg.items.length;
          ws.send(
            encode({
              type: 'results',
              jobId: msg.jobId,
              items: msg.items.map((it) => ({ p: it.p, a: it.a, ok: true, value: 1, ms: 0.001, mode: 'thread', why: 'agent-threads' })),
            }),
          );
          return;
        case 'heartbeat':
          stats.heartbeatsHeard++;
          return;
        default:
          return;
      }
    });
    ws.on('close', () => {
      stats.closed++;
      clearInterval(timer);
    });
    ws.on('error', reject);
  });
}

/** A session, tried again after a pause when its handshake fails before the welcome. */
async function joined(i) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await session(i);
    } catch {
      if (attempt >= CONNECT_TRIES) {
        stats.failed++;
        return;
      }
      stats.retries++;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS * attempt));
    }
  }
}

const BURST = Number(burstArg ?? 50);
for (let i = 0; i < count; i += BURST) await Promise.all(Array.from({ length: Math.min(BURST, count - i) }, (_, j) => joined(i + j)));
process.stdout.write(`ready ${stats.welcomed}\n`);
process.on('SIGTERM', () => {
  process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
  process.exit(0);
});
