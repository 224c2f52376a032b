/**
 * A local cluster with TLS on or off, through the CLI's own flags (not a
 * LocalCluster option): the coordinator runs `--tls auto`, its fingerprint is
 * read from its stdout line `cohort coordinator tls fingerprint sha256:…`,
 * and each agent joins with `--tls-fingerprint` (pinned). The certificate is
 * kept in a temporary $XDG_CONFIG_HOME, not in a --state-dir: a state dir
 * would also turn the journal on, and then TLS would be measured against a
 * coordinator doing other work than the plain one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalCluster } from '@cohort/cli';

const FINGERPRINT = /^cohort coordinator tls fingerprint (sha256:[0-9a-f]{64})$/m;
const FINGERPRINT_WAIT_MS = 5000;

async function fingerprintOf(coordinator) {
  const deadline = Date.now() + FINGERPRINT_WAIT_MS;
  for (;;) {
    const m = FINGERPRINT.exec(coordinator.stdout());
    if (m) return m[1];
    if (Date.now() > deadline) throw new Error(`no tls fingerprint line on the coordinator's stdout within ${FINGERPRINT_WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `agents` (AgentSpec[]) on one coordinator, `tls` or plain, `env` added to the processes'. The handle has
 * what runJob needs ({url, token, tls}), the pids, and stop().
 */
export async function benchCluster(tls, agents, env = {}) {
  if (!tls) {
    const c = await startLocalCluster({ agents, env });
    return { tls: false, url: c.url, token: c.token, clientTls: undefined, coordinator: c.coordinator, agents: c.agents, stop: () => c.stop() };
  }
  const configHome = mkdtempSync(path.join(os.tmpdir(), 'cohort-bench-tls-'));
  let c;
  try {
    c = await startLocalCluster({ agents: [], coordinatorArgs: ['--tls', 'auto'], env: { ...env, XDG_CONFIG_HOME: configHome } });
  } catch (err) {
    rmSync(configHome, { recursive: true, force: true });
    throw err;
  }
  const stop = async () => {
    await c.stop();
    rmSync(configHome, { recursive: true, force: true });
  };
  try {
    if (!c.url.startsWith('wss://')) throw new Error(`the TLS coordinator listens on ${c.url}`);
    const fingerprint = await fingerprintOf(c.coordinator);
    for (const spec of agents) await c.addAgent({ ...spec, extraArgs: [...(spec.extraArgs ?? []), '--tls-fingerprint', fingerprint] });
    return { tls: true, fingerprint, url: c.url, token: c.token, clientTls: { fingerprint }, coordinator: c.coordinator, agents: c.agents, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
