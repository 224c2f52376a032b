/**
 * TLS for a LocalCluster: what its coordinator is started with, and how its
 * agents and clients verify it.
 *
 * - `'auto'`: `--tls auto`. The certificate is kept in the cluster's own
 *   --state-dir when its coordinator arguments give one, else in a temporary
 *   config directory (XDG_CONFIG_HOME, for the coordinator only) that lives as
 *   long as the cluster, so a restarted coordinator serves the same one and
 *   the agents' pin still holds. Agents get `--tls-fingerprint`, clients
 *   `{ fingerprint }`, both the one the coordinator printed.
 * - `{ cert, key, ca }` (PEM file paths): `--tls-cert`/`--tls-key`; agents
 *   get `--tls-ca`, clients `{ ca }` (the file's text).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CohortError, ErrorCode, type TlsClientOptions } from '@cohort/shared';

/** A LocalCluster's TLS: a certificate made on first start, or PEM files (paths). */
export type LocalClusterTls = 'auto' | { cert: string; key: string; ca: string };

export interface ClusterTlsSetup {
  /** Added to the coordinator's arguments. */
  coordinatorArgs: string[];
  /** Added to the coordinator's environment (not the agents'). */
  coordinatorEnv: NodeJS.ProcessEnv;
  /** Deletes the temporary directory, if one was made. */
  remove(): void;
}

export interface ClusterTrust {
  /** Added to each agent's arguments. */
  agentArgs: string[];
  /** What a client needs to verify the coordinator. */
  client: TlsClientOptions | undefined;
}

const NO_TLS: ClusterTlsSetup = { coordinatorArgs: [], coordinatorEnv: {}, remove: () => {} };

function hasStateDir(args: readonly string[]): boolean {
  return args.some((a) => a === '--state-dir' || a.startsWith('--state-dir='));
}

/** The coordinator's side of `tls`, given the cluster's other coordinator arguments. */
export function clusterTlsSetup(tls: LocalClusterTls | undefined, otherArgs: readonly string[]): ClusterTlsSetup {
  if (tls === undefined) return NO_TLS;
  if (tls !== 'auto') return { coordinatorArgs: ['--tls-cert', tls.cert, '--tls-key', tls.key], coordinatorEnv: {}, remove: () => {} };
  if (hasStateDir(otherArgs)) return { coordinatorArgs: ['--tls', 'auto'], coordinatorEnv: {}, remove: () => {} };
  const dir = mkdtempSync(join(os.tmpdir(), 'cohort-tls-'));
  return { coordinatorArgs: ['--tls', 'auto'], coordinatorEnv: { XDG_CONFIG_HOME: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The agents' and clients' side of `tls`, once the coordinator has printed its fingerprint. */
export function clusterTrust(tls: LocalClusterTls | undefined, fingerprint: string | undefined): ClusterTrust {
  if (tls === undefined) return { agentArgs: [], client: undefined };
  if (tls !== 'auto') return { agentArgs: ['--tls-ca', tls.ca], client: { ca: readFileSync(tls.ca, 'utf8') } };
  if (fingerprint === undefined) throw new CohortError(ErrorCode.INTERNAL, 'the coordinator started with --tls auto printed no tls fingerprint line');
  return { agentArgs: ['--tls-fingerprint', fingerprint], client: { fingerprint } };
}
