/**
 * `cohort run --input`: the job's input as inline JSON (`--input '{"to":1e6}'`),
 * a JSON file (`--input @data.json`), or standard input read to its end
 * (`--input -`). Inline JSON is bounded by the shell's argument limit; a file
 * or stdin may be as large as the coordinator's request body limit. A larger
 * regular file is refused by its size before it is read, and a stream as
 * soon as it passes the limit. Every refusal is INVALID_OPTION naming the
 * file (or stdin) and, for bad JSON, the line, column and position.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { CohortError, ErrorCode } from '@cohort/shared';
import { DEFAULT_MAX_BODY_BYTES } from '@cohort/shared';
import { describeJsonError, jsonErrorAt } from './json-position.js';

/** The largest input a file or stdin may hold: the coordinator's default request body limit (`--max-body-bytes`). */
export const DEFAULT_MAX_INPUT_BYTES = DEFAULT_MAX_BODY_BYTES;

export interface InputFlagOptions {
  /** A file or stream larger than this is refused; default DEFAULT_MAX_INPUT_BYTES. */
  maxBytes?: number;
  /** What `--input -` reads; default process.stdin. */
  stdin?: AsyncIterable<Uint8Array | string>;
}

/** The parsed value of `--input VALUE`, or undefined when the flag is absent. */
export async function readInputFlag(value: string | undefined, options: InputFlagOptions = {}): Promise<unknown> {
  if (value === undefined) return undefined;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES;
  if (value === '-') {
    const label = '--input - (stdin)';
    return parseJson(decode(await readStream(options.stdin ?? process.stdin, label, maxBytes), label), label);
  }
  if (value.startsWith('@')) {
    const file = value.slice(1);
    const label = `--input @${file}`;
    return parseJson(decode(await readInputFile(file, label, maxBytes), label), label);
  }
  return parseJson(value, '--input', value);
}

function invalid(message: string, details?: Record<string, unknown>): CohortError {
  return new CohortError(ErrorCode.INVALID_OPTION, message, details ? { details } : {});
}

function tooLarge(label: string, size: string, maxBytes: number): CohortError {
  return invalid(`${label} is ${size}; the limit is ${maxBytes} bytes (the coordinator's request body limit, --max-body-bytes)`, { maxBytes });
}

/** A regular file, refused by its size before it is read; a pipe or device (`@/dev/stdin`, `@<(cmd)`) is read as a stream. */
async function readInputFile(file: string, label: string, maxBytes: number): Promise<Buffer> {
  if (file === '') throw invalid('--input @ needs a file name after the @: --input @data.json');
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw invalid(`file not found: ${file}`, { path: file });
    throw invalid(`${label}: cannot open the file (${typeof code === 'string' ? code : 'error'})`, { path: file });
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw invalid(`${label} is a directory, not a JSON file`, { path: file });
    if (!info.isFile()) return await readStream(handle.createReadStream({ autoClose: false }), label, maxBytes);
    if (info.size > maxBytes) throw tooLarge(label, `${info.size} bytes`, maxBytes);
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw tooLarge(label, `${bytes.length} bytes`, maxBytes);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Read a stream to its end, stopping as soon as it passes `maxBytes`. */
async function readStream(stream: AsyncIterable<Uint8Array | string>, label: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Leaving the loop early (the throw) ends the stream's iterator, which destroys a Readable.
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    bytes += buffer.length;
    if (bytes > maxBytes) throw tooLarge(label, `more than ${maxBytes} bytes`, maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, bytes);
}

/** UTF-8 text (a leading byte-order mark is dropped); INVALID_OPTION for bytes that are not UTF-8. */
function decode(bytes: Buffer, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(`${label} is not UTF-8 text`);
  }
}

/** JSON.parse, or INVALID_OPTION naming where the text goes wrong. */
function parseJson(text: string, label: string, shown?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = jsonErrorAt(text);
    const why = at ? describeJsonError(at) : (err as Error).message;
    const got = shown === undefined ? '' : `; got ${JSON.stringify(shown.length > 200 ? `${shown.slice(0, 200)}…` : shown)}`;
    const where = at ? { line: at.line, column: at.column, position: at.position } : {};
    throw invalid(`${label} is not valid JSON: ${why}${got}`, where);
  }
}
