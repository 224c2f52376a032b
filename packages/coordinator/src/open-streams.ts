/**
 * Client responses still open, by the id of the token that let them in
 * (bearer or dashboard cookie), so that a reload which removes a token can
 * end its event streams at once: each gets a last `error` event with code
 * AUTH_REVOKED and is ended. A response is forgotten when it closes.
 *
 * What counts as a stream: a response whose head is sent and that has not
 * ended (every JSON answer is written and ended in one go). A request still
 * in flight at the reload (its head not yet sent) finishes normally; its
 * next request is refused.
 */
import type { ServerResponse } from 'node:http';
import { ErrorCode } from '@cohort/shared';
import { DEFAULT_REVOKED_STREAM_GRACE_MS } from './options.js';
import { sseFrame } from './sse.js';

export class OpenStreams {
  readonly #tokenIds = new Map<ServerResponse, string>();

  get size(): number {
    return this.#tokenIds.size;
  }

  track(res: ServerResponse, tokenId: string): void {
    this.#tokenIds.set(res, tokenId);
    res.once('close', () => this.#tokenIds.delete(res));
  }

  /** End the streams whose token `accepts` no longer takes; returns how many. */
  revoke(accepts: (tokenId: string) => boolean): number {
    let ended = 0;
    for (const [res, tokenId] of this.#tokenIds) {
      if (accepts(tokenId) || !res.headersSent || res.writableEnded) continue;
      this.#tokenIds.delete(res);
      res.end(sseFrame('error', { code: ErrorCode.AUTH_REVOKED, message: 'the token this stream was opened with was removed' }));
      setTimeout(() => res.destroy(), DEFAULT_REVOKED_STREAM_GRACE_MS).unref();
      ended++;
    }
    return ended;
  }
}
