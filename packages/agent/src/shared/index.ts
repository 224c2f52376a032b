/** Jobs' shared values on the agent: the store (fetch, refcount, release), the files process slots read, and the work that waits. */
export { SHARED_FETCH, SharedStore, type SharedBytes, type SharedStoreOptions } from './shared-store.js';
export { SharedFiles } from './shared-file.js';
export { SharedWork, type SharedWorkDeps } from './shared-work.js';
