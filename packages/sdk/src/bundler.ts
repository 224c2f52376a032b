/**
 * The task bundler: `bundleTask(file)` turns a task module and its imports
 * into one ES module named by its SHA-256, ready to upload.
 */
export { bundleTask, BUNDLE_BANNER, type TaskBundle } from './bundle/bundle-task.js';
export { type BundleOptions, BUNDLE_ENTRY_EXTENSIONS } from './bundle/bundle-options.js';
export type { BundleInput } from './bundle/bundle-errors.js';
