/**
 * A plain TCP listener on one of this machine's own non-loopback addresses
 * (a token sent to it would cross a network), recording every byte it
 * receives and answering each connection's first bytes with 400
 * TLS_REQUIRED, as a TLS coordinator answers plain HTTP. `address` is
 * undefined when the machine has no such interface (skip the test then).
 */
import net from 'node:net';
import { externalIPv4 } from '@cohort/shared/internal';

/** The first IPv4 address of this machine that is not internal (loopback), if any (shared's externalIPv4). */
export const nonLoopbackAddress = (): string | undefined => externalIPv4();

export interface PlainListener {
  /** host:port */
  hostPort: string;
  /** Everything received, over all connections. */
  received(): string;
  connections(): number;
  close(): Promise<void>;
}

const ANSWER = '{"error":{"code":"TLS_REQUIRED","message":"this port speaks TLS"}}';

export async function plainListener(address: string): Promise<PlainListener> {
  let received = '';
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', () =>
      s.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${ANSWER.length}\r\nconnection: close\r\n\r\n${ANSWER}`),
    );
    s.on('data', (d: Buffer) => (received += d.toString('latin1')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  return {
    hostPort: `${address}:${(server.address() as net.AddressInfo).port}`,
    received: () => received,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
