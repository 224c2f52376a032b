// Panel 3: the jobs, running and queued first. A click opens the job view;
// Cancel asks once more, then sends DELETE /api/jobs/:id (same origin, the
// session cookie: the coordinator checks the Origin).
import { el, setClass, setText, syncRows } from './dom.js';
import { duration, int, rate, shortId } from './format.js';
import { createProgress, progressLegend, updateProgress } from './progress.js';

const CANCELLABLE = new Set(['queued', 'running']);
const CONFIRM_MS = 3000;

async function cancelJob(jobId) {
  const res = await fetch(`/api/jobs/${encodeURIComponent(jobId)}`, { method: 'DELETE', credentials: 'same-origin' });
  if (res.ok) return null;
  try {
    const body = await res.json();
    return body?.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

function cancelButton(getJob) {
  const button = el('button', { type: 'button', className: 'btn btn-danger', textContent: 'Cancel' });
  let armed = null;
  button.addEventListener('click', async (event) => {
    event.stopPropagation();
    const job = getJob();
    if (!armed) {
      button.textContent = 'Confirm';
      button.classList.add('armed');
      armed = setTimeout(() => {
        armed = null;
        button.textContent = 'Cancel';
        button.classList.remove('armed');
      }, CONFIRM_MS);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.disabled = true;
    button.textContent = 'Cancelling';
    const error = await cancelJob(job.jobId);
    button.classList.remove('armed');
    button.title = error ?? '';
    button.textContent = error ? 'Failed' : 'Cancelled';
  });
  return button;
}

function createRow(onSelect) {
  let current = null;
  const c = {
    badge: el('span', { className: 'badge' }),
    id: el('td', { className: 'mono' }),
    task: el('td'),
    progress: createProgress(),
    done: el('td', { className: 'num' }),
    rate: el('td', { className: 'num' }),
    eta: el('td', { className: 'num' }),
    elapsed: el('td', { className: 'num' }),
    action: el('td', { className: 'action' }),
  };
  c.cancel = cancelButton(() => current);
  const row = el(
    'tr',
    { className: 'clickable' },
    el('td', {}, c.badge),
    c.id,
    c.task,
    el('td', { className: 'col-progress' }, c.progress.node),
    c.done,
    c.rate,
    c.eta,
    c.elapsed,
    c.action,
  );
  row.addEventListener('click', () => current && onSelect(current.jobId));
  const update = (job, ctx) => {
    current = job;
    row.dataset.job = job.jobId;
    row.dataset.status = job.status;
    setClass(row, `clickable${ctx.selected === job.jobId ? ' selected' : ''}`);
    setText(c.badge, job.status);
    setClass(c.badge, `badge status-${job.status}`);
    setText(c.id, shortId(job.jobId));
    c.id.title = job.jobId;
    setText(c.task, job.task);
    updateProgress(c.progress, job);
    const failed = job.failed > 0 ? ` · ${int(job.failed)} failed` : '';
    setText(c.done, `${int(job.done)} / ${int(job.partitions)}${failed}`);
    setText(c.rate, job.status === 'running' ? rate(job.rate) : '—');
    setText(c.eta, job.status === 'running' ? duration(job.etaMs) : '—');
    setText(c.elapsed, duration(job.elapsedMs));
    const cancellable = CANCELLABLE.has(job.status);
    if (cancellable && !c.cancel.isConnected) c.action.append(c.cancel);
    if (!cancellable && c.cancel.isConnected && !c.cancel.disabled) c.cancel.remove();
    if (job.error) row.title = `${job.error.code}: ${job.error.message}`;
  };
  return { row, update };
}

export function jobsPanel({ table, empty, note, legendNode, onSelect }) {
  const tbody = table.tBodies[0];
  progressLegend(legendNode);
  const create = () => createRow(onSelect);
  return (jobs, selected) => {
    const n = syncRows(tbody, jobs, (j) => j.jobId, create, { selected });
    empty.hidden = n > 0;
    const running = jobs.filter((j) => j.status === 'running').length;
    setText(note, `${running} running · ${jobs.length} shown`);
  };
}
