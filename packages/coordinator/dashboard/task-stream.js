// Panel 4: the task stream. A row per agent slot (lanes come from the
// server), a bar per attempt from its start to its end, coloured by how it
// ended. Only the last bars are kept (a bounded ring), so the window is
// whatever they span, between 10 s and 2 min, ending at the server's now.
import { fitCanvas, legend, setText } from './dom.js';
import { AXIS, GRIDLINE, OUTCOME, OUTCOME_LABEL, TEXT } from './colors.js';
import { int } from './format.js';

const LABEL_W = 92;
const AXIS_H = 16;
const MAX_HEIGHT = 240;
const MIN_WINDOW_MS = 10_000;
const MAX_WINDOW_MS = 120_000;

/** Rows in order: agents as the table lists them, then any only the bars know (lost and dropped from the table). */
function lanes(agents, bars) {
  const rows = new Map();
  for (const a of agents) rows.set(a.name, { agent: a.name, lost: a.state === 'dead' || a.state === 'left', lanes: Math.max(1, a.slots) });
  for (const b of bars) {
    const row = rows.get(b.agent) ?? { agent: b.agent, lost: true, lanes: 1 };
    row.lanes = Math.max(row.lanes, b.lane + 1);
    rows.set(b.agent, row);
  }
  return [...rows.values()];
}

function layout(rows) {
  const total = rows.reduce((n, r) => n + r.lanes, 0);
  const laneH = Math.max(3, Math.min(12, Math.floor((MAX_HEIGHT - AXIS_H - rows.length * 3) / Math.max(1, total))));
  let y = 2;
  const at = new Map();
  for (const r of rows) {
    at.set(r.agent, { y, laneH });
    y += r.lanes * laneH + 3;
  }
  return { at, height: y + AXIS_H, laneH };
}

function drawAxis(ctx, x0, width, height, windowMs) {
  ctx.fillStyle = AXIS;
  ctx.font = '10px ui-monospace, SFMono-Regular, Menlo, monospace';
  const step = windowMs > 60_000 ? 30_000 : windowMs > 20_000 ? 10_000 : 2000;
  for (let t = 0; t <= windowMs; t += step) {
    const x = x0 + width - (t / windowMs) * width;
    ctx.fillStyle = GRIDLINE;
    ctx.fillRect(Math.round(x), 0, 1, height - AXIS_H);
    ctx.fillStyle = AXIS;
    ctx.fillText(t === 0 ? 'now' : `-${t / 1000}s`, Math.max(x0, x - 14), height - 4);
  }
}

function drawRows(ctx, rows, pos, width) {
  ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, monospace';
  for (const r of rows) {
    const { y, laneH } = pos.at.get(r.agent);
    ctx.fillStyle = r.lost ? OUTCOME.failed : TEXT;
    const label = r.agent.length > 12 ? `${r.agent.slice(0, 11)}…` : r.agent;
    ctx.fillText(label, 4, y + Math.min(10, r.lanes * laneH));
    ctx.fillStyle = '#0d1117';
    ctx.fillRect(LABEL_W, y, width - LABEL_W, r.lanes * laneH - 1);
  }
}

export function taskStreamPanel(canvas, legendNode, note) {
  legend(
    legendNode,
    Object.keys(OUTCOME).map((k) => [OUTCOME_LABEL[k], OUTCOME[k]]),
  );
  return (bars, agents, now) => {
    const rows = lanes(agents, bars);
    const pos = layout(rows);
    const { ctx, width, height } = fitCanvas(canvas, Math.max(60, pos.height));
    const oldest = bars.length > 0 ? bars[0].startedAt : now;
    const windowMs = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, now - oldest));
    const plotW = width - LABEL_W;
    drawRows(ctx, rows, pos, width);
    drawAxis(ctx, LABEL_W, plotW, height, windowMs);
    const x = (t) => LABEL_W + plotW - ((now - t) / windowMs) * plotW;
    for (const b of bars) {
      if (b.endedAt < now - windowMs) continue;
      const { y, laneH } = pos.at.get(b.agent);
      const x0 = Math.max(LABEL_W, x(b.startedAt));
      ctx.fillStyle = OUTCOME[b.outcome] ?? AXIS;
      ctx.fillRect(x0, y + b.lane * laneH, Math.max(1.5, x(b.endedAt) - x0), laneH - 1);
    }
    setText(note, `${int(bars.length)} latest attempts · ${Math.round(windowMs / 1000)} s`);
  };
}
