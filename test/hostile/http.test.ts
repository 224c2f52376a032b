/**
 * A malicious HTTP client on raw sockets: malformed request lines (the
 * `GET http://[/agent` upgrade that used to exit the coordinator), garbage,
 * a header flood, bodies over the limit, Content-Length lies, idle
 * connections, and job requests outside the shared bounds. Each answer is a
 * status with a code, never a crash: afterwards the coordinator still
 * answers /healthz and runs a job to the right answer.
 */
import { describe, expect, it } from 'vitest';
import { runJob } from '@cohort/cli';
import { LIMITS, MAX_LENGTH, errorAnswer } from '@cohort/shared';
import { PRIMES_1E7, agents, cluster, waitFor } from '../helpers/cluster.js';
import { alive, bodyOf, expectServing, portOf, rawExchange } from '../helpers/raw-http.js';

const UPGRADE = 'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

describe('hostile HTTP', () => {
  it('answers malformed request lines, garbage and a header flood with 4xx and keeps serving', async () => {
    const c = await cluster(agents(1, 'threads'));
    const port = portOf(c.url);
    const badUpgrade = await rawExchange(port, [`GET http://[/agent HTTP/1.1\r\n${UPGRADE}\r\n`]);
    expect(badUpgrade.status).toBe(400);
    expect(bodyOf(badUpgrade).error?.code).toBe('BAD_REQUEST');
    expect(badUpgrade.closed).toBe(true);

    const badTarget = await rawExchange(port, ['GET http://[/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(badTarget.status).toBe(400);
    expect(bodyOf(badTarget).error?.code).toBe('BAD_REQUEST');

    const replies = await Promise.all([
      rawExchange(port, [Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])]),
      rawExchange(port, ['GET / HTTP/9.9\r\n\r\n']),
      rawExchange(port, ['\r\n\r\nGARBAGE GARBAGE GARBAGE\r\n\r\n']),
      rawExchange(port, [`GET /agent HTTP/1.1\r\n${UPGRADE}X-Bad\u0001Header: y\r\n\r\n`]),
      rawExchange(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Flood: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(4000)}\r\n`]),
      rawExchange(port, ['POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']),
    ]);
    for (const r of replies) {
      expect({ status: r.status, closed: r.closed }).toMatchObject({ closed: true });
      expect(r.status === 0 || (r.status >= 400 && r.status < 500)).toBe(true);
    }
    expect(replies[0]!.status).toBe(400);
    expect(replies[4]!.status).toBe(431);
    await expectServing(c);
  });

  it('answers a body over the limit with 413 FRAME_TOO_LARGE before the close, by declaration or by count', async () => {
    const c = await cluster(agents(1, 'threads'), ['--max-body-bytes', '65536']);
    const port = portOf(c.url);
    const head = (extra: string) => `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.token}\r\nContent-Type: application/json\r\n${extra}\r\n`;
    const big = Buffer.alloc(4 * 1024 * 1024, 0x20);

    const declared = await rawExchange(port, [head(`Content-Length: ${1e12}\r\n`)]);
    expect(declared.status).toBe(413);
    expect(bodyOf(declared).error?.code).toBe('FRAME_TOO_LARGE');
    expect(declared.closed).toBe(true);

    const counted = await rawExchange(port, [head('Transfer-Encoding: chunked\r\n'), `${big.length.toString(16)}\r\n`, big, '\r\n0\r\n\r\n']);
    expect(counted.status).toBe(413);
    expect(bodyOf(counted).error?.code).toBe('FRAME_TOO_LARGE');
    expect(counted.closed).toBe(true);

    const sent = await rawExchange(port, [head(`Content-Length: ${big.length}\r\n`), big]);
    expect(sent.status).toBe(413);
    expect(bodyOf(sent).error?.code).toBe('FRAME_TOO_LARGE');
    // The answer came before the close, and the close was clean: no reset, no broken pipe.
    for (const r of [declared, counted, sent]) expect({ closed: r.closed, error: r.error }).toEqual({ closed: true, error: undefined });
    await expectServing(c);
  });

  it('answers Content-Length lies: a short body times out with 408, extra bytes are a bad request', async () => {
    const c = await cluster(agents(1, 'threads'), ['--headers-timeout-ms', '1000', '--request-timeout-ms', '1500']);
    const port = portOf(c.url);
    const head = (length: number) =>
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
    const [short, long] = await Promise.all([
      rawExchange(port, [head(1000), '{"task":'], 6000),
      rawExchange(port, [head(2), '{}GARBAGE / HTTP/1.1\r\n\r\n'], 6000),
    ]);
    expect(short.status).toBe(408);
    expect(short.closed).toBe(true);
    expect(short.ms).toBeLessThan(5000);
    // The bytes past the declared length are a malformed second request: 400, and the connection closes.
    expect(long.status).toBe(400);
    expect(bodyOf(long).error?.code).toBe('BAD_REQUEST');
    expect(long.closed).toBe(true);
    await expectServing(c);
  });

  it('closes idle connections within the idle limit, while an API request and a job still succeed', async () => {
    const c = await cluster(agents(1, 'threads'), ['--headers-timeout-ms', '1500', '--request-timeout-ms', '3000']);
    const port = portOf(c.url);
    const idle = Array.from({ length: 200 }, (_, i) => rawExchange(port, i % 2 === 0 ? [] : ['GET /healthz HTTP/1.1\r\nHost: x\r\n'], 10_000));
    // Meanwhile, the port serves: an API request and a whole job.
    const live = await c.api.agents();
    expect(live).toHaveLength(1);
    await expectServing(c);
    const replies = await Promise.all(idle);
    for (const r of replies) {
      expect(r.closed).toBe(true);
      expect(r.ms).toBeLessThan(1500 + 3000);
    }
    expect(replies.filter((r) => r.status === 408).length).toBeGreaterThan(150);
    // The agent's upgraded socket is not an idle connection: it is still there.
    expect(await c.api.agents()).toHaveLength(1);
  });

  it('keeps at most --max-pending-connections idle sockets: a flood cannot keep clients out', async () => {
    // A 5 s idle limit: the 100 kept under the cap close by themselves well after the evicted 900.
    const c = await cluster(agents(1, 'threads'), ['--max-pending-connections', '100', '--headers-timeout-ms', '5000', '--request-timeout-ms', '5000']);
    const port = portOf(c.url);
    const flood = Array.from({ length: 1000 }, () => rawExchange(port, [], 60_000));
    const report = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 8 });
    const health = await fetch(`${c.api.base}/healthz`);
    expect(health.status).toBe(200);
    expect((await report).result).toBe(PRIMES_1E7.expected);
    // Evicted oldest-first: all but the cap are closed at once, long before the 5 s idle limit.
    const closed = await waitFor(
      'the flood to be cut to the cap',
      async () => {
        const states = await Promise.race([Promise.all(flood), new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
        return states === undefined ? undefined : states;
      },
      20_000,
    );
    expect(closed.filter((r) => r.ms < 3000).length).toBeGreaterThanOrEqual(850);
    expect(alive(c.coordinator.pid)).toBe(true);
  });

  it('refuses a job request outside the shared bounds with 400 naming the field, while another job runs', async () => {
    const c = await cluster(agents(1, 'threads'));
    const concurrent = runJob({ url: c.url, token: c.token, task: 'primes', input: PRIMES_1E7.input, partitions: 8 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timeoutMs: 1e300 }, 'timeoutMs'],
      [{ timeoutMs: LIMITS.timeoutMs.max + 1 }, 'timeoutMs'],
      [{ timeoutMs: -5 }, 'timeoutMs'],
      [{ partitions: 0 }, 'partitions'],
      [{ partitions: LIMITS.partitions.max + 1 }, 'partitions'],
      [{ partitions: 2.5 }, 'partitions'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: LIMITS.maxAttempts.max + 1 }, 'maxAttempts'],
      [{ task: 'n'.repeat(MAX_LENGTH.taskName + 1) }, 'task'],
    ];
    for (const [over, field] of cases) {
      const res = await fetch(`${c.api.base}/api/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ task: 'noop', ...over }).replace('"timeoutMs":1e+300', '"timeoutMs":1e300'),
      });
      const error = errorAnswer(await res.json());
      expect({ over, status: res.status, code: error?.code, field: error?.details?.field }).toEqual({ over, status: 400, code: 'BAD_REQUEST', field });
    }
    const jobs = await c.api.jobs();
    expect(jobs.map((j) => j.task)).toEqual(['primes']); // nothing out of bounds was accepted
    const report = await concurrent;
    expect(report.result).toBe(PRIMES_1E7.expected);
    await expectServing(c);
  });
});
