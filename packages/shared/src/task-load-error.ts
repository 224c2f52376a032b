/**
 * Name why a trusted task module failed to load, without echoing what the
 * file holds. A load error's own message may quote the source (Node's
 * SyntaxError for a non-JS file quotes its first token; a ReferenceError
 * names an identifier from it), so the message we build carries only the
 * error's class and a line number: "SyntaxError at line 3".
 *
 * Node 20 does not put the location of an ES module's syntax error in the
 * error (only in a private symbol it prints when the error is fatal), so the
 * line is found by compiling the same source again as a script, with the
 * module-only syntax blanked out (never run). When that does not find it,
 * the line is reported as unknown.
 */
import vm from 'node:vm';

/**
 * "SyntaxError at line 3", "ReferenceError at line 1", or the class alone
 * when the line is unknown. A source that does not compile is a SyntaxError
 * whatever the loader threw (a bundler's transform names it otherwise).
 */
export function describeLoadError(err: unknown, source: string | undefined, url: string): string {
  const syntaxLine = source === undefined ? undefined : syntaxErrorLine(source);
  if (syntaxLine !== undefined) return `SyntaxError at line ${syntaxLine}`;
  const name = errorClass(err);
  const line = thrownAtLine(err, url);
  return line === undefined ? `${name} (line unknown)` : `${name} at line ${line}`;
}

function errorClass(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  return /^[A-Za-z][A-Za-z0-9]{0,40}$/.test(name) ? name : 'Error';
}

/** The line of the module's own top-level frame in the stack (a throw while the module was evaluated). */
export function thrownAtLine(err: unknown, url: string): number | undefined {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  const bare = url.replace(/\?.*$/, '');
  const path = bare.startsWith('file://') ? decodeURIComponent(new URL(bare).pathname) : bare;
  for (const frame of stack.split('\n').slice(1, 50)) {
    for (const prefix of [bare, path]) {
      const at = frame.indexOf(prefix);
      if (at < 0) continue;
      const match = /^(?:\?[^\s:)]*)?:(\d{1,9}):\d{1,9}/.exec(frame.slice(at + prefix.length));
      if (match) return Number(match[1]);
    }
  }
  return undefined;
}

/** Blank (keep newlines, so lines keep their numbers) every character of `text`. */
function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

/**
 * Module syntax a script cannot parse, blanked or rewritten in place: static
 * imports and re-exports, `export` keywords, `import.meta`, a hashbang.
 * Top-level await parses because the whole is wrapped in an async function.
 */
function asScript(source: string): string {
  return source
    .replace(/^#![^\n]*/, blank)
    .replace(/^[ \t]*import\s*(?:[\w*${}\s,]+?\s*from\s*)?(['"])[^'"\n]*\1[ \t]*;?/gm, blank)
    .replace(/^[ \t]*export\s*(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])[^'"\n]*\1[ \t]*;?/gm, blank)
    .replace(/^[ \t]*export\s*\{[^}]*\}[ \t]*;?/gm, blank)
    .replace(/\bexport[ \t]+default[ \t]/g, (m) => `void${' '.repeat(m.length - 4)}`)
    .replace(/\bexport([ \t]+(?:const|let|var|function|class|async)\b)/g, (_m, rest: string) => `      ${rest}`)
    .replace(/\bimport\.meta\b/g, '__cohort_m_');
}

/** The line of the first syntax error in an ES module's source, when a script compile can point at it. */
export function syntaxErrorLine(source: string): number | undefined {
  try {
    // Never run: a vm.Script is only compiled here.
    new vm.Script(`(async function(){'use strict';${asScript(source)}\n})`, { filename: 'cohort-task' });
  } catch (err) {
    const match = /^cohort-task:(\d{1,9})/.exec(err instanceof Error && typeof err.stack === 'string' ? err.stack : '');
    if (match) return Number(match[1]);
  }
  return undefined;
}
