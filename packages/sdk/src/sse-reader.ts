/**
 * Reading a server-sent event stream (the coordinator's progress streams)
 * from a fetch Response, one parsed event at a time. An event this client
 * does not know (a newer coordinator's) is skipped.
 */
import { CohortError, ErrorCode, parseStreamEvent, type JobStreamEvent } from '@cohort/shared';

/** One line of a stream longer than this is not the coordinator's: the stream is refused. */
export const MAX_EVENT_CHARS = 512 * 1024 * 1024;

export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<JobStreamEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const pending = new PendingText();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const chunk of pending.add(decoder.decode(value, { stream: true }))) {
        const parsed = parseChunk(chunk);
        if (parsed) yield parsed;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/**
 * The text of events not yet complete, in pieces: a large event (a big
 * result) arrives in many reads, and joining and searching the whole of it
 * on every read would cost quadratic time. Only a read that holds a `\n\n`
 * (or completes one with the previous read's last character) joins.
 */
class PendingText {
  private parts: string[] = [];
  private chars = 0;

  /** Add a read's text; returns the events it completed. */
  add(text: string): string[] {
    const last = this.parts.at(-1);
    const boundary = last?.endsWith('\n') === true && text.startsWith('\n');
    this.parts.push(text);
    this.chars += text.length;
    if (this.chars > MAX_EVENT_CHARS) throw new CohortError(ErrorCode.INTERNAL, 'an event from the coordinator is too large');
    if (!boundary && !text.includes('\n\n')) return [];
    const events = this.parts.join('').split('\n\n');
    const rest = events.pop() ?? '';
    this.parts = rest ? [rest] : [];
    this.chars = rest.length;
    return events;
  }
}

function parseChunk(chunk: string): JobStreamEvent | undefined {
  let event = 'message';
  let data = '';
  for (const line of chunk.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (!data) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new CohortError(ErrorCode.INTERNAL, `the coordinator sent a ${event} event that is not JSON`);
  }
  return parseStreamEvent(event, json);
}
