// Microbench of the frame codec before and after the value model (issue 8), interleaved in one
// process so machine noise hits both alike: 1e5 small results in frames of 256, and 1e5 heartbeats.
// "before" is the old packr configuration; "after" is @cohort/shared's encode (with the lenient walk),
// and on the agent the slot's encodeValue per result plus the frame of RawValues.
// Run: npx tsc -b && node bench/value-codec.mjs
import { Packr } from 'msgpackr';
import { encode, encodeValue, RawValue } from '../packages/shared/dist/index.js';

const old = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false, int64AsType: 'number' });
const N = 100_000;
const BATCH = 256;
const item = (j, value) => ({ p: j, a: 1, ok: true, value, ms: 0.01, mode: 'thread', why: 'agent-threads' });
const frames = (raw) => {
  const out = [];
  for (let i = 0; i < N; i += BATCH) {
    const items = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) items.push(item(j, raw ? new RawValue(encodeValue({ n: j, s: `x${j}` })) : { n: j, s: `x${j}` }));
    out.push({ type: 'results', jobId: 'job-1', items });
  }
  return out;
};
const plain = frames(false);
const raw = frames(true);
const hb = { type: 'heartbeat', seq: 1, sentAt: Date.now() };
const cases = {
  'before: results frames': () => {
    for (const f of plain) old.pack(f);
  },
  'after: results frames (plain values)': () => {
    for (const f of plain) encode(f);
  },
  'after: results frames (RawValue, as the agent sends)': () => {
    for (const f of raw) encode(f);
  },
  'after: slot encodeValue x1e5': () => {
    for (let j = 0; j < N; j++) encodeValue({ n: j, s: `x${j}` }, { root: 'result', maxBytes: 1 << 20 });
  },
  'before: heartbeats x1e5': () => {
    for (let i = 0; i < N; i++) old.pack(hb);
  },
  'after: heartbeats x1e5': () => {
    for (let i = 0; i < N; i++) encode(hb);
  },
};
const best = Object.fromEntries(Object.keys(cases).map((k) => [k, Infinity]));
for (let round = 0; round < 15; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const t = performance.now();
    run();
    best[name] = Math.min(best[name], performance.now() - t);
  }
}
for (const [name, ms] of Object.entries(best)) console.log(`${name.padEnd(56)} ${ms.toFixed(1)} ms`);
