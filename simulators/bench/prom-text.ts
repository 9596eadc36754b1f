/**
 * Reading Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/)
 * as the benches need it: the sum of a series over its label sets, and a summary's quantiles by
 * one label. Enough for our own /metrics; not a general parser.
 */
interface Sample { name: string; labels: Record<string, string>; value: number }

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of every sample of `name` (all label sets). */
export function sumSeries(text: string, name: string): number {
  return samples(text).filter((s) => s.name === name).reduce((a, s) => a + (Number.isFinite(s.value) ? s.value : 0), 0);
}

/** A summary's quantiles (quantile → value) for each value of `by`, e.g. hop → { '0.5': …, '0.99': … }. */
export function summaryQuantiles(text: string, name: string, by: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const s of samples(text)) {
    if (s.name !== name || s.labels.quantile === undefined || s.labels[by] === undefined) continue;
    const key = s.labels[by]!;
    out.set(key, { ...out.get(key), [s.labels.quantile]: s.value });
  }
  return out;
}
