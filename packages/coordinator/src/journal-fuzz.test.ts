/**
 * Property tests of the journal reader (scanJournal, its resync, and the
 * recovery rewrite) against random corruption: truncation, bit flips, zero
 * runs, duplicated ranges and random insertions. Seeded (FC_SEED, default
 * 42); fast-check prints the seed and the shrunk counterexample on failure.
 *
 * The invariant: the reader never throws; every record it returns is byte for
 * byte one of the originals; good frames, damaged ranges and the torn tail
 * tile the whole file, so nothing is dropped without being reported; and every
 * original frame that survived intact is either returned where it lies or
 * inside a reported range.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, HEADER_BYTES, scanJournal, withoutDamage, type JournalRecord } from './journal-codec.js';

const SEED = Number(process.env.FC_SEED ?? 42);
const RUNS = Number(process.env.FC_RUNS ?? 300);

const jobId = fc.stringMatching(/^j_[0-9a-z]{10}$/);
const value = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const jobRecord = fc
  .record({
    jobId,
    task: fc.string({ maxLength: 20 }),
    input: value,
    partitions: fc.nat(1000),
    timeoutMs: fc.nat(86_400_000),
    maxAttempts: fc.integer({ min: 1, max: 100 }),
    createdAt: fc.nat(),
  })
  .map((job): JournalRecord => ({ kind: 'job', job }));
const item = fc.record({
  p: fc.nat(1000),
  a: fc.integer({ min: 1, max: 10 }),
  value,
  agent: fc.string({ maxLength: 12 }),
  ms: fc.nat(),
  mode: fc.constantFrom('thread' as const, 'process' as const),
});
const resultsRecord = fc
  .record({ jobId, items: fc.array(item, { maxLength: 8 }) })
  .map(({ jobId, items }): JournalRecord => ({ kind: 'results', jobId, items }));
const finishedRecord = fc
  .record({ jobId, status: fc.constantFrom('succeeded' as const, 'failed' as const, 'cancelled' as const), result: value })
  .map((r): JournalRecord => ({ kind: 'finished', ...r }));
const records = fc.array(fc.oneof(jobRecord, resultsRecord, finishedRecord), { minLength: 1, maxLength: 12 });

/** A journal and, for each byte, the offset it had in the original (-1: new or changed). */
interface Doc {
  buf: Buffer;
  origin: number[];
}

type Corruption =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; mask: number }
  | { op: 'zeros'; at: number; len: number }
  | { op: 'duplicate'; from: number; len: number; to: number }
  | { op: 'insert'; at: number; bytes: Uint8Array };

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fraction.map((at) => ({ op: 'truncate' as const, at })),
  fc.record({ at: fraction, mask: fc.integer({ min: 1, max: 255 }) }).map((c) => ({ op: 'flip' as const, ...c })),
  fc.record({ at: fraction, len: fc.integer({ min: 1, max: 64 }) }).map((c) => ({ op: 'zeros' as const, ...c })),
  fc.record({ from: fraction, len: fc.integer({ min: 1, max: 200 }), to: fraction }).map((c) => ({ op: 'duplicate' as const, ...c })),
  fc.record({ at: fraction, bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }).map((c) => ({ op: 'insert' as const, ...c })),
);

const pos = (f: number, n: number) => Math.min(n, Math.floor(f * (n + 1)));

function corrupt(doc: Doc, c: Corruption): Doc {
  const buf = Buffer.from(doc.buf);
  const origin = [...doc.origin];
  const n = buf.length;
  switch (c.op) {
    case 'truncate':
      return { buf: buf.subarray(0, pos(c.at, n)), origin: origin.slice(0, pos(c.at, n)) };
    case 'flip': {
      if (n === 0) return doc;
      const i = Math.min(n - 1, pos(c.at, n));
      buf[i]! ^= c.mask;
      origin[i] = -1;
      return { buf, origin };
    }
    case 'zeros': {
      const i = pos(c.at, n);
      for (let k = i; k < Math.min(n, i + c.len); k++) {
        buf[k] = 0;
        origin[k] = -1;
      }
      return { buf, origin };
    }
    case 'duplicate': {
      const from = pos(c.from, n);
      const copy = buf.subarray(from, Math.min(n, from + c.len));
      const to = pos(c.to, n);
      return {
        buf: Buffer.concat([buf.subarray(0, to), copy, buf.subarray(to)]),
        origin: [...origin.slice(0, to), ...new Array<number>(copy.length).fill(-1), ...origin.slice(to)],
      };
    }
    case 'insert': {
      const at = pos(c.at, n);
      return {
        buf: Buffer.concat([buf.subarray(0, at), c.bytes, buf.subarray(at)]),
        origin: [...origin.slice(0, at), ...new Array<number>(c.bytes.length).fill(-1), ...origin.slice(at)],
      };
    }
  }
}

function build(recs: JournalRecord[]): { doc: Doc; frames: Array<{ start: number; end: number }>; payloads: Set<string> } {
  const encoded = recs.map(encodeFrame);
  const frames: Array<{ start: number; end: number }> = [];
  let at = 0;
  for (const f of encoded) frames.push({ start: at, end: (at += f.length) });
  const buf = Buffer.concat(encoded);
  return { doc: { buf, origin: [...buf.keys()] }, frames, payloads: new Set(encoded.map((f) => f.subarray(HEADER_BYTES).toString('hex'))) };
}

/** Where original frame [start, end) now lies intact, if anywhere. */
function intactAt(doc: Doc, start: number, end: number): number | undefined {
  const q = doc.origin.indexOf(start);
  if (q < 0 || q + (end - start) > doc.origin.length) return undefined;
  for (let k = 1; k < end - start; k++) if (doc.origin[q + k] !== start + k) return undefined;
  return q;
}

function scanned(buf: Buffer) {
  const got: Array<{ offset: number; end: number; payload: string }> = [];
  const scan = scanJournal(buf, (_record, offset) => {
    const end = offset + HEADER_BYTES + buf.readUInt32LE(offset);
    got.push({ offset, end, payload: buf.subarray(offset + HEADER_BYTES, end).toString('hex') });
  });
  return { scan, got };
}

describe(`journal reader under random corruption (seed ${SEED})`, () => {
  it('never throws, never accepts a corrupt record, never drops a valid one without reporting it', () => {
    fc.assert(
      fc.property(records, fc.array(corruption, { minLength: 1, maxLength: 4 }), (recs, corruptions) => {
        const { doc: original, frames, payloads } = build(recs);
        const doc = corruptions.reduce(corrupt, original);
        const { scan, got } = scanned(doc.buf);
        for (const g of got) expect(payloads.has(g.payload), `record at ${g.offset} is not an original`).toBe(true);
        // Good frames, damaged ranges and the tail tile the file: every byte is accounted for.
        const reported = [...scan.damaged, ...(scan.tail ? [scan.tail] : [])];
        const pieces = [...got.map((g) => ({ offset: g.offset, end: g.end })), ...reported.map((d) => ({ offset: d.offset, end: d.offset + d.bytes }))].sort(
          (a, b) => a.offset - b.offset,
        );
        let at = 0;
        for (const p of pieces) {
          expect(p.offset, 'a gap or overlap in what the scan accounted for').toBe(at);
          at = p.end;
        }
        expect(at).toBe(doc.buf.length);
        for (const f of frames) {
          const q = intactAt(doc, f.start, f.end);
          if (q === undefined) continue;
          const returned = got.some((g) => g.offset === q);
          const inReported = reported.some((d) => d.offset <= q && q < d.offset + d.bytes);
          expect(returned || inReported, `intact frame now at ${q} neither returned nor reported`).toBe(true);
        }
        // The recovery rewrite keeps exactly the good frames, and reads back clean.
        const again = scanned(withoutDamage(doc.buf, scan));
        expect(again.scan.damaged).toEqual([]);
        expect(again.scan.tail).toBeUndefined();
        expect(again.got.map((g) => g.payload)).toEqual(got.map((g) => g.payload));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a plain truncation at any byte is a torn tail: no damage, every complete record kept', () => {
    fc.assert(
      fc.property(records, fraction, (recs, f) => {
        const { doc, frames } = build(recs);
        const cut = pos(f, doc.buf.length);
        const { scan, got } = scanned(doc.buf.subarray(0, cut));
        expect(scan.damaged).toEqual([]); // the coordinator starts: refusal needs damage
        const complete = frames.filter((fr) => fr.end <= cut);
        expect(got.map((g) => g.offset)).toEqual(complete.map((fr) => fr.start));
        const boundary = complete.length === 0 ? 0 : complete[complete.length - 1]!.end;
        expect(scan.goodBytes).toBe(boundary);
        if (cut === boundary) expect(scan.tail).toBeUndefined();
        else expect(scan.tail).toMatchObject({ offset: boundary, bytes: cut - boundary });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('damage anywhere before a valid frame is damage, never a torn tail', () => {
    fc.assert(
      fc.property(
        records.filter((r) => r.length >= 2),
        fraction,
        fc.integer({ min: 1, max: 255 }),
        (recs, f, mask) => {
          const { doc, frames } = build(recs);
          const last = frames[frames.length - 1]!;
          const i = Math.min(last.start - 1, pos(f, last.start - 1));
          const buf = Buffer.from(doc.buf);
          buf[i]! ^= mask;
          const { scan, got } = scanned(buf);
          expect(scan.damaged.length, `flip at ${i} not reported as damage`).toBeGreaterThan(0);
          expect(got.some((g) => g.offset === last.start)).toBe(true); // the last record, after the damage, is kept
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
