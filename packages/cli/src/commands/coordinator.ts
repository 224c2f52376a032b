import { parseArgs } from 'node:util';
import { startCoordinator } from '@cohort/coordinator';
import { removeSecrets } from '@cohort/shared';
import { COMMON_FLAGS, intFlag, loggerFlag, numberFlag, secretFlag } from '../args.js';

export const COORDINATOR_HELP = `cohort coordinator [--host 127.0.0.1] [--port 7070] [--token T | --token-file F]
    [--agent-token T | --agent-token-file F] [--tasks-dir DIR]... [--heartbeat-ms 500] [--heartbeat-timeout-ms 2000] [--max-attempts 3]
    [--state-dir DIR [--journal-recover]] [--max-payload-bytes 67108864] [--max-body-bytes 67108864] [--log-level info]
    [--headers-timeout-ms 10000] [--request-timeout-ms 60000] [--keep-alive-timeout-ms 5000]
    [--max-pending-connections 512]
    [--no-speculation] [--speculation-quantile 0.75] [--speculation-multiplier 1.5]
  Serves agents (ws://HOST:PORT/agent), the JSON API and progress streams on one port.
  The token may also come from COHORT_TOKEN; it grants both roles unless --agent-token (or
  COHORT_AGENT_TOKEN) splits them: then only the agent token joins, and only --token uses the API.
  Binding beyond loopback requires a token. User task modules load only from a --tasks-dir.
  A damaged journal (JOURNAL_CORRUPT) stops start-up; --journal-recover saves the damaged
  bytes aside next to the journal, keeps every valid record, and starts.
  A connection must send its request head within --headers-timeout-ms (the idle limit).
  Exits 1 at once with LISTEN_FAILED if the address cannot be bound.`;

export async function coordinatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      'agent-token': { type: 'string' },
      'agent-token-file': { type: 'string' },
      'tasks-dir': { type: 'string', multiple: true },
      'heartbeat-ms': { type: 'string' },
      'heartbeat-timeout-ms': { type: 'string' },
      'max-attempts': { type: 'string' },
      'state-dir': { type: 'string' },
      'journal-recover': { type: 'boolean' },
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
  const token = secretFlag('token', values.token, 'token-file', values['token-file']) ?? process.env.COHORT_TOKEN;
  const agentToken = secretFlag('agent-token', values['agent-token'], 'agent-token-file', values['agent-token-file']) ?? process.env.COHORT_AGENT_TOKEN;
  // Read once; nothing this process starts or loads (task code in split and merge) finds them in the environment.
  removeSecrets(process.env);
  const coordinator = await startCoordinator({
    ...(values.host !== undefined && { host: values.host }),
    ...(values.port !== undefined && { port: intFlag('port', values.port)! }),
    ...(token !== undefined && { token }),
    ...(agentToken !== undefined && { agentToken }),
    ...(values['tasks-dir'] !== undefined && { tasksDirs: values['tasks-dir'] }),
    ...(values['heartbeat-ms'] !== undefined && { heartbeatMs: intFlag('heartbeat-ms', values['heartbeat-ms'])! }),
    ...(values['heartbeat-timeout-ms'] !== undefined && { heartbeatTimeoutMs: intFlag('heartbeat-timeout-ms', values['heartbeat-timeout-ms'])! }),
    ...(values['max-attempts'] !== undefined && { maxAttempts: intFlag('max-attempts', values['max-attempts'])! }),
    ...(values['state-dir'] !== undefined && { stateDir: values['state-dir'] }),
    ...(values['journal-recover'] && { journalRecover: true }),
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
