/**
 * Mutual TLS (`--tls-client-ca`), checked at the HTTP layer: the TLS layer
 * asks for a client certificate but lets a connection without a good one
 * finish its handshake, so that it can be told why in words (401
 * TLS_FAILED) instead of with a TLS alert. Every request but GET /healthz
 * (it says nothing secret) and the agents' upgrade pass here first, before
 * the token check.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { CohortError, ErrorCode, normalizeFingerprint } from '@cohort/shared';

export const CLIENT_CERT_REQUIRED = 'a client certificate signed by --tls-client-ca is required';

/** Throw TLS_FAILED when mutual TLS is on and the request's socket presented no certificate the client CA signed. */
export function requireClientCertificate(req: IncomingMessage, mutualTls: boolean): void {
  if (!mutualTls) return;
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized === true) return;
  const presented = presentedFingerprint(socket);
  if (presented === undefined) {
    throw new CohortError(ErrorCode.TLS_FAILED, `${CLIENT_CERT_REQUIRED}: none was presented`, { details: { reason: 'none presented' } });
  }
  const reason = String(socket.authorizationError ?? 'not authorized');
  throw new CohortError(ErrorCode.TLS_FAILED, `${CLIENT_CERT_REQUIRED}: the certificate presented (${presented}) was refused: ${reason}`, {
    details: { presented, reason },
  });
}

function presentedFingerprint(socket: Partial<TLSSocket>): string | undefined {
  try {
    const peer = socket.getPeerCertificate?.();
    return peer?.fingerprint256 ? normalizeFingerprint(peer.fingerprint256) : undefined;
  } catch {
    return undefined;
  }
}
