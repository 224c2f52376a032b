/**
 * A cluster of real processes on loopback: one coordinator on a free port and
 * N agents, with a fresh random token passed through the environment (never
 * on a command line, where `ps` would show it). For the demo, drills and tests.
 */
import { randomBytes } from 'node:crypto';
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
}

export interface LocalCluster {
  readonly coordinator: CoordinatorProcess;
  readonly agents: AgentProcess[];
  readonly url: string;
  readonly token: string;
  readonly logDir: string;
  addAgent(spec: AgentSpec): Promise<AgentProcess>;
  restartCoordinator(extraArgs?: string[]): Promise<CoordinatorProcess>;
  stop(): Promise<void>;
}

export function defaultLogDir(label: string): string {
  return join(os.tmpdir(), `cohort-${label}-${process.pid}-${Date.now()}`);
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const token = randomBytes(24).toString('base64url');
  const env = { ...options.env, COHORT_TOKEN: token };
  const logDir = options.logDir ?? defaultLogDir('cluster');
  const coordinatorArgs = ['--host', '127.0.0.1', '--port', '0', ...(options.coordinatorArgs ?? [])];
  let coordinator = await spawnCoordinator({ args: coordinatorArgs, env, logDir });
  const agents: AgentProcess[] = [];
  const addAgent = async (spec: AgentSpec) => {
    const agent = await spawnAgent({
      name: spec.name,
      args: ['--connect', coordinator.url, '--mode', spec.mode, '--slots', String(spec.slots), ...(spec.extraArgs ?? [])],
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
    logDir,
    addAgent,
    async restartCoordinator(extraArgs = []) {
      const port = new URL(coordinator.url).port;
      coordinator = await spawnCoordinator({ name: 'coordinator-2', args: ['--host', '127.0.0.1', '--port', port, ...(options.coordinatorArgs ?? []), ...extraArgs], env, logDir });
      return coordinator;
    },
    stop: () => stopAll([...agents, coordinator]),
  };
}
