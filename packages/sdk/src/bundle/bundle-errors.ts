/**
 * The errors `bundleTask` throws, all BUNDLE_BUILD_FAILED or BUNDLE_TOO_LARGE,
 * each with the evidence a user needs and never a stack dump from esbuild.
 */
import { CohortError, ErrorCode } from '@cohort/shared';
import type { Message } from 'esbuild';
import { BUILD_ERRORS_QUOTED, LARGEST_INPUTS_LISTED, BUNDLE_ENTRY_EXTENSIONS } from './bundle-options.js';

/** One module in a bundle, with the bytes it adds to the output. */
export interface BundleInput {
  /** Relative to the entry's directory, with `/` separators. */
  path: string;
  bytes: number;
}

export function fileNotFound(file: string): CohortError {
  return new CohortError(ErrorCode.BUNDLE_BUILD_FAILED, `file not found: ${file}`, { details: { file } });
}

export function notAFile(file: string): CohortError {
  return new CohortError(ErrorCode.BUNDLE_BUILD_FAILED, `not a file: ${file}`, { details: { file } });
}

export function unsupportedExtension(file: string): CohortError {
  return new CohortError(ErrorCode.BUNDLE_BUILD_FAILED, `a task file must end in ${BUNDLE_ENTRY_EXTENSIONS.join(', ')}: ${file}`, {
    details: { file },
  });
}

/** `file:line:column: text`, or just the text for a message without a location. */
export function formatMessage(message: Message): string {
  const at = message.location;
  return at ? `${at.file}:${at.line}:${at.column}: ${message.text}` : message.text;
}

function isBuildFailure(err: unknown): err is { errors: Message[] } {
  return typeof err === 'object' && err !== null && Array.isArray((err as { errors?: unknown }).errors);
}

/** BUNDLE_BUILD_FAILED from whatever esbuild threw: its first errors, with their locations. */
export function buildFailed(entry: string, err: unknown): CohortError {
  if (!isBuildFailure(err) || err.errors.length === 0) {
    const message = err instanceof Error ? err.message : String(err);
    return new CohortError(ErrorCode.BUNDLE_BUILD_FAILED, `could not bundle ${entry}: ${message}`, { details: { entry } });
  }
  const errors = err.errors.slice(0, BUILD_ERRORS_QUOTED).map(formatMessage);
  const more = err.errors.length > errors.length ? `\n  … and ${err.errors.length - errors.length} more` : '';
  return new CohortError(ErrorCode.BUNDLE_BUILD_FAILED, `could not bundle ${entry}:\n  ${errors.join('\n  ')}${more}`, {
    details: { entry, errors, errorCount: err.errors.length },
  });
}

/** `1.5 MB`, `12 KB`, `800 B` (binary multiples). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

/** BUNDLE_TOO_LARGE, with the size, the limit and the largest inputs (`inputs` is largest first). */
export function tooLarge(entry: string, size: number, maxBytes: number, inputs: BundleInput[]): CohortError {
  const largest = inputs.slice(0, LARGEST_INPUTS_LISTED);
  const list = largest.map((input) => `\n  ${formatBytes(input.bytes).padStart(9)}  ${input.path}`).join('');
  const message = `bundle of ${entry} is ${formatBytes(size)} (${size} bytes), over the limit of ${formatBytes(maxBytes)} (${maxBytes} bytes); its largest inputs:${list}`;
  return new CohortError(ErrorCode.BUNDLE_TOO_LARGE, message, { details: { entry, size, maxBytes, largest } });
}
