import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorAt } from './json-position.js';

const SEED = Number(process.env.FC_SEED ?? 42);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('jsonErrorAt', () => {
  it.each([
    ['{"a":}', 5, 1, 6],
    ['{"a":1', 6, 1, 7],
    ['{\n  "a": 1,\n  "b" 2\n}', 18, 3, 7],
    ['[1, 2,]', 6, 1, 7],
    ["{'a': 1}", 1, 1, 2],
    ['[tru]', 4, 1, 5],
    ['"abc', 4, 1, 5],
    ['"a\\x"', 2, 1, 3],
    ['"a\nb"', 2, 1, 3],
    ['[-]', 2, 1, 3],
    ['01', 1, 1, 2],
    ['{} {}', 3, 1, 4],
    ['', 0, 1, 1],
  ])('finds where %j goes wrong: position %i, line %i, column %i', (text, position, line, column) => {
    expect(parses(text)).toBe(false);
    expect(jsonErrorAt(text)).toMatchObject({ position, line, column });
  });

  it('says what it found there, and the end of the text at an early end', () => {
    expect(jsonErrorAt('[1 2]')).toMatchObject({ found: '"2"', expected: "',' or ']'" });
    expect(jsonErrorAt('{"a":[')).toMatchObject({ found: 'the end of the text', position: 6 });
  });

  it('finds nothing in valid JSON, nested deeply', () => {
    for (const text of ['0', ' -1.5e+3 ', '"\\u00e9\\n"', '{"a":[1,{"b":null}],"c":true}', `${'['.repeat(5000)}${']'.repeat(5000)}`]) {
      expect(parses(text)).toBe(true);
      expect(jsonErrorAt(text)).toBeUndefined();
    }
  });

  it('property: it finds an error exactly when JSON.parse refuses the text', () => {
    const near = fc.oneof(
      fc.json().map((j) => j),
      fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '\\')).map(([j, at, c]) => {
        const k = at % (j.length + 1);
        return j.slice(0, k) + c + j.slice(k + 1);
      }),
    );
    fc.assert(
      fc.property(near, (text) => {
        const at = jsonErrorAt(text);
        expect(at === undefined).toBe(parses(text));
        if (at) expect(at.position).toBeLessThanOrEqual(text.length);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
