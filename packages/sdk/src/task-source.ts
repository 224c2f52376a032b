/**
 * What a task argument names. A path (`./task.ts`, `../x.mjs`, `/abs/t.js`,
 * a `file:` URL, or any name ending in .ts/.mts/.js/.mjs that is a file here)
 * is a module to bundle, name by hash and upload once; anything else (a
 * built-in name, a `sha256:` ref, a module name in the coordinator's
 * --tasks-dir) goes to the coordinator as it is.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBundleRef } from '@cohort/shared';
import type { ApiClient } from './api-client.js';
// Static: a dynamic import() would be followed by a bundler even when unused, and put the whole client into every task bundle.
// bundleTask itself loads esbuild only when it runs.
import { bundleTask } from './bundler.js';

const MODULE_EXTENSION = /\.(?:m?ts|m?js)$/;

/** The file a task argument names, or undefined when it names no local file. */
export function taskFile(task: string, cwd = process.cwd()): string | undefined {
  if (isBundleRef(task)) return undefined;
  if (task.startsWith('file:')) return fileURLToPath(task);
  const explicit = task.startsWith('./') || task.startsWith('../') || path.isAbsolute(task);
  if (explicit) return path.resolve(cwd, task);
  const local = path.resolve(cwd, task);
  return MODULE_EXTENSION.test(task) && existsSync(local) ? local : undefined;
}

/** What `shipTask` did with a task argument. */
export interface ShippedTask {
  /** The name to submit. */
  ref: string;
  /** The module that was bundled, when the argument named one. */
  file?: string;
  /** The bundle's size, bytes. */
  bytes?: number;
  /** True when this call uploaded it; false when the coordinator already had it. */
  uploaded?: boolean;
  /** Time to bundle, and to upload, ms. */
  bundleMs?: number;
  uploadMs?: number;
}

/**
 * The task name to submit: a local module is bundled and uploaded (unless
 * the coordinator has it, or `uploaded` says this client gave it already),
 * and named `sha256:<hash>`; any other name is returned as it is.
 */
export async function shipTask(
  task: string,
  api: ApiClient,
  options: { maxBundleBytes?: number; cwd?: string; uploaded?: Set<string> } = {},
): Promise<ShippedTask> {
  const file = taskFile(task, options.cwd);
  if (file === undefined) return { ref: task };
  const started = performance.now();
  const bundle = await bundleTask(file, { ...(options.maxBundleBytes !== undefined && { maxBytes: options.maxBundleBytes }) });
  const bundled = performance.now();
  const known = options.uploaded?.has(bundle.hash) || (await api.bundleSize(bundle.hash)) !== undefined;
  if (!known) await api.uploadBundle(bundle.hash, bundle.bytes);
  options.uploaded?.add(bundle.hash);
  const bundleMs = Math.round(bundled - started);
  return { ref: bundle.ref, file, bytes: bundle.size, uploaded: !known, bundleMs, uploadMs: Math.round(performance.now() - bundled) };
}
