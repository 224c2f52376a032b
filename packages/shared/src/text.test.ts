import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPrintable, printable, printableLines } from './text.js';

const SEED = Number(process.env.FC_SEED ?? 42);

describe('printable', () => {
  it('escapes what can move the cursor, set the title or ring the bell', () => {
    expect(printable('\u001b[2J\u001b]0;pwned\u0007evil')).toBe('\\x1b[2J\\x1b]0;pwned\\x07evil');
    expect(printable('a\u009b31mb')).toBe('a\\x9b31mb');
    expect(printable('line\r\nfake: job succeeded')).toBe('line\\x0d\\x0afake: job succeeded');
    expect(printable('\u007f\u0000\t')).toBe('\\x7f\\x00\\x09');
    expect(printable('abc\u202edef\u2066\u2028')).toBe('abc\\u202edef\\u2066\\u2028');
  });

  it('keeps ordinary text, including non-ASCII letters and emoji', () => {
    for (const s of ['agent-1', 'héllo wörld', '日本語', 'a 🚀 b', 'x\\x1b literally']) expect(printable(s)).toBe(s);
  });

  it('stringifies a non-string', () => {
    expect(printable(undefined)).toBe('undefined');
    expect(printable(12)).toBe('12');
  });

  it('property: the output never holds a control character, and printable text is unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = printable(s);
        expect(isPrintable(out)).toBe(true);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control bytes
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(out)).toBe(false);
        if (isPrintable(s)) expect(out).toBe(s);
      }),
      { seed: SEED, numRuns: 500, verbose: true },
    );
  });
});

describe('printableLines', () => {
  it('keeps the lines of a message, escaped, each after the first indented', () => {
    expect(printableLines('partition 3 failed:\n  attempt 1 on a: TASK_ERROR boom\x1b[2J')).toBe(
      'partition 3 failed:\n    attempt 1 on a: TASK_ERROR boom\\x1b[2J',
    );
    expect(printableLines('one\r\nfake: job succeeded')).toBe('one\\x0d\n  fake: job succeeded');
    expect(printableLines('one line')).toBe('one line');
  });
});
