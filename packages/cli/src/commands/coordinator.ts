import { parseArgs } from 'node:util';
import { startCoordinator } from '@cohort/coordinator';
import { COMMON_FLAGS, intFlag, loggerFlag, numberFlag } from '../args.js';

export const COORDINATOR_HELP = `cohort coordinator [--host 127.0.0.1] [--port 7070] [--token T]
    [--heartbeat-ms 500] [--heartbeat-timeout-ms 2000] [--max-attempts 3]
    [--state-dir DIR] [--max-payload-bytes 67108864] [--max-body-bytes 67108864] [--log-level info]
    [--headers-timeout-ms 10000] [--request-timeout-ms 60000] [--keep-alive-timeout-ms 5000]
    [--max-pending-connections 512]
    [--no-speculation] [--speculation-quantile 0.75] [--speculation-multiplier 1.5]
  Serves agents (ws://HOST:PORT/agent), the JSON API and progress streams on one port.
  The token may also come from COHORT_TOKEN. Binding beyond loopback requires a token.
  A connection must send its request head within --headers-timeout-ms (the idle limit).
  Exits 1 at once with LISTEN_FAILED if the address cannot be bound.`;

export async function coordinatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      'heartbeat-timeout-ms': { type: 'string' },
      'max-attempts': { type: 'string' },
      'state-dir': { type: 'string' },
      'max-payload-bytes': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'headers-timeout-ms': { type: 'string' },
      'request-timeout-ms': { type: 'string' },
      'keep-alive-timeout-ms': { type: 'string' },
      'max-pending-connections': { type: 'string' },
      'no-speculation': { type: 'boolean' },
      'speculation-quantile': { type: 'string' },
      'speculation-multiplier': { type: 'string' },
      ...COMMON_FLAGS,
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${COORDINATOR_HELP}\n`);
    return 0;
  }
  const coordinator = await startCoordinator({
    ...(values.host !== undefined && { host: values.host }),
    ...(values.port !== undefined && { port: intFlag('port', values.port)! }),
    ...(values.token !== undefined && { token: values.token }),
    ...(values['heartbeat-ms'] !== undefined && { heartbeatMs: intFlag('heartbeat-ms', values['heartbeat-ms'])! }),
    ...(values['heartbeat-timeout-ms'] !== undefined && { heartbeatTimeoutMs: intFlag('heartbeat-timeout-ms', values['heartbeat-timeout-ms'])! }),
    ...(values['max-attempts'] !== undefined && { maxAttempts: intFlag('max-attempts', values['max-attempts'])! }),
    ...(values['state-dir'] !== undefined && { stateDir: values['state-dir'] }),
    ...(values['max-payload-bytes'] !== undefined && { maxPayloadBytes: intFlag('max-payload-bytes', values['max-payload-bytes'])! }),
    ...(values['max-body-bytes'] !== undefined && { maxBodyBytes: intFlag('max-body-bytes', values['max-body-bytes'])! }),
    ...(values['headers-timeout-ms'] !== undefined && { headersTimeoutMs: intFlag('headers-timeout-ms', values['headers-timeout-ms'])! }),
    ...(values['request-timeout-ms'] !== undefined && { requestTimeoutMs: intFlag('request-timeout-ms', values['request-timeout-ms'])! }),
    ...(values['keep-alive-timeout-ms'] !== undefined && { keepAliveTimeoutMs: intFlag('keep-alive-timeout-ms', values['keep-alive-timeout-ms'])! }),
    ...(values['max-pending-connections'] !== undefined && { maxPendingConnections: intFlag('max-pending-connections', values['max-pending-connections'])! }),
    speculation: {
      ...(values['no-speculation'] && { enabled: false }),
      ...(values['speculation-quantile'] !== undefined && { quantile: numberFlag('speculation-quantile', values['speculation-quantile']) }),
      ...(values['speculation-multiplier'] !== undefined && { multiplier: numberFlag('speculation-multiplier', values['speculation-multiplier']) }),
    },
    logger: loggerFlag(values['log-level'], 'coordinator'),
  });
  process.stdout.write(`cohort coordinator listening on ${coordinator.url}\n`);
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`${JSON.stringify({ time: Date.now(), level: 'info', msg: 'signal received', signal, component: 'coordinator' })}\n`);
      void coordinator.close().then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // Stopped from inside (a fatal journal error sets process.exitCode): exit with it.
    void coordinator.closed.then(() => resolve(process.exitCode === undefined ? 0 : Number(process.exitCode)));
  });
}
