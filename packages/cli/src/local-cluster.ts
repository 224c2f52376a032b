/**
 * A cluster of real processes on loopback: one coordinator on a free port and
 * N agents, with a fresh random token passed in a file (`--token-file`, mode
 * 0600): never on a command line, where `ps` would show it, nor in the
 * environment, where an agent's process slots could read it from
 * /proc/<agent pid>/environ. For the demo, drills and tests. With `tls`, over
 * wss:// (local-cluster-tls.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CohortError, ErrorCode, type AgentMode, type TlsClientOptions } from '@cohort/shared';
import { clusterTlsSetup, clusterTrust, type ClusterTrust, type LocalClusterTls } from './local-cluster-tls.js';
import { spawnAgent, spawnCoordinator, stopAll, type AgentProcess, type CoordinatorProcess } from './processes.js';

export interface AgentSpec {
  name: string;
  mode: AgentMode;
  slots: number;
  extraArgs?: string[];
}

export interface LocalClusterOptions {
  agents: AgentSpec[];
  coordinatorArgs?: string[];
  logDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Trusted task directories, given to the coordinator and every agent (`--tasks-dir`). */
  tasksDirs?: string[];
  /** Give the agents their own credential (`--agent-token-file`), apart from the client's. */
  splitCredentials?: boolean;
  /**
   * Serve TLS (wss://): `'auto'` makes a self-signed certificate (kept for
   * the cluster's life, so a restart serves the same one; agents and clients
   * pin its fingerprint), or PEM file paths (agents and clients trust `ca`).
   * Default: plain ws://.
   */
  tls?: LocalClusterTls;
}

export interface LocalCluster {
  readonly coordinator: CoordinatorProcess;
  readonly agents: AgentProcess[];
  /** ws://, or wss:// with `tls`. */
  readonly url: string;
  /** What a client needs to verify the coordinator (`{ fingerprint }` or `{ ca }`); undefined without TLS. Pass it on as ApiClient's `tls`. */
  readonly tls: TlsClientOptions | undefined;
  /** The client credential (and the agents' too, unless the credentials are split). */
  readonly token: string;
  /** The credential the agents present: `token`, or their own with `splitCredentials`. */
  readonly agentToken: string;
  readonly logDir: string;
  addAgent(spec: AgentSpec): Promise<AgentProcess>;
  restartCoordinator(extraArgs?: string[]): Promise<CoordinatorProcess>;
  stop(): Promise<void>;
}

export function defaultLogDir(label: string): string {
  return join(os.tmpdir(), `cohort-${label}-${process.pid}-${Date.now()}`);
}

/** Fresh credentials, each in its own 0600 file in a 0700 directory that `remove()` deletes. */
interface Credentials {
  token: string;
  agentToken: string;
  tokenFile: string;
  agentTokenFile: string;
  remove(): void;
}

function writeCredentials(split: boolean): Credentials {
  const dir = mkdtempSync(join(os.tmpdir(), 'cohort-secrets-'));
  const token = randomBytes(24).toString('base64url');
  const agentToken = split ? randomBytes(24).toString('base64url') : token;
  const tokenFile = join(dir, 'token');
  const agentTokenFile = join(dir, 'agent-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  writeFileSync(agentTokenFile, `${agentToken}\n`, { mode: 0o600 });
  return { token, agentToken, tokenFile, agentTokenFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function agentArgs(url: string, tokenFile: string, extra: string[], spec: AgentSpec): string[] {
  return ['--connect', url, '--token-file', tokenFile, ...extra, '--mode', spec.mode, '--slots', String(spec.slots), ...(spec.extraArgs ?? [])];
}

interface Launched {
  coordinator: CoordinatorProcess;
  /** Start the coordinator again (on `port`), with the same credentials and TLS. */
  start(port: string, name: string, extraArgs?: string[]): Promise<CoordinatorProcess>;
  /** The agents' TLS flags and the clients' TLS options. */
  trust: ClusterTrust;
  /** Delete the credentials and any TLS directory. */
  remove(): void;
}

/** Start the coordinator; on a failure, nothing is left behind (the credentials and any TLS directory are deleted). */
async function launchCoordinator(options: LocalClusterOptions, secrets: Credentials, logDir: string, taskDirArgs: string[]): Promise<Launched> {
  const credentialArgs = [
    '--token-file',
    secrets.tokenFile,
    ...(options.splitCredentials ? ['--agent-token-file', secrets.agentTokenFile] : []),
    ...taskDirArgs,
  ];
  const tlsSetup = clusterTlsSetup(options.tls, options.coordinatorArgs ?? []);
  const remove = () => {
    secrets.remove();
    tlsSetup.remove();
  };
  const start = (port: string, name: string, extraArgs: string[] = []) =>
    spawnCoordinator({
      name,
      args: ['--host', '127.0.0.1', '--port', port, ...credentialArgs, ...tlsSetup.coordinatorArgs, ...(options.coordinatorArgs ?? []), ...extraArgs],
      env: { ...options.env, ...tlsSetup.coordinatorEnv },
      logDir,
    });
  let coordinator: CoordinatorProcess | undefined;
  try {
    coordinator = await start('0', 'coordinator');
    return { coordinator, start, trust: clusterTrust(options.tls, coordinator.tlsFingerprint), remove };
  } catch (err) {
    await stopAll([coordinator]);
    remove();
    throw err;
  }
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const secrets = writeCredentials(options.splitCredentials ?? false);
  const { token, agentToken } = secrets;
  const env = options.env ?? {};
  const logDir = options.logDir ?? defaultLogDir('cluster');
  const taskDirArgs = (options.tasksDirs ?? []).flatMap((dir) => ['--tasks-dir', dir]);
  const launched = await launchCoordinator(options, secrets, logDir, taskDirArgs);
  const { trust, remove } = launched;
  let coordinator = launched.coordinator;
  const agents: AgentProcess[] = [];
  const addAgent = async (spec: AgentSpec) => {
    const agent = await spawnAgent({
      name: spec.name,
      args: agentArgs(coordinator.url, secrets.agentTokenFile, [...taskDirArgs, ...trust.agentArgs], spec),
      env,
      logDir,
    });
    agents.push(agent);
    return agent;
  };
  try {
    await Promise.all(options.agents.map(addAgent));
  } catch (err) {
    await stopAll([coordinator, ...agents]);
    remove();
    throw err;
  }
  return {
    get coordinator() {
      return coordinator;
    },
    agents,
    get url() {
      return coordinator.url;
    },
    tls: trust.client,
    token,
    agentToken,
    logDir,
    addAgent,
    async restartCoordinator(extraArgs = []) {
      const pinned = coordinator.tlsFingerprint;
      coordinator = await launched.start(new URL(coordinator.url).port, 'coordinator-2', extraArgs);
      if (options.tls === 'auto' && coordinator.tlsFingerprint !== pinned) {
        throw new CohortError(ErrorCode.INTERNAL, `the restarted coordinator serves another certificate (${coordinator.tlsFingerprint}, not ${pinned})`);
      }
      return coordinator;
    },
    stop: async () => {
      await stopAll([...agents, coordinator]);
      remove();
    },
  };
}
