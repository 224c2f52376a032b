/** A token file read whole (see parseTokenLines in token-set.ts): INVALID_OPTION naming the path, never a token. */
import { MAX_TOKEN_FILE_BYTES, parseTokenLines } from '../token-set.js';
import { readBoundedFile } from './bounded-file.js';

/** Read a token file; INVALID_OPTION when it cannot be read, is too large, or holds no token. */
export function readTokenFile(path: string): string[] {
  const source = `token file ${JSON.stringify(path)}`;
  return parseTokenLines(readBoundedFile(path, MAX_TOKEN_FILE_BYTES, source), source);
}
