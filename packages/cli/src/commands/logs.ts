/**
 * `cohort logs JOB [--follow]`: the job's event feed in plain words (GET
 * /api/jobs/:id/log). With --follow it asks again every LOG_POLL_MS and
 * prints what is new, until the job has ended.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, ErrorCode, FINISHED_JOB_STATUSES, isOneOf, printable, type FeedItem, type JobStatus } from '@cohort/shared';
import type { ApiClient } from '@cohort/sdk';
import { jobIdArgument } from '../connect-target.js';
import { DEFAULT_REATTACH_TIMEOUT_MS, unreachable } from '../run-job.js';
import { runVerb, VERB_ENV_HELP, type VerbContext, type VerbSpec } from '../verb.js';

/** How often `--follow` asks for the log. */
export const LOG_POLL_MS = 500;

export const LOGS_HELP = `cohort logs JOB [--follow] [--connect URL] [--token T | --token-file F] [--json]
  The job's event feed in plain words, oldest first (the coordinator keeps the last 200 items):
  agents lost, partitions requeued, speculative copies, escalations, failures, the end.
  --follow keeps printing new items until the job ends (asking every ${LOG_POLL_MS} ms), and
  through a coordinator restart (for up to a minute without an answer).
  --json: {"jobId", "items": [{seq, at, level, text, agent?}]}; with --follow, one item per line.
${VERB_ENV_HELP}`;

function isFeedItem(v: unknown): v is FeedItem {
  const i = v as Partial<FeedItem> | null;
  return typeof i === 'object' && i !== null && typeof i.seq === 'number' && typeof i.at === 'number' && typeof i.text === 'string';
}

/** GET /api/jobs/:id/log: the items that have the shape of one (a coordinator's answer is untrusted). */
export async function fetchLog(api: ApiClient, jobId: string): Promise<FeedItem[]> {
  const answer = (await api.request('GET', `/api/jobs/${encodeURIComponent(jobId)}/log`)) as { items?: unknown } | null;
  if (!answer || !Array.isArray(answer.items)) throw new CohortError(ErrorCode.INTERNAL, 'the coordinator answered the log without its items');
  return answer.items.filter(isFeedItem);
}

/** `12:03:04.512 warn  agent b3 declared dead: …`, escaped. */
export function feedLine(item: FeedItem): string {
  const d = new Date(item.at);
  const time = Number.isFinite(d.getTime()) ? `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}` : '--:--:--.---';
  return `${time} ${printable(item.level ?? 'info').padEnd(5)} ${printable(item.text)}`;
}

/**
 * What is new in each read of a job's log. Sequence numbers grow within one
 * start of the coordinator; after a restart they begin again, so a read
 * whose items all lie below the last one printed is a new start, and all of
 * it is new.
 */
export class LogCursor {
  private lastSeq = Number.NEGATIVE_INFINITY;

  take(items: readonly FeedItem[]): FeedItem[] {
    if (items.length > 0 && items.every((i) => i.seq < this.lastSeq)) this.lastSeq = Number.NEGATIVE_INFINITY;
    const fresh = items.filter((i) => i.seq > this.lastSeq);
    for (const i of fresh) this.lastSeq = Math.max(this.lastSeq, i.seq);
    return fresh;
  }
}

/** One read: the job's status, then its log. */
async function read(ctx: VerbContext, jobId: string): Promise<{ status: JobStatus; items: FeedItem[] }> {
  // The status first: once finished, this log read is the last and holds the job's last items (its end among them).
  const { status } = await ctx.api.report(jobId);
  return { status, items: await fetchLog(ctx.api, jobId) };
}

async function follow(ctx: VerbContext, jobId: string): Promise<number> {
  const write = (item: FeedItem) => ctx.print(ctx.json ? `${JSON.stringify(item)}\n` : `${feedLine(item)}\n`);
  const cursor = new LogCursor();
  let unreachableSince: number | undefined;
  for (;;) {
    let answer: { status: JobStatus; items: FeedItem[] };
    try {
      answer = await read(ctx, jobId);
      unreachableSince = undefined;
    } catch (err) {
      if (!unreachable(err)) throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > DEFAULT_REATTACH_TIMEOUT_MS) throw err;
      await sleep(LOG_POLL_MS);
      continue;
    }
    for (const item of cursor.take(answer.items)) write(item);
    if (isOneOf(answer.status, FINISHED_JOB_STATUSES)) break;
    await sleep(LOG_POLL_MS);
  }
  return 0;
}

const LOGS: VerbSpec = {
  name: 'logs',
  help: LOGS_HELP,
  flags: { follow: { type: 'boolean', short: 'f' } },
  async run(ctx) {
    const jobId = jobIdArgument(ctx.positionals[0]);
    if (ctx.values.follow) return follow(ctx, jobId);
    const items = await fetchLog(ctx.api, jobId);
    const text = items.length === 0 ? '(no events yet)\n' : items.map((i) => `${feedLine(i)}\n`).join('');
    return { json: { jobId, items }, text };
  },
};

export function logsCommand(argv: string[]): Promise<number> {
  return runVerb(LOGS, argv);
}
