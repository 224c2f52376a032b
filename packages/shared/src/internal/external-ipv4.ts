/** This machine's first external IPv4 address: for a join line printed on a wildcard bind, and for tests that need a non-loopback address. */
import os from 'node:os';

/** The first IPv4 address of `interfaces` (default this machine's) that is not internal (loopback); undefined when there is none. */
export function externalIPv4(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string | undefined {
  for (const list of Object.values(interfaces)) {
    const external = list?.find((i) => i.family === 'IPv4' && !i.internal);
    if (external) return external.address;
  }
  return undefined;
}
