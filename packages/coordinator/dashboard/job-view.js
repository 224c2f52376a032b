// The job view: the partition grid (aggregated into blocks by the server
// for large jobs) and the per-agent shares, fetched every second while open.
import { el, fitCanvas, legend, setText, syncRows } from './dom.js';
import { duration, int, rate } from './format.js';
import { PROGRESS } from './colors.js';

const POLL_MS = 1000;
const GRID_HEIGHT = 160;
const STACK = ['done', 'running', 'assigned', 'failed'];

/** One block as a small stacked column: done from the bottom, then running, assigned, failed; the rest is waiting. */
function drawBlock(ctx, x, y, size, block, count) {
  ctx.fillStyle = PROGRESS.waiting;
  ctx.fillRect(x, y, size, size);
  let bottom = y + size;
  for (const key of STACK) {
    const n = block[key] ?? 0;
    if (n <= 0) continue;
    const h = Math.max(1, Math.round((size * n) / Math.max(1, count)));
    ctx.fillStyle = PROGRESS[key];
    ctx.fillRect(x, bottom - h, size, h);
    bottom -= h;
  }
}

function drawGrid(canvas, detail) {
  const { ctx, width, height } = fitCanvas(canvas, GRID_HEIGHT);
  const { blocks, blockSize } = detail.grid;
  if (blocks.length === 0) return;
  const side = Math.max(3, Math.min(22, Math.floor(Math.sqrt((width * height) / blocks.length)) - 1));
  const cols = Math.max(1, Math.floor(width / (side + 1)));
  const total = detail.job.partitions;
  blocks.forEach((block, i) => {
    const count = Math.min(blockSize, total - i * blockSize);
    drawBlock(ctx, (i % cols) * (side + 1), Math.floor(i / cols) * (side + 1), side, block, count);
  });
}

function createShareRow() {
  const c = {
    agent: el('td', { className: 'name' }),
    partitions: el('td', { className: 'num' }),
    thread: el('td', { className: 'num' }),
    process: el('td', { className: 'num' }),
  };
  const fill = el('span', { className: 'share-fill' });
  const row = el('tr', {}, c.agent, c.partitions, c.thread, c.process, el('td', { className: 'col-share' }, el('span', { className: 'share-bar' }, fill)));
  const update = (share, ctx) => {
    setText(c.agent, share.agent);
    setText(c.partitions, int(share.partitions));
    setText(c.thread, int(share.thread));
    setText(c.process, int(share.process));
    fill.style.width = `${ctx.total > 0 ? (100 * share.partitions) / ctx.total : 0}%`;
  };
  return { row, update };
}

export function jobView({ panel, title, note, grid, gridLegend, shares, close, onClose }) {
  let jobId = null;
  let timer = null;
  let detail = null;
  legend(gridLegend, [
    ['done', PROGRESS.done],
    ['running', PROGRESS.running],
    ['assigned', PROGRESS.assigned],
    ['failed', PROGRESS.failed],
    ['waiting', PROGRESS.waiting],
  ]);

  const render = () => {
    if (!detail) return;
    const { job } = detail;
    setText(title, `Job ${job.jobId} · ${job.task}`);
    const blocks = detail.grid.blockSize > 1 ? ` · ${int(detail.grid.blocks.length)} blocks of ${int(detail.grid.blockSize)}` : '';
    setText(note, `${job.status} · ${int(job.done)}/${int(job.partitions)} done · ${rate(job.rate)} · ${duration(job.elapsedMs)}${blocks}`);
    drawGrid(grid, detail);
    const total = detail.shares.reduce((sum, s) => sum + s.partitions, 0);
    syncRows(shares.tBodies[0], detail.shares, (s) => s.agent, createShareRow, { total });
  };

  const poll = async () => {
    const id = jobId;
    if (!id) return;
    try {
      const res = await fetch(`/api/dashboard/jobs/${encodeURIComponent(id)}`, { credentials: 'same-origin', cache: 'no-store' });
      if (id !== jobId) return;
      if (res.ok) detail = await res.json();
      else setText(note, res.status === 404 ? 'this job is no longer known to the coordinator' : `could not load the job (HTTP ${res.status})`);
      render();
    } catch {
      setText(note, 'could not reach the coordinator');
    }
    if (id === jobId) timer = setTimeout(poll, POLL_MS);
  };

  const hide = () => {
    jobId = null;
    detail = null;
    clearTimeout(timer);
    panel.hidden = true;
    onClose();
  };
  close.addEventListener('click', hide);

  return {
    open(id) {
      if (jobId === id) return hide();
      clearTimeout(timer);
      jobId = id;
      detail = null;
      panel.hidden = false;
      setText(title, `Job ${id}`);
      setText(note, 'loading…');
      void poll();
    },
    get jobId() {
      return jobId;
    },
  };
}
