// Panel 1: the cluster header, and the connection badge beside it.
import { el, setClass, setText } from './dom.js';
import { int, rate } from './format.js';

const STATS = [
  ['ready', 'agents ready', (c) => int(c.agents.ready ?? 0), (c) => ((c.agents.ready ?? 0) > 0 ? 'ok' : 'bad')],
  ['suspect', 'suspect', (c) => int(c.agents.suspect ?? 0), (c) => ((c.agents.suspect ?? 0) > 0 ? 'warn' : 'dim')],
  ['dead', 'lost', (c) => int((c.agents.dead ?? 0) + (c.agents.left ?? 0)), (c) => ((c.agents.dead ?? 0) > 0 ? 'bad' : 'dim')],
  ['threads', 'thread slots', (c) => int(c.slots.thread ?? 0), () => ''],
  ['processes', 'process slots', (c) => int(c.slots.process ?? 0), () => ''],
  ['rate', 'partitions/s', (c) => rate(c.rate).replace('/s', ''), () => 'accent'],
  ['running', 'jobs running', (c) => int(c.jobsRunning), (c) => (c.jobsRunning > 0 ? 'accent' : 'dim')],
  ['queued', 'queued', (c) => int(c.jobsQueued), (c) => (c.jobsQueued > 0 ? 'warn' : 'dim')],
];

export function clusterPanel(root) {
  const cells = STATS.map(([key, label]) => {
    const value = el('span', { className: 'stat-value' }, '—');
    root.append(el('div', { className: 'stat', dataset: { stat: key } }, value, el('span', { className: 'stat-label' }, label)));
    return value;
  });
  return (cluster) => {
    STATS.forEach(([, , value, tone], i) => {
      setText(cells[i], value(cluster));
      setClass(cells[i], `stat-value ${tone(cluster)}`);
    });
  };
}

const CONN_TEXT = { connecting: 'connecting…', live: 'live', disconnected: 'disconnected: reconnecting', unauthorized: 'signed out' };

export function connectionBadge(node) {
  return (state) => {
    setText(node, CONN_TEXT[state] ?? state);
    setClass(node, `conn conn-${state}`);
    document.body.classList.toggle('is-disconnected', state === 'disconnected');
  };
}
