// The cheapest task there is: the pool throughput bench (bench/pool-throughput.mjs).
export default {
  name: 'noop',
  profile: { isolation: 'auto' },
  split: (input, n) => Array.from({ length: n }, () => input),
  merge: (results) => results.length,
  run: (part) => part,
};
