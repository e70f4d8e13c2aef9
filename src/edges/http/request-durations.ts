import type { Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

interface ExposedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * HTTP request durations by method, route and status: a Prometheus histogram with the same
 * series prom-client's Histogram exposes (`_bucket` with `le`, `_sum`, `_count`), counted in
 * an array per label set. prom-client's `observe` validates the label object and hashes it
 * into a string key on every call; measured on schema lookups by id, with it and without any
 * observation, that was about a sixth of the server's CPU per request.
 *
 * @example
 * const durations = new RequestDurations('sluice_http_request_duration_seconds', 'HTTP requests', [0.001, 0.01]);
 * durations.register(registry);
 * durations.observe('GET', '/healthz', 200, 0.0004);
 */
export class RequestDurations {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  /** How prom-client's cluster mode would merge it across workers, as for its own histograms. */
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  /** Route, then method, then status: each a string or number that is the same on every request. */
  readonly #series = new Map<string, Map<string, Map<number, Series>>>();

  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = [...bounds].sort((a, b) => a - b);
  }

  /** Registers it where prom-client's Registry looks for metrics; it reads `name`, `get` and `reset`. */
  register(registry: Registry): void {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let methods = this.#series.get(route);
    if (methods === undefined) this.#series.set(route, (methods = new Map<string, Map<number, Series>>()));
    let statuses = methods.get(method);
    if (statuses === undefined) methods.set(method, (statuses = new Map<number, Series>()));
    let series = statuses.get(status);
    if (series === undefined) {
      series = { labels: { method, route, status: String(status) }, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      statuses.set(status, series);
    }
    let slot = 0;
    while (slot < this.#bounds.length && seconds > this.#bounds[slot]!) slot++;
    series.counts[slot]!++;
    series.sum += seconds;
    series.count++;
  }

  /** The values in the form prom-client's Registry formats, in the order its Histogram gives them. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExposedValue[] }> {
    const values: ExposedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const methods of this.#series.values()) {
      for (const statuses of methods.values()) {
        for (const { labels, counts, sum, count } of statuses.values()) {
          let cumulative = 0;
          this.#bounds.forEach((le, slot) => {
            cumulative += counts[slot]!;
            values.push({ labels: { le, ...labels }, value: cumulative, metricName: bucket });
          });
          values.push(
            { labels: { le: '+Inf', ...labels }, value: count, metricName: bucket },
            { labels: { ...labels }, value: sum, metricName: `${this.name}_sum` },
            { labels: { ...labels }, value: count, metricName: `${this.name}_count` },
          );
        }
      }
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.#series.clear();
  }
}
