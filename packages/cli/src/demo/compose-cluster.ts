/**
 * The docker demo's compose cluster (docker/compose.yml), brought up over TLS
 * the way its header tells an operator to:
 *  1. `up -d coordinator` alone: it runs `--tls auto`, making its certificate
 *     on the state volume on first start;
 *  2. wait until its health check (https, pinned to that certificate) passes;
 *  3. read the pin in its container: `node /app/cohort.mjs tls fingerprint
 *     --state-dir /var/lib/cohort`;
 *  4. `up -d` with COHORT_TLS_FINGERPRINT set: the agents dial
 *     wss://coordinator:7070 pinned to it.
 * The demo's own clients (ApiClient, watchJob) pin it too (`tls`).
 *
 * The token and the pin reach docker-compose through the environment only.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CohortError, ErrorCode, normalizeFingerprint, type TlsClientOptions } from '@cohort/shared';
import { waitFor } from '@cohort/shared/internal';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const COMPOSE_FILE = `${ROOT}docker/compose.yml`;
export const DOCKER = process.env.DOCKER || 'docker';
const DOCKER_TIMEOUT_MS = 300_000;
/** How long the coordinator container may take to pass its first health check (it checks every 2 s). */
const HEALTHY_TIMEOUT_MS = 60_000;
/** Where the image's coordinator keeps its state, and so its certificate (docker/compose.yml). */
const STATE_DIR = '/var/lib/cohort';

export interface Exec {
  stdout: string;
  stderr: string;
}

/** Run a command to its end; reject with its stderr when it fails. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = DOCKER_TIMEOUT_MS): Promise<Exec> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout, maxBuffer: 16 << 20, cwd: ROOT }, (err, stdout, stderr) => {
      if (err) reject(new CohortError(ErrorCode.INTERNAL, `${cmd} ${args.join(' ')} failed: ${stderr.trim().split('\n').slice(-5).join('\n') || err.message}`));
      else resolve({ stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** Run a setup script with its log lines passed through to our stderr (unless quiet); resolve with its stdout. */
export function script(path: string, args: string[], quiet: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new CohortError(ErrorCode.INTERNAL, `${path} exited with ${code}`))));
  });
}

export interface ComposeCluster {
  project: string;
  env: NodeJS.ProcessEnv;
  /** wss://127.0.0.1:PORT once up. */
  url: string;
  token: string;
  /** The coordinator's pin once up. */
  tls: TlsClientOptions | undefined;
  compose(args: string[]): Promise<Exec>;
}

export function composeCluster(image: string): ComposeCluster {
  const project = `cohortdemo${process.pid}`;
  const token = randomBytes(24).toString('base64url');
  // The agents' pin is unknown until the coordinator has made its certificate: set, and empty, until then.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    COHORT_TOKEN: token,
    COHORT_TLS_FINGERPRINT: '',
    COHORT_IMAGE: image,
    COHORT_PUBLISH: '127.0.0.1:',
    COHORT_MODE: 'threads',
  };
  const compose = (args: string[]) => run('docker-compose', ['-f', COMPOSE_FILE, '-p', project, ...args], env);
  return { project, env, token, url: '', tls: undefined, compose };
}

/** The two-step bring-up: the coordinator, its pin, then the agents pinned to it. */
export async function upOverTls(c: ComposeCluster, agents: number, say: (line: string) => void): Promise<void> {
  say(`docker-compose -p ${c.project} up -d coordinator (--tls auto, certificate on the state volume)`);
  await c.compose(['up', '-d', 'coordinator']);
  const coordinator = await containerOf(c, 'coordinator');
  await waitFor('the coordinator container to be healthy', async () => (await healthOf(coordinator.id)) === 'healthy', {
    timeoutMs: HEALTHY_TIMEOUT_MS,
    intervalMs: 250,
  });
  const fingerprint = await readPin(c);
  c.env.COHORT_TLS_FINGERPRINT = fingerprint;
  c.tls = { fingerprint };
  say(`coordinator healthy; pin ${fingerprint} (cohort tls fingerprint --state-dir ${STATE_DIR}, in its container)`);
  say(`docker-compose -p ${c.project} up -d (${agents} agents dialling wss://coordinator:7070, pinned by COHORT_TLS_FINGERPRINT)`);
  await c.compose(['up', '-d']);
  const published = (await c.compose(['port', 'coordinator', '7070'])).stdout; // 127.0.0.1:NNNNN
  if (!/^127\.0\.0\.1:\d+$/.test(published))
    throw new CohortError(ErrorCode.INTERNAL, `coordinator port published as ${JSON.stringify(published)}, expected 127.0.0.1:PORT`);
  c.url = `wss://${published}`;
}

/** The pin, read in the coordinator's container from the certificate `--tls auto` keeps. */
async function readPin(c: ComposeCluster): Promise<string> {
  const out = (await c.compose(['exec', '-T', 'coordinator', 'node', '/app/cohort.mjs', 'tls', 'fingerprint', '--state-dir', STATE_DIR])).stdout;
  try {
    return normalizeFingerprint(out.split('\n').pop() ?? '');
  } catch {
    throw new CohortError(
      ErrorCode.INTERNAL,
      `cohort tls fingerprint in the coordinator's container printed ${JSON.stringify(out.slice(0, 200))}, not sha256:HEX`,
    );
  }
}

async function healthOf(id: string): Promise<string> {
  return (await run(DOCKER, ['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', id])).stdout;
}

export async function containerOf(c: ComposeCluster, service: string): Promise<{ id: string; name: string }> {
  const id = (await c.compose(['ps', '-q', service])).stdout;
  const name = (await run(DOCKER, ['inspect', '-f', '{{.Name}}', id])).stdout.replace(/^\//, '');
  return { id, name };
}
