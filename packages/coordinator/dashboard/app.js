// The dashboard: one EventSource (stream.js) feeds the model (model.js);
// panels are redrawn on the next animation frame after a change, at most
// every RENDER_MS (about 4 times a second, as the server sends).
import { agentsPanel } from './agents.js';
import { clusterPanel, connectionBadge } from './cluster.js';
import { feedPanel } from './feed.js';
import { healthPanel } from './health.js';
import { jobView } from './job-view.js';
import { jobsPanel } from './jobs.js';
import { Model } from './model.js';
import { connect } from './stream.js';
import { taskStreamPanel } from './task-stream.js';
import { throughputPanel } from './throughput.js';

const RENDER_MS = 240;
const $ = (id) => document.getElementById(id);

const model = new Model();
let generation = 0;
let dirty = false;
let lastRender = 0;
let drawn = { bars: -1, throughput: -1 };

const view = jobView({
  panel: $('job-view'),
  title: $('job-title'),
  note: $('job-note'),
  grid: $('job-grid'),
  gridLegend: $('grid-legend'),
  shares: $('job-shares'),
  close: $('job-close'),
  onClose: () => markDirty(),
});
const panels = {
  cluster: clusterPanel($('cluster')),
  connection: connectionBadge($('conn')),
  agents: agentsPanel($('agents'), $('agents-empty'), $('agents-note')),
  jobs: jobsPanel({
    table: $('jobs'),
    empty: $('jobs-empty'),
    note: $('jobs-note'),
    legendNode: $('progress-legend'),
    onSelect: (id) => {
      view.open(id);
      markDirty();
    },
  }),
  stream: taskStreamPanel($('stream'), $('stream-legend'), $('stream-note')),
  feed: feedPanel($('feed'), $('feed-note')),
  throughput: throughputPanel($('throughput')),
  health: healthPanel($('health')),
};

function render() {
  const head = model.head;
  if (!head) return;
  panels.cluster(head.cluster);
  panels.agents(head.agents, head.heartbeat, head.at);
  panels.jobs(head.jobs, view.jobId);
  panels.health(head.health, head.at, model.receivedAt);
  panels.feed(model.feed, generation);
  // the task stream slides with time: redrawn every render; the chart only when its data changed
  if (model.version.bars !== drawn.bars || model.bars.length > 0) panels.stream(model.bars, head.agents, head.at);
  if (model.version.throughput !== drawn.throughput) panels.throughput(model.throughput, model.markers);
  drawn = { bars: model.version.bars, throughput: model.version.throughput };
}

// Too early for the next render: wait on a timer, not on animation frames. A frame requested
// every 16 ms keeps the browser compositing at 60 fps, and on a small machine that is CPU the
// coordinator and its agents do not get.
function frame(now) {
  if (!dirty) return;
  const wait = RENDER_MS - (now - lastRender);
  if (wait > 0) {
    setTimeout(() => requestAnimationFrame(frame), wait);
    return;
  }
  dirty = false;
  lastRender = now;
  render();
}

function markDirty() {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(frame);
}

connect({
  onSnapshot(data) {
    generation++;
    model.snapshot(data);
    drawn = { bars: -1, throughput: -1 };
    markDirty();
  },
  onUpdate(data) {
    model.update(data);
    markDirty();
  },
  onState(state) {
    panels.connection(state);
    if (state !== 'unauthorized') return;
    // the session expired or was evicted: the login page (once a minute at most, should / disagree)
    const last = Number(sessionStorage.getItem('cohort-relogin') ?? 0);
    if (Date.now() - last < 60_000) return;
    sessionStorage.setItem('cohort-relogin', String(Date.now()));
    window.location.assign('/');
  },
});
