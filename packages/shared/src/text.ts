/**
 * Text from a peer (an agent's name, a task name, an error message from the
 * coordinator) is escaped before it reaches a terminal: C0 and C1 control
 * characters (ESC, BEL, CSI 0x9b, newlines…), DEL, and the Unicode controls
 * that reorder or split lines become visible `\xNN` / `\uNNNN` escapes, so a
 * peer can neither move the cursor, set the title, clear the screen nor fake
 * a line of output.
 */

/** Everything `printable` escapes: C0, DEL, C1, line/paragraph separators, bidi embeddings, overrides and isolates. */
const UNSAFE_CHARS = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]';
const UNSAFE = new RegExp(UNSAFE_CHARS, 'g');
const HAS_UNSAFE = new RegExp(UNSAFE_CHARS);

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character escaped; a non-string is turned into a string first. */
export function printable(s: unknown): string {
  return String(s).replace(UNSAFE, escapeChar);
}

/**
 * A message of several lines (a job's PARTITION_FAILED names each attempt on
 * its own line) shown in full: each line escaped as by `printable`, and each
 * line after the first indented, so that none can pass for a line of the
 * CLI's own output.
 */
export function printableLines(s: unknown, indent = '  '): string {
  return String(s)
    .split('\n')
    .map((line, i) => (i === 0 ? '' : indent) + printable(line))
    .join('\n');
}

/** True if `s` holds nothing `printable` would escape. */
export function isPrintable(s: string): boolean {
  return !HAS_UNSAFE.test(s);
}

/** The longest peer-supplied field shown on one line (a name, a task, a message's first line), in characters. */
export const FIELD_CHARS = 160;

/** `s` printable, on one line (the first), and at most `max` characters; "…" marks what was cut. */
export function clip(s: unknown, max = FIELD_CHARS): string {
  const str = String(s ?? '');
  const nl = str.indexOf('\n');
  const first = nl === -1 ? str : str.slice(0, nl);
  const text = printable(first.length > max ? first.slice(0, max) : first);
  const cut = text.length > max ? text.slice(0, max) : text;
  return cut.length < text.length || first.length > max || nl !== -1 ? `${cut}…` : cut;
}
