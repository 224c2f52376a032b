/**
 * The dashboard's files, from a fixed allow-list built at start: the
 * regular files directly in the package's `dashboard/` folder (by name,
 * with a known type), and uPlot's two files from its package's dist. A
 * request names a key of that map or gets nothing: no path from a request
 * ever reaches the file system. The files are read once and kept (about
 * 200 KB in all), each with an ETag.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The package's dashboard folder (beside dist/ and src/). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));
/** Where the page imports uPlot from. */
export const VENDOR_PREFIX = '/dashboard/vendor/';

function load(path: string): StaticFile | undefined {
  const type = TYPES[extname(path)];
  if (!type) return undefined;
  const body = readFileSync(path);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function uplotDist(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('uplot/package.json')), 'dist');
}

export class StaticFiles {
  readonly #files: Map<string, StaticFile>;
  /** The page itself, served at `/` only; undefined when the dashboard folder is missing. */
  readonly page: StaticFile | undefined;

  private constructor(files: Map<string, StaticFile>, page: StaticFile | undefined) {
    this.#files = files;
    this.page = page;
  }

  /** Read the allow-listed files; a missing folder or uPlot leaves those out (the page says so). */
  static open(dir = DASHBOARD_DIR): StaticFiles {
    const files = new Map<string, StaticFile>();
    let page: StaticFile | undefined;
    for (const name of safeList(dir)) {
      const path = join(dir, name);
      if (!statSync(path).isFile()) continue;
      const file = load(path);
      if (!file) continue;
      if (name === 'index.html') page = file;
      else files.set(`/dashboard/${name}`, file);
    }
    try {
      const dist = uplotDist();
      for (const name of ['uPlot.esm.js', 'uPlot.min.css']) files.set(`${VENDOR_PREFIX}${name}`, load(join(dist, name))!);
    } catch {
      // uPlot not installed: the page shows its chart panel empty
    }
    return new StaticFiles(files, page);
  }

  /** The file for a request path, or undefined: only exact keys of the allow-list match. */
  get(path: string): StaticFile | undefined {
    return this.#files.get(path);
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name));
  } catch {
    return [];
  }
}
