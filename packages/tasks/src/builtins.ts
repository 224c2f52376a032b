/**
 * The built-in tasks, by name: the table the coordinator and the agent hand
 * to `loadTask` (shared names no task package). Each module is imported on
 * first use. `satisfies` keeps the table and `BUILTIN_TASKS` the same set.
 */
import type { BuiltinTasks } from '@cohort/shared';
import type { BuiltinTask } from './index.js';

const TABLE = {
  primes: () => import('./primes.js'),
  noop: () => import('./noop.js'),
  sleep: () => import('./sleep.js'),
  pi: () => import('./pi.js'),
  hash: () => import('./hash.js'),
  crash: () => import('./crash.js'),
  hang: () => import('./hang.js'),
  flaky: () => import('./flaky.js'),
  slow: () => import('./slow.js'),
  poison: () => import('./poison.js'),
  'odd-value': () => import('./odd-value.js'),
  'shared-sum': () => import('./shared-sum.js'),
} satisfies Record<BuiltinTask, () => Promise<unknown>>;

export const builtinTasks: BuiltinTasks = TABLE;
