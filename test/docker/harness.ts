/**
 * Docker test harness: a user-defined network, a coordinator container and
 * agent containers from the suite's image (see global-setup.ts), all labelled
 * with the run id and removed by id after each test, pass or fail.
 *
 * The coordinator's port is published on 127.0.0.1 only; the tests talk to it
 * there and to nothing else. Faults are injected with the docker CLI by
 * container id (kill, pause, network disconnect), the way an operator would.
 *
 * Everything runs over TLS, as docker/compose.yml does: the coordinator binds
 * 0.0.0.0 with `--tls auto` (its certificate made on first start, in its state
 * dir); the harness reads the pin from its log line `cohort coordinator tls
 * fingerprint sha256:…`; the agents dial wss://coordinator:7070 pinned to it
 * (COHORT_TLS_FINGERPRINT), and the tests' clients pin it too (`tls`).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterEach, inject } from 'vitest';
import { ApiClient, eventsOf, watchJob, type JobProgress, type ReceivedEvent, type WatchedRun } from '@cohort/cli';
import type { AgentInfo, ClusterEventOf, TlsClientOptions } from '@cohort/shared';
import { waitFor as waitUntil } from '@cohort/shared/internal';

const DOCKER = process.env.DOCKER || 'docker';
const RUN_LABEL = 'org.cohort.test.run';
const START_TIMEOUT_MS = 60_000;
/** How long after its health check passes the coordinator's pin may take to reach its log. */
const PIN_TIMEOUT_MS = 10_000;
/** The line `cohort coordinator` prints on stdout with TLS on. */
const PIN_LINES = /^cohort coordinator tls fingerprint (sha256:[0-9a-f]{64})$/gm;

export function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DOCKER, args, { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout.trim()),
    );
  });
}

/** A container's log tail, stdout and stderr (the JSON logs) together. */
function logTail(id: string, lines: number | 'all'): Promise<string> {
  return new Promise((resolve) => {
    execFile(DOCKER, ['logs', '--tail', String(lines), id], { timeout: 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve(err ? err.message : `${stdout}${stderr}`.trim()),
    );
  });
}

/** A GenericContainer that publishes its ports on 127.0.0.1 only (testcontainers binds all interfaces). */
class LoopbackContainer extends GenericContainer {
  withLoopbackPort(container: number, host?: number): this {
    this.withExposedPorts(host === undefined ? container : { container, host });
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}) as Array<Array<{ HostIp?: string }>>) {
      for (const b of bindings) b.HostIp = '127.0.0.1';
    }
    return this;
  }
}

type Cleanup = () => Promise<unknown>;
const cleanups: Cleanup[] = [];
const containers: Array<{ id: string; name: string }> = [];

afterEach(async (ctx) => {
  // On failure, the evidence: each container's state and the tail of its log.
  if (ctx.task.result?.state === 'fail') {
    for (const c of containers) {
      const state = await docker('inspect', '-f', '{{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}}', c.id).catch(
        (e) => (e as Error).message,
      );
      const logs = await logTail(c.id, 40);
      process.stderr.write(`--- ${c.name} (${c.id.slice(0, 12)}): ${state}\n${logs}\n`);
    }
  }
  containers.splice(0);
  // Last created, first removed: containers before their network and volume.
  for (const clean of cleanups.splice(0).reverse()) await clean().catch((e) => process.stderr.write(`cleanup: ${(e as Error).message}\n`));
});

async function removeContainer(id: string): Promise<void> {
  await docker('unpause', id).catch(() => {});
  await docker('rm', '-f', '-v', id);
}

export function runLabel(): Record<string, string> {
  return { [RUN_LABEL]: inject('cohortRunId') };
}

export async function network(): Promise<string> {
  const name = `cohort-test-${randomBytes(4).toString('hex')}`;
  await docker('network', 'create', '--label', `${RUN_LABEL}=${inject('cohortRunId')}`, name);
  cleanups.push(() => docker('network', 'rm', name));
  return name;
}

export async function volume(): Promise<string> {
  const name = `cohort-test-state-${randomBytes(4).toString('hex')}`;
  await docker('volume', 'create', '--label', `${RUN_LABEL}=${inject('cohortRunId')}`, name);
  cleanups.push(() => docker('volume', 'rm', '-f', name));
  return name;
}

export function token(): string {
  return randomBytes(24).toString('base64url');
}

/** A free TCP port on 127.0.0.1 (for a coordinator that must keep its address across a restart). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Coordinator {
  container: StartedTestContainer;
  id: string;
  /** wss://127.0.0.1:PORT, the published port. */
  url: string;
  /** The published port on 127.0.0.1. */
  port: number;
  api: ApiClient;
  token: string;
  /** The coordinator's certificate pin, sha256:HEX, as its log printed it. */
  fingerprint: string;
  /** What the tests' clients verify the coordinator with: the pin. */
  tls: TlsClientOptions;
}

/** The pins the coordinator printed, one per start (a container's log keeps every start's lines), once there are `starts` of them. */
export async function pinsOf(id: string, starts = 1): Promise<string[]> {
  return waitFor(
    `the coordinator to print its tls fingerprint ${starts} time(s)`,
    async () => {
      const pins = [...(await logTail(id, 'all')).matchAll(PIN_LINES)].map((m) => m[1]!);
      return pins.length >= starts ? pins : undefined;
    },
    PIN_TIMEOUT_MS,
  );
}

export async function startCoordinator(
  net: string,
  secret: string,
  options: { args?: string[]; volume?: string; hostPort?: number } = {},
): Promise<Coordinator> {
  const stateDir = options.volume ? ['--state-dir', '/var/lib/cohort'] : [];
  const c = new LoopbackContainer(inject('cohortImage'))
    .withNetworkMode(net)
    .withNetworkAliases('coordinator')
    .withLabels(runLabel())
    .withEnvironment({ COHORT_TOKEN: secret, COHORT_ROLE: 'coordinator' })
    .withCommand(['coordinator', '--host', '0.0.0.0', '--port', '7070', '--tls', 'auto', '--tls-name', 'coordinator', ...stateDir, ...(options.args ?? [])])
    .withLoopbackPort(7070, options.hostPort)
    // The wait only asks whether https answers: the pin is checked by every client after it.
    .withWaitStrategy(Wait.forHttp('/healthz', 7070).usingTls().allowInsecure())
    .withStartupTimeout(START_TIMEOUT_MS);
  if (options.volume) c.withBindMounts([{ source: options.volume, target: '/var/lib/cohort' }]);
  const container = await c.start();
  const id = container.getId();
  cleanups.push(() => removeContainer(id));
  containers.push({ id, name: 'coordinator' });
  const fingerprint = (await pinsOf(id))[0]!;
  const port = container.getMappedPort(7070);
  const url = `wss://127.0.0.1:${port}`;
  const tls = { fingerprint };
  const api = new ApiClient({ url, token: secret, tls });
  cleanups.push(() => api.close());
  return { container, id, url, port, token: secret, fingerprint, tls, api };
}

export interface Agent {
  container: StartedTestContainer;
  id: string;
  name: string;
}

/** An agent container dialling wss://coordinator:7070, pinned to `fingerprint` through COHORT_TLS_FINGERPRINT (as compose does). */
export async function startAgent(
  net: string,
  secret: string,
  fingerprint: string,
  name: string,
  options: { mode?: string; cpus?: number } = {},
): Promise<Agent> {
  const c = new GenericContainer(inject('cohortImage'))
    .withNetworkMode(net)
    .withHostname(name)
    .withLabels(runLabel())
    .withEnvironment({ COHORT_TOKEN: secret, COHORT_TLS_FINGERPRINT: fingerprint, COHORT_ROLE: 'agent', COHORT_HEALTH_FILE: '/tmp/cohort-agent.health' })
    .withCommand(['agent', '--connect', 'wss://coordinator:7070', '--name', name, '--mode', options.mode ?? 'threads', '--slots', '1'])
    .withWaitStrategy(Wait.forLogMessage(/cohort agent \S+ joined /))
    .withStartupTimeout(START_TIMEOUT_MS);
  if (options.cpus !== undefined) c.withResourcesQuota({ cpu: options.cpus });
  const container = await c.start();
  const id = container.getId();
  cleanups.push(() => removeContainer(id));
  containers.push({ id, name });
  return { container, id, name };
}

/** A coordinator and `n` agents named agent-1..n on a fresh network. */
export async function cluster(n: number, options: { coordinatorArgs?: string[]; volume?: string; hostPort?: number; cpus?: number } = {}) {
  const net = await network();
  const secret = token();
  const coordinator = await startCoordinator(net, secret, {
    args: options.coordinatorArgs ?? [],
    ...(options.volume && { volume: options.volume }),
    ...(options.hostPort && { hostPort: options.hostPort }),
  });
  const agents = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      startAgent(net, secret, coordinator.fingerprint, `agent-${i + 1}`, options.cpus === undefined ? {} : { cpus: options.cpus }),
    ),
  );
  await agentsReady(
    coordinator.api,
    agents.map((a) => a.name),
  );
  return { net, secret, coordinator, agents };
}

export type AgentView = AgentInfo;

export async function listAgents(api: ApiClient): Promise<AgentView[]> {
  return api.agents();
}

export async function agentsReady(api: ApiClient, names: string[], timeoutMs = 30_000): Promise<AgentView[]> {
  return waitFor(
    `agents ${names.join(', ')} ready`,
    async () => {
      const agents = await listAgents(api).catch(() => []);
      return names.every((n) => agents.some((a) => a.name === n && a.state === 'ready')) ? agents : undefined;
    },
    timeoutMs,
  );
}

/** The shared waitFor (@cohort/shared/internal), polling every 50 ms, with the timeout as the third argument. */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  return waitUntil(what, check, { timeoutMs, intervalMs: 50 });
}

/** A cluster event, stamped with when the test received it. */
export type ClusterEvent = ReceivedEvent;

/** A watched run (see @cohort/cli watchJob): the report, the events and (time, done) samples, when it was submitted and ended. */
export type Followed = WatchedRun;

/** Submit a job and follow it to its end; `onProgress` is the place to inject a fault. Events land in `events` as they arrive. */
export function follow(
  c: Coordinator,
  spec: { task: string; input: unknown; partitions: number },
  onProgress: (p: JobProgress) => void = () => {},
  events: ClusterEvent[] = [],
): Promise<Followed> {
  return watchJob(c, spec, { onProgress, events, reattachTimeoutMs: 60_000 });
}

/** Run a docker fault command once, from a progress callback; the promise is kept so the test can await it. */
export function once(): { fire(fn: () => Promise<unknown>): void; fired: Promise<unknown> | undefined; at: number } {
  const state = {
    fired: undefined as Promise<unknown> | undefined,
    at: 0,
    fire(fn: () => Promise<unknown>) {
      if (state.fired) return;
      state.at = Date.now();
      state.fired = fn();
      state.fired.catch(() => {});
    },
  };
  return state;
}

/**
 * Follow a job and `docker kill` the `victim` container once `at` of its
 * partitions are done; resolves after both the job and the kill. `lost` is
 * the victim's agent-lost event, if one arrived.
 */
export async function followWithKill(
  c: Coordinator,
  spec: { task: string; input: unknown; partitions: number },
  victim: { id: string; name: string },
  at = 0.4,
): Promise<{ run: Followed; fault: ReturnType<typeof once>; lost: ClusterEventOf<'agent-lost'> | undefined }> {
  const fault = once();
  const events: ClusterEvent[] = [];
  const run = await follow(
    c,
    spec,
    (p) => {
      if (p.done >= at * p.total) fault.fire(() => docker('kill', victim.id));
    },
    events,
  );
  if (!fault.fired) throw new Error(`the job ended before ${at * 100}% of it was done: ${victim.name} was never killed`);
  await fault.fired;
  return { run, fault, lost: eventsOf(events, 'agent-lost', victim.name)[0] };
}

/** π(2·10^9): the same job as `cohort demo`, a few seconds on these agents. */
export const PRIMES_2E9 = { task: 'primes', input: { from: 0, to: 2_000_000_000 }, partitions: 48, expected: 98_222_287 } as const;
