// The page's copy of the dashboard view: the head (replaced by every event)
// and the rings (the snapshot fills them, each update appends what is new).
// Bounded here too, with the server's limits, whatever the server sends.

export const LIMITS = { bars: 600, feed: 200, throughput: 600, markers: 200 };

export class Model {
  constructor() {
    this.head = null;
    this.bars = [];
    this.feed = [];
    this.throughput = [];
    this.markers = [];
    /** Bumped when a ring changed, so panels redraw only then. */
    this.version = { bars: 0, feed: 0, throughput: 0 };
    this.receivedAt = 0;
  }

  /** The stream's first event (again after every reconnect): everything in full. */
  snapshot(data) {
    this.bars = [];
    this.feed = [];
    this.throughput = [];
    this.markers = [];
    this.update(data);
  }

  update(data) {
    this.head = { at: data.at, cluster: data.cluster, agents: data.agents ?? [], jobs: data.jobs ?? [], health: data.health, heartbeat: data.heartbeat };
    this.receivedAt = Date.now();
    if (appendBySeq(this.bars, data.bars, LIMITS.bars)) this.version.bars++;
    if (appendBySeq(this.feed, data.feed, LIMITS.feed)) this.version.feed++;
    const samples = appendByTime(this.throughput, data.throughput, LIMITS.throughput);
    const markers = appendMarkers(this.markers, data.markers, LIMITS.markers);
    if (samples || markers) this.version.throughput++;
  }
}

function appendBySeq(ring, items, limit) {
  if (!Array.isArray(items) || items.length === 0) return false;
  let last = ring.length > 0 ? ring[ring.length - 1].seq : -Infinity;
  let added = false;
  for (const item of items) {
    if (!(item.seq > last)) continue;
    ring.push(item);
    last = item.seq;
    added = true;
  }
  if (ring.length > limit) ring.splice(0, ring.length - limit);
  return added;
}

function appendByTime(ring, items, limit) {
  if (!Array.isArray(items) || items.length === 0) return false;
  let added = false;
  for (const item of items) {
    const last = ring[ring.length - 1];
    if (last && item.at < last.at) continue;
    if (last && item.at === last.at)
      ring[ring.length - 1] = item; // the current second, revised
    else ring.push(item);
    added = true;
  }
  if (ring.length > limit) ring.splice(0, ring.length - limit);
  return added;
}

function appendMarkers(ring, items, limit) {
  if (!Array.isArray(items) || items.length === 0) return false;
  const known = new Set(ring.map((m) => `${m.at}|${m.kind}|${m.agent}`));
  let added = false;
  for (const item of items) {
    const key = `${item.at}|${item.kind}|${item.agent}`;
    if (known.has(key)) continue;
    known.add(key);
    ring.push(item);
    added = true;
  }
  ring.sort((a, b) => a.at - b.at);
  if (ring.length > limit) ring.splice(0, ring.length - limit);
  return added;
}
