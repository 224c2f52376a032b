/**
 * Claim 4: threads avoid serialization, processes rely on it. Two views:
 *  - codec cost in one process (encode + decode), tinybench: structured clone
 *    (what postMessage does), v8.serialize (child_process 'advanced'), JSON
 *    (child_process 'json'), msgpackr (Cohort's wire codec);
 *  - the real crossing: one message to a slot and a 1-byte ack back, over a
 *    worker's postMessage, fork IPC 'json' and fork IPC 'advanced'.
 * Payloads: a small object (a partition message) and a 1 MB Buffer.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { encode, decodeRaw } from '@cohort/shared';
import { micro } from '../lib/micro.mjs';

const ECHO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'echo-slot.mjs');

export const PAYLOADS = {
  small: () => ({ jobId: 'j_01hx2k9w3e', p: 1234, a: 1, input: { from: 10_000_000, to: 20_000_000 }, task: 'primes', ms: 12.5, ok: true }),
  '1MB': () => randomBytes(1024 * 1024),
};

export const CODECS = {
  'structured clone': (x) => structuredClone(x),
  'v8 serialize (IPC advanced)': (x) => v8.deserialize(v8.serialize(x)),
  'JSON (IPC json)': (x) => JSON.parse(JSON.stringify(x)),
  'msgpackr (Cohort wire)': (x) => decodeRaw(encode(x)),
};

function transport(kind) {
  if (kind === 'thread postMessage') {
    const w = new Worker(ECHO);
    return {
      send: (m) =>
        new Promise((r) => {
          w.once('message', r);
          w.postMessage(m);
        }),
      stop: () => w.terminate(),
      ready: Promise.resolve(),
    };
  }
  const c = fork(ECHO, [], { serialization: kind.endsWith('advanced') ? 'advanced' : 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    send: (m) =>
      new Promise((r) => {
        c.once('message', r);
        c.send(m);
      }),
    stop: () =>
      new Promise((r) => {
        c.once('exit', r);
        c.kill('SIGKILL');
      }),
    ready: new Promise((r) => c.once('spawn', r)),
  };
}

export const TRANSPORTS = ['thread postMessage', 'process IPC json', 'process IPC advanced'];

export default {
  name: 'serialization',
  claim: 4,
  async run({ quick, log }) {
    const out = { method: 'tinybench; codec = encode+decode in one process; crossing = message to a slot + 1-byte ack', codec: {}, crossing: {} };
    for (const [pname, make] of Object.entries(PAYLOADS)) {
      const payload = make();
      // Check each codec round-trips the payload (JSON turns a Buffer into {type,data}: that is its real cost).
      out.codec[pname] = await micro(
        Object.entries(CODECS).map(([name, fn]) => ({ name, fn: () => fn(payload) })),
        { quick },
      );
      const ts = TRANSPORTS.map((k) => [k, transport(k)]);
      await Promise.all(ts.map(([, t]) => t.ready));
      for (const [, t] of ts) await t.send(payload);
      out.crossing[pname] = await micro(
        ts.map(([name, t]) => ({ name, fn: () => t.send(payload) })),
        { quick },
      );
      await Promise.all(ts.map(([, t]) => t.stop()));
      const line = (rows) =>
        Object.entries(rows)
          .map(([k, r]) => `${k.split(' (')[0]} ${r.median.toFixed(1)}`)
          .join(', ');
      log(`  ${pname} codec µs: ${line(out.codec[pname])}`);
      log(`  ${pname} crossing µs: ${line(out.crossing[pname])}`);
    }
    const c = out.crossing;
    out.ratios = {
      smallAdvancedOverThread: c.small['process IPC advanced'].median / c.small['thread postMessage'].median,
      mbAdvancedOverThread: c['1MB']['process IPC advanced'].median / c['1MB']['thread postMessage'].median,
      mbJsonOverAdvanced: c['1MB']['process IPC json'].median / c['1MB']['process IPC advanced'].median,
    };
    return out;
  },
};
