// Bench task: report this slot's own heap (V8 isolate) and process memory, as seen from inside.
import v8 from 'node:v8';

export default {
  name: 'bench-mem',
  profile: { isolation: 'auto' },
  split: (input, n) => Array.from({ length: n }, () => input),
  merge: (results) => results,
  run() {
    const h = v8.getHeapStatistics();
    const m = process.memoryUsage();
    return {
      usedHeap: h.used_heap_size,
      totalHeap: h.total_heap_size,
      heapLimit: h.heap_size_limit,
      rss: m.rss,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
    };
  },
};
