// Panel 7: the coordinator's own health, as one dense line at the foot.
import { el, setClass, setText } from './dom.js';
import { age, bytes, duration, int } from './format.js';

const FIELDS = [
  ['version', (h) => `v${h.version}`],
  ['up', (h, now) => duration(now - h.startedAt)],
  ['journal', (h) => (h.journal ? 'on' : 'off')],
  ['acknowledged', (h) => int(h.acknowledged)],
  ['last sync', (h, now) => (h.lastSyncAt === null ? '—' : `${age(now - h.lastSyncAt)} (${duration(h.lastSyncMs)})`)],
  ['event loop p50/p99', (h) => `${h.loopDelayMs.p50.toFixed(1)} / ${h.loopDelayMs.p99.toFixed(1)} ms`],
  ['memory', (h) => bytes(h.memoryBytes)],
  ['update', (_h, _now, received) => age(Date.now() - received)],
];

export function healthPanel(root) {
  root.append(el('span', { className: 'health-title' }, 'coordinator'));
  const cells = FIELDS.map(([label]) => {
    const value = el('span', { className: 'health-value' }, '—');
    root.append(el('span', { className: 'health-item', dataset: { field: label } }, el('span', { className: 'health-label' }, label), value));
    return value;
  });
  return (health, now, receivedAt) => {
    FIELDS.forEach(([label, value], i) => {
      setText(cells[i], value(health, now, receivedAt));
      if (label === 'journal') setClass(cells[i], `health-value ${health.journal ? 'ok' : 'dim'}`);
      if (label === 'event loop p50/p99')
        setClass(cells[i], `health-value ${health.loopDelayMs.p99 > 100 ? 'bad' : health.loopDelayMs.p99 > 20 ? 'warn' : ''}`);
    });
  };
}
