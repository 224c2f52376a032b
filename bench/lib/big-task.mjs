/**
 * The shipping suite's task: a plain ES module (no imports, no defineTask)
 * holding a table of about 1 MB that every partition reads, and a nonce
 * that merge returns, so each repetition is a new bundle with a new hash
 * and the result says which one ran. The table is the same every time
 * (a seeded PRNG); only the nonce differs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Table entries: about 7 bytes each in esbuild's output, so about 1 MB of bundle. */
export const TABLE_ENTRIES = 150_000;

/** mulberry32: a small seeded PRNG, so the table is the same in every run. */
function prng(seed) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TABLE = (() => {
  const next = prng(42);
  return Array.from({ length: TABLE_ENTRIES }, () => next() % 100_000);
})();

/** The sum of the table: what merge must return with the nonce. */
export const TABLE_SUM = TABLE.reduce((a, b) => a + b, 0);

const BODY = `
export default {
  name: 'big-table',
  split(input, n) {
    const size = Math.ceil(TABLE.length / n);
    return Array.from({ length: n }, (_, i) => ({ ms: input.ms, from: i * size, to: Math.min(TABLE.length, (i + 1) * size) }));
  },
  async run(part) {
    await new Promise((resolve) => setTimeout(resolve, part.ms));
    let sum = 0;
    for (let i = part.from; i < part.to; i++) sum += TABLE[i];
    return sum;
  },
  merge(results) {
    return { nonce: NONCE, sum: results.reduce((a, b) => a + b, 0) };
  },
};
`;

/** Write `<dir>/task-<nonce>.mjs` and return its path. Input `{ms}`: each partition waits ms (like `sleep`), then sums its slice of the table. */
export function writeBigTask(dir, nonce) {
  const file = path.join(dir, `task-${nonce}.mjs`);
  writeFileSync(file, `const NONCE = ${JSON.stringify(nonce)};\nconst TABLE = [${TABLE.join(',')}];\n${BODY}`);
  return file;
}
