/**
 * Options of `bundleTask`: the user's options, then `bundleOptionsWithDefaults`.
 */
import { DEFAULT_MAX_BUNDLE_BYTES, checkInt } from '@cohort/shared';

export interface BundleOptions {
  /** A bundle larger than this is refused before any upload (BUNDLE_TOO_LARGE). Default DEFAULT_MAX_BUNDLE_BYTES (50 MiB). */
  maxBytes?: number;
  /** The directory a relative entry path is resolved against. Default `process.cwd()`. */
  cwd?: string;
}

export interface ResolvedBundleOptions {
  maxBytes: number;
  cwd: string;
}

/** The entry file extensions `bundleTask` accepts. */
export const BUNDLE_ENTRY_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** How many of the largest inputs a BUNDLE_TOO_LARGE error lists. */
export const LARGEST_INPUTS_LISTED = 5;

/** How many of esbuild's errors a BUNDLE_BUILD_FAILED message quotes. */
export const BUILD_ERRORS_QUOTED = 5;

export function bundleOptionsWithDefaults(options: BundleOptions = {}): ResolvedBundleOptions {
  return {
    maxBytes: checkInt('maxBytes', options.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES, 1),
    cwd: options.cwd ?? process.cwd(),
  };
}
