/**
 * A histogram metric for a prom-client Registry whose values are read, at
 * scrape time, from `Buckets` (plain numbers) kept per label value. The
 * registry needs of a metric only its name, help, type and `get()` (the
 * same shape prom-client's own metrics return); prom-client is pinned
 * exactly, so this shape cannot change under us.
 */
import type { Metric, Registry } from 'prom-client';
import type { Buckets } from './buckets.js';

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export class BucketsHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    /** The label's name (or none), and the Buckets of each of its values, read at each scrape. */
    private readonly label: string | undefined,
    private readonly read: () => ReadonlyMap<string, Buckets>,
  ) {}

  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    const values: Value[] = [];
    for (const [labelValue, b] of this.read()) {
      const base: Record<string, string> = this.label === undefined ? {} : { [this.label]: labelValue };
      const cumulative = b.cumulative();
      for (let i = 0; i < b.bounds.length; i++)
        values.push({ labels: { ...base, le: b.bounds[i]! }, value: cumulative[i]!, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...base, le: '+Inf' }, value: b.count, metricName: `${this.name}_bucket` });
      values.push({ labels: base, value: b.sum, metricName: `${this.name}_sum` });
      values.push({ labels: base, value: b.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** `registry.resetMetrics()`: the counts belong to the coordinator, not to the registry; nothing to reset here. */
  reset(): void {}
}
