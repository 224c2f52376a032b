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
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      if (buffer.length > MAX_EVENT_CHARS) throw new CohortError(ErrorCode.INTERNAL, 'an event from the coordinator is too large');
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const parsed = parseChunk(buffer.slice(0, sep));
        buffer = buffer.slice(sep + 2);
        if (parsed) yield parsed;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
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
