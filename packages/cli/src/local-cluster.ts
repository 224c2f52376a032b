/**
 * A cluster of real processes on loopback: one coordinator on a free port and
 * N agents, with a fresh random token passed in a file (`--token-file`, mode
 * 0600): never on a command line, where `ps` would show it, nor in the
 * environment, where an agent's process slots could read it from
 * /proc/<agent pid>/environ. For the demo, drills and tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { AgentMode } from '@cohort/shared';
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
}

export interface LocalCluster {
  readonly coordinator: CoordinatorProcess;
  readonly agents: AgentProcess[];
  readonly url: string;
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
function writeCredentials(split: boolean): { token: string; agentToken: string; tokenFile: string; agentTokenFile: string; remove(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), 'cohort-secrets-'));
  const token = randomBytes(24).toString('base64url');
  const agentToken = split ? randomBytes(24).toString('base64url') : token;
  const tokenFile = join(dir, 'token');
  const agentTokenFile = join(dir, 'agent-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  writeFileSync(agentTokenFile, `${agentToken}\n`, { mode: 0o600 });
  return { token, agentToken, tokenFile, agentTokenFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function agentArgs(url: string, tokenFile: string, trust: string[], spec: AgentSpec): string[] {
  return ['--connect', url, '--token-file', tokenFile, ...trust, '--mode', spec.mode, '--slots', String(spec.slots), ...(spec.extraArgs ?? [])];
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const secrets = writeCredentials(options.splitCredentials ?? false);
  const { token, agentToken } = secrets;
  const env = options.env ?? {};
  const logDir = options.logDir ?? defaultLogDir('cluster');
  const trust = (options.tasksDirs ?? []).flatMap((dir) => ['--tasks-dir', dir]);
  const credentialArgs = ['--token-file', secrets.tokenFile, ...(options.splitCredentials ? ['--agent-token-file', secrets.agentTokenFile] : []), ...trust];
  const coordinatorArgs = ['--host', '127.0.0.1', '--port', '0', ...credentialArgs, ...(options.coordinatorArgs ?? [])];
  let coordinator: CoordinatorProcess;
  try {
    coordinator = await spawnCoordinator({ args: coordinatorArgs, env, logDir });
  } catch (err) {
    secrets.remove();
    throw err;
  }
  const agents: AgentProcess[] = [];
  const addAgent = async (spec: AgentSpec) => {
    const agent = await spawnAgent({ name: spec.name, args: agentArgs(coordinator.url, secrets.agentTokenFile, trust, spec), env, logDir });
    agents.push(agent);
    return agent;
  };
  try {
    await Promise.all(options.agents.map(addAgent));
  } catch (err) {
    await stopAll([coordinator, ...agents]);
    secrets.remove();
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
    token,
    agentToken,
    logDir,
    addAgent,
    async restartCoordinator(extraArgs = []) {
      const port = new URL(coordinator.url).port;
      coordinator = await spawnCoordinator({
        name: 'coordinator-2',
        args: ['--host', '127.0.0.1', '--port', port, ...credentialArgs, ...(options.coordinatorArgs ?? []), ...extraArgs],
        env,
        logDir,
      });
      return coordinator;
    },
    stop: async () => {
      await stopAll([...agents, coordinator]);
      secrets.remove();
    },
  };
}
