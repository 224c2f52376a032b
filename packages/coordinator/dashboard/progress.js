// A job's progress bar: partitions by where they are (done, failed,
// running, assigned but not started, waiting), and under it a thin line for
// what was retried and what ran speculatively (counts of events, not of
// partitions). Shared by the jobs list and the job view.
import { el, legend } from './dom.js';
import { int } from './format.js';
import { PROGRESS } from './colors.js';

const PARTS = ['done', 'failed', 'running', 'assigned', 'waiting'];
const EXTRA = ['retried', 'speculative'];
export const PROGRESS_LABEL = {
  done: 'done',
  failed: 'failed',
  running: 'running',
  assigned: 'assigned (not started)',
  waiting: 'waiting',
  retried: 'retried',
  speculative: 'speculative',
};

export function createProgress() {
  const segs = Object.fromEntries(PARTS.map((k) => [k, el('span', { className: `seg seg-${k}`, dataset: { part: k } })]));
  const extras = Object.fromEntries(EXTRA.map((k) => [k, el('span', { className: `seg seg-${k}`, dataset: { part: k } })]));
  const node = el(
    'div',
    { className: 'progress' },
    el('div', { className: 'progress-main' }, ...Object.values(segs)),
    el('div', { className: 'progress-extra' }, ...Object.values(extras)),
  );
  return { node, segs, extras };
}

const pct = (n, total) => `${total > 0 ? Math.min(100, (100 * n) / total) : 0}%`;

export function updateProgress(bar, job) {
  const total = job.partitions;
  for (const k of PARTS) bar.segs[k].style.width = pct(job[k] ?? 0, total);
  for (const k of EXTRA) bar.extras[k].style.width = pct(job[k] ?? 0, total);
  bar.node.dataset.done = String(job.done);
  bar.node.title = [...PARTS, ...EXTRA].map((k) => `${PROGRESS_LABEL[k]}: ${int(job[k] ?? 0)}`).join('\n');
}

export function progressLegend(node) {
  legend(
    node,
    [...PARTS, ...EXTRA].map((k) => [PROGRESS_LABEL[k], PROGRESS[k]]),
  );
}
