import { Counter, Gauge, Registry, Summary } from 'prom-client';

type Labels = Record<string, string>;
/** What a gauge reads at scrape time: one value per label set. */
export type GaugeReading = Array<[Labels, number]>;

/**
 * The server's Prometheus metrics on prom-client (one metrics library for the product), in a
 * registry of its own per app: two servers in one process (tests) never share series. Counters
 * are prom-client's; gauges read their value when scraped, from the store or in-memory state.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'carewatch_http_requests_total', help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'], registers: [this.registry],
  });
  readonly ingestEvents = new Counter({
    name: 'carewatch_ingest_events_total',
    help: 'Ingested events by result (stored = new, duplicate = id already stored, refused_<code> = refused with that code).',
    labelNames: ['result'], registers: [this.registry],
  });
  /**
   * Where an alarm's milliseconds go on this server (issue 21's per-hop breakdown; the gateway's
   * hops are its own `carewatch_alarm_hop_seconds`): `ingest_parse` from the request's arrival to
   * its events checked (body read, JSON, zod, scope), `ingest_commit` the transaction that stores
   * them and raises the alarm, with the change written to every open stream. Batches carrying a
   * life-safety event only: the backlog of telemetry does not hide the alarm path.
   */
  readonly alarmHops = new Summary({
    name: 'carewatch_alarm_hop_seconds', help: 'Time an alarm-bearing ingest spends in each hop on the server, by hop.',
    labelNames: ['hop'], registers: [this.registry], percentiles: [0.5, 0.9, 0.99, 1], maxAgeSeconds: 600, ageBuckets: 5,
  });
  readonly authFailures = new Counter({
    name: 'carewatch_auth_failures_total', help: 'Refused requests by reason (missing, malformed, unknown_token, role, scope).',
    labelNames: ['reason'], registers: [this.registry],
  });

  /** A gauge whose values are read at scrape time (sync or from the store). */
  addGauge(name: string, help: string, read: () => GaugeReading | Promise<GaugeReading>, labelNames: string[] = []): void {
    new Gauge({
      name, help, labelNames, registers: [this.registry],
      async collect() {
        this.reset();
        for (const [labels, value] of await read()) this.set(labels, value);
      },
    });
  }

  /** The current value of a counter for one label set (tests, status pages). */
  async counterValue(counter: Counter, labels: Labels = {}): Promise<number> {
    const { values } = await counter.get();
    return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x) && Object.keys(v.labels).length === Object.keys(labels).length)?.value ?? 0;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
