/**
 * Issue 12, TLS over real processes on loopback: a cluster serving a
 * certificate from a test CA (--tls-cert/--tls-key, agents --tls-ca), and one
 * with --tls auto pinned by fingerprint, each runs a job to the exact answer.
 * Then the refusals, each with its code, on the same coordinators, which go
 * on serving after each: a wrong fingerprint, a wrong CA, plain ws:// to the
 * TLS port, an expired certificate, and a bind beyond loopback without TLS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, runCohort, spawnCoordinator, type Finished } from '@cohort/cli';
import { createCertificate, startCoordinator, type Certificate } from '@cohort/coordinator';
import { connect } from '@cohort/sdk';
import { ErrorCode, silentLogger, type TlsClientOptions } from '@cohort/shared';
import { PRIMES_1E6, cluster, track, waitFor } from './helpers/cluster.js';
import { bodyOf, portOf, rawExchange } from './helpers/raw-http.js';

const dir = mkdtempSync(join(os.tmpdir(), 'cohort-tls-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = ['127.0.0.1', 'localhost'];
const DAY_MS = 86_400_000;

/** A file in the test's directory, mode 0600. */
function secretFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

let ca: Certificate;
let otherCa: Certificate;
const files = { ca: '', otherCa: '', cert: '', key: '', expiredCert: '', expiredKey: '' };

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createCertificate({ commonName: 'cohort test CA', ca: true }), createCertificate({ commonName: 'another CA', ca: true })]);
  const issuer = { cert: ca.cert, key: ca.key };
  const [server, expired] = await Promise.all([
    createCertificate({ commonName: 'localhost', names: NAMES, issuer }),
    createCertificate({ commonName: 'localhost', names: NAMES, issuer, notBefore: new Date(Date.now() - 2 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }),
  ]);
  Object.assign(files, {
    ca: secretFile('ca.pem', ca.cert),
    otherCa: secretFile('other-ca.pem', otherCa.cert),
    cert: secretFile('server.pem', server.cert),
    key: secretFile('server-key.pem', server.key),
    expiredCert: secretFile('expired.pem', expired.cert),
    expiredKey: secretFile('expired-key.pem', expired.key),
  });
});

/** `cohort agent` that should refuse to join: run to its exit (bounded). */
function refusedAgent(url: string, tokenFile: string, trust: string[]): Promise<Finished> {
  return runCohort(['agent', '--name', 'refused', '--connect', url, '--token-file', tokenFile, ...trust], { timeoutMs: 15_000 });
}

/** `cohort jobs --json` with these TLS flags; its one JSON document. */
async function cliJobs(url: string, tokenFile: string, trust: string[]): Promise<{ code: number | null; json: { error?: { code: string; message: string } } }> {
  const ran = await runCohort(['jobs', '--connect', url, '--token-file', tokenFile, '--json', ...trust], { timeoutMs: 15_000 });
  return { code: ran.code, json: JSON.parse(ran.stdout) as { error?: { code: string; message: string } } };
}

/** The coordinator still serves a verified client: `agents` of its agents are ready. */
async function expectServing(api: ApiClient, agents: number): Promise<void> {
  const list = await api.agents();
  expect(list.filter((a) => a.state === 'ready')).toHaveLength(agents);
}

async function refusedClient(url: string, token: string, tls: TlsClientOptions): Promise<{ code?: string; message: string }> {
  const api = new ApiClient({ url, token, tls });
  try {
    await api.jobs();
    return { message: 'served' };
  } catch (err) {
    return err as { code?: string; message: string };
  } finally {
    await api.close();
  }
}

describe('TLS over real processes', () => {
  it('a certificate from a test CA: a job through the SDK trusting it is exact; a wrong CA and plain ws:// are refused with their codes', async () => {
    const c = await cluster(
      [
        { name: 'ca-1', mode: 'threads', slots: 1 },
        { name: 'ca-2', mode: 'threads', slots: 1 },
      ],
      [],
      { tls: { cert: files.cert, key: files.key, ca: files.ca } },
    );
    expect(c.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    expect(c.tls).toEqual({ ca: ca.cert });
    const tokenFile = secretFile('ca-token', `${c.token}\n`);
    const plainUrl = c.url.replace(/^wss:/, 'ws:');

    // In parallel: the job through the SDK, trusting the test CA, and two agents that must not join.
    const exact = (async () => {
      const sdk = await connect(c.url, { token: c.token, tls: { ca: readFileSync(files.ca, 'utf8') } });
      const job = await sdk.submit('primes', PRIMES_1E6.input, { partitions: 4 });
      const result = await job.result();
      await sdk.close();
      return result;
    })();
    const [wrongCa, plain] = await Promise.all([refusedAgent(c.url, tokenFile, ['--tls-ca', files.otherCa]), refusedAgent(plainUrl, tokenFile, [])]);
    expect(await exact).toBe(PRIMES_1E6.expected);

    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr).toContain(ErrorCode.TLS_FAILED);
    expect(wrongCa.stderr).toContain(otherCa.fingerprint); // the CA it was told to trust
    await expectServing(c.api, 2);
    const client = await refusedClient(c.url, c.token, { ca: otherCa.cert });
    expect(client.code).toBe(ErrorCode.TLS_FAILED);
    await expectServing(c.api, 2);

    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(ErrorCode.TLS_REQUIRED);
    expect(plain.stderr).not.toContain(c.token);
    const raw = await rawExchange(portOf(c.url), ['GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n']);
    expect(raw.status).toBe(400);
    expect(bodyOf(raw).error?.code).toBe(ErrorCode.TLS_REQUIRED);
    expect(raw.text).not.toContain(c.token);
    await expectServing(c.api, 2);
    expect((await c.api.jobs()).map((j) => j.status)).toEqual(['succeeded']);
  });

  it('--tls auto pinned by fingerprint: a job through the SDK is exact, a restart keeps the pin, a wrong pin is refused naming both fingerprints', async () => {
    const c = await cluster([{ name: 'pinned', mode: 'threads', slots: 1 }], [], { tls: 'auto' });
    const fingerprint = c.coordinator.tlsFingerprint!;
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(c.tls).toEqual({ fingerprint });

    const sdk = await connect(c.url, { token: c.token, tls: { fingerprint } });
    const job = await sdk.submit('primes', PRIMES_1E6.input, { partitions: 4 });
    expect(await job.result()).toBe(PRIMES_1E6.expected);
    await sdk.close();

    // The same certificate after a restart: the agent's pin still holds and it joins again (meanwhile, a wrong pin is refused).
    c.coordinator.kill('SIGKILL');
    await c.coordinator.exited;
    await c.restartCoordinator();
    expect(c.coordinator.tlsFingerprint).toBe(fingerprint);
    const tokenFile = secretFile('auto-token', `${c.token}\n`);
    const wrong = otherCa.fingerprint;
    const [agent, jobs] = await Promise.all([
      refusedAgent(c.url, tokenFile, ['--tls-fingerprint', wrong]),
      cliJobs(c.url, tokenFile, ['--tls-fingerprint', wrong]),
      waitFor('the pinned agent to rejoin', async () => (await c.api.agents()).some((a) => a.name === 'pinned' && a.state === 'ready'), 10_000),
    ]);
    expect(agent.code).toBe(1);
    expect(agent.stderr).toContain(ErrorCode.TLS_FAILED);
    expect(agent.stderr).toContain(fingerprint);
    expect(agent.stderr).toContain(wrong);
    expect(jobs.code).toBe(1);
    expect(jobs.json.error?.code).toBe(ErrorCode.TLS_FAILED);
    expect(jobs.json.error?.message).toContain(fingerprint);
    expect(jobs.json.error?.message).toContain(wrong);
    await expectServing(c.api, 1);
  });

  it('an expired certificate is refused with TLS_FAILED (CERT_HAS_EXPIRED); the coordinator still serves', async () => {
    const coordinator = await startCoordinator({
      host: '127.0.0.1',
      port: 0,
      token: 'expired-test-token',
      tls: { certFile: files.expiredCert, keyFile: files.expiredKey },
      logger: silentLogger,
      env: {},
    });
    try {
      expect(coordinator.url).toMatch(/^wss:/);
      const tokenFile = secretFile('expired-token', 'expired-test-token\n');
      const jobs = await cliJobs(coordinator.url, tokenFile, ['--tls-ca', files.ca]);
      expect(jobs.code).toBe(1);
      expect(jobs.json.error?.code).toBe(ErrorCode.TLS_FAILED);
      expect(jobs.json.error?.message).toContain('CERT_HAS_EXPIRED');
      const health = await new Promise<number>((resolve, reject) => {
        const req = https.get(`https://127.0.0.1:${coordinator.port}/healthz`, { rejectUnauthorized: false, agent: false, timeout: 5000 }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', reject);
      });
      expect(health).toBe(200);
    } finally {
      await coordinator.close();
    }
  });

  it('a bind beyond loopback without TLS exits at once with INSECURE_BIND; --insecure-no-tls starts, with a warning', async () => {
    const tokenFile = secretFile('bind-token', 'bind-test-token\n');
    const [refused, insecure] = await Promise.all([
      runCohort(['coordinator', '--host', '0.0.0.0', '--port', '0', '--token-file', tokenFile], { timeoutMs: 10_000 }),
      spawnCoordinator({ args: ['--host', '0.0.0.0', '--port', '0', '--token-file', tokenFile, '--insecure-no-tls'] }).then(track),
    ]);
    expect(refused.signal).toBeNull(); // it exited by itself, not killed at the bound
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(ErrorCode.INSECURE_BIND);
    expect(refused.stdout).not.toContain('listening');

    expect(insecure.url).toMatch(/^ws:\/\//);
    await waitFor('the warning', () => insecure.stderrTail().includes('serving without TLS beyond loopback'), 5000);
    await insecure.stop();
    expect(await insecure.exited, insecure.stderrTail()).toEqual({ code: 0, signal: null });
  });
});
