/**
 * `cohort run` against a cluster with no live agent shows 0% forever; after
 * a few seconds without progress, it says why. It asks GET /api/agents once
 * the delay has passed and then once a second, only while the job shows no
 * work started, at most MAX_POLLS times, and says it once.
 */
import type { AgentInfo } from '@cohort/shared';
import { isLive } from './cluster-summary.js';

/** How long `cohort run` waits for progress before it checks for agents. */
export const DEFAULT_NO_AGENTS_HINT_MS = 3_000;
/** Overrides DEFAULT_NO_AGENTS_HINT_MS (ms; the cluster tests set it short). */
export const NO_AGENTS_HINT_ENV = 'COHORT_NO_AGENTS_HINT_MS';
export const HINT_POLL_MS = 1_000;
/** Polls at most this many times (ten minutes at one a second), then gives up. */
export const MAX_POLLS = 600;

export interface HintOptions {
  agents(): Promise<AgentInfo[]>;
  /** True once the job showed progress: no hint then. */
  started(): boolean;
  say(line: string): void;
  /** The coordinator's ws:// URL, for the command in the hint. */
  url: string;
  /** The pin the client itself verified the coordinator with (sha256:…), for the command in the hint. */
  fingerprint?: string | undefined;
  delayMs?: number;
}

/** The delay from the environment, else the default; a bad value is ignored. */
export function hintDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[NO_AGENTS_HINT_ENV] ?? '';
  const v = Number(text);
  return /^\d{1,6}$/.test(text) && v <= 600_000 ? v : DEFAULT_NO_AGENTS_HINT_MS;
}

export function hintText(url: string, fingerprint?: string): string {
  const pin = fingerprint !== undefined ? ` --tls-fingerprint ${fingerprint}` : '';
  return `no agents connected: waiting (start one with \`cohort agent --connect ${url}${pin}\`)`;
}

/** Start watching; the returned function stops it. */
export function watchForAgents(options: HintOptions): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polls = 0;
  const poll = async () => {
    if (stopped || options.started() || polls++ >= MAX_POLLS) return;
    const agents = await options.agents().catch(() => undefined);
    if (stopped || options.started()) return;
    if (agents && !agents.some(isLive)) {
      options.say(hintText(options.url, options.fingerprint));
      return;
    }
    timer = setTimeout(poll, HINT_POLL_MS).unref();
  };
  timer = setTimeout(poll, options.delayMs ?? DEFAULT_NO_AGENTS_HINT_MS).unref();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
