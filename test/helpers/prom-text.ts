/**
 * Reading /metrics in tests with a real Prometheus text-format parser
 * (parse-prometheus-text-format: a port of the Prometheus Python client's
 * parser, output as prom2json's), never with regular expressions.
 *
 * That parser folds a histogram's samples into one object per family and
 * loses any label but `le` (a labelled histogram comes out without its
 * labels, sums or counts). So histograms are also read as Prometheus
 * stores them: their `_bucket`, `_sum` and `_count` series, each with its
 * labels (`series`), by parsing the text again with their TYPE lines made
 * `untyped`.
 */
import parsePrometheusTextFormat, { type PromFamily, type PromSample } from 'parse-prometheus-text-format';

export type { PromFamily, PromSample };

export class PromText {
  readonly families: Map<string, PromFamily>;
  /** Every series by name, histograms' included (`x_bucket`, `x_sum`, `x_count`). */
  readonly series: Map<string, PromFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    const untyped = text.replace(/^# TYPE (\S+) (histogram|summary)$/gm, '# TYPE $1 untyped');
    this.series = new Map();
    // Interleaved series (x_bucket, x_sum, x_count, then x_bucket again for the next label set) come out as separate families: merge them.
    for (const f of parsePrometheusTextFormat(untyped)) {
      const seen = this.series.get(f.name);
      if (seen) seen.metrics.push(...f.metrics);
      else this.series.set(f.name, { ...f, metrics: [...f.metrics] });
    }
  }

  family(name: string): PromFamily {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric family ${name}`);
    return f;
  }

  /** The sample of `name` whose labels include `labels` (exactly one must match). */
  sample(name: string, labels: Record<string, string> = {}): PromSample {
    const hits = this.family(name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return hits[0]!;
  }

  /** The value of a counter or gauge sample, as a number. */
  value(name: string, labels: Record<string, string> = {}): number {
    return Number(this.sample(name, labels).value);
  }

  /** The sum of a counter or gauge over the samples whose labels include `labels`. */
  total(name: string, labels: Record<string, string> = {}): number {
    return this.family(name)
      .metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
      .reduce((sum, m) => sum + Number(m.value), 0);
  }

  /** A histogram's count (its `_count` series) for the labels given. */
  count(name: string, labels: Record<string, string> = {}): number {
    return this.seriesValue(`${name}_count`, labels);
  }

  /** A histogram's sum (its `_sum` series) for the labels given. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.seriesValue(`${name}_sum`, labels);
  }

  /** The value of one series whose labels include `labels` (exactly one must match). */
  seriesValue(name: string, labels: Record<string, string> = {}): number {
    const family = this.series.get(name);
    if (!family) throw new Error(`no series ${name}`);
    const hits = family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return Number(hits[0]!.value);
  }

  /** Every label name used by the series whose name starts with `prefix` (histograms' `le` included). */
  labelNames(prefix: string): Set<string> {
    const names = new Set<string>();
    for (const f of this.series.values()) {
      if (!f.name.startsWith(prefix)) continue;
      for (const m of f.metrics) for (const k of Object.keys(m.labels ?? {})) names.add(k);
    }
    return names;
  }
}
