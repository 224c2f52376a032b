// Bench task (data plane): each partition gets `bytes` of binary input and returns as many bytes derived
// from it (a copy with its first 8 bytes inverted), so neither direction can be elided. Input {bytes}.
// Merge returns counts and a checksum, not the bytes.
const base = new Map();

function pattern(bytes) {
  let b = base.get(bytes);
  if (!b) {
    b = new Uint8Array(bytes);
    for (let j = 0; j < bytes; j++) b[j] = (j * 31 + (j >>> 8)) & 255;
    base.set(bytes, b);
  }
  return b;
}

export default {
  name: 'bench-echo-bytes',
  profile: { isolation: 'auto' },
  split(input, n) {
    const b = pattern(input.bytes);
    return Array.from({ length: n }, (_, i) => {
      const part = new Uint8Array(b);
      new DataView(part.buffer).setUint32(0, i);
      return part;
    });
  },
  run(part) {
    const out = new Uint8Array(part);
    for (let j = 0; j < 8 && j < out.length; j++) out[j] = ~part[j] & 255;
    return out;
  },
  merge(results) {
    let bytes = 0;
    let check = 0;
    for (const r of results) {
      bytes += r.byteLength;
      check = (check + (~r[3] & 255)) % 65521; // partition index's low byte, inverted back
    }
    return { count: results.length, bytes, check };
  },
};
