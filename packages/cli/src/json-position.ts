/**
 * Where JSON text first goes wrong, named the same way on every Node
 * version: V8's own JSON.parse messages differ between versions, and some
 * quote the text instead of giving a position. Called only after JSON.parse
 * has refused the text; one pass, no recursion, no regular expression over
 * a long string.
 */

export interface JsonErrorAt {
  /** Index (UTF-16 code units) of the first character that cannot be there; the text's length at an early end. */
  position: number;
  /** 1-based line and column of `position`. */
  line: number;
  column: number;
  /** What JSON expected there: "a value", "',' or '}'"… */
  expected: string;
  /** The character found there, JSON-quoted, or "the end of the text". */
  found: string;
}

type Expect = 'value' | 'value-or-]' | 'key' | 'key-or-}' | ':' | ',-or-close' | 'end';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ['true', 'false', 'null'];
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** The first error in `text`, or undefined if the scan finds none (JSON.parse refused it for another reason). */
export function jsonErrorAt(text: string): JsonErrorAt | undefined {
  const stack: Array<'[' | '{'> = [];
  let expect: Expect = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i++;
    const c = text[i];
    const close = stack.at(-1) === '[' ? ']' : '}';
    const after = (): Expect => (stack.length > 0 ? ',-or-close' : 'end');
    if ((expect === 'value-or-]' && c === ']') || (expect === 'key-or-}' && c === '}') || (expect === ',-or-close' && c === close)) {
      stack.pop();
      i++;
      expect = after();
    } else if (expect === 'value' || expect === 'value-or-]') {
      if (c === '[' || c === '{') {
        stack.push(c);
        i++;
        expect = c === '[' ? 'value-or-]' : 'key-or-}';
        continue;
      }
      const end = valueEnd(text, i);
      if (typeof end !== 'number') return at(text, end.position, end.expected);
      i = end;
      expect = after();
    } else if (expect === 'key' || expect === 'key-or-}') {
      const expected = expect === 'key' ? 'a property name in double quotes' : "a property name in double quotes or '}'";
      const end = c === '"' ? stringEnd(text, i) : { position: i, expected };
      if (typeof end !== 'number') return at(text, end.position, end.expected);
      i = end;
      expect = ':';
    } else if (expect === ':') {
      if (c !== ':') return at(text, i, "':'");
      i++;
      expect = 'value';
    } else if (expect === ',-or-close') {
      if (c !== ',') return at(text, i, `',' or '${close}'`);
      i++;
      expect = close === ']' ? 'value' : 'key';
    } else {
      return i < text.length ? at(text, i, 'the end of the text') : undefined;
    }
  }
}

type Failure = { position: number; expected: string };

/** The index after a string, number or literal starting at `i`. */
function valueEnd(text: string, i: number): number | Failure {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match) return i + match[0].length;
    return { position: i + 1, expected: 'a digit' };
  }
  for (const literal of LITERALS) {
    if (c !== literal[0]) continue;
    for (let k = 1; k < literal.length; k++) if (text[i + k] !== literal[k]) return { position: i + k, expected: `${JSON.stringify(literal)}` };
    return i + literal.length;
  }
  return { position: i, expected: 'a value' };
}

/** The index after the string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number | Failure {
  for (let k = i + 1; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if (code === 0x22) return k + 1;
    if (code < 0x20) return { position: k, expected: 'a control character escaped inside a string (\\n, \\t, \\u0000…)' };
    if (code !== 0x5c) continue;
    const e = text[k + 1];
    if (e === 'u') {
      if (!HEX4.test(text.slice(k + 2, k + 6))) return { position: k, expected: 'a \\u escape with 4 hex digits' };
      k += 5;
    } else if (e !== undefined && ESCAPES.has(e)) {
      k++;
    } else {
      return { position: k, expected: 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)' };
    }
  }
  return { position: text.length, expected: "a closing '\"'" };
}

function at(text: string, position: number, expected: string): JsonErrorAt {
  let line = 1;
  let lineStart = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < position; k = text.indexOf('\n', k + 1)) {
    line++;
    lineStart = k + 1;
  }
  const found = position < text.length ? JSON.stringify(String.fromCodePoint(text.codePointAt(position) as number)) : 'the end of the text';
  return { position, line, column: position - lineStart + 1, expected, found };
}

/** "expected ':' but found "x" at line 2, column 7 (position 12)" */
export function describeJsonError(e: JsonErrorAt): string {
  return `expected ${e.expected} but found ${e.found} at line ${e.line}, column ${e.column} (position ${e.position})`;
}
