/**
 * Count the words in the files of a directory on a Cohort cluster and print
 * the ten most frequent. This program reads the files and sends their text
 * as the job's input (the task runs on other machines, which cannot read
 * them); the task splits by file and its merge sums the counts.
 *
 *   COHORT_URL=ws://127.0.0.1:7070 COHORT_TOKEN=… node examples/word-count/main.mjs DIR [.md,.txt]
 *
 * The optional second argument keeps only the files with those extensions.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CohortError, connect } from '@cohort/sdk';

/** The job's input travels in one HTTP request: the coordinator's body limit (--max-body-bytes) is 64 MiB by default. */
const MAX_INPUT_BYTES = 60 * 1024 * 1024;
const MAX_PARTITIONS = 16;

/** The UTF-8 text files under `root` (recursively; skipping dot directories and node_modules), as {name, text}. */
async function readTextFiles(root, extensions) {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const files = [];
  for (const name of (await readdir(root, { recursive: true })).sort()) {
    if (name.split(path.sep).some((part) => part.startsWith('.') || part === 'node_modules')) continue;
    if (extensions && !extensions.includes(path.extname(name))) continue;
    const full = path.join(root, name);
    if (!(await stat(full)).isFile()) continue;
    let text;
    try {
      text = decoder.decode(await readFile(full));
    } catch {
      continue; // not UTF-8 text
    }
    if (!text.includes('\0')) files.push({ name, text });
  }
  return files;
}

const [dir, only] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node main.mjs DIR [.md,.txt]');
  process.exit(2);
}
const files = await readTextFiles(dir, only?.split(','));
const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.text), 0);
if (files.length === 0) {
  console.error(`no text files under ${dir}`);
  process.exit(1);
}
if (bytes > MAX_INPUT_BYTES) {
  console.error(`${bytes} bytes of text is over what one job input may carry (${MAX_INPUT_BYTES}); count a smaller directory`);
  process.exit(1);
}

const cluster = await connect(process.env.COHORT_URL ?? 'ws://127.0.0.1:7070', { token: process.env.COHORT_TOKEN });
try {
  const task = fileURLToPath(new URL('./task.ts', import.meta.url));
  const job = await cluster.submit(task, { files }, { partitions: Math.min(MAX_PARTITIONS, files.length) });
  const result = await job.result();
  console.log(`${result.words} words (${result.distinct} distinct) in ${result.files} files under ${dir}, job ${job.id}`);
  for (const [i, [word, count]] of result.top.entries()) console.log(`${String(i + 1).padStart(3)}. ${word.padEnd(24)} ${count}`);
} catch (err) {
  if (!(err instanceof CohortError)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 1;
} finally {
  await cluster.close();
}
