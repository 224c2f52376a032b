// Panel 5: the event feed, newest first. Texts come from peers (agent
// names, error messages): textContent only.
import { el, setText } from './dom.js';
import { clock, int } from './format.js';
import { LIMITS } from './model.js';

export function feedPanel(list, note) {
  let lastSeq = -Infinity;
  let seenGeneration = 0;
  return (feed, generation) => {
    if (generation !== seenGeneration) {
      // a new snapshot (a reconnect, perhaps to a restarted coordinator): start over from it
      seenGeneration = generation;
      lastSeq = -Infinity;
      list.replaceChildren();
    }
    const fresh = feed.filter((item) => item.seq > lastSeq);
    if (fresh.length === 0) return;
    lastSeq = fresh[fresh.length - 1].seq;
    const nodes = fresh.map((item) =>
      el(
        'li',
        { className: `feed-item level-${item.level}`, dataset: { seq: String(item.seq), agent: item.agent ?? '', job: item.jobId ?? '' } },
        el('time', { className: 'feed-time', dateTime: new Date(item.at).toISOString() }, clock(item.at)),
        el('span', { className: 'feed-text' }, item.text),
      ),
    );
    list.prepend(...nodes.reverse());
    while (list.childElementCount > LIMITS.feed) list.lastElementChild.remove();
    setText(note, `${int(list.childElementCount)} latest`);
  };
}
