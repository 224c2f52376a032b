/**
 * `bundleTask`: a task module and everything it imports, bundled by esbuild
 * into one ES module and named by the SHA-256 of its bytes.
 *
 * The bytes depend on the source alone, not on where it sits: the build runs
 * in the entry's directory and every path esbuild writes into the output (the
 * `// lib.ts` comments, the keys of CommonJS wrappers) is relative to it. No
 * source map: the output is not minified and keeps those per-file comments,
 * so a stack trace into it reads back by eye; an inline map would roughly
 * double the bytes every agent fetches and hashes, and it would be used only
 * by processes run with --enable-source-maps.
 *
 * esbuild is imported on the first call, so a program that only connects
 * never loads it.
 */
import { stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { bundleRef, sha256Hex } from '@cohort/shared';
import type { BuildOptions, Metafile } from 'esbuild';
import { type BundleOptions, BUNDLE_ENTRY_EXTENSIONS, bundleOptionsWithDefaults } from './bundle-options.js';
import { type BundleInput, buildFailed, fileNotFound, notAFile, tooLarge, unsupportedExtension } from './bundle-errors.js';
import { nativeAddonsPlugin } from './native-addons.js';

export interface TaskBundle {
  /** Lowercase hex SHA-256 of `bytes`. */
  hash: string;
  /** `sha256:<hash>`: the task name a job is submitted with. */
  ref: string;
  /** The bundle: one ES module. */
  bytes: Uint8Array;
  size: number;
  /** The entry file, absolute. */
  entry: string;
  /** Every module in the bundle with the bytes it adds to it, largest first. */
  inputs: BundleInput[];
}

/**
 * Prepended to the bundle. CommonJS dependencies call `require` (esbuild's
 * shim forwards to a `require` in scope) and read `__dirname` / `__filename`
 * (replaced by the `define`s below); an ES module has none of the three.
 * esbuild renames any top-level `require` of the task's own, so this one
 * cannot clash, and the rest carry a `__cohort` prefix.
 *
 * The `require` loads Node's built-ins and nothing else. Everything else the
 * task needs is inside the bundle; a require that esbuild left for run time
 * (an optional dependency in a `try`, a computed name) would otherwise be
 * resolved from whatever node_modules sits near the agent's cache, and the
 * same hash could run different code on different machines. It throws
 * MODULE_NOT_FOUND instead, as it did on the client where it was not found.
 */
export const BUNDLE_BANNER = [
  "import { createRequire as __cohortCreateRequire, isBuiltin as __cohortIsBuiltin } from 'node:module';",
  "import { fileURLToPath as __cohortFileURLToPath } from 'node:url';",
  "import { dirname as __cohortDirnameOf } from 'node:path';",
  'const __cohortRequireBuiltin = __cohortCreateRequire(import.meta.url);',
  'const __cohortNotBundled = (id) => Object.assign(new Error("Cannot find module " + JSON.stringify(String(id)) + ": it is not in the task bundle, and a bundle loads nothing but itself and Node built-ins"), { code: "MODULE_NOT_FOUND" });',
  'const require = Object.assign((id) => { if (__cohortIsBuiltin(String(id))) return __cohortRequireBuiltin(id); throw __cohortNotBundled(id); }, { resolve: (id) => { if (__cohortIsBuiltin(String(id))) return String(id); throw __cohortNotBundled(id); }, cache: Object.create(null) });',
  'const __cohortFilename = __cohortFileURLToPath(import.meta.url);',
  'const __cohortDirname = __cohortDirnameOf(__cohortFilename);',
].join('\n');

function buildOptions(entry: string): BuildOptions & { write: false; metafile: true } {
  const workDir = dirname(entry);
  return {
    entryPoints: [entry],
    absWorkingDir: workDir,
    bundle: true,
    format: 'esm',
    platform: 'node', // Node built-ins (`fs`, `node:fs`) stay external
    target: 'node20.19',
    write: false,
    metafile: true,
    legalComments: 'none',
    sourcemap: false,
    minify: false,
    logLevel: 'silent',
    banner: { js: BUNDLE_BANNER },
    define: { __dirname: '__cohortDirname', __filename: '__cohortFilename' },
    plugins: [nativeAddonsPlugin(workDir)],
  };
}

async function checkEntry(file: string): Promise<void> {
  if (!(BUNDLE_ENTRY_EXTENSIONS as readonly string[]).includes(extname(file))) throw unsupportedExtension(file);
  const stats = await stat(file).catch(() => undefined);
  if (!stats) throw fileNotFound(file);
  if (!stats.isFile()) throw notAFile(file);
}

/** The bundle's inputs with their bytes in the output, largest first (then by path, for a stable order). */
export function inputsOf(metafile: Metafile): BundleInput[] {
  const output = Object.values(metafile.outputs)[0];
  const inputs = Object.entries(output?.inputs ?? {}).map(([path, input]) => ({ path, bytes: input.bytesInOutput }));
  return inputs.sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Bundle the task module at `file` (relative to `options.cwd`, or absolute).
 * Throws BUNDLE_BUILD_FAILED (a missing file, a build error, a native addon)
 * or BUNDLE_TOO_LARGE (over `options.maxBytes`, with the largest inputs).
 */
export async function bundleTask(file: string, options: BundleOptions = {}): Promise<TaskBundle> {
  const { maxBytes, cwd } = bundleOptionsWithDefaults(options);
  const entry = resolve(cwd, file);
  await checkEntry(entry);
  const esbuild = await import('esbuild');
  const result = await esbuild.build(buildOptions(entry)).catch((err: unknown) => {
    throw buildFailed(entry, err);
  });
  const [output] = result.outputFiles;
  if (!output || result.outputFiles.length !== 1) throw buildFailed(entry, new Error(`esbuild wrote ${result.outputFiles.length} files, not one`));
  const bytes = output.contents;
  const inputs = inputsOf(result.metafile);
  if (bytes.byteLength > maxBytes) throw tooLarge(entry, bytes.byteLength, maxBytes, inputs);
  const hash = sha256Hex(bytes);
  return { hash, ref: bundleRef(hash), bytes, size: bytes.byteLength, entry, inputs };
}
