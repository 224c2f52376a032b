/**
 * A small file named by the operator (a token file, a PEM certificate or
 * key), read whole with a size cap: INVALID_OPTION naming what it is (the
 * flag and the path), never what it holds.
 */
import { readFileSync, statSync } from 'node:fs';
import { CohortError, ErrorCode } from '../errors.js';

/** The text of `path`, at most `maxBytes`; INVALID_OPTION `${what} cannot be read (…)` otherwise. */
export function readBoundedFile(path: string, maxBytes: number, what: string): string {
  let why: string;
  try {
    const info = statSync(path);
    if (!info.isFile()) why = 'not a file';
    else if (info.size > maxBytes) why = `larger than ${maxBytes} bytes`;
    else return readFileSync(path, 'utf8');
  } catch (err) {
    why = (err as NodeJS.ErrnoException).code ?? 'unknown error';
  }
  throw new CohortError(ErrorCode.INVALID_OPTION, `${what} cannot be read (${why})`);
}
