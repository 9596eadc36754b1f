/**
 * Prometheus counters and gauges, no dependency: the gateway exposes a handful of series and
 * the text format (https://prometheus.io/docs/instrumenting/exposition_formats/) is simple.
 */
type Labels = Record<string, string>;

class Series {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge') {}

  add(labels: Labels, by: number): void {
    const key = labelKey(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  set(labels: Labels, value: number): void {
    this.values.set(labelKey(labels), { labels, value });
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
}

export class Metrics {
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

  /** Runs before each render, for gauges read from elsewhere (outbox depth, connections). */
  onCollect(fn: () => void): void {
    this.collectors.push(fn);
  }

  value(name: string, labels: Labels = {}): number {
    return this.series.get(name)?.get(labels) ?? 0;
  }

  render(): string {
    for (const c of this.collectors) c();
    const out: string[] = [];
    for (const s of this.series.values()) {
      out.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
      for (const { labels, value } of s.values.values()) out.push(`${s.name}${renderLabels(labels)} ${value}`);
    }
    return `${out.join('\n')}\n`;
  }

  private define(name: string, help: string, type: 'counter' | 'gauge'): Series {
    let s = this.series.get(name);
    if (!s) {
      s = new Series(name, help, type);
      this.series.set(name, s);
    }
    return s;
  }
}

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${keys.map((k) => `${k}="${esc(labels[k]!)}"`).join(',')}}`;
}
