/**
 * A minimal Prometheus registry (text exposition format 0.0.4): counters with labels and gauges
 * read at scrape time. Enough for the server's handful of series without another dependency.
 */

type Labels = Record<string, string>;

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(JSON.stringify(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${formatLabels(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class Gauge {
  constructor(readonly name: string, readonly help: string, private readonly collect: () => Array<[Labels, number]>) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [labels, value] of this.collect()) lines.push(`${this.name}${formatLabels(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class ServerMetrics {
  readonly httpRequests = new Counter('carewatch_http_requests_total', 'HTTP requests by method, route and status.');
  readonly ingestEvents = new Counter('carewatch_ingest_events_total', 'Ingested events by result (stored = new, duplicate = id already stored).');
  readonly authFailures = new Counter('carewatch_auth_failures_total', 'Refused requests by reason (missing, malformed, unknown_token, role, scope).');
  private readonly gauges: Gauge[] = [];

  addGauge(gauge: Gauge): void {
    this.gauges.push(gauge);
  }

  render(): string {
    return [this.httpRequests, this.ingestEvents, this.authFailures, ...this.gauges].map((m) => m.render()).join('\n') + '\n';
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

// Prometheus exposition format: backslash, double quote and newline are escaped in label values.
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
