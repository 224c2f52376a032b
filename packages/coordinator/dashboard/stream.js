// The live connection: GET /api/dashboard/events (the session cookie
// authenticates it). EventSource reconnects by itself; while it is down the
// page says "disconnected". An error is followed by one plain request to
// tell a dead coordinator from an expired session: 401 means log in again.

const EVENTS_URL = '/api/dashboard/events';
const PROBE_URL = '/api/dashboard';

/** onState(state): 'connecting' | 'live' | 'disconnected' | 'unauthorized'. */
export function connect({ onSnapshot, onUpdate, onState }) {
  let source = null;
  let probing = false;
  let stopped = false;

  const parse = (event) => {
    try {
      return JSON.parse(event.data);
    } catch {
      return null;
    }
  };

  const probe = async () => {
    if (probing) return;
    probing = true;
    try {
      const res = await fetch(PROBE_URL, { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401 || res.status === 403) {
        stopped = true;
        source?.close();
        onState('unauthorized');
      }
    } catch {
      // the coordinator is down: EventSource keeps retrying
    } finally {
      probing = false;
    }
  };

  const open = () => {
    onState('connecting');
    source = new EventSource(EVENTS_URL);
    source.addEventListener('open', () => onState('live'));
    source.addEventListener('snapshot', (event) => {
      const data = parse(event);
      if (data) onSnapshot(data);
      onState('live');
    });
    source.addEventListener('update', (event) => {
      const data = parse(event);
      if (data) onUpdate(data);
    });
    source.addEventListener('error', async () => {
      if (stopped) return;
      onState('disconnected');
      const closed = source.readyState === EventSource.CLOSED; // refused (a 401, a 5xx): EventSource gives up, so retry here
      await probe();
      if (closed && !stopped) setTimeout(open, 2000);
    });
  };

  open();
  return {
    close: () => {
      stopped = true;
      source?.close();
    },
  };
}
