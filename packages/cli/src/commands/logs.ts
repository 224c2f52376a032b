/**
 * `cohort logs JOB [--follow]`: the job's event feed in plain words (GET
 * /api/jobs/:id/log). With --follow it asks again every LOG_POLL_MS and
 * prints what is new, until the job has ended.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CohortError, ErrorCode, FINISHED_JOB_STATUSES, printable, type FeedItem, type JobStatus } from '@cohort/shared';
import type { ApiClient } from '@cohort/sdk';
import { jobIdArgument } from '../connect-target.js';
import { runVerb, VERB_ENV_HELP, type VerbContext, type VerbSpec } from '../verb.js';

/** How often `--follow` asks for the log. */
export const LOG_POLL_MS = 500;

export const LOGS_HELP = `cohort logs JOB [--follow] [--connect URL] [--token T | --token-file F] [--json]
  The job's event feed in plain words, oldest first (the coordinator keeps the last 200 items):
  agents lost, partitions requeued, speculative copies, escalations, failures, the end.
  --follow keeps printing new items until the job ends (asking every ${LOG_POLL_MS} ms).
  --json: {"jobId", "items": [{seq, at, level, text, agent?}]}; with --follow, one item per line.
${VERB_ENV_HELP}`;

const FINISHED: ReadonlySet<JobStatus> = new Set(FINISHED_JOB_STATUSES);

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

async function follow(ctx: VerbContext, jobId: string): Promise<number> {
  const write = (item: FeedItem) => ctx.print(ctx.json ? `${JSON.stringify(item)}\n` : `${feedLine(item)}\n`);
  let lastSeq = -Infinity;
  for (;;) {
    // The status first: once finished, this log read is the last and holds the job's last items (its end among them).
    const { status } = await ctx.api.report(jobId);
    for (const item of await fetchLog(ctx.api, jobId)) {
      if (item.seq <= lastSeq) continue;
      lastSeq = item.seq;
      write(item);
    }
    if (FINISHED.has(status)) break;
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
