import { Counter, Gauge, Registry, Summary } from 'prom-client';

/**
 * The gateway's Prometheus metrics on prom-client, the product's one metrics library (the server's
 * are in server/services/metrics.ts), in a registry of its own per gateway: two gateways in one
 * process (tests) never share series.
 *
 * Parts define a series with a one-line call and add to it with whatever labels apply; the values
 * live here (so `value()` reads them synchronously for the status page and tests) and prom-client
 * renders them at scrape time. A series learns its label names from its uses: prom-client needs them
 * up front, so the first use of a new label name registers the series again with the wider set.
 */
type Labels = Record<string, string>;
type Kind = 'counter' | 'gauge';

class Series {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  private labelNames: string[] = [];

  constructor(readonly name: string, readonly help: string, readonly kind: Kind, private readonly registry: Registry) {
    this.register();
  }

  add(labels: Labels, by: number): void {
    const entry = this.entry(labels);
    if (entry) entry.value += by;
    else this.insert(labels, by);
  }

  set(labels: Labels, value: number): void {
    const entry = this.entry(labels);
    if (entry) entry.value = value;
    else this.insert(labels, value);
  }

  get(labels: Labels = {}): number {
    return this.entry(labels)?.value ?? 0;
  }

  private entry(labels: Labels): { labels: Labels; value: number } | undefined {
    return this.values.get(labelKey(labels));
  }

  private insert(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), { labels, value });
    const fresh = Object.keys(labels).filter((k) => !this.labelNames.includes(k));
    if (fresh.length === 0) return;
    this.labelNames = [...this.labelNames, ...fresh];
    this.registry.removeSingleMetric(this.name);
    this.register();
  }

  private register(): void {
    const values = this.values;
    const config = {
      name: this.name, help: this.help, labelNames: this.labelNames, registers: [this.registry],
      collect(this: Gauge | Counter): void {
        this.reset();
        for (const { labels, value } of values.values()) {
          if (this instanceof Counter) this.inc(labels, value);
          else this.set(labels, value);
        }
      },
    };
    if (this.kind === 'counter') new Counter(config);
    else new Gauge(config);
  }
}

/**
 * Where an alarm's milliseconds go in the gateway (issue 21's per-hop breakdown), for readings
 * that raised or cleared something: `rules_commit` the rules and the SQLite commit of the rule
 * state and events, `power_safe_sync` the WAL sync before the device is acknowledged,
 * `outbox_to_answer` from the event's creation to the server's answer for its batch (life-safety
 * lane; waiting in the lane, HTTP, the server's own hops), of which `send_round_trip` is the
 * batch's request → answer. The server's hops share the name.
 */
export const ALARM_HOP_METRIC = 'carewatch_alarm_hop_seconds';
export const ALARM_HOP_HELP = 'Time an alarm spends in each hop on the gateway, by hop.';

export class Metrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, Series>();
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const s = this.define(name, help, 'counter');
    return (labels = {}, by = 1) => s.add(labels, by);
  }

  gauge(name: string, help: string): (labels: Labels, value: number) => void {
    const s = this.define(name, help, 'gauge');
    return (labels, value) => s.set(labels, value);
  }

  /**
   * Quantiles over a sliding window (prom-client's Summary): the alarm path's per-hop times
   * (issue 21), read by operators and by `npm run bench`.
   */
  summary(name: string, help: string, labelNames: string[]): (labels: Labels, value: number) => void {
    const existing = this.registry.getSingleMetric(name);
    const s = existing instanceof Summary ? existing : new Summary({
      name, help, labelNames, registers: [this.registry],
      percentiles: [0.5, 0.9, 0.99, 1], maxAgeSeconds: 600, ageBuckets: 5,
    });
    return (labels, value) => s.observe(labels, value);
  }

  /** Runs before each render, for gauges read from elsewhere (outbox depth, connections). */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  value(name: string, labels: Labels = {}): number {
    return this.series.get(name)?.get(labels) ?? 0;
  }

  async render(): Promise<string> {
    for (const c of this.collectors) c();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private define(name: string, help: string, kind: Kind): Series {
    let s = this.series.get(name);
    if (!s) {
      s = new Series(name, help, kind, this.registry);
      this.series.set(name, s);
    }
    return s;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}
