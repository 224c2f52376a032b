/** The names of the built-in tasks; each loads as `@cohort/tasks/<name>`, and `builtinTasks` is their table for `loadTask`. */
export const BUILTIN_TASKS = ['primes', 'noop', 'sleep', 'pi', 'hash', 'crash', 'hang', 'flaky', 'slow', 'poison', 'odd-value', 'shared-sum'] as const;

export type BuiltinTask = (typeof BUILTIN_TASKS)[number];

export { PRIME_COUNTS } from './primes.js';
export { builtinTasks } from './builtins.js';
