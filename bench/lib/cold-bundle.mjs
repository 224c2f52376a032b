/**
 * `node cold-bundle.mjs FILE`: bundle FILE in a fresh process, as `cohort run
 * ./task.mjs` does: import the SDK, then one bundleTask (which loads esbuild
 * and starts its service). Prints one JSON line {importMs, bundleMs, bytes, hash}.
 */
const t0 = performance.now();
const { bundleTask } = await import('@cohort/sdk');
const t1 = performance.now();
const bundle = await bundleTask(process.argv[2]);
const t2 = performance.now();
process.stdout.write(`${JSON.stringify({ importMs: t1 - t0, bundleMs: t2 - t1, bytes: bundle.size, hash: bundle.hash })}\n`);
