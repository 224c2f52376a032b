/**
 * `cohort run --shared @FILE` (the file's bytes, read as a Uint8Array:
 * kind bytes) and `--shared-json @FILE` (a JSON file, kind json: checked
 * here, parsed once per slot on the agent). Only the @FILE form: a shared
 * value is large by nature. A file larger than the coordinator's default
 * limit (1 GiB, --max-shared-bytes) is refused by its size before it is
 * read. Every refusal is INVALID_OPTION naming the flag and the file.
 */
import { open } from 'node:fs/promises';
import { CohortError, DEFAULT_MAX_SHARED_BYTES, ErrorCode, type SharedKind } from '@cohort/shared';
import { describeJsonError, jsonErrorAt } from './json-position.js';

/** A shared value read from its flag: its bytes and how the agents read them. */
export interface SharedFlagValue {
  kind: SharedKind;
  data: Uint8Array;
  /** The flag and file, for messages. */
  label: string;
}

function invalid(message: string, details?: Record<string, unknown>): CohortError {
  return new CohortError(ErrorCode.INVALID_OPTION, message, details ? { details } : {});
}

/** The value of `--shared` or `--shared-json` (at most one of them), or undefined when neither is given. */
export async function readSharedFlags(
  values: { shared?: string | undefined; 'shared-json'?: string | undefined },
  maxBytes = DEFAULT_MAX_SHARED_BYTES,
): Promise<SharedFlagValue | undefined> {
  const { shared, 'shared-json': json } = values;
  if (shared !== undefined && json !== undefined) throw invalid('--shared and --shared-json conflict: a job has one shared value');
  if (shared !== undefined) return { kind: 'bytes', data: await readFileFlag('--shared', shared, maxBytes), label: `--shared ${shared}` };
  if (json === undefined) return undefined;
  const label = `--shared-json ${json}`;
  return { kind: 'json', data: checkJson(await readFileFlag('--shared-json', json, maxBytes), label), label };
}

async function readFileFlag(flag: string, value: string, maxBytes: number): Promise<Buffer> {
  if (!value.startsWith('@') || value.length === 1) throw invalid(`${flag} takes @FILE: ${flag} @data.bin`);
  const file = value.slice(1);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw invalid(`file not found: ${file}`, { path: file });
    throw invalid(`${flag} ${value}: cannot open the file (${typeof code === 'string' ? code : 'error'})`, { path: file });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw invalid(`${flag} ${value} is not a regular file`, { path: file });
    if (info.size > maxBytes) throw invalid(`${flag} ${value} is ${info.size} bytes; the limit is ${maxBytes} bytes (--max-shared-bytes)`, { maxBytes });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** The JSON text's bytes (a leading byte-order mark dropped), or INVALID_OPTION naming where it goes wrong. */
function checkJson(bytes: Buffer, label: string): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(`${label} is not UTF-8 text`);
  }
  try {
    JSON.parse(text);
  } catch (err) {
    const at = jsonErrorAt(text);
    throw invalid(`${label} is not valid JSON: ${at ? describeJsonError(at) : (err as Error).message}`, at ? { line: at.line, column: at.column } : {});
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? Buffer.from(text, 'utf8') : bytes;
}
