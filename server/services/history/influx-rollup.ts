import { escape } from 'influx';
import { READING_FIELD_KINDS } from '../../../contract/index.ts';
import type { FieldKind } from '../../../contract/index.ts';
import { cast, ROLLUP_RP } from './influx-conn.ts';
import type { InfluxConn } from './influx-conn.ts';
import { escapeKey, escapeString, seriesKey } from './line-protocol.ts';
import { readingKind } from './sqlite-history.ts';
import { HOUR_MS } from './sqlite-rollup.ts';
import type { FieldSeries, ReadingPoint, SeriesQuery, StoredPoint } from './types.ts';

/** The roll-up measurement (in the `rollup` policy): per hour and series, `sum_F`, `count_F`, `min_F`, `max_F`, `last_F` of each field F. */
export const ROLLUP_MEASUREMENT = 'reading_1h';
/** Rows a roll-up read aims at (an hour of 10,000 devices every 5 minutes is 120,000). */
const READ_ROWS = 100_000;
/** The longest span read at once: InfluxDB's default shard (7 days). */
const MAX_HOURS_A_READ = 7 * 24;
const READING_KINDS = READING_FIELD_KINDS as Record<string, FieldKind>;

const tagFilter = (site: string, device: string) => `"site" = ${escape.stringLit(site)} AND "device" = ${escape.stringLit(device)}`;

/**
 * Hourly roll-ups of `reading` in InfluxDB 1.x, written by the server rather than by a continuous
 * query: a CQ only resamples a window before influxd's own clock, and a gateway's backlog or a
 * replay arrives with device times hours or days old. The hours a write touched are noted per
 * series; a query rolls up the noted hours of its own series in its range first, and the periodic
 * job rolls up the rest once their hour has ended (each hour about once, not every 30 s). On open,
 * the two hours before now are redone (what a crash may have left noted but not rolled up).
 */
export class InfluxRollup {
  /** Hours (their start, epoch ms) touched by writes and not rolled up since, with the series touched. */
  private readonly dirty = new Map<number, Set<string>>();

  constructor(private readonly conn: InfluxConn) {}

  note(points: readonly ReadingPoint[]): void {
    for (const p of points) this.mark(p.ts - (p.ts % HOUR_MS), `${p.siteId}\u0000${p.deviceId}`);
  }

  private mark(hour: number, key: string): void {
    let series = this.dirty.get(hour);
    if (!series) this.dirty.set(hour, series = new Set());
    series.add(key);
  }

  /** Rolls up the noted hours that start before `upTo` (all by default). Notes made meanwhile stay for the next time. */
  async flush(upTo = Number.POSITIVE_INFINITY): Promise<void> {
    const taken = new Map([...this.dirty].filter(([h]) => h + HOUR_MS <= upTo));
    for (const h of taken.keys()) this.dirty.delete(h);
    try {
      for (const [from, to] of runs([...taken.keys()].sort((a, b) => a - b))) {
        await this.rollUp(from, to, '');
        for (let h = from; h < to; h += HOUR_MS) taken.delete(h);
      }
    } finally {
      for (const [h, series] of taken) for (const key of series) this.mark(h, key);
    }
  }

  /** Rolls up `hours` from `from` back (a restart's catch-up). */
  async redo(from: number, to: number): Promise<void> {
    await this.rollUp(from - (from % HOUR_MS), to, '');
  }

  /** The hourly buckets of one device, after rolling up what its writes left noted in the range. */
  async read(q: SeriesQuery, everyMs: number): Promise<FieldSeries[]> {
    const key = `${q.siteId}\u0000${q.deviceId}`;
    const mine = [...this.dirty.entries()].filter(([h, s]) => h >= q.from && h < q.to && s.has(key)).map(([h]) => h).sort((a, b) => a - b);
    for (const h of mine) {
      const series = this.dirty.get(h)!;
      series.delete(key);
      if (series.size === 0) this.dirty.delete(h);
    }
    for (const [from, to] of runs(mine)) {
      try {
        await this.rollUp(from, to, ` AND ${tagFilter(q.siteId, q.deviceId)}`);
      } catch (error) {
        for (const h of mine) if (h >= from) this.mark(h, key);
        throw error;
      }
    }
    const fields = (q.fields ?? Object.keys(READING_FIELD_KINDS)).filter((f) => f in READING_FIELD_KINDS).sort();
    const where = `${tagFilter(q.siteId, q.deviceId)} AND time >= ${q.from}ms AND time < ${q.to}ms`;
    // By the hour, the roll-up rows are the buckets: read as they are, with no aggregation in influxd.
    const hourly = everyMs === HOUR_MS;
    const from = `FROM "${ROLLUP_RP}"."${ROLLUP_MEASUREMENT}" WHERE ${where}${hourly ? '' : ` GROUP BY time(${everyMs}ms) fill(none)`}`;
    const agg = (fn: string, col: string) => (hourly ? escape.quoted(col) : `${fn}(${escape.quoted(col)})`);
    const results = await this.conn.query(fields.map((f) => readingKind(f) === 'number'
      ? `SELECT ${agg('SUM', `sum_${f}`)}, ${agg('SUM', `count_${f}`)}, ${agg('MIN', `min_${f}`)}, ${agg('MAX', `max_${f}`)} ${from}`
      : `SELECT ${agg('LAST', `last_${f}`)}, ${agg('SUM', `count_${f}`)} ${from}`));
    const out: FieldSeries[] = [];
    fields.forEach((field, i) => {
      const kind = readingKind(field);
      const rows = (results[i]?.series?.[0]?.values ?? []).filter((row) => row[1] !== null && row[2] !== null);
      const points: StoredPoint[] = rows.map((row) => kind === 'number'
        ? { t: Number(row[0]), value: Number(row[1]) / Number(row[2]), min: Number(row[3]), max: Number(row[4]), count: Number(row[2]) }
        : { t: Number(row[0]), value: cast(row[1], kind), count: Number(row[2]) });
      if (points.length > 0) out.push({ field, points, truncated: false });
    });
    return out;
  }

  /**
   * Reads the hours' points as they are (ungrouped: InfluxDB 1.6 spent ~0.4 ms a series and bucket on
   * `GROUP BY time(1h), *`, 80 s for a month of 10,000 series, against ~0.5 s for 10,000 raw rows)
   * and writes each series' hours summed here, a few hours a read.
   */
  private async rollUp(from: number, to: number, filter: string): Promise<void> {
    // Each read costs InfluxDB about the same per series whatever its span, and the rows must fit in
    // memory: the span grows while reads come back small and shrinks when one comes back large.
    let span = 1;
    for (let start = from, end = from; start < to; start = end) {
      end = Math.min(to, start + span * HOUR_MS);
      const [r] = await this.conn.query([`SELECT * FROM "reading" WHERE time >= ${start}ms AND time < ${end}ms${filter}`]);
      const series = r?.series?.[0];
      const rows = series?.values.length ?? 0;
      if (rows < READ_ROWS / 4) span = Math.min(span * 4, MAX_HOURS_A_READ);
      else if (rows > READ_ROWS) span = Math.max(1, Math.floor(span / 2));
      if (!series) continue;
      const at = (name: string) => series.columns.indexOf(name);
      const [time, site, device] = [at('time'), at('site'), at('device')];
      const fields = series.columns.map((name, i) => ({ name, i, kind: READING_KINDS[name] })).filter((c) => c.kind !== undefined);
      const hours = new Map<string, { series: string; hour: number; by: Map<string, HourOfField> }>();
      for (const row of series.values) {
        const ts = Number(row[time]);
        const hour = ts - (ts % HOUR_MS);
        const key = `${String(row[device])}\u0000${String(row[site])}\u0000${hour}`;
        let h = hours.get(key);
        if (!h) hours.set(key, h = { series: seriesKey(ROLLUP_MEASUREMENT, String(row[site]), String(row[device])), hour, by: new Map() });
        for (const f of fields) {
          const v = row[f.i];
          if (v === null || v === undefined) continue;
          const x = h.by.get(f.name);
          const n = Number(v);
          if (!x) h.by.set(f.name, { kind: f.kind!, sum: n, count: 1, min: n, max: n, last: v, lastTs: ts });
          else {
            x.sum += n; x.count += 1; x.min = Math.min(x.min, n); x.max = Math.max(x.max, n);
            if (ts >= x.lastTs) { x.last = v; x.lastTs = ts; }
          }
        }
      }
      const lines: string[] = [];
      for (const h of hours.values()) {
        const parts: string[] = [];
        for (const [name, x] of h.by) {
          const k = escapeKey(name);
          parts.push(`count_${k}=${x.count}i`);
          if (x.kind === 'number') parts.push(`sum_${k}=${x.sum}`, `min_${k}=${x.min}`, `max_${k}=${x.max}`, `last_${k}=${Number(x.last)}`);
          else parts.push(`last_${k}=${x.kind === 'boolean' ? String(x.last === true) : escapeString(String(x.last))}`);
        }
        if (parts.length > 0) lines.push(`${h.series} ${parts.join(',')} ${h.hour}`);
      }
      await this.conn.post(lines, ROLLUP_RP);
    }
  }
}

interface HourOfField { kind: FieldKind; sum: number; count: number; min: number; max: number; last: unknown; lastTs: number }

/** Sorted hour starts as [from, to) runs of consecutive hours. */
function runs(hours: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const h of hours) {
    const last = out[out.length - 1];
    if (last && last[1] === h) last[1] = h + HOUR_MS;
    else out.push([h, h + HOUR_MS]);
  }
  return out;
}
