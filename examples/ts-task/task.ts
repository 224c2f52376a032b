/**
 * The birthday problem by simulation: in a room of `people`, how often do two
 * share a birthday? Each partition simulates its share of the `trials` with
 * its own stream of a seeded generator (pure-rand's xoroshiro128+, jumped once
 * per partition index), so a partition's result depends only on its input:
 * a retry, a speculative copy or a late duplicate computes the same counts.
 *
 *   cohort run ./examples/ts-task/task.ts --connect ws://127.0.0.1:7070 \
 *     --input '{"people":23,"trials":2000000}' --partitions 8
 */
import { badInput, defineTask } from '@cohort/sdk';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { DAYS_IN_YEAR, exactProbability, roomHasSharedBirthday } from './birthday.js';

interface Input {
  people: number;
  trials: number;
  seed?: number;
}

interface Part {
  people: number;
  trials: number;
  seed: number;
  /** Which stream of the generator this partition draws from. */
  stream: number;
}

interface Count {
  people: number;
  trials: number;
  shared: number;
}

export default defineTask({
  name: 'birthday',

  split(input: Input, n: number): Part[] {
    const { people, trials, seed = 42 } = input ?? ({} as Input);
    if (!Number.isInteger(people) || people < 1 || people > 10_000) throw badInput('birthday', 'people must be an integer from 1 to 10000');
    if (!Number.isInteger(trials) || trials < 1) throw badInput('birthday', 'trials must be a positive integer');
    if (!Number.isInteger(seed)) throw badInput('birthday', 'seed must be an integer');
    const parts = Math.min(n, trials);
    return Array.from({ length: parts }, (_, i) => ({
      people,
      seed,
      stream: i,
      trials: Math.floor((trials * (i + 1)) / parts) - Math.floor((trials * i) / parts),
    }));
  },

  run(part: Part): Count {
    const rng = xoroshiro128plus(part.seed);
    for (let i = 0; i < part.stream; i++) rng.jump();
    let shared = 0;
    for (let t = 0; t < part.trials; t++) if (roomHasSharedBirthday(rng, part.people)) shared++;
    return { people: part.people, trials: part.trials, shared };
  },

  merge(results: Count[]) {
    const trials = results.reduce((sum, r) => sum + r.trials, 0);
    const shared = results.reduce((sum, r) => sum + r.shared, 0);
    const people = results[0]?.people ?? 0;
    return { people, days: DAYS_IN_YEAR, trials, shared, estimate: shared / trials, exact: exactProbability(people) };
  },

  profile: { isolation: 'thread' },
});
