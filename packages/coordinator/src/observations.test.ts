import { describe, expect, it } from 'vitest';
import { type Observation, Observers } from './observations.js';

describe('Observers', () => {
  it('feeds every observer in order; one that throws is reported once, counted, and the others still run', () => {
    const reported: Array<[string, number]> = [];
    const observers = new Observers((err, i) => reported.push([(err as Error).message, i]));
    const seen: string[] = [];
    observers.add({ observe: (o) => seen.push(`a:${o.kind}`) });
    observers.add({
      observe: () => {
        throw new Error('bug');
      },
    });
    observers.add({ observe: (o) => seen.push(`c:${o.kind}`) });
    const o: Observation = { kind: 'ws-bytes', direction: 'in', bytes: 3 };
    observers.observe(o);
    observers.observe(o);
    expect(seen).toEqual(['a:ws-bytes', 'c:ws-bytes', 'a:ws-bytes', 'c:ws-bytes']);
    expect(reported).toEqual([['bug', 1]]);
    expect(observers.failures).toEqual([0, 2, 0]);
  });
});
