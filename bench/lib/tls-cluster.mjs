/**
 * A local cluster with TLS on or off: LocalCluster's own `tls: 'auto'` (the
 * coordinator runs `--tls auto`, its certificate kept in a temporary
 * $XDG_CONFIG_HOME rather than a --state-dir, so that the journal stays off
 * and TLS is measured against a coordinator doing the same work as the plain
 * one; each agent joins pinned with `--tls-fingerprint`).
 */
import { startLocalCluster } from '@cohort/cli';

/**
 * `agents` (AgentSpec[]) on one coordinator, `tls` or plain, `env` added to the processes'. The handle has
 * what runJob needs ({url, token, clientTls}), the pids, and stop().
 */
export async function benchCluster(tls, agents, env = {}) {
  const c = await startLocalCluster({ agents, env, ...(tls && { tls: 'auto' }) });
  if (tls && !c.url.startsWith('wss://')) {
    await c.stop();
    throw new Error(`the TLS coordinator listens on ${c.url}`);
  }
  return {
    tls: Boolean(tls),
    fingerprint: c.tls?.fingerprint,
    url: c.url,
    token: c.token,
    clientTls: c.tls,
    coordinator: c.coordinator,
    agents: c.agents,
    stop: () => c.stop(),
  };
}
