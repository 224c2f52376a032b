import { parseArgs } from 'node:util';
import { startCoordinator } from '@cohort/coordinator';
import { COMMON_FLAGS, intFlag, loggerFlag, numberFlag } from '../args.js';

export const COORDINATOR_HELP = `cohort coordinator [--host 127.0.0.1] [--port 7070] [--token T]
    [--heartbeat-ms 500] [--heartbeat-timeout-ms 2000] [--max-attempts 3]
    [--state-dir DIR [--journal-recover]] [--max-payload-bytes 67108864] [--log-level info]
    [--no-speculation] [--speculation-quantile 0.75] [--speculation-multiplier 1.5]
  Serves agents (ws://HOST:PORT/agent), the JSON API and progress streams on one port.
  The token may also come from COHORT_TOKEN. Binding beyond loopback requires a token.
  A damaged journal (JOURNAL_CORRUPT) stops start-up; --journal-recover saves the damaged
  bytes aside next to the journal, keeps every valid record, and starts.`;

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
      'journal-recover': { type: 'boolean' },
      'max-payload-bytes': { type: 'string' },
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
    ...(values['journal-recover'] && { journalRecover: true }),
    ...(values['max-payload-bytes'] !== undefined && { maxPayloadBytes: intFlag('max-payload-bytes', values['max-payload-bytes'])! }),
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
