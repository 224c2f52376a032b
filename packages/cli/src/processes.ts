/**
 * Start Cohort processes (a coordinator, agents) from the CLI's own binary,
 * wait until each says it is ready, and stop each by its own pid. Used by
 * `cohort demo`, `cohort drill` and the cluster tests. Every wait has a time
 * limit, and a child that exits before it is ready fails the wait at once
 * with its stderr tail as evidence.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CohortError, ErrorCode, withoutSecrets } from '@cohort/shared';

export const COHORT_BIN = fileURLToPath(new URL('../bin/cohort.mjs', import.meta.url));
export const READY_TIMEOUT_MS = 20_000;
export const STOP_TIMEOUT_MS = 5_000;
/**
 * The coordinator's ready line: plain, or with TLS followed by its fingerprint
 * line (both in one write); each matched to its newline, so a chunk cut
 * mid-line does not match early.
 */
const LISTENING = /^cohort coordinator listening on (?:(ws:\/\/\S+)|(wss:\/\/\S+)\ncohort coordinator tls fingerprint (sha256:[0-9a-f]{64}))\n/m;
const JOINED = /^cohort agent (\S+) joined (\S+) as (a_[0-9a-z]+)/m;

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly name: string;
  /** The stdout line that said it was ready, matched. */
  readonly match: RegExpMatchArray;
  stdout(): string;
  stderrTail(): string;
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  args: string[];
  /** The `cohort` bin file to run (an installed one, say); default this checkout's. */
  bin?: string;
  env?: NodeJS.ProcessEnv;
  /** Where to write the child's stderr (its JSON logs); default: kept in memory only. */
  logDir?: string;
  readyTimeoutMs?: number;
}

/** A started child, its output gathered: all of stdout, the tail of stderr (also written to the log file, if any). */
interface Child {
  child: ChildProcess;
  out(): string;
  errTail(): string;
  exited: Spawned['exited'];
}

function startChild(options: SpawnOptions): Child {
  const child = spawn(process.execPath, [options.bin ?? COHORT_BIN, ...options.args], {
    // This process's own Cohort secrets stay here; a child gets only those it is given.
    env: { ...withoutSecrets(process.env), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errTail = '';
  let log: WriteStream | undefined;
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    log = createWriteStream(join(options.logDir, `${options.name}.log`));
  }
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    errTail = (errTail + d).slice(-8000);
    log?.write(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    });
  });
  return { child, out: () => out, errTail: () => errTail, exited };
}

/** The handle of a child that said it was ready. */
function spawned(c: Child, name: string, match: RegExpMatchArray): Spawned {
  const { child, exited } = c;
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    name,
    match,
    stdout: c.out,
    stderrTail: c.errTail,
    exited,
    kill: (signal) => {
      if (running()) child.kill(signal);
    },
    stop: async () => {
      if (!running()) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function spawnCohort(options: SpawnOptions, ready: RegExp): Promise<Spawned> {
  const c = startChild(options);
  const { child } = c;
  const timeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new CohortError(ErrorCode.INTERNAL, `${options.name} did not become ready: ${why}\nstderr:\n${c.errTail().slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    const onData = () => {
      const match = ready.exec(c.out());
      if (!match) return;
      cleanup();
      resolve(spawned(c, options.name, match));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited early (code ${code}, signal ${signal})`);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

export interface CoordinatorProcess extends Spawned {
  readonly url: string;
  /** With TLS, the certificate's fingerprint as it printed it (`sha256:…`). */
  readonly tlsFingerprint: string | undefined;
}

export async function spawnCoordinator(options: Omit<SpawnOptions, 'name'> & { name?: string }): Promise<CoordinatorProcess> {
  const spawned = await spawnCohort({ name: 'coordinator', ...options, args: ['coordinator', ...options.args] }, LISTENING);
  const [, plain, secure, tlsFingerprint] = spawned.match;
  return Object.assign(spawned, { url: (plain ?? secure)!, tlsFingerprint });
}

export interface AgentProcess extends Spawned {
  readonly sessionId: string;
}

export async function spawnAgent(options: SpawnOptions): Promise<AgentProcess> {
  const spawned = await spawnCohort({ ...options, args: ['agent', '--name', options.name, ...options.args] }, JOINED);
  return Object.assign(spawned, { sessionId: spawned.match[3]! });
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `cohort ARGS` to its exit, for commands expected to stop by themselves
 * (a refusal to start, say). Killed with SIGKILL after `timeoutMs`; the result
 * then shows the signal.
 */
export function runCohort(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Finished> {
  const child = spawn(process.execPath, [COHORT_BIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd !== undefined && { cwd: options.cwd }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-64_000)));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? READY_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Stop every process given, each by its own pid; never throws. */
export async function stopAll(processes: Array<Spawned | undefined>): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop().catch(() => {})));
}
