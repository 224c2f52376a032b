import { describe, expect, it } from 'vitest';
import { ErrorCode, createLogger, silentLogger, type LogEntry, type Logger } from '@cohort/shared';
import { codeOf } from '../../../../test/helpers/code-of.js';
import { Cluster } from '../cluster.js';
import { compileOptions, DEFAULT_METRICS_PUBLIC, type CoordinatorOptions } from '../options.js';
import { createCoordinatorMetrics } from './index.js';

const compile = (options: Partial<CoordinatorOptions> = {}) => compileOptions({ port: 0, logger: silentLogger, env: {}, ...options });

function recording(): { log: Logger; warnings: LogEntry[] } {
  const warnings: LogEntry[] = [];
  return { log: createLogger({ level: 'warn', sink: (entry) => warnings.push(entry) }), warnings };
}

describe('coordinator metrics options', () => {
  it('metricsPublic defaults to false, and must be a boolean', () => {
    expect(DEFAULT_METRICS_PUBLIC).toBe(false);
    expect(compile().metricsPublic).toBe(false);
    expect(compile({ metricsPublic: true }).metricsPublic).toBe(true);
    expect(codeOf(() => compile({ metricsPublic: 'yes' as unknown as boolean }))).toBe(ErrorCode.INVALID_OPTION);
  });

  it('metricsPublic is allowed on any bind; beyond loopback it is logged as a warning, on loopback not', () => {
    const cluster = new Cluster(
      { heartbeatMs: 100, heartbeatTimeoutMs: 1000, speculation: { enabled: false, quantile: 0.75, multiplier: 1.5, minRuntimeMs: 0 } },
      silentLogger,
    );
    const wide = recording();
    createCoordinatorMetrics(cluster, compile({ host: '0.0.0.0', token: 't', insecureNoTls: true, metricsPublic: true }), wide.log);
    expect(wide.warnings).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'metrics served without a token beyond loopback', host: '0.0.0.0', route: '/metrics' }),
    ]);
    const loopback = recording();
    createCoordinatorMetrics(cluster, compile({ metricsPublic: true }), loopback.log);
    createCoordinatorMetrics(cluster, compile({ host: '0.0.0.0', token: 't', insecureNoTls: true }), loopback.log);
    expect(loopback.warnings).toEqual([]);
  });
});
