// Panel 2: the agents table. Heartbeat age goes green, amber, red against
// the coordinator's own thresholds; a lost agent stays, dimmed, with why.
import { el, setClass, setText, syncRows } from './dom.js';
import { age, duration, int, percent } from './format.js';

const PLURAL = { thread: 'threads', process: 'processes' };
const LOST = new Set(['dead', 'left']);
const STATE_LABEL = { joining: 'joining', ready: 'ready', suspect: 'suspect', draining: 'draining', dead: 'lost', left: 'left' };

function heartbeatTone(ms, thresholds) {
  if (ms < thresholds.amberMs) return 'hb-ok';
  if (ms < thresholds.redMs) return 'hb-warn';
  return 'hb-bad';
}

function escalationsText(list) {
  return list.map((e) => `${e.task} in ${PLURAL[e.mode] ?? e.mode}: ${e.reason}`).join('; ');
}

function createRow() {
  const c = {
    badge: el('span', { className: 'badge' }),
    reason: el('span', { className: 'reason' }),
    name: el('td', { className: 'name' }),
    host: el('td', { className: 'dim' }),
    mode: el('td'),
    slotsText: el('span', { className: 'slots-text' }),
    slotsFill: el('span', { className: 'slots-fill' }),
    cpu: el('td', { className: 'num' }),
    mem: el('td', { className: 'num' }),
    hb: el('td', { className: 'num' }),
    done: el('td', { className: 'num' }),
    failures: el('td', { className: 'num' }),
    escalations: el('td', { className: 'clip' }),
    error: el('td', { className: 'clip' }),
  };
  const slots = el('td', { className: 'col-slots' }, el('span', { className: 'slots-bar' }, c.slotsFill), c.slotsText);
  const row = el(
    'tr',
    {},
    el('td', { className: 'state' }, c.badge, c.reason),
    c.name,
    c.host,
    c.mode,
    slots,
    c.cpu,
    c.mem,
    c.hb,
    c.done,
    c.failures,
    c.escalations,
    c.error,
  );
  return { row, c };
}

function fill(entry, agent, heartbeat, now) {
  const { row, c } = entry;
  const lost = LOST.has(agent.state);
  row.dataset.agent = agent.name;
  row.dataset.state = agent.state;
  setClass(row, lost ? 'row-lost' : '');
  setText(c.badge, STATE_LABEL[agent.state] ?? agent.state);
  setClass(c.badge, `badge state-${agent.state}`);
  setText(c.reason, lost && agent.lostReason ? agent.lostReason : '');
  c.reason.title = agent.lostReason ?? '';
  setText(c.name, agent.name);
  c.name.title = agent.agentId;
  setText(c.host, agent.host);
  setText(c.mode, agent.mode);
  setText(c.slotsText, `${agent.busy}/${agent.slots}`);
  c.slotsFill.style.width = `${agent.slots > 0 ? Math.min(100, (100 * agent.busy) / agent.slots) : 0}%`;
  // a lost agent's last load report is history, not its load
  setText(c.cpu, lost ? '—' : percent(agent.cpu));
  setText(c.mem, lost ? '—' : percent(agent.memory));
  if (lost) {
    setText(c.hb, agent.lostAt ? `lost ${age(now - agent.lostAt)}` : 'lost');
    setClass(c.hb, 'num hb-bad');
  } else {
    setText(c.hb, duration(agent.heartbeatAgeMs));
    setClass(c.hb, `num ${heartbeatTone(agent.heartbeatAgeMs, heartbeat)}`);
  }
  setText(c.done, int(agent.done));
  setText(c.failures, int(agent.failures));
  setClass(c.failures, agent.failures > 0 ? 'num warn' : 'num dim');
  setText(c.escalations, escalationsText(agent.escalations));
  c.escalations.title = escalationsText(agent.escalations);
  const err = agent.lastError;
  setText(c.error, err ? `${err.code}: ${err.message} (${age(now - err.at)})` : '');
  c.error.title = err ? `${err.code}: ${err.message}` : '';
}

export function agentsPanel(table, empty, note) {
  const tbody = table.tBodies[0];
  const create = () => {
    const entry = createRow();
    return { row: entry.row, update: (agent, ctx) => fill(entry, agent, ctx.heartbeat, ctx.now) };
  };
  return (agents, heartbeat, now) => {
    const n = syncRows(tbody, agents, (a) => a.agentId, create, { heartbeat, now });
    empty.hidden = n > 0;
    const live = agents.filter((a) => !LOST.has(a.state)).length;
    setText(note, `${live} live${agents.length > live ? ` · ${agents.length - live} lost` : ''}`);
  };
}
