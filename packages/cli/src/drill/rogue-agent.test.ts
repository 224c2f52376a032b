/** The rogue agent verifies a wss:// coordinator as a real agent does, whatever the scheme's case. */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate } from '@cohort/coordinator';
import { waitFor } from '@cohort/shared/internal';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startRogueAgent } from './rogue-agent.js';

describe('rogue agent over WSS://', () => {
  it('checks the pin (in any of its forms) before the upgrade: a wrong one sends nothing, the right one joins the TLS socket', async () => {
    const [served, pinned] = await Promise.all([
      createCertificate({ commonName: 'coordinator', names: ['127.0.0.1'] }),
      createCertificate({ commonName: 'someone else', names: ['127.0.0.1'] }),
    ]);
    const server = https.createServer({ cert: served.cert, key: served.key });
    server.on('tlsClientError', () => {});
    const upgrades: string[] = [];
    const wss = new WebSocketServer({ server });
    wss.on('headers', (_h, req) => upgrades.push(String(req.headers.authorization ?? '')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `WSS://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const wrong = startRogueAgent({ url, token: 'rogue-token', tls: { fingerprint: pinned.fingerprint } });
      await expect(wrong.joined).rejects.toThrow();
      await wrong.closed;
      expect(upgrades).toEqual([]);
      // The pin as 'AB:CD:…' works like the flag's form.
      const hex = served.fingerprint.replace(/^sha256:/, '').toUpperCase();
      const right = startRogueAgent({ url, token: 'rogue-token', tls: { fingerprint: hex.match(/../g)!.join(':') } });
      await waitFor('the upgrade', () => wss.clients.size === 1, { timeoutMs: 3000 });
      expect(upgrades).toEqual(['Bearer rogue-token']);
      right.stop();
    } finally {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
