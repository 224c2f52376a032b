/**
 * reloadCredentials() on a real coordinator (in this process, port 0, no
 * agents): a removed token ends the bearer streams and the dashboard
 * sessions it opened; a kept one keeps them; a bad file changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger } from '@cohort/shared';
import { startCoordinator, type Coordinator } from './coordinator.js';
import { codeOf } from '../../../test/helpers/code-of.js';

const A = 'client-token-A-for-reload-test';
const B = 'client-token-B-for-reload-test';
const dir = mkdtempSync(join(os.tmpdir(), 'cohort-reload-'));
const file = join(dir, 'tokens');
let coordinator: Coordinator;

beforeAll(async () => {
  writeFileSync(file, `${A}\n${B}\n`);
  coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, tokenFile: file, logger: silentLogger, env: {} });
});

afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: coordinator.port, path, headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Everything a response sends until it ends, or what it had sent after `ms` (then it is destroyed). */
function body(res: IncomingMessage, ms: number): Promise<{ text: string; ended: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      res.destroy();
      resolve({ text, ended: false });
    }, ms);
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d));
    res.on('end', () => {
      clearTimeout(timer);
      resolve({ text, ended: true });
    });
  });
}

async function cookieFor(token: string): Promise<string> {
  const res = await get(`/?token=${token}`, {});
  res.resume();
  return String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
}

const status = async (headers: Record<string, string>) => {
  const res = await get('/api/jobs', headers);
  res.resume();
  return res.statusCode;
};

describe('reloadCredentials', () => {
  it('ends the streams and dashboard sessions of a removed token, and keeps the others', async () => {
    const cookieA = await cookieFor(A);
    const cookieB = await cookieFor(B);
    expect(await status({ cookie: cookieA })).toBe(200);
    const streamA = await get('/api/events', { authorization: `Bearer ${A}`, accept: 'text/event-stream' });
    const streamB = await get('/api/events', { authorization: `Bearer ${B}`, accept: 'text/event-stream' });
    expect([streamA.statusCode, streamB.statusCode]).toEqual([200, 200]);
    const [readA, readB] = [body(streamA, 3000), body(streamB, 300)];

    writeFileSync(file, `# A removed\n${B}\n`);
    expect(coordinator.reloadCredentials()).toEqual({ client: 1, agent: 1 });

    const a = await readA;
    expect(a.ended).toBe(true);
    expect(a.text).toContain('event: error');
    expect(a.text).toContain(ErrorCode.AUTH_REVOKED);
    expect((await readB).ended).toBe(false);
    expect(await status({ authorization: `Bearer ${A}` })).toBe(401);
    expect(await status({ cookie: cookieA })).toBe(401);
    expect(await status({ cookie: cookieB })).toBe(200);
    expect(await status({ authorization: `Bearer ${B}` })).toBe(200);
  });

  it('a file that is empty or gone keeps the tokens as they were', async () => {
    for (const spoil of [() => writeFileSync(file, ''), () => rmSync(file)]) {
      spoil();
      expect(codeOf(() => coordinator.reloadCredentials())).toBe(ErrorCode.INVALID_OPTION);
      expect(await status({ authorization: `Bearer ${B}` })).toBe(200);
    }
  });
});
