/**
 * A hostile HTTP client: raw bytes over node:net to the coordinator's port,
 * and the check every hostile test ends with (the coordinator is alive,
 * answers /healthz, and runs a job to the right answer).
 */
import net from 'node:net';
import { expect } from 'vitest';
import { runJob, type ApiClient, type LocalCluster } from '@cohort/cli';
import { errorAnswer } from '@cohort/shared';
import { alive } from '../../packages/agent/src/slots/fixtures/recorder.js';
import { PRIMES_1E7 } from './cluster.js';

export interface RawReply {
  text: string;
  /** The status code of the first response line, or 0 if none came. */
  status: number;
  /** True if the server closed (or reset) the connection within the wait. */
  closed: boolean;
  error: string | undefined;
  ms: number;
}

export const portOf = (url: string): number => Number(new URL(url).port);

/** Send `chunks` (each after the previous was written) and collect what comes back until close or `timeoutMs`. */
export function rawExchange(port: number, chunks: Array<string | Buffer>, timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    let error: string | undefined;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: status ? Number(status[1]) : 0, closed, error, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => done(true));
    socket.on('connect', () => {
      for (const c of chunks) if (!socket.destroyed) socket.write(c);
    });
  });
}

/** The JSON body of a raw reply's first response (Content-Length framed). */
export function bodyOf(reply: RawReply): { error?: ReturnType<typeof errorAnswer> } {
  const at = reply.text.indexOf('\r\n\r\n');
  const length = /content-length: (\d+)/i.exec(reply.text.slice(0, at));
  const body = reply.text.slice(at + 4, length ? at + 4 + Number(length[1]) : undefined);
  return { error: errorAnswer(JSON.parse(body)) };
}

export { alive };

/** The coordinator still runs, answers /healthz, and a job gets the right answer. */
export async function expectServing(c: LocalCluster & { api: ApiClient }, partitions = 8): Promise<void> {
  expect(alive(c.coordinator.pid)).toBe(true);
  expect(c.coordinator.child.exitCode).toBe(null);
  const health = await fetch(`${c.api.base}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ ok: true });
  const report = await runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions });
  expect(report.status).toBe('succeeded');
  expect(report.result).toBe(PRIMES_1E7.expected);
}
