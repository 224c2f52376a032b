// Bench task: spin the CPU for `us` microseconds (never yielding), then return the size of the payload it was given.
export default {
  name: 'bench-work',
  profile: { isolation: 'auto' },
  split: (input, n) => Array.from({ length: n }, () => input),
  merge: (results) => results.length,
  run(part) {
    const us = part?.us ?? 0;
    if (us > 0) {
      const end = performance.now() + us / 1000;
      while (performance.now() < end) {
        // busy by design
      }
    }
    return part?.payload?.byteLength ?? 0;
  },
};
