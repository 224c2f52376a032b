/** Task bundles on the agent: the fetch machine, the on-disk cache, and the work that waits for them. */
export { BundleFetch, type FetchCommand, type FetchLimits, type FetchState } from './fetch-machine.js';
export { BundleCache, FETCH_SILENCE_MS, FETCH_WINDOW, TOUCH_EVERY_MS, type BundleCacheOptions } from './bundle-cache.js';
export { BundleWork, DEFAULT_MAX_HELD_ITEMS, type BundleWorkDeps } from './bundle-work.js';
